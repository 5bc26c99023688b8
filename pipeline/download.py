"""Stage download@<dataset>: fetch raw data from the source params.yaml names."""

import argparse
from pathlib import Path

from ganrnn import stage
from ganrnn.config import load_params
from ganrnn.data.sources import fetch

DATASETS = ("faces", "shakespeare", "languages", "digits")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dataset", choices=DATASETS)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--out", type=Path, help="raw data folder (default: data/raw/<dataset>)")
    parser.add_argument(
        "--downloads", type=Path,
        help="folder that keeps downloads between runs (default: data/downloads/<dataset>)",
    )  # fmt: skip
    args = parser.parse_args()

    params = load_params(args.params)
    out = args.out or Path("data/raw") / args.dataset
    downloads = args.downloads or Path("data/downloads") / args.dataset
    fetch(args.dataset, getattr(params.data, args.dataset), out, downloads)


if __name__ == "__main__":
    stage.run(main)
