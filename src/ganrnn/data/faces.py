"""Face images: packaged LFW faces or CelebA, prepared into one memory-mappable uint8 array."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ganrnn.config import FacesData
from ganrnn.data import celeba
from ganrnn.data.sources import require_package

RAW_FILE = "faces.npy"
PREPARED_FILE = "images.npy"
# scikit-image's lfw_subset() returns 200 arrays of 25x25 grey pixels: 100 faces, then 100 non-faces.
LFW_FACES = 100


def fetch_packaged(config: FacesData, raw_dir: Path, download_dir: Path) -> None:
    """Write the first `config.limit` faces (all 100 when 0) of scikit-image's LFW subset."""
    require_package("skimage", "scikit-image", "data.faces.source=packaged")
    from skimage import data

    count = min(config.limit or LFW_FACES, LFW_FACES)
    np.save(raw_dir / RAW_FILE, data.lfw_subset()[:count].astype(np.float64))


def fetch_remote(config: FacesData, raw_dir: Path, download_dir: Path) -> None:
    celeba.fetch_remote(config.url, config.sha256, config.limit, raw_dir, download_dir)


def fetch_local(config: FacesData, raw_dir: Path, download_dir: Path) -> None:
    celeba.fetch_local(Path(config.path).expanduser(), config.limit, raw_dir)


def to_uint8_images(gray: np.ndarray, image_size: int, channels: int) -> np.ndarray:
    """Resize N x H x W grey images in [0, 1] to N x C x S x S uint8 (C copies of the grey plane)."""
    if gray.ndim != 3:
        raise ValueError(f"expected grey images shaped N x H x W, got shape {gray.shape}")
    x = torch.from_numpy(np.ascontiguousarray(gray, dtype=np.float32)).unsqueeze(1)
    x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", antialias=True)
    x = (x.clamp(0.0, 1.0) * 255.0).round().to(torch.uint8)
    return x.repeat(1, channels, 1, 1).contiguous().numpy()


def prepare(config: FacesData, raw_dir: Path, out_dir: Path) -> dict:
    """Store the faces once as uint8 N x C x S x S so training never decodes images."""
    packaged = raw_dir / RAW_FILE
    if packaged.is_file():
        images = to_uint8_images(np.load(packaged, allow_pickle=False), config.image_size, config.channels)
        np.save(out_dir / PREPARED_FILE, images)
        return {"images": int(images.shape[0]), "shape": list(images.shape[1:]), "skipped": 0}
    summary = celeba.prepare_images(raw_dir, out_dir / PREPARED_FILE, config.image_size, config.channels, config.on_bad_image)
    return {**summary, "shape": [config.channels, config.image_size, config.image_size]}


def load_prepared(prepared_dir: Path) -> np.ndarray:
    """Open the prepared images as a read-only memmap, so batches are read from disk as needed."""
    return np.load(prepared_dir / PREPARED_FILE, mmap_mode="r")
