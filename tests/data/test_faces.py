import numpy as np
import pytest

from ganrnn.config import FacesData
from ganrnn.data import faces


def _config(limit=0, image_size=32, channels=3):
    return FacesData("packaged", limit, image_size, channels, url="", sha256="", path="", on_bad_image="skip")


def test_packaged_fetch(tmp_path):
    faces.fetch_packaged(_config(), tmp_path, tmp_path)
    array = np.load(tmp_path / faces.RAW_FILE)
    assert array.shape == (100, 25, 25)
    assert array.min() >= 0.0
    assert array.max() <= 1.0


def test_packaged_fetch_limit(tmp_path):
    faces.fetch_packaged(_config(limit=7), tmp_path, tmp_path)
    assert np.load(tmp_path / faces.RAW_FILE).shape[0] == 7


@pytest.mark.parametrize("size,channels", [(32, 3), (64, 1)])
def test_to_uint8_shape(size, channels):
    images = faces.to_uint8_images(np.linspace(0, 1, 2 * 25 * 25).reshape(2, 25, 25), size, channels)
    assert images.shape == (2, channels, size, size)
    assert images.dtype == np.uint8


def test_to_uint8_range():
    images = faces.to_uint8_images(np.stack([np.zeros((25, 25)), np.ones((25, 25))]), 32, 3)
    assert int(images[0].max()) == 0
    assert int(images[1].min()) == 255


def test_channels_are_copies():
    images = faces.to_uint8_images(np.random.default_rng(0).random((1, 25, 25)), 32, 3)
    assert np.array_equal(images[0, 0], images[0, 1])
    assert np.array_equal(images[0, 0], images[0, 2])


def test_rejects_wrong_rank():
    with pytest.raises(ValueError, match=r"N x H x W"):
        faces.to_uint8_images(np.zeros((2, 25, 25, 3)), 32, 3)


def test_prepare_writes_tensor(tmp_path):
    np.save(tmp_path / faces.RAW_FILE, np.zeros((5, 25, 25)))
    summary = faces.prepare(_config(image_size=64, channels=1), tmp_path, tmp_path)
    assert summary == {"images": 5, "shape": [1, 64, 64], "skipped": 0}
    assert faces.load_prepared(tmp_path).shape == (5, 1, 64, 64)


def test_prepare_celeba_folder(tmp_path):
    from PIL import Image

    raw = tmp_path / "raw" / "images"
    raw.mkdir(parents=True)
    for i in range(3):
        Image.new("RGB", (178, 218), (i * 40, 0, 0)).save(raw / f"{i:06d}.jpg")
    summary = faces.prepare(_config(image_size=64), tmp_path / "raw", tmp_path)
    assert summary["images"] == 3
    assert faces.load_prepared(tmp_path).shape == (3, 3, 64, 64)
