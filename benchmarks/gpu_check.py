"""Measure assignment-scale training speed and memory on one device, on random tensors.

Usage: python benchmarks/gpu_check.py [--device cuda] [--gan-iterations 300] [--text-steps 300]

Runs the product's DCGAN loop at 64x64, batch 128, generator widths 1024-512-256-128 and
discriminator widths 128-256-512-1024, in fp32 and with bf16 autocast, channels_last and
torch.compile (gan.precision, gan.channels_last, gan.compile), then character-model steps (LSTM, 2 x 300, batch 128, chunk 200), and
prints iterations per second and peak memory. At the defaults it is meant to finish well inside
8 minutes on a data-centre GPU; on a CPU, pass small counts.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

from ganrnn.config import GanConfig, GanSchedule
from ganrnn.gan.train import build_models, train_gan
from ganrnn.text.model import CharRNN


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _peak_memory_mib(device: torch.device) -> str:
    if device.type != "cuda":
        return "n/a (CPU)"
    return f"{torch.cuda.max_memory_allocated(device) / 2**20:.0f} MiB"


def _steps_per_second(step: Callable[[], None], count: int, device: torch.device) -> float:
    """Run `step` `count` times after a short warm-up and return the rate in steps per second."""
    for _ in range(min(10, count)):  # warm-up: kernel selection and allocator growth
        step()
    _sync(device)
    started = time.perf_counter()
    for _ in range(count):
        step()
    _sync(device)
    return count / (time.perf_counter() - started)


def gan_speed(device: torch.device, iterations: int, batch: int, **options) -> float:
    """Iterations per second of the product's GAN loop (train_gan) with `options` of GanConfig."""
    schedule = GanSchedule(iterations=iterations, sample_every=iterations)
    cfg = GanConfig(noise_dim=100, g_width=128, d_width=128, batch_size=batch, lr=2e-4, beta1=0.5, beta2=0.999,
                    log_every=iterations, grid_samples=64, critic_steps=1, gp_weight=10.0, checkpoint_every=iterations,
                    precision="fp32", channels_last=False, compile=False, faces=schedule, digits=schedule)  # fmt: skip
    cfg = dataclasses.replace(cfg, **options)
    images = torch.randint(0, 256, (4 * batch, 3, 64, 64), dtype=torch.uint8)
    rates = []
    for count in (min(10, iterations), iterations):  # the first, short run warms up kernels and compilation
        generator, discriminator = (m.to(device) for m in build_models(cfg, 3, 64, False))
        _sync(device)
        started = time.perf_counter()
        train_gan(generator, discriminator, images, cfg, GanSchedule(count, count), "bce", torch.Generator().manual_seed(0))
        _sync(device)
        rates.append(count / (time.perf_counter() - started))
    return rates[-1]


def text_speed(device: torch.device, steps: int, batch: int, chunk: int) -> float:
    model = CharRNN(65, 65, "lstm", embed_dim=64, hidden_size=300, num_layers=2).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    ids = torch.randint(0, 65, (batch, chunk + 1), device=device)

    def step() -> None:
        logits, _ = model(ids[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, 65), ids[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return _steps_per_second(step, steps, device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--gan-iterations", type=int, default=300)
    parser.add_argument("--text-steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--no-compile", dest="compile", action="store_false", help="skip the torch.compile variant")
    args = parser.parse_args()

    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"device: {name}, torch {torch.__version__}")

    variants = {
        "fp32": {},
        "bf16 autocast": {"precision": "bf16"},
        "channels_last": {"channels_last": True},
        "bf16 + channels_last": {"precision": "bf16", "channels_last": True},
        "torch.compile": {"compile": True},
    }
    if not args.compile:
        del variants["torch.compile"]
    base = None
    for name, options in variants.items():
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        gan = gan_speed(device, args.gan_iterations, args.batch, **options)
        base = base or gan
        print(f"GAN 64x64, batch {args.batch}, {name}: {gan:.2f} iterations/s ({gan / base:.2f}x fp32), "
              f"{gan * args.batch:.0f} images/s, peak memory {_peak_memory_mib(device)}")  # fmt: skip
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    text = text_speed(device, args.text_steps, args.batch, 200)
    print(f"LSTM 2x300, batch {args.batch}, chunk 200: {text:.2f} steps/s, "
          f"{text * args.batch * 200:.0f} characters/s, peak memory {_peak_memory_mib(device)}")  # fmt: skip


if __name__ == "__main__":
    main()
