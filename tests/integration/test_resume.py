"""Kill a real training stage with SIGKILL, rerun it, and get the outputs of an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from mlflow.tracking import MlflowClient

from helpers import ROOT, pipeline_env

pytestmark = pytest.mark.integration

STAGE_ARGS = ["--dataset", "faces", "--loss", "bce", "--spectral-norm", "true",
              "--model", "model.pt", "--metrics", "metrics.json", "--plots", "plots"]  # fmt: skip


def _setup(folder: Path, raw_params: dict) -> None:
    raw_params["gan"]["faces"].update(iterations=300, sample_every=100)
    raw_params["gan"].update(checkpoint_every=25, log_every=5,
                             batch_size=8, g_width=8, d_width=8, grid_samples=16)  # fmt: skip
    folder.mkdir()
    (folder / "params.yaml").write_text(yaml.safe_dump(raw_params), encoding="utf-8")
    images = np.random.default_rng(0).integers(0, 256, (40, 3, 32, 32), dtype=np.uint8)
    (folder / "data" / "prepared" / "faces").mkdir(parents=True)
    np.save(folder / "data" / "prepared" / "faces" / "images.npy", images)


def _command() -> list[str]:
    return [sys.executable, str(ROOT / "pipeline" / "train_gan.py"), *STAGE_ARGS]


def _outputs(folder: Path) -> dict[str, bytes]:
    files = [folder / "model.pt", folder / "metrics.json", *sorted((folder / "plots").rglob("*.*"))]
    return {str(p.relative_to(folder)): p.read_bytes() for p in files}


def test_killed_stage_resumes_bitwise(tmp_path, raw_params):
    env = pipeline_env()
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    _setup(clean, dict(raw_params))
    _setup(killed, dict(raw_params))
    subprocess.run(_command(), cwd=clean, env=env, check=True, capture_output=True)

    process = subprocess.Popen(_command(), cwd=killed, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoints = killed / ".ganrnn" / "checkpoints" / "train_gan-faces-bce-true"
    deadline = time.monotonic() + 300
    while not list(checkpoints.glob("*/step-*.sha256")) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert list(checkpoints.glob("*/step-*.sha256")), "no checkpoint appeared before the deadline"
    assert not (killed / "model.pt").exists()

    resumed = subprocess.run(_command(), cwd=killed, env=env, check=True, capture_output=True, text=True)
    assert "resuming from" in resumed.stderr
    assert _outputs(killed) == _outputs(clean)
    assert not checkpoints.exists()

    client = MlflowClient(tracking_uri=f"sqlite:///{killed / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("ganrnn-gan")
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    assert runs[0].info.status == "FINISHED"
    steps = [m.step for m in client.get_metric_history(runs[0].info.run_id, "d_loss")]
    assert steps == sorted(set(steps))
    assert steps[-1] == 300


def test_corrupt_checkpoint_falls_back(tmp_path, raw_params):
    env = pipeline_env()
    clean, broken = tmp_path / "clean", tmp_path / "broken"
    _setup(clean, dict(raw_params))
    _setup(broken, dict(raw_params))
    subprocess.run(_command(), cwd=clean, env=env, check=True, capture_output=True)

    process = subprocess.Popen(_command(), cwd=broken, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoints = broken / ".ganrnn" / "checkpoints" / "train_gan-faces-bce-true"
    deadline = time.monotonic() + 300
    while len(list(checkpoints.glob("*/step-*.sha256"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    newest = sorted(checkpoints.glob("*/step-*.pt"))[-1]
    newest.write_bytes(newest.read_bytes()[: len(newest.read_bytes()) // 2])  # a truncated file

    resumed = subprocess.run(_command(), cwd=broken, env=env, check=True, capture_output=True, text=True)
    assert f"{newest.name} is corrupt" in resumed.stderr
    assert "resuming from" in resumed.stderr
    assert _outputs(broken) == _outputs(clean)
