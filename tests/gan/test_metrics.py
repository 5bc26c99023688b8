import math

import pytest
import torch

from ganrnn.gan.metrics import diversity_ratio, mean_pairwise_distance


def test_pairwise_distance_known():
    images = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    assert math.isclose(mean_pairwise_distance(images), 5.0)


def test_collapsed_samples_zero():
    real = torch.randn(8, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    collapsed = real[:1].repeat(8, 1, 1, 1)
    assert diversity_ratio(collapsed, real) == 0.0


def test_real_copy_one():
    real = torch.randn(8, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    assert math.isclose(diversity_ratio(real.clone(), real), 1.0)


def test_needs_two_images():
    with pytest.raises(ValueError, match=r"at least two"):
        mean_pairwise_distance(torch.zeros(1, 3))


from ganrnn.gan import metrics  # noqa: E402


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_frechet_identical_zero():
    features = torch.randn(200, 5, generator=_gen())
    assert metrics.frechet_distance(features, features.clone()) < 1e-6


def test_frechet_shifted_mean():
    features = torch.randn(300, 4, generator=_gen())
    # Shifting every vector by (1, 1, 1, 1) adds ||shift||^2 = 4 and leaves the covariance alone.
    assert math.isclose(metrics.frechet_distance(features, features + 1.0), 4.0, rel_tol=1e-6)


def test_frechet_known_gaussians():
    # N(0, I) against N(0, 4I) in 3 dimensions: Tr(I + 4I - 2 * 2I) = 3, estimated from samples.
    a = torch.randn(20000, 3, generator=_gen(1))
    b = 2.0 * torch.randn(20000, 3, generator=_gen(2))
    assert abs(metrics.frechet_distance(a, b) - 3.0) < 0.15


def test_kid_identical_near_zero():
    features = torch.randn(400, 8, generator=_gen())
    mean, _ = metrics.kernel_inception_distance(features, features.clone(), 5, 100, _gen(3))
    assert abs(mean) < 0.05


def test_kid_separates_shifted():
    a = torch.randn(400, 8, generator=_gen(1))
    mean, _ = metrics.kernel_inception_distance(a, a + 2.0, 5, 100, _gen(3))
    assert mean > 1.0


def test_duplicate_rate_all_identical():
    real = torch.randn(30, 3, 4, 4, generator=_gen())
    one = real[:1].repeat(20, 1, 1, 1)
    assert metrics.duplicate_rate(one, metrics.duplicate_threshold(real)) == 1.0


def test_duplicate_rate_real_copy_low():
    real = torch.randn(200, 3, 4, 4, generator=_gen())
    # Below the 1st percentile of nearest-neighbour distances, only a handful of real pairs remain.
    assert metrics.duplicate_rate(real, metrics.duplicate_threshold(real)) < 0.001


def test_duplicate_pairs_found():
    x = torch.tensor([[0.0, 0.0], [0.0, 0.1], [5.0, 5.0], [9.0, 0.0]])
    assert metrics.duplicate_pairs(x, 0.5) == [(0, 1)]


def test_memorization_copies_below_one():
    train = torch.randn(50, 3, 4, 4, generator=_gen())
    copies = train[:20] + 1e-3
    assert metrics.memorization_ratio(copies, train, metrics.memorization_reference(train, train[:20])) < 0.01


def test_memorization_fresh_samples_near_one():
    train = torch.randn(400, 2, generator=_gen(1))
    fresh = torch.randn(400, 2, generator=_gen(2))
    assert 0.7 < metrics.memorization_ratio(fresh, train, metrics.memorization_reference(train, train[:400])) < 1.4


def test_msssim_identical_pairs_one():
    images = torch.rand(4, 3, 16, 16, generator=_gen()) * 2 - 1
    pairs = torch.tensor([[0, 0], [1, 1]])
    assert math.isclose(metrics.msssim_of_pairs(images, pairs), 1.0, rel_tol=1e-4)


def test_msssim_noise_pairs_low():
    images = torch.rand(8, 3, 32, 32, generator=_gen()) * 2 - 1
    assert metrics.msssim_of_pairs(images, metrics.random_pairs(8, 20, _gen(1))) < 0.2


def test_random_pairs_distinct():
    pairs = metrics.random_pairs(5, 500, _gen())
    assert bool((pairs[:, 0] != pairs[:, 1]).all())


def test_coverage_one_mode():
    covered, kl = metrics.mode_coverage(torch.full((10000,), 417), 1000)
    assert covered == 1
    assert math.isclose(kl, math.log(1000), rel_tol=1e-9)


def test_coverage_uniform():
    covered, kl = metrics.mode_coverage(torch.arange(1000).repeat(3), 1000)
    assert covered == 1000
    assert abs(kl) < 1e-12


@pytest.mark.parametrize("shape", [(8, 3, 4, 4), (64, 32, 4, 4), (1, 128, 4, 4), (20, 7)])
def test_power_iteration_matches_linalg(shape):
    weight = torch.randn(*shape, generator=_gen())
    expected = torch.linalg.matrix_norm(weight.reshape(shape[0], -1).double(), ord=2).item()
    assert math.isclose(metrics.largest_singular_value(weight, _gen(1)), expected, rel_tol=1e-4)


def test_power_iteration_spectral_norm_layer():
    from torch.nn.utils.parametrizations import spectral_norm

    conv = spectral_norm(torch.nn.Conv2d(3, 8, 4))
    for _ in range(20):  # let spectral norm's own power iteration converge
        conv(torch.zeros(1, 3, 4, 4))
    conv.eval()
    assert math.isclose(metrics.largest_singular_value(conv.weight, _gen()), 1.0, rel_tol=1e-3)
