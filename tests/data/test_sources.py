import pytest

from ganrnn.config import FacesData
from ganrnn.data import sources


def test_missing_package_names_pip():
    with pytest.raises(sources.MissingDependencyError) as err:
        sources.require_package("no_such_module_xyz", "no-such-dist", "data.faces.source=packaged")
    assert "pip install no-such-dist" in str(err.value)


def test_unknown_dataset(tmp_path):
    with pytest.raises(ValueError, match=r"no source 'packaged' for dataset 'cifar'"):
        sources.fetch("cifar", FacesData("packaged", 1, 32, 1, "", "", "", "skip"), tmp_path / "raw", tmp_path / "dl")


def test_fetch_writes_folder(tmp_path):
    sources.fetch("faces", FacesData("packaged", 3, 32, 1, "", "", "", "skip"), tmp_path / "raw", tmp_path / "dl")
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["faces.npy"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dl", "raw"]


def test_failed_fetch_keeps_old(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "old.txt").write_text("x")
    config = FacesData("local", 0, 32, 1, "", "", str(tmp_path / "nowhere"), "skip")
    with pytest.raises(FileNotFoundError):
        sources.fetch("faces", config, raw, tmp_path / "dl")
    assert sorted(p.name for p in raw.iterdir()) == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dl", "raw"]


def test_every_source_registered():
    registry = sources._registry()
    for dataset in ("faces", "shakespeare", "languages"):
        for source in ("packaged", "remote", "local"):
            assert (dataset, source) in registry
