"""DCGAN generator and discriminator whose depth follows the image size (32 or 64 pixels)."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def _num_stride2_blocks(image_size: int) -> int:
    # Both networks work between a 4x4 map and the image; each stride-2 block doubles or halves.
    blocks = int(math.log2(image_size)) - 2
    if 2 ** (blocks + 2) != image_size or blocks < 2:
        raise ValueError(f"image_size={image_size} is invalid: use a power of two of at least 16")
    return blocks


class Generator(nn.Module):
    """Map noise N x Z x 1 x 1 to images N x C x S x S in [-1, 1]."""

    def __init__(self, noise_dim: int, width: int, channels: int, image_size: int) -> None:
        super().__init__()
        blocks = _num_stride2_blocks(image_size)
        top = width * 2 ** (blocks - 1)

        layers: list[nn.Module] = [
            nn.ConvTranspose2d(noise_dim, top, 4, 1, 0, bias=False),
            nn.BatchNorm2d(top),
            nn.ReLU(inplace=True),
        ]
        # state size: top x 4 x 4
        in_ch = top
        for _ in range(blocks - 1):
            out_ch = in_ch // 2
            layers += [
                nn.ConvTranspose2d(in_ch, out_ch, 4, 2, 1, bias=False),
                nn.BatchNorm2d(out_ch),
                nn.ReLU(inplace=True),
            ]
            in_ch = out_ch
        # state size: width x S/2 x S/2
        layers += [nn.ConvTranspose2d(in_ch, channels, 4, 2, 1, bias=False), nn.Tanh()]
        # state size: channels x S x S
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class Discriminator(nn.Module):
    """Map images N x C x S x S to one raw score per image (N); the loss applies any sigmoid."""

    def __init__(
        self,
        width: int,
        channels: int,
        image_size: int,
        use_spectral_norm: bool = False,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        blocks = _num_stride2_blocks(image_size)
        wrap = spectral_norm if use_spectral_norm else (lambda m: m)

        # The first block has no BatchNorm, as in DCGAN: normalizing raw pixels hurts training.
        layers: list[nn.Module] = [
            wrap(nn.Conv2d(channels, width, 4, 2, 1, bias=False)),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        # state size: width x S/2 x S/2
        in_ch = width
        for _ in range(blocks - 1):
            out_ch = in_ch * 2
            # WGAN-GP's critic has no BatchNorm: the penalty is per sample, and batch statistics
            # would tie each score to the rest of the batch.
            layers += [
                wrap(nn.Conv2d(in_ch, out_ch, 4, 2, 1, bias=not batch_norm)),
                nn.BatchNorm2d(out_ch) if batch_norm else nn.Identity(),
                nn.LeakyReLU(0.2, inplace=True),
            ]
            in_ch = out_ch
        # state size: (width * 2^(blocks-1)) x 4 x 4
        layers.append(wrap(nn.Conv2d(in_ch, 1, 4, 1, 0, bias=False)))
        # state size: 1 x 1 x 1
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).flatten()

    def conv_weights(self) -> list[torch.Tensor]:
        """Return the weight each convolution applies, after spectral normalization when it is on."""
        return [m.weight for m in self.net if isinstance(m, nn.Conv2d)]


def init_dcgan_weights(module: nn.Module) -> None:
    """Draw conv weights from N(0, 0.02) and BatchNorm scales from N(1, 0.02), as DCGAN does."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        # With spectral norm the weight lives in parametrizations.weight.original.
        if hasattr(module, "parametrizations"):
            nn.init.normal_(module.parametrizations.weight.original, 0.0, 0.02)
        else:
            nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
