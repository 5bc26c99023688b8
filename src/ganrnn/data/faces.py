"""Face images: the packaged LFW subset and its preparation into one uint8 tensor."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ganrnn.config import FacesData
from ganrnn.data.sources import require_package
from ganrnn.io import save_torch

RAW_FILE = "faces.npy"
PREPARED_FILE = "images.pt"
# scikit-image's lfw_subset() holds 200 arrays of 25x25 grey pixels: 100 faces, then 100 non-faces.
LFW_FACES = 100


def fetch_packaged(config: FacesData, raw_dir: Path) -> None:
    """Write the first `config.count` faces of scikit-image's LFW subset as a float array."""
    require_package("skimage", "scikit-image", "data.faces.source=packaged")
    from skimage import data

    faces = data.lfw_subset()[: min(config.count, LFW_FACES)]
    np.save(raw_dir / RAW_FILE, faces.astype(np.float64))


def to_uint8_images(gray: np.ndarray, image_size: int, channels: int) -> torch.Tensor:
    """Resize N x H x W grey images in [0, 1] to N x C x S x S uint8 (C copies of the grey plane)."""
    if gray.ndim != 3:
        raise ValueError(f"expected grey images shaped N x H x W, got shape {gray.shape}")
    x = torch.from_numpy(np.ascontiguousarray(gray, dtype=np.float32)).unsqueeze(1)
    x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", antialias=True)
    x = (x.clamp(0.0, 1.0) * 255.0).round().to(torch.uint8)
    return x.repeat(1, channels, 1, 1).contiguous()


def prepare(config: FacesData, raw_dir: Path, out_dir: Path) -> dict:
    """Store the faces once as uint8 tensors so training never decodes images."""
    gray = np.load(raw_dir / RAW_FILE, allow_pickle=False)
    images = to_uint8_images(gray, config.image_size, config.channels)
    save_torch(out_dir / PREPARED_FILE, images)
    return {"images": int(images.shape[0]), "shape": list(images.shape[1:])}


def load_prepared(prepared_dir: Path) -> torch.Tensor:
    return torch.load(prepared_dir / PREPARED_FILE, weights_only=True)
