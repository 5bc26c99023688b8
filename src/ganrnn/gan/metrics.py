"""Cheap sample-diversity measure used to spot mode collapse during training."""

from __future__ import annotations

import torch


def mean_pairwise_distance(images: torch.Tensor) -> float:
    """Mean L2 distance over all distinct pairs of images (N x ...), N >= 2."""
    flat = images.reshape(images.shape[0], -1).double()
    if flat.shape[0] < 2:
        raise ValueError("mean_pairwise_distance needs at least two images")
    dist = torch.cdist(flat, flat)
    n = flat.shape[0]
    return float(dist.sum() / (n * (n - 1)))


def diversity_ratio(generated: torch.Tensor, real: torch.Tensor) -> float:
    """Mean pairwise distance of generated images over that of real ones, both in [-1, 1].

    About 1 when samples vary as much as the data; near 0 when the generator has collapsed onto
    a few outputs. It does not detect a generator that copies training images.
    """
    return mean_pairwise_distance(generated) / mean_pairwise_distance(real)
