"""Stage prepare@<dataset>: turn raw data into compact tensors and evaluation files."""

import argparse
import logging
from pathlib import Path

from ganrnn import stage
from ganrnn.config import load_params
from ganrnn.data import digits, faces, languages, shakespeare
from ganrnn.io import replace_dir, write_json

log = logging.getLogger("prepare")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dataset", choices=("faces", "shakespeare", "languages", "digits"))
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--raw", type=Path, help="raw data folder (default: data/raw/<dataset>)")
    parser.add_argument("--out", type=Path, help="output folder (default: data/prepared/<dataset>)")
    args = parser.parse_args()

    params = load_params(args.params)
    config = getattr(params.data, args.dataset)
    raw = args.raw or Path("data/raw") / args.dataset
    out = args.out or Path("data/prepared") / args.dataset
    if not raw.is_dir():
        raise FileNotFoundError(f"raw data folder {raw} not found; run: dvc repro download@{args.dataset}")

    with replace_dir(out) as staging:
        if args.dataset == "faces":
            summary = faces.prepare(config, raw, staging)
        elif args.dataset == "shakespeare":
            summary = shakespeare.prepare(config, raw, staging)
        elif args.dataset == "digits":
            summary = digits.prepare(config, raw, staging, seed=params.seed)
        else:
            summary = languages.prepare(config, raw, staging, seed=params.seed)
        write_json(staging / "summary.json", summary)
    log.info("prepared %s into %s", args.dataset, out)


if __name__ == "__main__":
    stage.run(main)
