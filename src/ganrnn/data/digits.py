"""Stacked digits: three of scikit-learn's 8x8 digits as the colour planes of one image.

Each image has a known mode, the three digits, among 1000; a GAN that covers the data produces
all of them about equally often (the Stacked-MNIST protocol, here with the digits scikit-learn ships).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ganrnn.config import DigitsData
from ganrnn.data.sources import require_package

RAW_FILE = "digits.npz"
PREPARED_FILE = "images.npy"  # the name faces use too, so train_gan reads either data set


def fetch_packaged(config: DigitsData, raw_dir: Path, download_dir: Path) -> None:
    """Write scikit-learn's digits (1797 x 8 x 8, values 0..16) and their labels."""
    require_package("sklearn", "scikit-learn", "data.digits.source=packaged")
    from sklearn.datasets import load_digits

    digits = load_digits()
    np.savez(raw_dir / RAW_FILE, images=digits.images.astype(np.uint8), labels=digits.target.astype(np.int64))


def _unavailable(config: DigitsData, raw_dir: Path, download_dir: Path) -> None:
    raise ValueError(f"data.digits.source={config.source!r} is invalid; the digits have only the packaged source")


fetch_remote = fetch_local = _unavailable


def upscale(digits: np.ndarray, image_size: int) -> np.ndarray:
    """N x 8 x 8 digits with values 0..16 -> N x 1 x S x S uint8 (0 = background)."""
    x = torch.from_numpy(digits.astype(np.float32) / 16.0).unsqueeze(1)
    x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", align_corners=False)
    return (x.clamp(0.0, 1.0) * 255.0).round().to(torch.uint8).numpy()


def prepare(config: DigitsData, raw_dir: Path, out_dir: Path, seed: int) -> dict:
    """Split the digits for the classifier, then stack random training digits into images."""
    path = raw_dir / RAW_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; run: dvc repro download@digits")
    with np.load(path, allow_pickle=False) as raw:
        images, labels = upscale(raw["images"], config.image_size), raw["labels"]

    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    n_test = max(1, round(len(labels) * config.test_fraction))
    test, train = order[:n_test], order[n_test:]
    np.save(out_dir / "digits_train.npy", images[train])
    np.save(out_dir / "digits_train_labels.npy", labels[train])
    np.save(out_dir / "digits_test.npy", images[test])
    np.save(out_dir / "digits_test_labels.npy", labels[test])

    # Only training digits enter the stacks, so the classifier is never scored on a digit it
    # could have seen inside a GAN sample's data.
    picks = rng.choice(train, size=(config.count, 3))
    np.save(out_dir / PREPARED_FILE, np.ascontiguousarray(images[picks][:, :, 0]))
    np.save(out_dir / "modes.npy", mode_index(torch.from_numpy(labels[picks])).numpy())
    return {"images": config.count, "shape": [3, config.image_size, config.image_size], "digits_train": len(train), "digits_test": len(test)}


def mode_index(digits: torch.Tensor) -> torch.Tensor:
    """N x 3 digits -> N mode indices 0..999 (red digit in the hundreds)."""
    return digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2]


def load_classifier_data(prepared_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Single digits for the classifier: train images, train labels, test images, test labels."""
    names = ("digits_train", "digits_train_labels", "digits_test", "digits_test_labels")
    return tuple(np.load(prepared_dir / f"{name}.npy", allow_pickle=False) for name in names)
