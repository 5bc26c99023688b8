"""Seeding and determinism settings shared by every training stage."""

from __future__ import annotations

import logging
import os
import random

import numpy as np
import torch


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch, make torch deterministic, and return a seeded generator."""
    # cuBLAS needs this workspace setting for deterministic matrix products on CUDA; it must be
    # set before the first CUDA call.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    # NOTE: some CUDA kernels have no deterministic version. On a GPU they warn instead of
    # failing, so GPU runs may not repeat exactly.
    torch.use_deterministic_algorithms(True, warn_only=torch.cuda.is_available())
    return torch.Generator().manual_seed(seed)


def select_device(name: str) -> torch.device:
    """Map the `device` param (auto, cpu, cuda) to a torch device; auto prefers CUDA."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' but torch sees no CUDA device; set device: auto or cpu in params.yaml")
    return torch.device(name)


def setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
