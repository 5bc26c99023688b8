"""Time `dvc repro` of the default pipeline from clean, stage by stage, and a no-op `dvc repro`.

Usage: python benchmarks/repro_time.py [--overrides configs/smoke.overrides]

The pipeline runs in a temporary git + DVC copy of this repository, so the workspace is not
touched. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return elapsed


def copy_repository(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for rel in filter(None, listed):
        if (ROOT / rel).is_file() and rel != "dvc.lock":
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)


def apply_overrides(params_path: Path, overrides_path: Path) -> None:
    params = yaml.safe_load(params_path.read_text(encoding="utf-8"))
    for line in overrides_path.read_text(encoding="utf-8").split():
        key, value = line.split("=", 1)
        *parents, leaf = key.split(".")
        node = params
        for part in parents:
            node = node[part]
        node[leaf] = yaml.safe_load(value)
    params_path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--overrides", type=Path, help="key=value lines applied to params.yaml first")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    dvc = [sys.executable, "-m", "dvc"]
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        copy_repository(repo)
        if args.overrides:
            apply_overrides(repo / "params.yaml", args.overrides.resolve())
        run(["git", "init", "-q"], repo, env)

        stages = subprocess.run(
            dvc + ["stage", "list", "--name-only"], cwd=repo, env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        timings = [(stage, run(dvc + ["repro", "--single-item", stage], repo, env)) for stage in stages]
        noop = run(dvc + ["repro"], repo, env)

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"params: params.yaml{' + ' + str(args.overrides) if args.overrides else ''}\n")
    print("| stage | seconds |\n|---|---|")
    for stage, seconds in timings:
        print(f"| {stage} | {seconds:.1f} |")
    print(f"| **full repro from clean** | **{sum(s for _, s in timings):.1f}** |")
    print(f"| no-op `dvc repro` | {noop:.1f} |")


if __name__ == "__main__":
    main()
