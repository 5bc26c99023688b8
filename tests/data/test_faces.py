import numpy as np
import pytest
import torch

from ganrnn.config import FacesData
from ganrnn.data import faces


def test_packaged_fetch(tmp_path):
    faces.fetch_packaged(FacesData("packaged", 100, 32, 3), tmp_path)
    array = np.load(tmp_path / faces.RAW_FILE)
    assert array.shape == (100, 25, 25)
    assert array.min() >= 0.0
    assert array.max() <= 1.0


def test_packaged_fetch_count(tmp_path):
    faces.fetch_packaged(FacesData("packaged", 7, 32, 3), tmp_path)
    assert np.load(tmp_path / faces.RAW_FILE).shape[0] == 7


@pytest.mark.parametrize("size,channels", [(32, 3), (64, 1)])
def test_to_uint8_shape(size, channels):
    images = faces.to_uint8_images(np.linspace(0, 1, 2 * 25 * 25).reshape(2, 25, 25), size, channels)
    assert images.shape == (2, channels, size, size)
    assert images.dtype == torch.uint8


def test_to_uint8_range():
    images = faces.to_uint8_images(np.stack([np.zeros((25, 25)), np.ones((25, 25))]), 32, 3)
    assert int(images[0].max()) == 0
    assert int(images[1].min()) == 255


def test_channels_are_copies():
    images = faces.to_uint8_images(np.random.default_rng(0).random((1, 25, 25)), 32, 3)
    assert torch.equal(images[0, 0], images[0, 1])
    assert torch.equal(images[0, 0], images[0, 2])


def test_rejects_wrong_rank():
    with pytest.raises(ValueError, match=r"N x H x W"):
        faces.to_uint8_images(np.zeros((2, 25, 25, 3)), 32, 3)


def test_prepare_writes_tensor(tmp_path):
    np.save(tmp_path / faces.RAW_FILE, np.zeros((5, 25, 25)))
    summary = faces.prepare(FacesData("packaged", 5, 64, 1), tmp_path, tmp_path)
    assert summary == {"images": 5, "shape": [1, 64, 64]}
    assert faces.load_prepared(tmp_path).shape == (5, 1, 64, 64)
