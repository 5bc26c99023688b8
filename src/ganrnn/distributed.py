"""Data-parallel training under torchrun: process group setup, per-rank generators, rank-0 outputs.

A stage started by `torchrun` finds RANK, WORLD_SIZE and LOCAL_RANK in its environment; a stage
started by plain `python` runs as the single rank 0 and never touches torch.distributed, so its
results equal those of a run without this module.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass

import torch
import torch.distributed as torch_dist
from torch import nn

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Tell whether this is rank 0, the only rank that writes checkpoints, plots, metrics and MLflow runs."""
        return self.rank == 0


def setup(backend: str, device: torch.device) -> Dist:
    """Join the process group that torchrun describes in the environment, if any."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Dist()
    if backend == "auto":
        backend = "nccl" if device.type == "cuda" else "gloo"
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        torch.cuda.set_device(local_rank)
    torch_dist.init_process_group(backend=backend)
    log.info("rank %d of %d joined the %s process group", rank, world_size, backend)
    return Dist(rank, world_size, local_rank)


def cleanup(dist: Dist) -> None:
    if dist.enabled and torch_dist.is_initialized():
        torch_dist.destroy_process_group()


def local_batch(global_batch: int, dist: Dist, key: str) -> int:
    """Return the per-rank share of a global batch size, which must divide evenly."""
    if global_batch % dist.world_size:
        raise ValueError(
            f"{key}={global_batch} does not split evenly over {dist.world_size} processes; "
            f"use a multiple of distributed.nproc_per_node"
        )
    return global_batch // dist.world_size


def rank_generator(rng: torch.Generator, dist: Dist) -> torch.Generator:
    """Return `rng` itself on a single process, else a generator seeded apart for each rank."""
    if not dist.enabled:
        return rng
    return torch.Generator().manual_seed(rng.initial_seed() + 1 + dist.rank)


def wrap(model: nn.Module, dist: Dist) -> nn.Module:
    """Wrap the model in DistributedDataParallel when several ranks train, else return it unchanged."""
    if not dist.enabled:
        return model
    device_ids = [dist.local_rank] if next(model.parameters()).is_cuda else None
    return nn.parallel.DistributedDataParallel(model, device_ids=device_ids)


def mean(value: torch.Tensor, dist: Dist) -> torch.Tensor:
    """Average a scalar over ranks for logging. On one process, return the value itself."""
    if not dist.enabled:
        return value
    total = value.detach().clone()
    torch_dist.all_reduce(total)
    return total / dist.world_size


def gather(obj, dist: Dist) -> list:
    """Collect every rank's `obj` on every rank, in rank order."""
    if not dist.enabled:
        return [obj]
    out = [None] * dist.world_size
    torch_dist.all_gather_object(out, obj)
    return out


def weights_digest(model: nn.Module) -> str:
    """Hash the model's parameters with SHA-256, to show that ranks agree.

    Buffers are left out: rank 0 alone draws the sample grids, which moves its BatchNorm
    running statistics after the last synchronizing forward pass.
    """
    digest = hashlib.sha256()
    for name, tensor in sorted(model.named_parameters()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()
