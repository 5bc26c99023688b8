"""Feature extractors the pipeline trains itself, for Frechet distances without Inception weights.

Faces have no labels, so their extractor is the encoder of a convolutional autoencoder
("faceae"). Stacked digits get a digit classifier ("digitcnn") that also names the digit in each
colour plane, which gives the mode of a generated sample.
"""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from ganrnn.config import ExtractorConfig

log = logging.getLogger(__name__)

EXTRACTOR_NAMES = {"faces": "faceae", "digits": "digitcnn"}


def _encoder(channels: int, image_size: int, feature_dim: int, width: int = 32) -> nn.Sequential:
    # Two stride-2 convolutions, then a linear map of the S/4 x S/4 map to the feature vector.
    return nn.Sequential(
        nn.Conv2d(channels, width, 4, 2, 1),
        nn.LeakyReLU(0.2),
        # state size: width x S/2 x S/2
        nn.Conv2d(width, 2 * width, 4, 2, 1),
        nn.LeakyReLU(0.2),
        # state size: 2 width x S/4 x S/4
        nn.Flatten(),
        nn.Linear(2 * width * (image_size // 4) ** 2, feature_dim),
    )


class FaceAutoencoder(nn.Module):
    """Encode C x S x S images in [-1, 1] to `feature_dim` numbers and decode them back."""

    def __init__(self, channels: int, image_size: int, feature_dim: int) -> None:
        super().__init__()
        self.encoder = _encoder(channels, image_size, feature_dim)
        side = image_size // 4
        self.decoder = nn.Sequential(
            nn.Linear(feature_dim, 64 * side * side),
            nn.Unflatten(1, (64, side, side)),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 4, 2, 1),
            nn.ReLU(),
            # state size: 32 x S/2 x S/2
            nn.ConvTranspose2d(32, channels, 4, 2, 1),
            nn.Tanh(),
            # state size: C x S x S
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)


class DigitClassifier(nn.Module):
    """Name the digit of 1 x S x S images in [-1, 1]; the layer before the logits gives features."""

    def __init__(self, image_size: int, feature_dim: int) -> None:
        super().__init__()
        # Narrower than the face encoder: it runs on 30,000 digit planes per evaluated checkpoint.
        self.encoder = _encoder(1, image_size, feature_dim, width=16)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(feature_dim, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Compute the features of each colour plane of N x C x S x S images, concatenated: N x (C * F)."""
        n, c = x.shape[:2]
        return self.encoder(x.reshape(n * c, 1, *x.shape[2:])).reshape(n, -1)

    def digits(self, x: torch.Tensor) -> torch.Tensor:
        """Name the digit in each colour plane of N x C x S x S images: N x C integers."""
        n, c = x.shape[:2]
        return self(x.reshape(n * c, 1, *x.shape[2:])).argmax(dim=1).reshape(n, c)


def build_extractor(dataset: str, channels: int, image_size: int, feature_dim: int) -> nn.Module:
    if dataset == "faces":
        return FaceAutoencoder(channels, image_size, feature_dim)
    if dataset == "digits":
        return DigitClassifier(image_size, feature_dim)
    raise ValueError(f"dataset={dataset!r} has no feature extractor; allowed values are faces, digits")


def _augment(x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Mirror a random half of the batch left to right: faces stay faces, the data set doubles."""
    flip = torch.rand(x.shape[0], generator=rng) < 0.5
    return torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)


def _fit(model: nn.Module, batch_loss, cfg: ExtractorConfig, name: str, rng: torch.Generator, resume: dict | None, save) -> list[tuple[int, float]]:
    """Run `cfg.steps` Adam steps on `batch_loss()`, which draws a batch from `rng` and returns its loss.

    Every `cfg.checkpoint_every` steps `save(step, state)` receives the training state, and a
    state passed back as `resume` continues the run where it stopped.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    curve, start = [], 1
    if resume is not None:
        model.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        rng.set_state(resume["rng"])
        curve, start = resume["curve"], resume["step"] + 1
    model.train()
    for step in tqdm(range(start, cfg.steps + 1), desc=f"extractor {name}", leave=False, disable=None):
        loss = batch_loss()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % cfg.log_every == 0 or step == cfg.steps:
            curve.append((step, loss.item()))
        if save is not None and step % cfg.checkpoint_every == 0 and step < cfg.steps:
            save(step, {"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(), "rng": rng.get_state(), "curve": curve})
    model.eval()
    return curve


def train_autoencoder(
    model: FaceAutoencoder, images: torch.Tensor, cfg: ExtractorConfig, rng: torch.Generator, resume: dict | None = None, save=None
) -> list[tuple[int, float]]:
    """Minimize the mean squared reconstruction error of float `images` in [-1, 1]."""

    def batch_loss() -> torch.Tensor:
        batch = _augment(images[torch.randint(0, len(images), (cfg.batch_size,), generator=rng)], rng)
        return F.mse_loss(model(batch), batch)

    return _fit(model, batch_loss, cfg, "faces", rng, resume, save)


def train_classifier(
    model: DigitClassifier,
    images: torch.Tensor,
    labels: torch.Tensor,
    cfg: ExtractorConfig,
    rng: torch.Generator,
    resume: dict | None = None,
    save=None,
) -> list[tuple[int, float]]:
    """Minimize cross-entropy on single digits `images` (N x 1 x S x S in [-1, 1]) with `labels`."""

    def batch_loss() -> torch.Tensor:
        index = torch.randint(0, len(images), (cfg.batch_size,), generator=rng)
        return F.cross_entropy(model(images[index]), labels[index])

    return _fit(model, batch_loss, cfg, "digits", rng, resume, save)


@torch.no_grad()
def batched(fn, x: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """Apply `fn` to `x` in slices so that 10,000 images never pass through a model at once."""
    return torch.cat([fn(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])


def load_extractor(path) -> nn.Module:
    """Rebuild an extractor from a checkpoint written by the train_extractor stage, in eval mode."""
    from ganrnn.io import load_torch

    checkpoint = load_torch(path)
    if not isinstance(checkpoint, dict) or not {"dataset", "state_dict", "feature_dim", "image_shape"} <= set(checkpoint):
        raise ValueError(f"{path} is not a train_extractor checkpoint; use models/extractor/<dataset>.pt")
    channels, size = checkpoint["image_shape"][:2]
    model = build_extractor(checkpoint["dataset"], channels, size, checkpoint["feature_dim"])
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval()
