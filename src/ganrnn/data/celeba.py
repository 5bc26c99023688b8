"""CelebA aligned-and-cropped faces (`img_align_celeba`, JPEGs of 178x218) as a zip or a folder.

The raw folder contains either `img_align_celeba.zip` (the whole archive) or `images/` (the first
`limit` JPEGs in name order). Preparation decodes each JPEG once into a memory-mapped uint8 array.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image, UnidentifiedImageError
from tqdm import tqdm

from ganrnn.data.archive import open_checked
from ganrnn.data.download import download

log = logging.getLogger(__name__)

ZIP_NAME = "img_align_celeba.zip"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
# CelebA JPEGs are about 10 KB; this bound rejects anything that is clearly not one of them.
MAX_IMAGE_BYTES = 16 * 1024 * 1024


def _is_image(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in IMAGE_SUFFIXES and not PurePosixPath(name).name.startswith(".")


def _zip_images(zf: zipfile.ZipFile) -> list[str]:
    return sorted(n for n in zf.namelist() if _is_image(n) and not n.endswith("/"))


def _copy_subset_from_zip(archive: Path, limit: int, images_dir: Path) -> None:
    with open_checked(archive, MAX_IMAGE_BYTES) as zf:
        names = _zip_images(zf)[:limit]
        if not names:
            raise ValueError(f"{archive} contains no JPEG or PNG images")
        images_dir.mkdir(parents=True)
        for name in names:
            (images_dir / PurePosixPath(name).name).write_bytes(zf.read(name))


def fetch_local(path: Path, limit: int, raw_dir: Path, link: bool = False) -> None:
    """Copy a local CelebA zip or image folder; with `limit` > 0 only its first `limit` images.

    With `link`, a whole zip is hard-linked instead of copied when the file system allows it,
    which saves a second 1.4 GB copy of a zip the pipeline downloaded itself.
    """
    if path.is_file():
        if limit:
            _copy_subset_from_zip(path, limit, raw_dir / "images")
            return
        open_checked(path, MAX_IMAGE_BYTES).close()
        if link:
            try:
                os.link(path, raw_dir / ZIP_NAME)
                return
            except OSError:  # another file system, or links not supported: copy instead
                pass
        shutil.copyfile(path, raw_dir / ZIP_NAME)
        return
    if not path.is_dir():
        raise FileNotFoundError(
            f"data.faces.path={str(path)!r} not found; point it at img_align_celeba.zip or a folder of JPEGs"
        )
    files = sorted(p for p in path.rglob("*") if p.is_file() and _is_image(p.name))
    if limit:
        files = files[:limit]
    if not files:
        raise ValueError(f"data.faces.path={str(path)!r} contains no JPEG or PNG images")
    images_dir = raw_dir / "images"
    images_dir.mkdir(parents=True)
    for file in files:
        shutil.copyfile(file, images_dir / file.name)


def fetch_remote(url: str, sha256: str, limit: int, raw_dir: Path, download_dir: Path) -> None:
    """Download the CelebA zip from `url`, or through torchvision's CelebA downloader when empty."""
    if url:
        archive = download(url, download_dir / ZIP_NAME, sha256=sha256, setting="data.faces")
    else:
        # NOTE: torchvision fetches CelebA from Google Drive, which needs the gdown package and
        # internet access. The tests never run this path; they use `url` on a local server.
        from torchvision.datasets import CelebA

        CelebA(str(download_dir), split="all", target_type=[], download=True)
        archive = download_dir / "celeba" / ZIP_NAME
    fetch_local(archive, limit, raw_dir, link=True)


def _sources(raw_dir: Path) -> Iterator[tuple[str, bytes]]:
    archive = raw_dir / ZIP_NAME
    if archive.is_file():
        with open_checked(archive, MAX_IMAGE_BYTES) as zf:
            for name in _zip_images(zf):
                yield name, zf.read(name)
        return
    for file in sorted((raw_dir / "images").iterdir()):
        yield file.name, file.read_bytes()


def count_images(raw_dir: Path) -> int:
    archive = raw_dir / ZIP_NAME
    if archive.is_file():
        with open_checked(archive, MAX_IMAGE_BYTES) as zf:
            return len(_zip_images(zf))
    images = raw_dir / "images"
    return len(list(images.iterdir())) if images.is_dir() else 0


def decode_face(data: bytes, image_size: int, channels: int) -> np.ndarray:
    """Decode one image, resize its shorter side to `image_size`, centre-crop: C x S x S uint8."""
    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("RGB" if channels == 3 else "L")
        width, height = image.size
        scale = image_size / min(width, height)
        resized = image.resize(
            (max(image_size, round(width * scale)), max(image_size, round(height * scale))),
            Image.Resampling.BICUBIC,
        )
    left = (resized.width - image_size) // 2
    top = (resized.height - image_size) // 2
    crop = np.asarray(resized.crop((left, top, left + image_size, top + image_size)), dtype=np.uint8)
    return crop.reshape(image_size, image_size, channels).transpose(2, 0, 1)


def prepare_images(raw_dir: Path, out_file: Path, image_size: int, channels: int, on_bad_image: str) -> dict:
    """Decode every raw image once into `out_file` (.npy, N x C x S x S uint8, memory-mappable).

    Unreadable images are skipped and counted (`on_bad_image: skip`) or stop the stage (`error`).
    """
    total = count_images(raw_dir)
    if total == 0:
        raise ValueError(f"{raw_dir} contains no images; check data.faces.path or the download")
    # Both scratch files are removed whether the call succeeds or fails. `out_file` appears only
    # complete, by a rename, so a failed call leaves no partial array.
    scratch = out_file.with_suffix(".partial.npy")
    shrunk = out_file.with_suffix(".shrunk.npy")
    try:
        written, skipped = _decode_all(raw_dir, scratch, total, image_size, channels, on_bad_image)
        # Shrink to the images written: copy into an array of the exact size.
        array = np.load(scratch, mmap_mode="r")
        final = np.lib.format.open_memmap(shrunk, mode="w+", dtype=np.uint8, shape=(written,) + array.shape[1:])
        for start in range(0, written, 4096):
            final[start : start + 4096] = array[start : min(written, start + 4096)]
        final.flush()
        del array, final
        os.replace(shrunk, out_file)
    finally:
        scratch.unlink(missing_ok=True)
        shrunk.unlink(missing_ok=True)
    return {"images": written, "skipped": len(skipped), "skipped_names": skipped[:20]}


def _decode_all(
    raw_dir: Path, scratch: Path, total: int, image_size: int, channels: int, on_bad_image: str
) -> tuple[int, list[str]]:
    """Decode the readable images into the first rows of `scratch`.

    Return the number of images written and the names of those skipped.
    """
    array = np.lib.format.open_memmap(scratch, mode="w+", dtype=np.uint8, shape=(total, channels, image_size, image_size))
    written, skipped = 0, []
    for name, data in tqdm(_sources(raw_dir), total=total, desc="faces", leave=False, disable=None):
        try:
            array[written] = decode_face(data, image_size, channels)
        # PIL raises DecompressionBombError, which is not an OSError, for images of more than
        # twice Image.MAX_IMAGE_PIXELS pixels. Such a file is not a CelebA face either.
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as err:
            if on_bad_image == "error":
                raise ValueError(f"image {name} in {raw_dir} is unreadable ({err}); fix or remove it, or set data.faces.on_bad_image: skip") from None
            log.warning("skipping unreadable image %s: %s", name, err)
            skipped.append(name)
            continue
        written += 1
    array.flush()
    del array
    if written == 0:
        raise ValueError(f"none of the {total} images in {raw_dir} could be read")
    return written, skipped
