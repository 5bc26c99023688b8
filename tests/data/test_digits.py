import numpy as np
import pytest
import torch

from ganrnn.config import DigitsData
from ganrnn.data import digits

CFG = DigitsData(source="packaged", image_size=16, count=300, test_fraction=0.2)


@pytest.fixture
def prepared(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    out.mkdir()
    digits.fetch_packaged(CFG, raw, tmp_path)
    summary = digits.prepare(CFG, raw, out, seed=0)
    return out, summary


def test_stacked_shape(prepared):
    out, _ = prepared
    images = np.load(out / "images.npy")
    assert images.shape == (300, 3, 16, 16)
    assert images.dtype == np.uint8


def test_split_disjoint_sizes(prepared):
    out, summary = prepared
    train_x, train_y, test_x, test_y = digits.load_classifier_data(out)
    assert len(train_y) + len(test_y) == 1797
    assert len(test_y) == summary["digits_test"]
    assert train_x.shape[1:] == (1, 16, 16)


def test_modes_match_planes(prepared):
    out, _ = prepared
    images, modes = np.load(out / "images.npy"), np.load(out / "modes.npy")
    train_x, train_y, _, _ = digits.load_classifier_data(out)
    # The red plane of image 0 is one of the training digits whose label is its mode's hundreds digit.
    matches = [i for i in range(len(train_x)) if np.array_equal(train_x[i, 0], images[0, 0])]
    assert matches
    assert {int(train_y[i]) for i in matches} == {int(modes[0]) // 100}


def test_mode_index():
    assert digits.mode_index(torch.tensor([[4, 0, 7]])).tolist() == [407]


def test_prepare_same_seed_same_bytes(tmp_path, prepared):
    out, _ = prepared
    again = tmp_path / "again"
    again.mkdir()
    digits.prepare(CFG, tmp_path / "raw", again, seed=0)
    assert (again / "images.npy").read_bytes() == (out / "images.npy").read_bytes()


def test_missing_raw(tmp_path):
    with pytest.raises(FileNotFoundError, match="download@digits"):
        digits.prepare(CFG, tmp_path, tmp_path, seed=0)


def test_other_source_rejected(tmp_path):
    with pytest.raises(ValueError, match="only the packaged source"):
        digits.fetch_remote(CFG, tmp_path, tmp_path)
