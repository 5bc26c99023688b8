"""Stage validate_params: check params.yaml against the schema before any other stage runs.

Every other stage depends on this stage's output, so DVC runs it first and stops at an invalid
value before it deletes the outputs of the stages that would rerun.
"""

import argparse
from pathlib import Path

from ganrnn import stage
from ganrnn.config import load_params
from ganrnn.io import write_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--out", type=Path, default=Path("data/params_valid.txt"))
    args = parser.parse_args()

    load_params(args.params)
    # Constant content: a valid change must not make the downstream stages rerun by itself.
    write_text(args.out, "params.yaml is valid\n")


if __name__ == "__main__":
    stage.run(main)
