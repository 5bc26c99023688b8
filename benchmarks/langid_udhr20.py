"""Language identification on a local 20-language split: the RNN against the n-gram baseline.

Usage: python benchmarks/langid_udhr20.py [--data DIR] [--overrides FILE] [--validation FRACTION] [--out DIR]

The script copies the repository into a temporary git + DVC folder and sets
data.languages.source=local with data.languages.path=DIR (the split layout: train/, test/ and
an optional kaggle_test.txt). It then applies the overrides and runs the langid stages there with
`dvc repro --single-item`, so the workspace is not touched. It prints the accuracy of every RNN
cell and of the baseline on the same variable-length test chunks and the wall time of each stage.
Kaggle-file accuracy is printed only when the prepared data have labels for it. With --out, the
langid metrics, plot tables and Kaggle submissions are copied there before the folder is deleted.

With --validation F the test files are left out. The last F of every training file becomes the
test text, the rest the training text, and no Kaggle file is used. Settings can then be compared
without reading the test split.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from repro_time import ROOT, apply_overrides, copy_repository, run

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "udhr20"


def _git(args: list[str]) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()


def validation_split(data: Path, fraction: float, out: Path) -> Path:
    """Write a train/ and test/ split of `data`'s training files alone into `out`, for model selection.

    Each `<lang>_train.txt` is cut at the character (1 - fraction) of the way through. The first part
    becomes `train/<lang>_train.txt`, and the rest becomes `test/<lang>_test.txt`.
    """
    for path in sorted((data / "train").glob("*_train.txt")):
        text = path.read_text(encoding="utf-8")
        cut = round(len(text) * (1.0 - fraction))
        language = path.name.removesuffix("_train.txt")
        (out / "train").mkdir(parents=True, exist_ok=True)
        (out / "test").mkdir(parents=True, exist_ok=True)
        (out / "train" / path.name).write_text(text[:cut], encoding="utf-8")
        (out / "test" / f"{language}_test.txt").write_text(text[cut:], encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with train/, test/ (default: %(default)s)")
    parser.add_argument("--overrides", type=Path, help="key=value lines applied to params.yaml after the data source")
    parser.add_argument("--validation", type=float, metavar="FRACTION",
                        help="score on the last FRACTION of each training file instead of the test files")  # fmt: skip
    parser.add_argument("--out", type=Path, help="folder to copy metrics/langid, plots/langid and submissions into")
    args = parser.parse_args()
    if args.validation is not None and not 0.0 < args.validation < 1.0:
        sys.exit(f"error: --validation={args.validation} is invalid; give a fraction between 0 and 1, such as 0.2")
    if not (args.data / "train").is_dir():
        sys.exit(f"error: {args.data / 'train'} not found; pass --data with the train/ and test/ split")

    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    dvc = [sys.executable, "-m", "dvc"]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        copy_repository(repo)
        data = args.data.resolve()
        if args.validation is not None:
            data = validation_split(data, args.validation, Path(tmp) / "validation")
        source = repo / "udhr20.overrides"
        source.write_text(f"data.languages.source=local\ndata.languages.path={data}\n", encoding="utf-8")
        apply_overrides(repo / "params.yaml", source)
        if args.overrides:
            apply_overrides(repo / "params.yaml", args.overrides.resolve())
        run(["git", "init", "-q"], repo, env)
        # The stages import ganrnn from the copy, not from an editable install of the workspace,
        # so an edit made in the workspace while the benchmark runs does not mix into it.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo / "src"), env.get("PYTHONPATH")]))

        cells = yaml.safe_load((repo / "params.yaml").read_text(encoding="utf-8"))["langid"]["cells"]
        stages = ["validate_params", "download@languages", "prepare@languages", "evaluate_baseline"]
        stages += [f"{kind}@{cell}" for cell in cells for kind in ("train_langid", "evaluate_langid")]
        timings = [(stage, run(dvc + ["repro", "--single-item", stage], repo, env)) for stage in stages]

        metrics_dir = repo / "metrics" / "langid"
        results = {name: json.loads((metrics_dir / f"{name}.json").read_text(encoding="utf-8")) for name in [*cells, "baseline"]}
        if args.out:
            for folder in ("metrics/langid", "plots/langid", "submissions"):
                shutil.copytree(repo / folder, args.out / folder, dirs_exist_ok=True)
        commit = _git(["rev-parse", "--short", "HEAD"]) or "unknown"
        if _git(["status", "--porcelain"]):
            commit += " with uncommitted changes"

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"load average (1, 5, 15 min) before: {load_before[0]:.1f}, {load_before[1]:.1f}, {load_before[2]:.1f}; "
          f"after: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")  # fmt: skip
    split = f"validation: last {args.validation:g} of each training file" if args.validation is not None else "test files"
    print(f"data: {args.data} ({split}); overrides: {args.overrides or 'none'}; code: commit {commit}\n")
    print("| classifier | test accuracy | test chunks | Kaggle-file accuracy |\n|---|---|---|---|")
    for name, metrics in results.items():
        kaggle = f"{metrics['kaggle_accuracy']:.4f}" if "kaggle_accuracy" in metrics else "unlabelled"
        label = f"{name} RNN" if name != "baseline" else "n-gram baseline"
        print(f"| {label} | {metrics['accuracy']:.4f} | {metrics['test_chunks']} | {kaggle} |")
    print("\n| stage | seconds |\n|---|---|")
    for stage, seconds in timings:
        print(f"| {stage} | {seconds:.1f} |")
    if args.out:
        print(f"\ncopied metrics/langid, plots/langid and submissions/ to {args.out}")


if __name__ == "__main__":
    main()
