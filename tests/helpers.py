"""Paths and helpers shared by the tests, including runs of the real pipeline in a temporary
git + DVC repository."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def run_command(args, cwd, env, timeout=1200, check=True):
    """Run a command; with `check`, fail the test showing the end of its output."""
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if check:
        assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def copy_repository(dest: Path) -> None:
    """Copy the files git tracks, or would track, from the working tree into `dest`."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def make_repository(repo: Path) -> dict:
    """Fill the empty folder `repo` with a committed git + DVC copy; return the env to run it in."""
    copy_repository(repo)
    env = pipeline_env()
    run_command(["git", "init", "-q"], repo, env)
    run_command(["git", "add", "-A"], repo, env)
    run_command(["git", "commit", "-qm", "copy"], repo, env)
    return env


def pipeline_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(GIT_AUTHOR_NAME="ganrnn", GIT_AUTHOR_EMAIL="ci@ganrnn.invalid",
               GIT_COMMITTER_NAME="ganrnn", GIT_COMMITTER_EMAIL="ci@ganrnn.invalid")  # fmt: skip
    return env


class SavedStates:
    """A `save(step, state)` callback for training loops that keeps each state as checkpoint bytes.

    It serializes at once, as a checkpoint file does, because the state refers to live tensors
    that later steps change in place. `load(step)` reads one back as resuming code does.
    """

    def __init__(self) -> None:
        self.states: dict[int, bytes] = {}

    def __call__(self, step: int, state: dict) -> None:
        import io

        import torch

        buffer = io.BytesIO()
        torch.save(state, buffer)
        self.states[step] = buffer.getvalue()

    def load(self, step: int) -> dict:
        import io

        import torch

        return torch.load(io.BytesIO(self.states[step]), weights_only=True)
