"""GAN objectives as pure functions of discriminator scores.

`real` and `fake` are raw discriminator outputs (logits for `bce`, scores for `ls`), one per image.
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


LOSSES = {
    "bce": (bce_discriminator, bce_generator),
    "ls": (ls_discriminator, ls_generator),
}
