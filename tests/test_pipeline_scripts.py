"""Pipeline scripts fail on bad params before any work and leave no output behind."""

import subprocess
import sys

import pytest
import yaml

from helpers import ROOT

SCRIPTS = [
    ["download.py", "faces"],
    ["prepare.py", "languages"],
    ["download.py", "digits"],
    ["train_extractor.py", "digits", "--model", "m.pt", "--metrics", "m.json", "--curve", "c.tsv"],
    ["train_gan.py", "--dataset", "faces", "--loss", "bce", "--spectral-norm", "true", "--model", "m.pt", "--metrics", "m.json", "--plots", "p"],
    ["evaluate_gan.py", "--dataset", "digits", "--loss", "wgan-gp", "--spectral-norm", "false", "--model", "m.pt",
     "--extractor", "e.pt", "--metrics", "m.json", "--plots", "p"],
    ["train_textgen.py", "--cell", "gru", "--model", "m.pt", "--metrics", "m.json", "--plots", "p"],
    ["train_langid.py", "--cell", "lstm", "--model", "m.pt", "--metrics", "m.json", "--curve", "c.tsv"],
    ["evaluate_baseline.py", "--metrics", "m.json", "--plots", "p"],
    ["report.py"],
]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s[0])
def test_bad_params_rejected(script, tmp_path, raw_params):
    raw_params["gan"]["faces"]["iterations"] = -1
    raw_params["data"]["faces"]["limit"] = -1
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw_params), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "pipeline" / script[0]), *script[1:]],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "error: data.faces.limit=-1 is out of range: it must be at least 0" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]


def test_prepare_without_raw(tmp_path, raw_params):
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw_params), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "pipeline" / "prepare.py", ), "faces"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "raw data folder data/raw/faces not found; run: dvc repro download@faces" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]
