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


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """Build a PNG that declares `width` x `height` pixels but contains no pixel data."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("mode,fmt", [("RGBA", "PNG"), ("P", "PNG"), ("LA", "PNG"), ("1", "PNG"), ("I;16", "PNG"), ("CMYK", "JPEG")])
@pytest.mark.parametrize("channels", [1, 3])
def test_decode_any_mode(mode, fmt, channels):
    rgb = Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 30, 3), dtype=np.uint8))
    image = rgb.convert("I;16") if mode == "I;16" else rgb.convert(mode)
    face = celeba.decode_face(_encode(image, fmt), 32, channels)
    assert face.shape == (channels, 32, 32)
    assert face.dtype == np.uint8


@pytest.mark.parametrize("size", [(1, 1), (1, 500), (500, 2)])
def test_decode_any_size(size):
    assert celeba.decode_face(_encode(Image.new("RGB", size, "white"), "PNG"), 32, 3).shape == (3, 32, 32)


def _folder_with_huge_image(tmp_path):
    folder = tmp_path / "faces"
    folder.mkdir()
    (folder / "000001.jpg").write_bytes(_jpeg(1))
    # 20000 x 20000 is over twice PIL's MAX_IMAGE_PIXELS, so PIL raises DecompressionBombError.
    (folder / "000002.png").write_bytes(_png_header_only(20000, 20000))
    celeba.fetch_local(folder, 0, tmp_path / "raw")
    return tmp_path / "raw"


def test_huge_image_skipped(tmp_path):
    summary = celeba.prepare_images(_folder_with_huge_image(tmp_path), tmp_path / "images.npy", 32, 3, "skip")
    assert summary["images"] == 1
    assert summary["skipped_names"] == ["000002.png"]


def test_huge_image_error(tmp_path):
    with pytest.raises(ValueError, match=r"image 000002.png in .* is unreadable \(Image size"):
        celeba.prepare_images(_folder_with_huge_image(tmp_path), tmp_path / "images.npy", 32, 3, "error")


def test_bad_image_error_no_partial(tmp_path):
    raw = _folder_with_bad_image(tmp_path)
    with pytest.raises(ValueError):
        celeba.prepare_images(raw, tmp_path / "images.npy", 32, 3, "error")
    assert not list(tmp_path.glob("*.npy"))


def test_no_readable_image_no_partial(tmp_path):
    folder = tmp_path / "faces"
    folder.mkdir()
    (folder / "000001.jpg").write_bytes(b"not a jpeg")
    celeba.fetch_local(folder, 0, tmp_path / "raw")
    with pytest.raises(ValueError, match=r"none of the 1 images in .* could be read"):
        celeba.prepare_images(tmp_path / "raw", tmp_path / "images.npy", 32, 3, "skip")
    assert not list(tmp_path.glob("*.npy"))
