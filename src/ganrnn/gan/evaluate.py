"""Measure every generator snapshot of a run: distribution distance, duplicates, copying, modes.

`reference_stats` computes what the real data contributes once per stage; `evaluate_snapshot`
then measures one generator against it with the same noise at every checkpoint, so the numbers
of a run form comparable curves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ganrnn.config import GanEvalConfig
from ganrnn.data.digits import mode_index
from ganrnn.gan import metrics
from ganrnn.gan.extractor import DigitClassifier, batched
from ganrnn.gan.models import Generator
from ganrnn.gan.train import to_model_range

log = logging.getLogger(__name__)

# The file torchmetrics and torch-fidelity load for FID; its presence switches FID on.
INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"


@dataclass
class Reference:
    train: torch.Tensor  # every training image, float in [-1, 1], in a seeded order
    real: torch.Tensor  # the first `samples` of them: the real side of every comparison
    real_features: torch.Tensor  # standardized: mean 0, standard deviation 1 per dimension
    feature_mean: torch.Tensor
    feature_std: torch.Tensor
    pixel_threshold: float  # 1st percentile of real-to-real nearest-neighbour distances
    feature_threshold: float
    real_msssim: float  # mean MS-SSIM of random real pairs
    nearest_train: float  # median distance of a real image to its nearest other training image
    real_distance: float  # mean pixel distance between two real images, the diversity denominator


def find_inception_weights(configured: str) -> Path | None:
    """Find the Inception weights file for FID: the configured path, else the torch hub cache copy."""
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise FileNotFoundError(
                f"gan_eval.inception_weights={configured!r} is not a file; give the path of "
                f"{INCEPTION_FILE}, or leave it empty to use FD on the pipeline's own extractor"
            )
        return path
    cached = Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE
    return cached if cached.is_file() else None


def reference_stats(images: np.ndarray, extractor: nn.Module, cfg: GanEvalConfig, rng: torch.Generator) -> Reference:
    """Real-side statistics from uint8 training `images` (N x C x S x S)."""
    train = to_model_range(torch.from_numpy(np.array(images)))  # a writable copy of the memmap
    train = train[torch.randperm(len(train), generator=rng)]
    real = train[: min(cfg.samples, len(train))]
    raw = batched(extractor.features, real).double()
    # Standardizing with the real features' statistics makes FD and KID independent of the scale
    # of each extractor's features; the same affine map applies to the generated side.
    mean, std = raw.mean(0), raw.std(0).clamp_min(1e-8)
    real_features = (raw - mean) / std
    pairs = metrics.random_pairs(len(real), cfg.msssim_pairs, rng)
    return Reference(
        train=train,
        real=real,
        real_features=real_features,
        feature_mean=mean,
        feature_std=std,
        pixel_threshold=metrics.duplicate_threshold(real),
        feature_threshold=metrics.duplicate_threshold(real_features),
        real_msssim=metrics.msssim_of_pairs(real, pairs),
        nearest_train=metrics.memorization_reference(train, real),
        real_distance=metrics.mean_pairwise_distance(real),
    )


@torch.no_grad()
def generate(generator: Generator, noise: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Samples for `noise`, generated `batch_size` at a time.

    BatchNorm stays in training mode, as for the sample grids during training, so each batch is
    normalized with its own statistics.
    """
    generator.train()
    device = next(generator.parameters()).device
    return torch.cat([generator(noise[i : i + batch_size].to(device)).cpu() for i in range(0, len(noise), batch_size)])


def evaluate_snapshot(
    generator: Generator, ref: Reference, extractor: nn.Module, cfg: GanEvalConfig, noise: torch.Tensor, seed: int
) -> tuple[dict[str, float], torch.Tensor]:
    """Metrics of one generator snapshot, and its samples for the noise batch `noise`.

    With the digit classifier as the extractor (stacked digits) the metrics include
    `modes_in_samples`, the distinct modes among these samples.
    """
    # One seed per call: every snapshot draws the same KID subsets and MS-SSIM pairs.
    rng = torch.Generator().manual_seed(seed)
    samples = generate(generator, noise, cfg.batch_size)
    features = (batched(extractor.features, samples).double() - ref.feature_mean) / ref.feature_std
    kid, kid_std = metrics.kernel_inception_distance(features, ref.real_features, cfg.kid_subsets, cfg.kid_subset_size, rng)
    pixel_distances = metrics.pairwise_distances(samples)
    result = {
        "fd": metrics.frechet_distance(features, ref.real_features),
        "kid": kid,
        "kid_std": kid_std,
        "duplicate_rate_pixel": metrics.close_fraction(pixel_distances, ref.pixel_threshold),
        "duplicate_rate_feature": metrics.duplicate_rate(features, ref.feature_threshold),
        "msssim": metrics.msssim_of_pairs(samples, metrics.random_pairs(len(samples), cfg.msssim_pairs, rng)),
        "memorization": metrics.memorization_ratio(samples, ref.train, ref.nearest_train),
        "diversity": metrics.mean_distance(pixel_distances) / ref.real_distance,
    }
    if isinstance(extractor, DigitClassifier):
        result["modes_in_samples"] = int(mode_index(batched(extractor.digits, samples)).unique().numel())
    return result, samples


def mode_coverage(generator: Generator, classifier: DigitClassifier, noise: torch.Tensor, batch_size: int) -> dict[str, float]:
    """Count the modes covered of 1000 and compute KL(mode histogram || uniform) of the samples for `noise`.

    This is the Stacked-MNIST protocol of the VEEGAN and PacGAN papers. It needs many samples
    (those papers use 10,000), so `evaluate_gan` runs it on the final generator only.
    """
    digits = batched(classifier.digits, generate(generator, noise, batch_size))
    covered, kl = metrics.mode_coverage(mode_index(digits), 1000)
    return {"modes_covered": covered, "mode_kl": kl}


def evaluate_run(
    generator: Generator,
    snapshots: dict[int, dict[str, torch.Tensor]],
    ref: Reference,
    extractor: nn.Module,
    cfg: GanEvalConfig,
    noise: torch.Tensor,
    seed: int,
    coverage_noise: torch.Tensor | None = None,
) -> tuple[list[dict[str, float]], dict[int, torch.Tensor], dict[str, float]]:
    """Evaluate every snapshot of a run with `generator` as the container of the weights.

    Returns one row of metrics per snapshot in iteration order, the samples of each snapshot, and
    the mode coverage of the last snapshot when `coverage_noise` is given.
    """
    if coverage_noise is not None and not isinstance(extractor, DigitClassifier):
        raise TypeError("mode coverage needs the digit classifier as the extractor")
    rows, samples_at = [], {}
    for iteration, weights in sorted(snapshots.items()):
        generator.load_state_dict(weights)
        result, samples = evaluate_snapshot(generator, ref, extractor, cfg, noise, seed)
        rows.append({"iteration": iteration, **result})
        samples_at[iteration] = samples
        log.info("iteration %d: %s", iteration, ", ".join(f"{k} {v:.4g}" for k, v in result.items()))
    # The generator still holds the last snapshot's weights.
    coverage = {} if coverage_noise is None else mode_coverage(generator, extractor, coverage_noise, cfg.batch_size)
    return rows, samples_at, coverage


def inception_scores(samples: torch.Tensor, real: torch.Tensor, weights: Path, cfg: GanEvalConfig) -> dict[str, float]:
    """Standard FID and KID on Inception-v3 pool features (torchmetrics), from a local weights file."""
    try:
        from torchmetrics.image.fid import FrechetInceptionDistance
        from torchmetrics.image.kid import KernelInceptionDistance
    except ImportError as err:  # torchmetrics imports torch-fidelity lazily for these two
        raise ImportError(f"FID needs torch-fidelity: pip install torch-fidelity ({err})") from None

    def rgb01(x: torch.Tensor) -> torch.Tensor:
        return ((x.expand(-1, 3, -1, -1) + 1.0) / 2.0).clamp(0.0, 1.0)

    fid = FrechetInceptionDistance(feature=2048, normalize=True, feature_extractor_weights_path=str(weights))
    kid = KernelInceptionDistance(
        feature=2048, normalize=True, subsets=cfg.kid_subsets,
        subset_size=min(cfg.kid_subset_size, len(samples), len(real)), feature_extractor_weights_path=str(weights),
    )  # fmt: skip
    for metric in (fid, kid):
        metric.update(rgb01(real), real=True)
        metric.update(rgb01(samples), real=False)
    kid_mean, _ = kid.compute()
    return {"fid": float(fid.compute()), "kid_inception": float(kid_mean)}


def duplicate_clusters(pairs: list[tuple[int, int]]) -> dict[int, int]:
    """Group samples linked by duplicate pairs: sample index -> cluster number (0, 1, ...)."""
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        while parent.setdefault(i, i) != i:
            i = parent[i]
        return i

    for i, j in pairs:
        parent[root(j)] = root(i)
    roots = sorted({root(i) for i in parent})
    return {i: roots.index(root(i)) for i in sorted(parent)}


# Outline colours, one per cluster of near-duplicates (repeated after eight clusters).
PALETTE = [(230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180), (70, 240, 240), (240, 50, 230)]


def outlined_grid(samples: torch.Tensor, pairs: list[tuple[int, int]]) -> torch.Tensor:
    """Tile `samples` into a uint8 grid and frame each cluster of near-duplicates in its own colour."""
    from ganrnn.gan.train import to_grid

    grid = to_grid(samples).clone()
    side = samples.shape[-1]
    nrow = int(samples.shape[0] ** 0.5)
    for index, cluster in duplicate_clusters(pairs).items():
        # make_grid puts tile k at row k // nrow, column k % nrow, after 2 pixels of padding.
        top, left = (index // nrow) * (side + 2) + 1, (index % nrow) * (side + 2) + 1
        colour = torch.tensor(PALETTE[cluster % len(PALETTE)], dtype=torch.uint8).view(3, 1)
        grid[:, top, left : left + side + 2] = colour
        grid[:, top + side + 1, left : left + side + 2] = colour
        grid[:, top : top + side + 2, left] = colour
        grid[:, top : top + side + 2, left + side + 1] = colour
    return grid
