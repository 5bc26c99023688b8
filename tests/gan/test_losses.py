import math

import torch

from ganrnn.gan import losses


def test_bce_discriminator_value():
    real, fake = torch.tensor([0.0, 2.0]), torch.tensor([-1.0])
    expected = -(math.log(0.5) + math.log(1 / (1 + math.exp(-2.0)))) / 2 - math.log(1 - 1 / (1 + math.exp(1.0)))
    assert math.isclose(losses.bce_discriminator(real, fake).item(), expected, rel_tol=1e-6)


def test_bce_generator_value():
    fake = torch.tensor([0.0, 1.0])
    expected = -(math.log(0.5) + math.log(1 / (1 + math.exp(-1.0)))) / 2
    assert math.isclose(losses.bce_generator(fake).item(), expected, rel_tol=1e-6)


def test_ls_discriminator_value():
    real, fake = torch.tensor([1.0, 0.0]), torch.tensor([0.5, -1.0])
    # 1/2 * mean((1-1)^2, (0-1)^2) + 1/2 * mean(0.25, 1) = 0.25 + 0.3125
    assert math.isclose(losses.ls_discriminator(real, fake).item(), 0.5625, rel_tol=1e-6)


def test_ls_generator_value():
    # 1/2 * mean((3-1)^2, (1-1)^2) = 1
    assert math.isclose(losses.ls_generator(torch.tensor([3.0, 1.0])).item(), 1.0, rel_tol=1e-6)


def test_ls_optimum_zero():
    assert losses.ls_discriminator(torch.ones(4), torch.zeros(4)).item() == 0.0
    assert losses.ls_generator(torch.ones(4)).item() == 0.0
