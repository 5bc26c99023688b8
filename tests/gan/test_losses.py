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


def test_hinge_discriminator_value():
    real, fake = torch.tensor([0.5, 2.0]), torch.tensor([-2.0, 0.0])
    # mean(relu(1 - 0.5), relu(1 - 2)) + mean(relu(1 - 2), relu(1 + 0)) = 0.25 + 0.5
    assert math.isclose(losses.hinge_discriminator(real, fake).item(), 0.75, rel_tol=1e-6)


def test_hinge_generator_value():
    assert math.isclose(losses.hinge_generator(torch.tensor([1.0, 3.0])).item(), -2.0, rel_tol=1e-6)


def test_wasserstein_critic_value():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.5, -0.5])
    # mean(fake) - mean(real) = 0 - 2
    assert math.isclose(losses.wasserstein_critic(real, fake).item(), -2.0, rel_tol=1e-6)


def test_wasserstein_generator_value():
    assert math.isclose(losses.wasserstein_generator(torch.tensor([2.0, 4.0])).item(), -3.0, rel_tol=1e-6)


class _Linear(torch.nn.Module):
    """D(x) = w . x: its input gradient is w everywhere, so the penalty is (||w|| - 1)^2."""

    def __init__(self, w: torch.Tensor) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1) @ self.w


def test_gradient_penalty_linear_critic():
    critic = _Linear(torch.tensor([3.0, 4.0, 0.0, 0.0]))
    real, fake = torch.randn(5, 1, 2, 2), torch.randn(5, 1, 2, 2)
    penalty = losses.gradient_penalty(critic, real, fake, torch.Generator().manual_seed(0))
    assert math.isclose(penalty.item(), 16.0, rel_tol=1e-6)


def test_gradient_penalty_matches_autograd():
    # A tiny nonlinear critic: the penalty equals the one built by hand from torch.autograd.grad
    # at the same mixed points.
    torch.manual_seed(0)
    critic = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    real, fake = torch.randn(6, 1, 2, 2), torch.randn(6, 1, 2, 2)
    penalty = losses.gradient_penalty(critic, real, fake, torch.Generator().manual_seed(7))

    eps = torch.rand(6, 1, 1, 1, generator=torch.Generator().manual_seed(7))
    expected = 0.0
    for i in range(6):
        x = (eps[i] * real[i] + (1 - eps[i]) * fake[i]).unsqueeze(0).requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(x).sum(), x)
        expected += (grad.norm() - 1.0) ** 2 / 6
    assert math.isclose(penalty.item(), float(expected), rel_tol=1e-5)


def test_gradient_penalty_reaches_critic_weights():
    critic = _Linear(torch.tensor([3.0, 4.0, 0.0, 0.0]))
    losses.gradient_penalty(critic, torch.randn(2, 1, 2, 2), torch.randn(2, 1, 2, 2), torch.Generator()).backward()
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w|| = 2 * 4 * (0.6, 0.8)
    assert torch.allclose(critic.w.grad, torch.tensor([4.8, 6.4, 0.0, 0.0]))
