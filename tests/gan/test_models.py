import pytest
import torch

from ganrnn.gan.models import Discriminator, Generator, init_dcgan_weights


@pytest.mark.parametrize("size", [32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_generator_shape(size, channels):
    g = Generator(noise_dim=100, width=8, channels=channels, image_size=size)
    out = g(torch.randn(2, 100, 1, 1))
    assert out.shape == (2, channels, size, size)
    assert out.abs().max() <= 1.0


@pytest.mark.parametrize("size", [32, 64])
@pytest.mark.parametrize("sn", [True, False])
def test_discriminator_shape(size, sn):
    d = Discriminator(width=8, channels=3, image_size=size, use_spectral_norm=sn)
    assert d(torch.randn(2, 3, size, size)).shape == (2,)


def test_spectral_norm_on_every_conv():
    d = Discriminator(width=8, channels=3, image_size=32, use_spectral_norm=True)
    convs = [m for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 4
    assert all(hasattr(m, "parametrizations") for m in convs)


def test_no_batchnorm_first_block():
    d = Discriminator(width=8, channels=3, image_size=32)
    assert isinstance(d.net[1], torch.nn.LeakyReLU)
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules()) == 2


def test_depth_follows_size():
    g32 = Generator(100, 8, 3, 32)
    g64 = Generator(100, 8, 3, 64)
    count = lambda g: sum(isinstance(m, torch.nn.ConvTranspose2d) for m in g.modules())  # noqa: E731
    assert count(g32) == 4
    assert count(g64) == 5


def test_invalid_image_size():
    with pytest.raises(ValueError, match=r"image_size=48 is invalid"):
        Generator(100, 8, 3, 48)


def test_init_weights_with_sn():
    torch.manual_seed(0)
    d = Discriminator(width=16, channels=3, image_size=32, use_spectral_norm=True)
    d.apply(init_dcgan_weights)
    std = d.net[0].parametrizations.weight.original.std().item()
    assert 0.015 < std < 0.025
