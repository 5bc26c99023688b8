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
