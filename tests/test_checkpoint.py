import logging

import torch

from ganrnn.checkpoint import Checkpoints, run_key


def test_latest_round_trip(tmp_path):
    ckpt = Checkpoints(tmp_path / "c")
    ckpt.save(10, {"step": 10, "w": torch.ones(3)})
    ckpt.save(20, {"step": 20, "w": torch.zeros(3)})
    state = ckpt.load_latest()
    assert state["step"] == 20
    assert torch.equal(state["w"], torch.zeros(3))


def test_keeps_two_newest(tmp_path):
    ckpt = Checkpoints(tmp_path / "c", keep=2)
    for step in (1, 2, 3):
        ckpt.save(step, {"step": step})
    assert sorted(p.name for p in (tmp_path / "c").glob("*.pt")) == ["step-000000002.pt", "step-000000003.pt"]


def test_corrupt_falls_back(tmp_path, caplog):
    ckpt = Checkpoints(tmp_path / "c")
    ckpt.save(1, {"step": 1})
    ckpt.save(2, {"step": 2})
    newest = ckpt.path(2)
    newest.write_bytes(newest.read_bytes()[:-7])
    with caplog.at_level(logging.WARNING):
        state = ckpt.load_latest()
    assert state["step"] == 1
    assert "step-000000002.pt is corrupt: sha256" in caplog.text


def test_missing_checksum_falls_back(tmp_path, caplog):
    ckpt = Checkpoints(tmp_path / "c")
    ckpt.save(1, {"step": 1})
    ckpt.save(2, {"step": 2})
    ckpt.path(2).with_suffix(".sha256").unlink()
    with caplog.at_level(logging.WARNING):
        assert ckpt.load_latest()["step"] == 1
    assert "checksum file step-000000002.sha256 is missing" in caplog.text


def test_all_corrupt_none(tmp_path):
    ckpt = Checkpoints(tmp_path / "c")
    ckpt.save(1, {"step": 1})
    ckpt.path(1).write_bytes(b"garbage")
    assert ckpt.load_latest() is None


def test_empty_folder_none(tmp_path):
    assert Checkpoints(tmp_path / "absent").load_latest() is None


def test_run_id_round_trip(tmp_path):
    ckpt = Checkpoints(tmp_path / "c")
    ckpt.write_run_id("abc123")
    assert ckpt.read_run_id() == "abc123"


def test_clear_removes_stage_folder(tmp_path):
    ckpt = Checkpoints.for_stage("train_gan@faces-bce-true", "k1", root=tmp_path / "ckpts")
    ckpt.save(1, {"step": 1})
    ckpt.clear()
    assert not (tmp_path / "ckpts" / "train_gan-faces-bce-true").exists()
    assert (tmp_path / "ckpts").exists()


def test_key_follows_inputs():
    assert run_key({"lr": 0.1}, [1, 2]) == run_key({"lr": 0.1}, [1, 2])
    assert run_key({"lr": 0.1}) != run_key({"lr": 0.2})
