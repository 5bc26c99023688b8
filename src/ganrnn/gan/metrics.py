"""Sample-quality and mode-collapse measures for GANs, each a function of plain tensors.

Images are float tensors N x C x H x W in [-1, 1]; features are N x F. Distances are Euclidean
and computed in float64, so the numbers do not depend on the batch order of the inputs.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg
import torch
from torchmetrics.functional.image import multiscale_structural_similarity_index_measure


def pairwise_distances(x: torch.Tensor) -> torch.Tensor:
    """Compute the N x N float64 L2 distances between the flattened rows of `x` (N >= 2 rows).

    Several measures read the same matrix, so `evaluate_gan` computes it once per snapshot.
    """
    if x.shape[0] < 2:
        raise ValueError("pairwise distances need at least two images or feature vectors")
    flat = x.reshape(x.shape[0], -1).double()
    return torch.cdist(flat, flat)


def mean_distance(distances: torch.Tensor) -> float:
    """Return the mean off-diagonal entry of a `pairwise_distances` matrix."""
    n = distances.shape[0]
    return float(distances.sum() / (n * (n - 1)))


def close_fraction(distances: torch.Tensor, threshold: float) -> float:
    """Return the fraction of the N(N-1)/2 pairs of a `pairwise_distances` matrix at most `threshold` apart."""
    n = distances.shape[0]
    # The n zeros of the diagonal always count, and every other pair appears twice.
    return (int((distances <= threshold).sum()) - n) / (n * (n - 1))


def mean_pairwise_distance(images: torch.Tensor) -> float:
    """Mean L2 distance over all distinct pairs of images (N x ...), N >= 2."""
    return mean_distance(pairwise_distances(images))


def diversity_ratio(generated: torch.Tensor, real: torch.Tensor) -> float:
    """Mean pairwise distance of generated images over that of real ones, both in [-1, 1].

    About 1 when samples vary as much as the data; near 0 when the generator has collapsed onto
    a few outputs. It does not detect a generator that copies training images.
    """
    return mean_pairwise_distance(generated) / mean_pairwise_distance(real)


# --- distribution distances -----------------------------------------------------------------------


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) of Gaussians fitted to features a, b.

    With Inception features this is FID; with any other extractor it is FD-<extractor>.
    """
    if a.shape[0] < 2 or b.shape[0] < 2:
        raise ValueError("frechet_distance needs at least two feature vectors on each side")
    x, y = a.double().numpy(), b.double().numpy()
    mu_x, mu_y = x.mean(0), y.mean(0)
    cov_x, cov_y = np.atleast_2d(np.cov(x, rowvar=False)), np.atleast_2d(np.cov(y, rowvar=False))
    product = cov_x @ cov_y
    if np.linalg.matrix_rank(product) < product.shape[0]:
        # A collapsed generator gives a singular covariance, and sqrtm of a singular product is
        # ill-conditioned. A tiny ridge on both covariances keeps it stable.
        ridge = np.eye(product.shape[0]) * 1e-6
        product = (cov_x + ridge) @ (cov_y + ridge)
    # sqrtm of a product of two PSD matrices is real in exact arithmetic; rounding can add a tiny
    # imaginary part, which carries no information.
    covmean = np.real(scipy.linalg.sqrtm(product))
    value = float(((mu_x - mu_y) ** 2).sum() + np.trace(cov_x) + np.trace(cov_y) - 2.0 * np.trace(covmean))
    return max(value, 0.0)


def kernel_inception_distance(
    a: torch.Tensor, b: torch.Tensor, subsets: int, subset_size: int, rng: torch.Generator
) -> tuple[float, float]:
    """Unbiased MMD^2 with the kernel k(x, y) = (x.y / F + 1)^3, averaged over random subsets.

    Returns (mean, standard deviation) over `subsets` draws of `subset_size` rows from each side
    (Binkowski et al., 2018). Unlike the Frechet distance it has no bias at small sample sizes.
    """
    m = min(subset_size, a.shape[0], b.shape[0])
    if m < 2:
        raise ValueError("kernel_inception_distance needs at least two feature vectors on each side")
    x_all, y_all = a.double(), b.double()
    dim = x_all.shape[1]
    values = []
    for _ in range(subsets):
        x = x_all[torch.randperm(x_all.shape[0], generator=rng)[:m]]
        y = y_all[torch.randperm(y_all.shape[0], generator=rng)[:m]]
        k_xx = (x @ x.T / dim + 1.0) ** 3
        k_yy = (y @ y.T / dim + 1.0) ** 3
        k_xy = (x @ y.T / dim + 1.0) ** 3
        # Diagonal terms compare a sample with itself; leaving them out makes the estimate unbiased.
        within = (k_xx.sum() - k_xx.diagonal().sum() + k_yy.sum() - k_yy.diagonal().sum()) / (m * (m - 1))
        values.append(float(within - 2.0 * k_xy.mean()))
    return float(np.mean(values)), float(np.std(values))


# --- mode collapse and memorization ---------------------------------------------------------------


def nearest_neighbour_distances(query: torch.Tensor, reference: torch.Tensor, exclude_self: bool = False) -> torch.Tensor:
    """Distance from each query row to its nearest reference row; `exclude_self` when they are one set.

    Computed in float32: against 10,000 training images this is the costliest metric, and the
    median of nearest distances does not need double precision.
    """
    dist = torch.cdist(query.reshape(query.shape[0], -1).float(), reference.reshape(reference.shape[0], -1).float())
    if exclude_self:
        dist.fill_diagonal_(math.inf)
    return dist.min(dim=1).values


def duplicate_threshold(real: torch.Tensor, percentile: float = 1.0) -> float:
    """Return the `percentile`-th percentile of real-to-real nearest-neighbour distances.

    Two generated samples closer than this are closer than almost any two real images are.
    """
    if real.shape[0] < 2:
        raise ValueError("duplicate_threshold needs at least two real images")
    return float(np.percentile(nearest_neighbour_distances(real, real, exclude_self=True).numpy(), percentile))


def duplicate_pairs(samples: torch.Tensor, threshold: float) -> list[tuple[int, int]]:
    """Index pairs (i < j) of samples at most `threshold` apart."""
    dist = pairwise_distances(samples)
    i, j = torch.triu_indices(len(samples), len(samples), offset=1)
    close = dist[i, j] <= threshold
    return list(zip(i[close].tolist(), j[close].tolist(), strict=True))


def duplicate_rate(samples: torch.Tensor, threshold: float) -> float:
    """Fraction of the N(N-1)/2 sample pairs at most `threshold` apart: 1 when all are identical."""
    return close_fraction(pairwise_distances(samples), threshold)


def memorization_reference(train: torch.Tensor, real: torch.Tensor) -> float:
    """Median distance of real images to their nearest other training image; `real` is train[:k]."""
    return float(nearest_neighbour_distances(real, train, exclude_self=True).median())


def memorization_ratio(samples: torch.Tensor, train: torch.Tensor, reference: float) -> float:
    """Median distance of samples to their nearest training image, over `memorization_reference`.

    Below 1, samples sit closer to training images than real images sit to each other: a sign
    of copying, or of a few average images when the samples are also near-duplicates.
    """
    return float(nearest_neighbour_distances(samples, train).median()) / reference


def msssim_of_pairs(images: torch.Tensor, pairs: torch.Tensor) -> float:
    """Mean MS-SSIM over index pairs (P x 2) of images in [-1, 1]; higher means more alike.

    Three scales with a uniform 3 x 3 window, so that 16- and 32-pixel images still have a coarsest
    scale; the five-scale Gaussian default of MS-SSIM needs images of at least 161 pixels. The
    weights of the three finest scales are rescaled to sum to 1.
    """
    a = (images[pairs[:, 0]].float() + 1.0) / 2.0
    b = (images[pairs[:, 1]].float() + 1.0) / 2.0
    betas = (0.0448, 0.2856, 0.3001)
    value = multiscale_structural_similarity_index_measure(
        a, b, gaussian_kernel=False, kernel_size=3, data_range=1.0,
        betas=tuple(beta / sum(betas) for beta in betas), normalize="relu",
    )  # fmt: skip
    return float(value)


def random_pairs(n: int, count: int, rng: torch.Generator) -> torch.Tensor:
    """`count` index pairs (i, j) with i != j drawn uniformly from range(n)."""
    first = torch.randint(0, n, (count,), generator=rng)
    # Adding 1..n-1 modulo n gives a uniform second index that never equals the first.
    second = (first + torch.randint(1, n, (count,), generator=rng)) % n
    return torch.stack([first, second], dim=1)


# --- known modes (stacked digits) -----------------------------------------------------------------


def expected_modes(samples: int, num_modes: int) -> float:
    """Return the mean number of distinct modes hit by `samples` uniform draws over `num_modes` modes."""
    return num_modes * (1.0 - (1.0 - 1.0 / num_modes) ** samples)


def mode_coverage(modes: torch.Tensor, num_modes: int) -> tuple[int, float]:
    """Modes hit at least once and KL(generated mode histogram || uniform), in nats.

    `modes` contains one mode index per sample. The KL is 0 when every mode is equally frequent and
    log(num_modes) when all samples share one mode (the Stacked-MNIST protocol of VEEGAN, PacGAN).
    """
    counts = torch.bincount(modes.flatten(), minlength=num_modes).double()
    p = counts / counts.sum()
    nonzero = p > 0
    kl = float((p[nonzero] * torch.log(p[nonzero] * num_modes)).sum())
    return int(nonzero.sum()), kl


# --- spectral norms -------------------------------------------------------------------------------


def largest_singular_value(weight: torch.Tensor, rng: torch.Generator, iterations: int = 500, tol: float = 1e-10) -> float:
    """sigma_max of `weight` reshaped to out x rest, by power iteration from a seeded start.

    Stops after `iterations` steps or when sigma changes by less than `tol` (relative). For a
    convolution this is the norm of the reshaped kernel, the quantity spectral normalization
    divides by (Miyato et al., 2018), not the operator norm of the convolution itself.
    """
    w = weight.detach().reshape(weight.shape[0], -1).double().cpu()
    v = torch.randn(w.shape[1], generator=rng, dtype=torch.float64)
    v /= v.norm()
    sigma = 0.0
    for _ in range(iterations):
        u = w @ v
        u /= u.norm().clamp_min(1e-300)
        v = w.T @ u
        previous, sigma = sigma, float(v.norm())
        v /= v.norm().clamp_min(1e-300)
        if abs(sigma - previous) <= tol * sigma:
            break
    return sigma
