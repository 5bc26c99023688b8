"""Measure character-model training throughput: the fused CharRNN against a per-character loop.

Usage: python benchmarks/charrnn_throughput.py [--cells rnn lstm gru] [--batch-size 1 8 32] [--iterations 20] [--threads 2]

A training iteration, on the CPU, is forward, backward, gradient clipping and one Adam step on
a batch of chunks. The rate counts input characters (batch x chunk length) per second. Two
variants run:

- fused: the product's `ganrnn.text.model.CharRNN`, whose recurrent layer reads the whole chunk
  in one call, with the product's mean cross-entropy over every position.
- loop: the original assignment's training step. A Python loop calls the model on one character
  at a time, carries the hidden state, adds each position's cross-entropy to the loss, and runs
  backward and the optimizer once per chunk.

Both variants start from the same weights and train on the same seeded random batches with the
same cell, embedding size, hidden size, layers, batch, chunk length and vocabulary. The model
comes from the product's `build_model`, so the `textgen` section of params.yaml sets the
defaults: sizes, the parameter budget that fits each cell's hidden size, tied weights, dropout,
learning rate and clipping norm. The iterations of the two variants alternate in rounds, and
the table reports the median rate of the rounds, so that a load change on a shared machine
affects both variants alike.

The table also gives the arithmetic rate of the fused variant and an upper bound on the ratio.
Training costs about 6 FLOPs per matrix weight and character (a multiply-add forward, two
backward), and no implementation of that arithmetic runs faster than this machine's float32
matrix-product peak, which the script measures first. "ratio at peak" is the ratio that a fused
variant running at that peak would reach against the measured loop.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ganrnn.config import CELLS, ConfigError, TextgenConfig, load_params
from ganrnn.text.generation import build_model, sequence_loss
from ganrnn.text.model import CharRNN, Hidden, count_parameters

ROOT = Path(__file__).resolve().parents[1]

# Distinct characters of the char-rnn tiny Shakespeare file that the assignment trained on. The
# vocabulary depends on the data, so params.yaml has no key for it.
TINY_SHAKESPEARE_VOCAB = 65


class StepwiseCharRNN(nn.Module):
    """The assignment's decoder interface over a CharRNN: one character per call.

    `forward` maps ids B and the hidden state to logits B x vocab and the next hidden state. The
    wrapped model's recurrent layer runs on a sequence of length 1, as the assignment's
    `self.rnn(encoded.view(1, batch_size, -1), hidden)` did.
    """

    def __init__(self, model: CharRNN) -> None:
        super().__init__()
        self.model = model

    def forward(self, ids: torch.Tensor, hidden: Hidden | None) -> tuple[torch.Tensor, Hidden]:
        logits, hidden = self.model(ids[:, None], hidden)
        # logits: B x 1 x vocab
        return logits[:, 0], hidden


def loop_loss(decoder: StepwiseCharRNN, windows: torch.Tensor) -> torch.Tensor:
    """Sum over positions of the batch-mean cross-entropy, stepping one character per call.

    This is the assignment's loss: `loss += criterion(output, target[:, c])` for c in the chunk.
    It equals chunk_len times the fused model's mean loss, so the gradients differ only by that
    factor.
    """
    inputs, targets = windows[:, :-1], windows[:, 1:]
    hidden = None  # the wrapped recurrent layer starts from zeros, as init_hidden did
    loss = torch.zeros((), device=windows.device)
    for c in range(inputs.shape[1]):
        output, hidden = decoder(inputs[:, c], hidden)
        loss = loss + F.cross_entropy(output, targets[:, c])
    return loss


def make_step(
    loss_fn: Callable[[torch.Tensor], torch.Tensor], model: nn.Module, lr: float, grad_clip: float
) -> Callable[[torch.Tensor], None]:
    """Build an Adam optimizer for `model` and return a function that trains it on one batch."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def step(windows: torch.Tensor) -> None:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(windows)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()

    return step


def matrix_weights(model: CharRNN) -> int:
    """Count the weights that enter a matrix product for every character: recurrent, projection and output.

    The embedding is a table lookup, so its matrix counts only when the output layer shares it.
    """
    tied = model.head[-1].weight is model.embedding.weight
    return sum(p.numel() for name, p in model.named_parameters() if p.dim() == 2 and (tied or name != "embedding.weight"))


def matmul_peak(size: int = 1024, repeats: int = 5) -> float:
    """Measure the best float32 matrix-product rate of this machine at the current thread count, in FLOP/s."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)  # first call: allocation and kernel selection
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - started)
    return 2.0 * size**3 / best


def time_iterations(step: Callable[[torch.Tensor], None], batches: list[torch.Tensor]) -> float:
    """Run `step` on each batch and return the elapsed seconds."""
    started = time.perf_counter()
    for windows in batches:
        step(windows)
    return time.perf_counter() - started


@dataclass(frozen=True)
class CellThroughput:
    """Model size and median training rates of one cell, in input characters per second."""

    cell: str
    batch_size: int
    hidden_size: int
    parameters: int
    flops_per_char: float  # training arithmetic per input character, 6 x the matrix weights
    fused_chars_per_s: float
    loop_chars_per_s: float

    @property
    def ratio(self) -> float:
        return self.fused_chars_per_s / self.loop_chars_per_s

    def ratio_at_peak(self, peak_flops: float) -> float:
        """Return the ratio that a fused variant running at `peak_flops` would reach, the bound for this arithmetic."""
        return peak_flops / self.flops_per_char / self.loop_chars_per_s


def measure_cell(cell: str, cfg: TextgenConfig, args: argparse.Namespace) -> CellThroughput:
    """Train both variants of one cell on identical batches and return their median rates."""
    torch.manual_seed(args.seed)
    fused, model_kwargs = build_model(cfg, cell, args.vocab_size)
    # deepcopy keeps a tied output weight shared with the embedding in the copy.
    decoder = StepwiseCharRNN(copy.deepcopy(fused))
    fused.train()
    decoder.train()

    rng = torch.Generator().manual_seed(args.seed)
    shape = (cfg.batch_size, cfg.chunk_len + 1)  # inputs are [:, :-1], targets are [:, 1:]
    warmup = [torch.randint(0, args.vocab_size, shape, generator=rng) for _ in range(args.warmup)]
    timed = [torch.randint(0, args.vocab_size, shape, generator=rng) for _ in range(args.iterations)]

    variants = {
        "fused": make_step(lambda w: sequence_loss(fused, w), fused, cfg.lr, cfg.grad_clip),
        "loop": make_step(lambda w: loop_loss(decoder, w), decoder, cfg.lr, cfg.grad_clip),
    }
    chars = args.iterations * cfg.batch_size * cfg.chunk_len
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for step in variants.values():
        # Warm-up: allocator growth and first-call kernel selection stay out of the timing.
        time_iterations(step, warmup)
    for _ in range(args.repeats):
        for name, step in variants.items():
            rates[name].append(chars / time_iterations(step, timed))

    return CellThroughput(
        cell=cell,
        batch_size=cfg.batch_size,
        hidden_size=model_kwargs["hidden_size"],
        parameters=count_parameters(fused),
        # A weight costs one multiply-add (2 FLOPs) per character forward and two backward.
        flops_per_char=6.0 * matrix_weights(fused),
        fused_chars_per_s=statistics.median(rates["fused"]),
        loop_chars_per_s=statistics.median(rates["loop"]),
    )


def parse_args(argv: list[str] | None) -> tuple[TextgenConfig, argparse.Namespace]:
    """Parse the options and return the textgen config with the size options applied."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, default=ROOT / "params.yaml",
                        help="params file whose textgen section gives the default sizes")  # fmt: skip
    parser.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS), help="cells to measure")
    sizes = {
        "--embed-dim": "embedding size",
        "--hidden-size": "hidden units per layer of every cell; turns the parameter budget off unless "
                         "--param-budget is given",
        "--param-budget": "parameters per model that each cell's hidden size is fitted to, 0 = off",
        "--num-layers": "recurrent layers",
        "--chunk-len": "characters per chunk",
    }
    for flag, description in sizes.items():
        key = flag[2:].replace("-", "_")
        parser.add_argument(flag, type=int, help=f"{description} (default: textgen.{key} in the params file)")
    parser.add_argument("--batch-size", type=int, nargs="+",
                        help="chunks per batch; several values measure each in turn (default: textgen.batch_size)")  # fmt: skip
    parser.add_argument("--lr", type=float, help="Adam learning rate (default: textgen.lr)")
    parser.add_argument("--grad-clip", type=float, help="gradient norm limit (default: textgen.grad_clip)")
    parser.add_argument("--vocab-size", type=int, default=TINY_SHAKESPEARE_VOCAB,
                        help="characters in the vocabulary (default: %(default)s, tiny Shakespeare)")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=3, help="untimed iterations per variant (default: %(default)s)")
    parser.add_argument("--iterations", type=int, default=20,
                        help="timed iterations per variant and round (default: %(default)s)")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3,
                        help="rounds of timed iterations; the median rate is reported (default: %(default)s)")  # fmt: skip
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's choice)")
    parser.add_argument("--seed", type=int, help="seed of the weights and batches (default: seed in the params file)")
    args = parser.parse_args(argv)

    positive = ("embed_dim", "hidden_size", "num_layers", "chunk_len", "vocab_size", "iterations", "repeats", "threads")
    for key, value in [(key, getattr(args, key)) for key in positive] + [("batch_size", b) for b in args.batch_size or []]:
        if value is not None and value < 1:
            parser.error(f"--{key.replace('_', '-')}={value} is invalid; it must be at least 1")
    for key in ("param_budget", "warmup"):
        value = getattr(args, key)
        if value is not None and value < 0:
            parser.error(f"--{key.replace('_', '-')}={value} is invalid; it must be 0 or more")

    params = load_params(args.params)
    if args.seed is None:
        args.seed = params.seed
    if args.hidden_size is not None and args.param_budget is None:
        args.param_budget = 0
    keys = ("embed_dim", "hidden_size", "param_budget", "num_layers", "chunk_len", "lr", "grad_clip")
    overrides = {key: getattr(args, key) for key in keys if getattr(args, key) is not None}
    try:
        cfg = dataclasses.replace(params.textgen, **overrides)
    except ConfigError as err:
        parser.error(str(err))
    args.batch_size = args.batch_size or [cfg.batch_size]
    return dataclasses.replace(cfg, batch_size=args.batch_size[0]), args


def format_table(rows: list[CellThroughput], peak_flops: float) -> str:
    lines = [
        "| cell | batch | hidden | parameters | fused chars/s | loop chars/s | ratio | fused GFLOP/s | ratio at peak |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.cell} | {row.batch_size} | {row.hidden_size} | {row.parameters:,} | {row.fused_chars_per_s:,.0f} "
            f"| {row.loop_chars_per_s:,.0f} | {row.ratio:.1f}x | {row.fused_chars_per_s * row.flops_per_char / 1e9:.1f} "
            f"| {row.ratio_at_peak(peak_flops):.1f}x |"
        )
    return "\n".join(lines)


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> list[CellThroughput]:
    """Measure every requested cell, print the table, and return the rows."""
    cfg, args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, {torch.get_num_threads()} threads")
    budget = f"fitted to {cfg.param_budget:,} parameters" if cfg.param_budget else f"{cfg.hidden_size} for every cell"
    batches = ", ".join(str(b) for b in args.batch_size)
    print(f"sizes: embed {cfg.embed_dim}, hidden {budget}, layers {cfg.num_layers}, batch {batches}, "
          f"chunk {cfg.chunk_len}, vocab {args.vocab_size}, tied weights {cfg.tie_weights}, dropout {cfg.dropout}")  # fmt: skip
    print(f"timing: {args.warmup} warm-up + {args.repeats} x {args.iterations} iterations per variant")
    print(f"load average (1, 5, 15 min) before: {_load_average()}")

    peak = matmul_peak()
    print(f"float32 matrix-product peak (1024 x 1024 x 1024, best of 5): {peak / 1e9:.1f} GFLOP/s")

    rows = [measure_cell(cell, dataclasses.replace(cfg, batch_size=b), args) for b in args.batch_size for cell in args.cells]

    print(f"load average (1, 5, 15 min) after: {_load_average()}")
    print(format_table(rows, peak))
    print("ratio at peak: the ratio if the fused variant ran at the matrix-product peak on the arithmetic of a step, "
          "6 FLOPs per matrix weight and character")  # fmt: skip
    return rows


if __name__ == "__main__":
    main()
