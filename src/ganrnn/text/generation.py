"""Character-level language modelling: random-chunk training, evaluation and sampling."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from tqdm import tqdm

from ganrnn.config import TextgenConfig
from ganrnn.text.encoding import Vocabulary
from ganrnn.text.model import CharRNN

log = logging.getLogger(__name__)


@dataclass
class TextgenHistory:
    curve: list[tuple[int, float, float]] = field(default_factory=list)  # (step, train, test)


def random_chunks(data: torch.Tensor, chunk_len: int, batch: int, rng: torch.Generator) -> torch.Tensor:
    """Draw `batch` windows of chunk_len + 1 ids: inputs are [:-1], targets are [1:]."""
    if data.numel() < chunk_len + 1:
        raise ValueError(
            f"text of {data.numel()} characters is shorter than textgen.chunk_len + 1 = {chunk_len + 1}"
        )
    starts = torch.randint(0, data.numel() - chunk_len, (batch,), generator=rng)
    return torch.stack([data[s : s + chunk_len + 1] for s in starts.tolist()])


def sequence_loss(model: CharRNN, windows: torch.Tensor) -> torch.Tensor:
    """Mean next-character cross-entropy in nats over every position of every window."""
    windows = windows.to(next(model.parameters()).device)
    logits, _ = model(windows[:, :-1])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))


@torch.no_grad()
def evaluate_loss(model: CharRNN, data: torch.Tensor, cfg: TextgenConfig, seed: int) -> float:
    """Mean loss on `eval_batches` random batches drawn with a fixed seed, so evaluations compare."""
    rng = torch.Generator().manual_seed(seed)
    model.eval()
    losses = [
        sequence_loss(model, random_chunks(data, cfg.chunk_len, cfg.batch_size, rng)).item()
        for _ in range(cfg.eval_batches)
    ]
    model.train()
    return sum(losses) / len(losses)


def train_textgen(
    model: CharRNN,
    train: torch.Tensor,
    test: torch.Tensor,
    cfg: TextgenConfig,
    rng: torch.Generator,
    eval_seed: int,
) -> TextgenHistory:
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    history = TextgenHistory()
    model.train()
    for step in tqdm(range(1, cfg.steps + 1), desc=f"textgen {model.cell}", leave=False, disable=None):
        windows = random_chunks(train, cfg.chunk_len, cfg.batch_size, rng)
        optimizer.zero_grad(set_to_none=True)
        loss = sequence_loss(model, windows)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()

        if step % cfg.eval_every == 0 or step == cfg.steps:
            train_loss = evaluate_loss(model, train, cfg, eval_seed)
            test_loss = evaluate_loss(model, test, cfg, eval_seed + 1)
            history.curve.append((step, train_loss, test_loss))
            log.info("step %d: train loss %.4f, test loss %.4f nats/char", step, train_loss, test_loss)
    return history


@torch.no_grad()
def sample(
    model: CharRNN,
    vocab: Vocabulary,
    prime: str,
    length: int,
    temperature: float,
    seed: int,
) -> str:
    """Generate `length` characters after `prime`, drawing from softmax(logits / temperature)."""
    if not prime:
        raise ValueError("the prime string is empty; give at least one character")
    unknown = vocab.unknown(prime)
    if unknown:
        raise ValueError(f"prime {prime!r} has characters outside the vocabulary: {''.join(unknown)!r}")
    rng = torch.Generator().manual_seed(seed)
    model.eval()

    device = next(model.parameters()).device
    logits, hidden = model(vocab.encode(prime).unsqueeze(0).to(device))
    out = []
    for _ in range(length):
        # Drawing on the CPU with the seeded CPU generator gives the same text on every device.
        probs = F.softmax(logits[0, -1].float().cpu() / temperature, dim=-1)
        next_id = torch.multinomial(probs, 1, generator=rng)
        out.append(int(next_id))
        logits, hidden = model(next_id.view(1, 1).to(device), hidden)
    return prime + vocab.decode(out)


def bits_per_char(nats: float) -> float:
    return nats / math.log(2)
