"""Resumable training: verified checkpoints in a folder that outlives a failed or killed stage.

DVC deletes a stage's declared outputs before it runs the stage again, so resume checkpoints
cannot live among them. They go to `.ganrnn/checkpoints/<stage>/<key>/` in the DVC workspace
(also for queued experiments, whose temporary copy DVC deletes), ignored by git and DVC, where `<key>` hashes everything that shapes the run (params, variant, data): a rerun with the
same inputs resumes, and a run with changed inputs starts over in a new folder. A stage that
finishes deletes its folder.

Each checkpoint is `step-<step>.pt` with a `.sha256` file beside it. Both are written through a
temporary file, fsync and rename, data first, so a checkpoint without a matching checksum is
treated as corrupt and the previous one is used.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import torch

from ganrnn.io import write_bytes, write_text

log = logging.getLogger(__name__)

FOLDER = Path(".ganrnn") / "checkpoints"


def run_key(*parts: Any) -> str:
    """Hash the JSON-serializable inputs that shape a run into a short key."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Checkpoints:
    """The resume checkpoints of one stage run, newest last, keeping the `keep` most recent."""

    def __init__(self, folder: Path, keep: int = 2) -> None:
        self.folder = Path(folder)
        self.keep = keep

    @classmethod
    def for_stage(cls, stage: str, key: str, root: Path | None = None) -> Checkpoints:
        """Open the checkpoints of `stage` with inputs `key`, under the workspace's checkpoint folder by default."""
        from ganrnn.tracking import workspace_root

        root = workspace_root(Path.cwd()) / FOLDER if root is None else root
        return cls(root / stage.replace("@", "-") / key)

    def _steps(self) -> list[int]:
        if not self.folder.is_dir():
            return []
        return sorted(int(p.stem.split("-")[1]) for p in self.folder.glob("step-*.pt"))

    def path(self, step: int) -> Path:
        return self.folder / f"step-{step:09d}.pt"

    def save(self, step: int, state: dict[str, Any]) -> None:
        buffer = io.BytesIO()
        torch.save(state, buffer)
        data = buffer.getvalue()
        path = self.path(step)
        write_bytes(path, data)
        write_text(path.with_suffix(".sha256"), hashlib.sha256(data).hexdigest() + "\n")
        for old in self._steps()[: -self.keep]:
            self.path(old).unlink(missing_ok=True)
            self.path(old).with_suffix(".sha256").unlink(missing_ok=True)
        log.info("checkpoint at step %d written to %s", step, path)

    def load_latest(self) -> dict[str, Any] | None:
        """Return the newest checkpoint whose checksum matches, or None; report each bad one."""
        for step in reversed(self._steps()):
            path = self.path(step)
            problem = self._verify(path)
            if problem is None:
                try:
                    state = torch.load(io.BytesIO(path.read_bytes()), weights_only=True)
                except Exception as err:  # a matching checksum with unreadable content: treat as corrupt
                    problem = f"it cannot be read ({err})"
                else:
                    log.info("resuming from %s", path)
                    return state
            log.warning("checkpoint %s is corrupt: %s; falling back to the previous checkpoint", path, problem)
        return None

    @staticmethod
    def _verify(path: Path) -> str | None:
        checksum = path.with_suffix(".sha256")
        if not checksum.is_file():
            return f"its checksum file {checksum.name} is missing"
        expected = checksum.read_text(encoding="utf-8").strip()
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        return None if actual == expected else f"sha256 {actual[:12]}... does not match {expected[:12]}..."

    def read_run_id(self) -> str | None:
        path = self.folder / "mlflow_run_id"
        return path.read_text(encoding="utf-8").strip() if path.is_file() else None

    def write_run_id(self, run_id: str) -> None:
        write_text(self.folder / "mlflow_run_id", run_id + "\n")

    def clear(self) -> None:
        """Delete the folder once the stage has written its outputs, and the stage folder if empty."""
        shutil.rmtree(self.folder, ignore_errors=True)
        try:
            self.folder.parent.rmdir()
        except OSError:  # other runs of the stage still keep checkpoints there
            pass
