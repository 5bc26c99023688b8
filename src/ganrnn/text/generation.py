"""Character-level language modelling: training on random chunks or streams, evaluation, sampling."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from tqdm import tqdm

from ganrnn.config import TextgenConfig
from ganrnn.distributed import Dist, gather, local_batch, rank_generator, wrap
from ganrnn.text.encoding import Vocabulary
from ganrnn.text.model import CharRNN, Hidden, hidden_size_for_budget

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


class StreamBatches:
    """Windows of chunk_len + 1 ids cut in order from `batch` contiguous streams of the text.

    The text is split into `batch` equal rows. Row r of window k + 1 starts at the last id of row r
    of window k. So the hidden state at the end of window k is the right start state of window
    k + 1, which makes training truncated backpropagation through time. Each pass over the rows starts at a random offset
    below chunk_len, so window boundaries move from pass to pass.
    """

    def __init__(self, data: torch.Tensor, chunk_len: int, batch: int, rng: torch.Generator) -> None:
        stream_len = data.numel() // batch
        if stream_len < chunk_len + 1:
            raise ValueError(
                f"text of {data.numel()} characters gives streams of {stream_len} characters with "
                f"textgen.batch_size={batch}, shorter than textgen.chunk_len + 1 = {chunk_len + 1}; "
                f"lower textgen.batch_size or textgen.chunk_len"
            )
        self.streams = data[: stream_len * batch].view(batch, stream_len)
        self.chunk_len = chunk_len
        self.rng = rng
        self.position = stream_len  # past the end, so the first call starts a pass

    def next_windows(self) -> tuple[torch.Tensor, bool]:
        """Return the next windows (batch x chunk_len + 1) and whether they start a new pass."""
        stream_len = self.streams.shape[1]
        new_pass = self.position + self.chunk_len + 1 > stream_len
        if new_pass:
            max_offset = min(self.chunk_len - 1, stream_len - self.chunk_len - 1)
            self.position = int(torch.randint(0, max_offset + 1, (1,), generator=self.rng))
        windows = self.streams[:, self.position : self.position + self.chunk_len + 1]
        self.position += self.chunk_len
        return windows, new_pass


def detach(hidden: Hidden) -> Hidden:
    """Cut the graph behind a hidden state, so backpropagation stops at the window start."""
    if isinstance(hidden, tuple):
        return tuple(h.detach() for h in hidden)  # type: ignore[return-value]
    return hidden.detach()


def lr_factor(step: int, steps: int, warmup_steps: int, schedule: str) -> float:
    """Multiplier of textgen.lr for update `step` (0-based) of `steps`.

    Linear warmup: (step + 1) / warmup_steps during the first warmup_steps updates. Then constant
    1, or cosine 0.5 * (1 + cos(pi * t)) with t going from 0 at the end of warmup to 1 after the
    last update.
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if schedule == "constant":
        return 1.0
    if schedule == "cosine":
        progress = (step - warmup_steps) / (steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    raise ValueError(f"textgen.lr_schedule={schedule!r} is invalid; allowed values are constant, cosine")


def windows_loss(model: CharRNN, windows: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
    """Compute the mean next-character cross-entropy in nats over every position of every window.

    The model starts from `hidden` (zeros when None). The hidden state after the windows is
    returned with the loss.
    """
    windows = windows.to(next(model.parameters()).device)
    logits, hidden = model(windows[:, :-1], hidden)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))
    return loss, hidden


def sequence_loss(model: CharRNN, windows: torch.Tensor) -> torch.Tensor:
    """Mean next-character cross-entropy in nats over every position of every window."""
    return windows_loss(model, windows)[0]


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


@torch.no_grad()
def full_loss(model: CharRNN, data: torch.Tensor, chunk_len: int, batch_size: int) -> float:
    """Mean loss over `data` read once in consecutive windows of chunk_len characters.

    Each window starts from a zero hidden state, as in `evaluate_loss`, but the windows cover the
    text instead of sampling it. A final partial window of under chunk_len characters is skipped.
    """
    usable = (data.numel() - 1) // chunk_len * chunk_len
    if usable == 0:
        raise ValueError(f"text of {data.numel()} characters is shorter than chunk_len + 1 = {chunk_len + 1}")
    starts = torch.arange(0, usable, chunk_len)
    model.eval()
    total = 0.0
    for batch_starts in starts.split(batch_size):
        windows = torch.stack([data[s : s + chunk_len + 1] for s in batch_starts.tolist()])
        total += sequence_loss(model, windows).item() * windows.shape[0]
    model.train()
    return total / len(starts)


def build_model(cfg: TextgenConfig, cell: str, vocab_size: int) -> tuple[CharRNN, dict]:
    """Build the text model of `cell` and return it with its constructor arguments.

    With textgen.param_budget > 0 the hidden size is fitted to the budget, so RNN, LSTM and GRU
    compare at about equal parameter counts. Otherwise every cell uses textgen.hidden_size.
    """
    kwargs = dict(
        vocab_size=vocab_size, output_size=vocab_size, cell=cell, embed_dim=cfg.embed_dim,
        num_layers=cfg.num_layers, layer_dropout=cfg.dropout, tie_weights=cfg.tie_weights,
    )  # fmt: skip
    if cfg.param_budget:
        try:
            kwargs["hidden_size"] = hidden_size_for_budget(cfg.param_budget, **kwargs)
        except ValueError as err:
            raise ValueError(f"textgen.param_budget={cfg.param_budget}: {err}") from None
    else:
        kwargs["hidden_size"] = cfg.hidden_size
    return CharRNN(**kwargs), kwargs


def train_textgen(
    model: CharRNN,
    train: torch.Tensor,
    test: torch.Tensor,
    cfg: TextgenConfig,
    rng: torch.Generator,
    eval_seed: int,
    resume: dict | None = None,
    save: Callable[[int, dict], None] | None = None,
    dist: Dist = Dist(),
) -> TextgenHistory:
    """Minimise the next-character cross-entropy with Adam, gradient clipping and the LR schedule.

    Random batching draws independent chunks that start from a zero hidden state. Stream batching
    reads contiguous streams and starts each window from the detached final state of the previous
    one. Every `cfg.checkpoint_every` steps `save(step, state)` receives the training state, and a
    state passed back as `resume` continues the run where it stopped.

    Under torchrun (`dist.enabled`), `cfg.batch_size` is the global batch: each rank draws its
    share of random chunks from its own generator, DistributedDataParallel averages the
    gradients, and rank 0 alone evaluates and keeps the history.
    """
    batch = local_batch(cfg.batch_size, dist, "textgen.batch_size")
    if dist.enabled and cfg.batching == "stream":
        raise ValueError("textgen.batching=stream is not supported under torchrun; use textgen.batching: random "
                         "or distributed.launcher: none")  # fmt: skip
    chunk_rng = rank_generator(rng, dist)
    train_model = wrap(model, dist)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, cfg.steps, cfg.warmup_steps, cfg.lr_schedule)
    )
    streams = StreamBatches(train, cfg.chunk_len, cfg.batch_size, rng) if cfg.batching == "stream" else None
    hidden: Hidden | None = None
    history = TextgenHistory()
    start = 1
    if resume is not None:
        model.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        scheduler.load_state_dict(resume["scheduler"])
        rng.set_state(resume["rng"])
        torch.set_rng_state(resume["torch_rng"])  # dropout draws from the global generator
        if dist.enabled:
            chunk_rng.set_state(resume["chunk_rngs"][dist.rank])
        hidden = resume["hidden"]
        if streams is not None:
            streams.position = resume["stream_position"]
        history = TextgenHistory(curve=resume["curve"])
        start = resume["step"] + 1
    model.train()
    for step in tqdm(range(start, cfg.steps + 1), desc=f"textgen {model.cell}", leave=False, disable=None):
        if streams is None:
            windows = random_chunks(train, cfg.chunk_len, batch, chunk_rng)
        else:
            windows, new_pass = streams.next_windows()
            if new_pass:
                hidden = None
        optimizer.zero_grad(set_to_none=True)
        loss, hidden = windows_loss(train_model, windows, hidden)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        scheduler.step()
        hidden = detach(hidden) if streams is not None else None

        if (step % cfg.eval_every == 0 or step == cfg.steps) and dist.is_main:
            train_loss = evaluate_loss(model, train, cfg, eval_seed)
            test_loss = evaluate_loss(model, test, cfg, eval_seed + 1)
            history.curve.append((step, train_loss, test_loss))
            log.info("step %d: train loss %.4f, test loss %.4f nats/char", step, train_loss, test_loss)
        if step % cfg.checkpoint_every == 0 and step < cfg.steps:
            chunk_rngs = gather(chunk_rng.get_state(), dist)  # every rank takes part, rank 0 saves
        if save is not None and step % cfg.checkpoint_every == 0 and step < cfg.steps:
            save(step, {
                "chunk_rngs": chunk_rngs,
                "step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "rng": rng.get_state(), "torch_rng": torch.get_rng_state(),
                "hidden": hidden, "stream_position": streams.position if streams is not None else 0,
                "curve": history.curve,
            })  # fmt: skip
    return history


def next_char(logits: torch.Tensor, temperature: float, top_k: int, rng: torch.Generator) -> torch.Tensor:
    """Pick one id from logits (vocab,): argmax when temperature is 0, else a draw from
    softmax(logits / temperature) restricted to the top_k largest logits (all when top_k is 0)."""
    if temperature == 0:
        return logits.argmax().view(1)
    scaled = logits / temperature
    if 0 < top_k < scaled.numel():
        top = scaled.topk(top_k)
        scaled = torch.full_like(scaled, -math.inf).scatter(0, top.indices, top.values)
    return torch.multinomial(F.softmax(scaled, dim=-1), 1, generator=rng)


@torch.no_grad()
def sample(
    model: CharRNN,
    vocab: Vocabulary,
    prime: str,
    length: int,
    temperature: float,
    seed: int,
    top_k: int = 0,
) -> str:
    """Generate `length` characters after `prime` (see `next_char` for temperature and top_k)."""
    if not prime:
        raise ValueError("the prime string is empty; give at least one character")
    unknown = vocab.unknown(prime)
    if unknown:
        raise ValueError(f"prime {prime!r} has characters outside the vocabulary: {''.join(unknown)!r}")
    if not (math.isfinite(temperature) and temperature >= 0):
        raise ValueError(f"temperature={temperature} is invalid; use a finite value >= 0 (0 = greedy)")
    if top_k < 0:
        raise ValueError(f"top_k={top_k} is invalid; use 0 (all characters) or a positive count")
    rng = torch.Generator().manual_seed(seed)
    model.eval()

    device = next(model.parameters()).device
    logits, hidden = model(vocab.encode(prime).unsqueeze(0).to(device))
    out = []
    for _ in range(length):
        # Drawing on the CPU with the seeded CPU generator gives the same text on every device.
        next_id = next_char(logits[0, -1].float().cpu(), temperature, top_k, rng)
        out.append(int(next_id))
        logits, hidden = model(next_id.view(1, 1).to(device), hidden)
    return prime + vocab.decode(out)


def bits_per_char(nats: float) -> float:
    """Convert a loss in nats per character to bits per character (divide by ln 2)."""
    return nats / math.log(2)
