"""Write the language-model sweep table from `dvc exp show --json`, sorted by test accuracy.

Not a DVC stage: run it once the queued experiments have finished. The table goes to
metrics/langid/sweep.md by default, which the report stage reads when the file exists, so
`dvc repro report` then adds the table to reports/report.md.
"""

import argparse
import json
import logging
import subprocess
import sys
from pathlib import Path

from ganrnn import stage
from ganrnn.config import load_params
from ganrnn.io import write_text
from ganrnn.report.sweep import sweep_table

log = logging.getLogger("sweep_table")


def read_exp_show() -> list:
    """Run `dvc exp show --json` in the current folder and parse its output."""
    command = [sys.executable, "-m", "dvc", "exp", "show", "--json"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ValueError(
            f"`dvc exp show --json` failed with exit status {result.returncode}: {result.stderr.strip()}. "
            f"Run this script from the root of the DVC repository."
        )
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--cell", help="langid cell whose accuracy ranks the rows (default: the first of langid.cells)")
    parser.add_argument("--out", type=Path, default=Path("metrics/langid/sweep.md"), help="Markdown file to write")
    args = parser.parse_args()

    cell = args.cell or load_params(args.params).langid.cells[0]
    table = sweep_table(read_exp_show(), cell)
    write_text(args.out, table)
    log.info("wrote %s", args.out)
    sys.stdout.write(table)


if __name__ == "__main__":
    stage.run(main)
