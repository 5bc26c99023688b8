"""The GAN training loop: alternating discriminator and generator Adam steps."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torchvision.utils import make_grid
from tqdm import tqdm

from ganrnn.config import GanConfig, GanSchedule
from ganrnn.distributed import Dist, gather, local_batch, mean, rank_generator, wrap
from ganrnn.gan.losses import LOSSES, gradient_penalty
from ganrnn.gan.metrics import diversity_ratio, largest_singular_value
from ganrnn.gan.models import Discriminator, Generator, init_dcgan_weights
from ganrnn.io import write_png, write_table

log = logging.getLogger(__name__)


@dataclass
class GanHistory:
    losses: list[tuple[int, float, float]] = field(default_factory=list)  # (iteration, D, G)
    diversity: list[tuple[int, float]] = field(default_factory=list)  # (iteration, ratio)
    grids: dict[int, torch.Tensor] = field(default_factory=dict)  # iteration -> uint8 3 x H x W
    # iteration -> generator weights at that grid, which evaluate_gan measures
    snapshots: dict[int, dict[str, torch.Tensor]] = field(default_factory=dict)
    sigma: list[tuple[int, ...]] = field(default_factory=list)  # (iteration, sigma_max per D conv)


def sample_iterations(schedule: GanSchedule) -> list[int]:
    """List the iterations that get a sample grid: the first (early collapse), every sample_every, the last."""
    points = {1, schedule.iterations} | set(range(schedule.sample_every, schedule.iterations + 1, schedule.sample_every))
    return sorted(points)


def to_model_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float [-1, 1], the range of the generator's tanh."""
    return images.float().div(127.5).sub(1.0)


def to_grid(images: torch.Tensor) -> torch.Tensor:
    """Tile images in [-1, 1] into one uint8 3 x H x W grid."""
    grid = make_grid(images, nrow=int(images.shape[0] ** 0.5), padding=2, normalize=True, value_range=(-1, 1))
    return (grid * 255).round().to(torch.uint8)


def take(images: np.ndarray | torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Rows `index` of uint8 images as a float batch in [-1, 1]; reads only those rows of a memmap."""
    if isinstance(images, torch.Tensor):
        return to_model_range(images[index])
    return to_model_range(torch.from_numpy(np.ascontiguousarray(images[index.numpy()])))


def build_models(
    cfg: GanConfig, channels: int, image_size: int, spectral_norm: bool, loss: str = "bce"
) -> tuple[Generator, Discriminator]:
    generator = Generator(cfg.noise_dim, cfg.g_width, channels, image_size)
    discriminator = Discriminator(cfg.d_width, channels, image_size, spectral_norm, batch_norm=loss != "wgan-gp")
    generator.apply(init_dcgan_weights)
    discriminator.apply(init_dcgan_weights)
    return generator, discriminator


@torch.no_grad()
def discriminator_sigmas(discriminator: Discriminator) -> list[float]:
    """sigma_max of every convolution weight D applies, without advancing its spectral norm."""
    # In training mode, reading a spectrally normalized weight runs one more power-iteration step
    # and changes D's state; eval mode reads the same normalized weight without touching it.
    was_training = discriminator.training
    discriminator.eval()
    rng = torch.Generator().manual_seed(0)
    sigmas = [largest_singular_value(w, rng, iterations=100) for w in discriminator.conv_weights()]
    discriminator.train(was_training)
    return sigmas


def train_gan(
    generator: Generator,
    discriminator: Discriminator,
    images: np.ndarray | torch.Tensor,
    cfg: GanConfig,
    schedule: GanSchedule,
    loss: str,
    rng: torch.Generator,
    resume: dict | None = None,
    save: Callable[[int, dict], None] | None = None,
    dist: Dist = Dist(),
) -> GanHistory:
    """Train on uint8 `images` (N x C x S x S) for `schedule` and return losses, diversity and sample grids.

    `images` may be a read-only memmap: each batch is read and converted on its own, so the
    data set never has to fit in memory as floats. Every `cfg.checkpoint_every` iterations
    `save(iteration, state)` receives the whole training state; passing such a state back as
    `resume` continues the run exactly where it stopped.

    Under torchrun (`dist.enabled`), `cfg.batch_size` is the global batch: every rank takes its
    own slice of one shared shuffled order, as DistributedSampler does, draws noise from its own
    generator, and DistributedDataParallel averages the gradients. Only rank 0 keeps a history.
    """
    n = images.shape[0]
    batch = local_batch(cfg.batch_size, dist, "gan.batch_size")
    if loss == "wgan-gp" and dist.enabled:
        raise ValueError("gan_losses entry wgan-gp cannot run under torchrun: DistributedDataParallel does not "
                         "support the double backward of its gradient penalty; train it with distributed.launcher: none")  # fmt: skip
    if cfg.batch_size > n:
        raise ValueError(
            f"gan.batch_size={cfg.batch_size} is larger than the {n} training images; "
            f"lower gan.batch_size, or use more images (data.faces.limit, data.digits.count)"
        )
    d_loss_fn, g_loss_fn = LOSSES[loss]
    # Random numbers come from the CPU generator `rng` and move to the device, so a seed gives
    # the same noise and batches on every device.
    device = next(generator.parameters()).device
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=cfg.lr, betas=(cfg.beta1, cfg.beta2))
    opt_g = torch.optim.Adam(generator.parameters(), lr=cfg.lr, betas=(cfg.beta1, cfg.beta2))
    # The shuffled order comes from `rng`, identical on every rank; noise from each rank's own.
    noise_rng = rank_generator(rng, dist)
    layout = torch.channels_last if cfg.channels_last else torch.contiguous_format
    generator.to(memory_format=layout)
    discriminator.to(memory_format=layout)
    g_train, d_train = wrap(generator, dist), wrap(discriminator, dist)
    if cfg.compile:
        g_train, d_train = torch.compile(g_train), torch.compile(d_train)
    # bf16 autocast runs the forward passes in bfloat16 where it is safe; weights and the
    # optimizer stay in float32, so no loss scaling is needed (unlike float16).
    autocast = functools.partial(torch.autocast, device.type, dtype=torch.bfloat16, enabled=cfg.precision == "bf16")

    # A fixed noise batch and a fixed real batch make grids and diversity comparable over time.
    fixed_noise = torch.randn(cfg.grid_samples, cfg.noise_dim, 1, 1, generator=rng).to(device)
    fixed_real = take(images, torch.randperm(n, generator=rng)[: min(n, cfg.grid_samples)])
    sample_at = set(sample_iterations(schedule))
    history = GanHistory()

    order = torch.randperm(n, generator=rng)
    cursor = 0
    start = 1
    if resume is not None:
        generator.load_state_dict(resume["generator"])
        discriminator.load_state_dict(resume["discriminator"])
        opt_g.load_state_dict(resume["opt_g"])
        opt_d.load_state_dict(resume["opt_d"])
        rng.set_state(resume["rng"])
        torch.set_rng_state(resume["torch_rng"])
        if dist.enabled:
            noise_rng.set_state(resume["noise_rngs"][dist.rank])
        order, cursor = resume["order"], resume["cursor"]
        history = GanHistory(**resume["history"])
        start = resume["iteration"] + 1

    generator.train()
    discriminator.train()
    for iteration in tqdm(range(start, schedule.iterations + 1), desc=f"gan {loss}", leave=False, disable=None):
        for _ in range(cfg.critic_steps):
            if cursor + cfg.batch_size > n:  # a new epoch: reshuffle and drop the incomplete batch
                order, cursor = torch.randperm(n, generator=rng), 0
            mine = order[cursor + dist.rank * batch : cursor + (dist.rank + 1) * batch]
            real = take(images, mine).to(device, memory_format=layout)
            cursor += cfg.batch_size
            noise = torch.randn(batch, cfg.noise_dim, 1, 1, generator=noise_rng).to(device)
            with autocast():
                fake = g_train(noise)

            # (1) Update D: minimize L_D(D(x), D(G(z))); the fake batch is detached so G is untouched.
            # WGAN-GP adds lambda E[(||grad D(x_hat)||_2 - 1)^2] to keep the critic 1-Lipschitz.
            opt_d.zero_grad(set_to_none=True)
            with autocast():
                d_loss = d_loss_fn(d_train(real).float(), d_train(fake.detach()).float())
                if loss == "wgan-gp":
                    d_loss = d_loss + cfg.gp_weight * gradient_penalty(discriminator, real, fake.detach(), noise_rng)
            d_loss.backward()
            opt_d.step()

        # (2) Update G: minimize L_G(D(G(z))) against the discriminator just updated.
        opt_g.zero_grad(set_to_none=True)
        with autocast():
            g_loss = g_loss_fn(d_train(fake).float())
        g_loss.backward()
        opt_g.step()

        if iteration % cfg.log_every == 0 or iteration == 1:
            d_mean, g_mean = mean(d_loss, dist).item(), mean(g_loss, dist).item()
            if dist.is_main:
                history.losses.append((iteration, d_mean, g_mean))
                history.sigma.append((iteration, *discriminator_sigmas(discriminator)))
        if iteration in sample_at and dist.is_main:
            # NOTE: samples use BatchNorm in training mode (batch statistics), as the DCGAN
            # reference does; eval mode with young running statistics gives flat images early on.
            with torch.no_grad():
                samples = generator(fixed_noise).cpu()
            history.grids[iteration] = to_grid(samples)
            history.snapshots[iteration] = {k: v.detach().cpu().clone() for k, v in generator.state_dict().items()}
            history.diversity.append((iteration, diversity_ratio(samples, fixed_real)))
            log.info(
                "iteration %d: D loss %.4f, G loss %.4f, diversity %.3f",
                iteration, d_loss.item(), g_loss.item(), history.diversity[-1][1],
            )  # fmt: skip
        if iteration % cfg.checkpoint_every == 0 and iteration < schedule.iterations:
            noise_rngs = gather(noise_rng.get_state(), dist)  # every rank takes part, rank 0 saves
        if save is not None and iteration % cfg.checkpoint_every == 0 and iteration < schedule.iterations:
            save(iteration, {
                "noise_rngs": noise_rngs,
                "iteration": iteration,
                "generator": generator.state_dict(), "discriminator": discriminator.state_dict(),
                "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
                "rng": rng.get_state(), "torch_rng": torch.get_rng_state(),
                "order": order, "cursor": cursor, "history": dataclasses.asdict(history),
            })  # fmt: skip
    return history


def summarize(history: GanHistory, train_images: int) -> dict[str, float]:
    """Summarize a run for train.json: mean losses over the last tenth of training, and diversity."""
    tail = history.losses[-max(1, len(history.losses) // 10) :]
    min_iter, min_div = min(history.diversity, key=lambda p: p[1])
    return {
        "d_loss": sum(p[1] for p in tail) / len(tail),
        "g_loss": sum(p[2] for p in tail) / len(tail),
        "final_diversity": history.diversity[-1][1],
        "min_diversity": min_div,
        "min_diversity_iteration": min_iter,
        "train_images": train_images,
    }


def write_plots(history: GanHistory, folder: Path) -> None:
    """Write the loss, diversity and sigma_max curves as TSV files and the sample grids as PNGs."""
    write_table(folder / "losses.tsv", ["iteration", "d_loss", "g_loss"], history.losses)
    write_table(folder / "diversity.tsv", ["iteration", "diversity"], history.diversity)
    layers = [f"conv{i + 1}" for i in range(len(history.sigma[0]) - 1)]
    write_table(folder / "sigma.tsv", ["iteration", "sigma_max", *layers], [(i, max(s), *s) for i, *s in history.sigma])
    for iteration, grid in history.grids.items():
        write_png(folder / "grids" / f"iter_{iteration:06d}.png", grid)


def series(history: GanHistory) -> dict[str, list[tuple[int, float]]]:
    """Return the curves of a run as MLflow metric series: name -> (iteration, value) pairs."""
    return {
        "d_loss": [(i, d) for i, d, _ in history.losses],
        "g_loss": [(i, g) for i, _, g in history.losses],
        "diversity": history.diversity,
        "sigma_max": [(i, max(s)) for i, *s in history.sigma],
    }
