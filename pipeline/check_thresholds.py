"""Fail (exit status 1) when any metric in metrics/ is on the wrong side of its threshold.

Reads the `thresholds` section of params.yaml and prints one line per checked metric.
"""

import argparse
import json
import sys
from pathlib import Path

from ganrnn import stage
from ganrnn.config import gan_variants, load_params

CELLS_TEXTGEN = ("rnn", "lstm", "gru")
# Metrics that exist only for some data sources: Kaggle accuracy needs a labelled Kaggle file.
OPTIONAL_KEYS = ("kaggle_accuracy",)


def _value(path: Path, key: str) -> float | None:
    """Read metric `key` from `path`; return None when the file lacks it, because the data source cannot measure it."""
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; run `dvc repro` before checking thresholds")
    value = json.loads(path.read_text(encoding="utf-8")).get(key)
    return None if value is None else float(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--metrics", type=Path, default=Path("metrics"))
    args = parser.parse_args()

    params = load_params(args.params)
    t = params.thresholds
    # (metric file, key, threshold, "min" or "max")
    checks = [
        (args.metrics / "gan" / "faces" / v / "train.json", "final_diversity", t.gan_final_diversity_min, "min")
        for v in gan_variants(params.gan_losses)
    ]
    checks.append((args.metrics / "extractor" / "digits.json", "test_accuracy", t.digit_classifier_accuracy_min, "min"))
    checks += [(args.metrics / "textgen" / f"{c}.json", "test_loss", t.textgen_test_loss_max, "max") for c in CELLS_TEXTGEN]
    for cell in params.langid.cells:
        path = args.metrics / "langid" / f"{cell}.json"
        checks += [(path, "accuracy", t.langid_accuracy_min, "min"), (path, "kaggle_accuracy", t.langid_kaggle_accuracy_min, "min")]

    failures = []
    for path, key, limit, kind in checks:
        value = _value(path, key)
        if value is None and key in OPTIONAL_KEYS:
            print(f"skip {path}:{key} is absent (the test file has no labels)")
            continue
        if value is None:
            raise ValueError(f"{path} has no metric {key!r}; rerun the stage that writes it (dvc repro)")
        ok = value >= limit if kind == "min" else value <= limit
        relation = ">=" if kind == "min" else "<="
        print(f"{'ok  ' if ok else 'FAIL'} {path}:{key} = {value:.4f} (required {relation} {limit})")
        if not ok:
            failures.append(f"{path}:{key}")

    if failures:
        print(f"error: {len(failures)} metric(s) failed their threshold: {', '.join(failures)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    stage.run(main)
