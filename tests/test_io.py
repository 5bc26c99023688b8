import pytest
import torch

from ganrnn.io import load_torch, replace_dir, save_torch, write_json, write_table, write_text


def test_write_json_sorted(tmp_path):
    write_json(tmp_path / "m.json", {"b": 1, "a": 2})
    assert (tmp_path / "m.json").read_text() == '{\n  "a": 2,\n  "b": 1\n}\n'


def test_write_table_formats(tmp_path):
    write_table(tmp_path / "t.csv", ["x", "y"], [(1, 0.5), (2, 1 / 3)])
    assert (tmp_path / "t.csv").read_text() == "x,y\n1,0.5\n2,0.333333\n"


def test_failed_write_keeps_old(tmp_path):
    path = tmp_path / "out.pt"
    save_torch(path, {"w": torch.zeros(2)})
    before = path.read_bytes()
    with pytest.raises(Exception):
        save_torch(path, {"w": torch.ones(2), "f": lambda: None})  # a lambda cannot be pickled
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.pt"]


def test_replace_dir_failure_keeps_old(tmp_path):
    target = tmp_path / "data"
    target.mkdir()
    (target / "keep.txt").write_text("x")
    with pytest.raises(RuntimeError):
        with replace_dir(target) as staging:
            (staging / "partial.txt").write_text("y")
            raise RuntimeError("stage failed")
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_replace_dir_success(tmp_path):
    target = tmp_path / "data"
    target.mkdir()
    (target / "old.txt").write_text("x")
    with replace_dir(target) as staging:
        (staging / "new.txt").write_text("y")
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]


def test_torch_roundtrip(tmp_path):
    save_torch(tmp_path / "t.pt", {"w": torch.arange(3)})
    assert torch.equal(load_torch(tmp_path / "t.pt")["w"], torch.arange(3))


class _OpensFileWhenUnpickled:
    """Unpickling this object calls open(path, "w"), so a created file proves pickled code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_pickled_code_not_run(tmp_path):
    marker = tmp_path / "code_ran.txt"
    torch.save({"state_dict": _OpensFileWhenUnpickled(marker)}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match=r"evil.pt is not a readable PyTorch file"):
        load_torch(tmp_path / "evil.pt")
    assert not marker.exists()


def test_truncated_file_rejected(tmp_path):
    save_torch(tmp_path / "t.pt", {"w": torch.arange(1000)})
    data = (tmp_path / "t.pt").read_bytes()
    (tmp_path / "t.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"t.pt is not a readable PyTorch file"):
        load_torch(tmp_path / "t.pt")
