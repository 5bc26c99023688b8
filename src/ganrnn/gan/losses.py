"""GAN objectives as pure functions of discriminator scores.

`real` and `fake` are raw discriminator outputs (logits for `bce`, scores for the others), one per
image. WGAN-GP adds `gradient_penalty`, which needs the critic itself, to its critic loss.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def bce_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """L_D = -E[log sigmoid(D(x))] - E[log(1 - sigmoid(D(G(z))))]: real -> 1, fake -> 0."""
    return F.binary_cross_entropy_with_logits(
        real, torch.ones_like(real)
    ) + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))


def bce_generator(fake: torch.Tensor) -> torch.Tensor:
    """Non-saturating L_G = -E[log sigmoid(D(G(z)))], which keeps gradients when D wins early."""
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))


def ls_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """LSGAN L_D = 1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2] with a = 0, b = 1."""
    return 0.5 * ((real - 1.0) ** 2).mean() + 0.5 * (fake**2).mean()


def ls_generator(fake: torch.Tensor) -> torch.Tensor:
    """LSGAN L_G = 1/2 E[(D(G(z)) - c)^2] with c = 1."""
    return 0.5 * ((fake - 1.0) ** 2).mean()


def hinge_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Hinge L_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]: scores past the margin cost nothing."""
    return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()


def hinge_generator(fake: torch.Tensor) -> torch.Tensor:
    """Hinge L_G = -E[D(G(z))], as in SAGAN and BigGAN."""
    return -fake.mean()


def wasserstein_critic(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN L_D = E[D(G(z))] - E[D(x)], the negated Kantorovich-Rubinstein estimate; add the penalty."""
    return fake.mean() - real.mean()


def wasserstein_generator(fake: torch.Tensor) -> torch.Tensor:
    """WGAN L_G = -E[D(G(z))]."""
    return -fake.mean()


def gradient_penalty(
    critic: torch.nn.Module, real: torch.Tensor, fake: torch.Tensor, rng: torch.Generator
) -> torch.Tensor:
    """WGAN-GP penalty E[(||grad_x D(x_hat)||_2 - 1)^2] at x_hat = e x + (1 - e) G(z), e ~ U[0, 1].

    The penalty keeps the critic close to 1-Lipschitz along lines between real and fake images
    (Gulrajani et al., 2017). `rng` is a CPU generator so the mixing weights repeat on every device.
    """
    eps = torch.rand(real.shape[0], 1, 1, 1, generator=rng).to(real.device)
    mixed = (eps * real + (1.0 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1.0) ** 2).mean()


LOSSES = {
    "bce": (bce_discriminator, bce_generator),
    "ls": (ls_discriminator, ls_generator),
    "hinge": (hinge_discriminator, hinge_generator),
    "wgan-gp": (wasserstein_critic, wasserstein_generator),
}
