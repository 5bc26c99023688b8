import sys

import pytest
import yaml

from ganrnn.config import ConfigError
from ganrnn.launch import command


def _params(tmp_path, raw_params, **distributed):
    raw_params["distributed"].update(distributed)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw_params), encoding="utf-8")
    return path


def test_none_runs_script(tmp_path, raw_params):
    path = _params(tmp_path, raw_params, launcher="none")
    assert command("pipeline/train_gan.py", ["--loss", "bce"], path) == [sys.executable, "pipeline/train_gan.py", "--loss", "bce"]


def test_torchrun_command(tmp_path, raw_params):
    path = _params(tmp_path, raw_params, launcher="torchrun", nproc_per_node=4)
    argv = command("pipeline/train_gan.py", ["--loss", "bce"], path)
    assert argv[1:4] == ["-m", "torch.distributed.run", "--standalone"]
    assert "--nproc_per_node=4" in argv
    assert argv[-3:] == ["pipeline/train_gan.py", "--loss", "bce"]


def test_bad_launcher_rejected(tmp_path, raw_params):
    path = _params(tmp_path, raw_params, launcher="mpirun")
    with pytest.raises(ConfigError, match="distributed.launcher='mpirun' is invalid"):
        command("pipeline/train_gan.py", [], path)
