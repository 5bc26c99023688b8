"""Stage report: render reports/report.md and its figures from metrics and plots."""

import argparse
from pathlib import Path

from ganrnn import stage
from ganrnn.config import load_params
from ganrnn.io import replace_dir
from ganrnn.report.render import Inputs, render_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--metrics", type=Path, default=Path("metrics"))
    parser.add_argument("--plots", type=Path, default=Path("plots"))
    parser.add_argument("--out", type=Path, default=Path("reports"))
    args = parser.parse_args()

    params = load_params(args.params)
    inputs = Inputs(metrics=args.metrics, plots=args.plots, report_dir=args.out)
    with replace_dir(args.out) as staging:
        render_report(params, inputs, staging)


if __name__ == "__main__":
    stage.run(main)
