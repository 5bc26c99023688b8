import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from ganrnn.data import celeba


def _jpeg(seed: int, size=(178, 218)) -> bytes:
    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(buffer, format="JPEG")
    return buffer.getvalue()


def write_celeba_zip(path, count=6):
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(count):
            zf.writestr(f"img_align_celeba/{i + 1:06d}.jpg", _jpeg(i))
    return path


def test_decode_shape_and_crop():
    face = celeba.decode_face(_jpeg(0), 64, 3)
    assert face.shape == (3, 64, 64)
    assert face.dtype == np.uint8


def test_decode_grey():
    assert celeba.decode_face(_jpeg(0), 32, 1).shape == (1, 32, 32)


def test_decode_centre_crop():
    # A wide image: left third black, middle white, right third black. The crop keeps the middle.
    image = np.zeros((30, 90, 3), dtype=np.uint8)
    image[:, 30:60] = 255
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    face = celeba.decode_face(buffer.getvalue(), 30, 1)
    assert face.min() >= 250


def test_local_zip_with_limit(tmp_path):
    archive = write_celeba_zip(tmp_path / "celeba.zip")
    celeba.fetch_local(archive, 4, tmp_path / "raw")
    assert sorted(p.name for p in (tmp_path / "raw" / "images").iterdir()) == ["000001.jpg", "000002.jpg", "000003.jpg", "000004.jpg"]


def test_local_zip_whole(tmp_path):
    archive = write_celeba_zip(tmp_path / "celeba.zip")
    (tmp_path / "raw").mkdir()
    celeba.fetch_local(archive, 0, tmp_path / "raw")
    assert (tmp_path / "raw" / celeba.ZIP_NAME).read_bytes() == archive.read_bytes()


def test_remote_whole_zip_linked(http_server, tmp_path):
    write_celeba_zip(http_server.root / "img_align_celeba.zip", count=3)
    (tmp_path / "raw").mkdir()
    celeba.fetch_remote(f"{http_server.url}/img_align_celeba.zip", "", 0, tmp_path / "raw", tmp_path / "dl")
    raw_zip = tmp_path / "raw" / celeba.ZIP_NAME
    assert raw_zip.read_bytes() == (http_server.root / "img_align_celeba.zip").read_bytes()
    assert raw_zip.stat().st_ino == (tmp_path / "dl" / celeba.ZIP_NAME).stat().st_ino


def test_local_folder_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data.faces.path='.*nowhere' not found"):
        celeba.fetch_local(tmp_path / "nowhere", 0, tmp_path / "raw")


def test_local_folder_empty(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"contains no JPEG or PNG images"):
        celeba.fetch_local(tmp_path / "empty", 0, tmp_path / "raw")


def _folder_with_bad_image(tmp_path):
    folder = tmp_path / "faces"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i:06d}.jpg").write_bytes(_jpeg(i))
    (folder / "000009.jpg").write_bytes(b"not a jpeg")
    celeba.fetch_local(folder, 0, tmp_path / "raw")
    return tmp_path / "raw"


def test_bad_image_skipped(tmp_path):
    raw = _folder_with_bad_image(tmp_path)
    summary = celeba.prepare_images(raw, tmp_path / "images.npy", 32, 3, "skip")
    assert summary["images"] == 3
    assert summary["skipped"] == 1
    assert summary["skipped_names"] == ["000009.jpg"]
    assert np.load(tmp_path / "images.npy", mmap_mode="r").shape == (3, 3, 32, 32)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".npy") == ["images.npy"]


def test_bad_image_error(tmp_path):
    raw = _folder_with_bad_image(tmp_path)
    with pytest.raises(ValueError, match=r"image 000009.jpg in .* is unreadable"):
        celeba.prepare_images(raw, tmp_path / "images.npy", 32, 3, "error")


def test_prepare_from_zip(tmp_path):
    archive = write_celeba_zip(tmp_path / "celeba.zip", count=5)
    (tmp_path / "raw").mkdir()
    celeba.fetch_local(archive, 0, tmp_path / "raw")
    summary = celeba.prepare_images(tmp_path / "raw", tmp_path / "images.npy", 64, 3, "error")
    assert summary["images"] == 5
    images = np.load(tmp_path / "images.npy", mmap_mode="r")
    assert images.shape == (5, 3, 64, 64)
    assert np.array_equal(images[0], celeba.decode_face(_jpeg(0), 64, 3))


def test_remote_zip(http_server, tmp_path):
    write_celeba_zip(http_server.root / "img_align_celeba.zip", count=3)
    celeba.fetch_remote(f"{http_server.url}/img_align_celeba.zip", "", 2, tmp_path / "raw", tmp_path / "dl")
    assert len(list((tmp_path / "raw" / "images").iterdir())) == 2
