"""Language identification: a CharRNN reads a chunk and names its language."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from ganrnn.config import LANGUAGES, LangidConfig
from ganrnn.text.encoding import Vocabulary
from ganrnn.text.model import CharRNN

log = logging.getLogger(__name__)


@dataclass
class LangidHistory:
    curve: list[tuple[int, float, float]] = field(default_factory=list)  # (step, loss, accuracy)


def build_model(cfg: LangidConfig, cell: str) -> CharRNN:
    return CharRNN(
        vocab_size=len(Vocabulary.printable()),
        output_size=len(LANGUAGES),
        cell=cell,
        embed_dim=cfg.embed_dim,
        hidden_size=cfg.hidden_size,
        num_layers=cfg.num_layers,
        embed_dropout=cfg.dropout,
        extra_linear=cfg.extra_linear,
    )


def load_model(path) -> CharRNN:
    """Rebuild a classifier from a checkpoint written by the train_langid stage."""
    from ganrnn.io import load_torch

    checkpoint = load_torch(path)
    if not isinstance(checkpoint, dict) or not {"config", "state_dict"} <= set(checkpoint):
        raise ValueError(f"{path} is not a train_langid checkpoint; use models/langid/<cell>.pt")
    c = checkpoint["config"]
    model = CharRNN(
        vocab_size=len(Vocabulary.printable()),
        output_size=len(LANGUAGES),
        cell=c["cell"],
        embed_dim=c["embed_dim"],
        hidden_size=c["hidden_size"],
        num_layers=c["num_layers"],
        embed_dropout=c["dropout"],
        extra_linear=c["extra_linear"],
    )
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval()


def random_batch(
    train: dict[str, torch.Tensor], chunk_len: int, batch: int, rng: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw `batch` training chunks, languages uniform, positions uniform within each text."""
    labels = torch.randint(0, len(LANGUAGES), (batch,), generator=rng)
    rows = []
    for label in labels.tolist():
        text = train[LANGUAGES[label]]
        if text.numel() < chunk_len:
            raise ValueError(
                f"the {LANGUAGES[label]} training text has {text.numel()} characters, fewer than "
                f"langid.chunk_len={chunk_len}"
            )
        start = int(torch.randint(0, text.numel() - chunk_len + 1, (1,), generator=rng))
        rows.append(text[start : start + chunk_len])
    return torch.stack(rows), labels


def train_langid(
    model: CharRNN, train: dict[str, torch.Tensor], cfg: LangidConfig, rng: torch.Generator
) -> LangidHistory:
    missing = [lang for lang in LANGUAGES if lang not in train]
    if missing:
        raise ValueError(f"the prepared training data lacks languages: {', '.join(missing)}")
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    device = next(model.parameters()).device
    history = LangidHistory()
    window_loss, window_correct, window_count = 0.0, 0, 0

    model.train()
    for step in tqdm(range(1, cfg.steps + 1), desc=f"langid {model.cell}", leave=False, disable=None):
        ids, labels = random_batch(train, cfg.chunk_len, cfg.batch_size, rng)
        ids, labels = ids.to(device), labels.to(device)
        optimizer.zero_grad(set_to_none=True)
        logits = model.classify(ids)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()

        window_loss += loss.item() * len(labels)
        window_correct += int((logits.argmax(1) == labels).sum())
        window_count += len(labels)
        if step % cfg.eval_every == 0 or step == cfg.steps:
            # Training loss and accuracy averaged over the steps since the last record.
            history.curve.append((step, window_loss / window_count, window_correct / window_count))
            log.info("step %d: loss %.4f, train accuracy %.3f", step, *history.curve[-1][1:])
            window_loss, window_correct, window_count = 0.0, 0, 0
    return history


@torch.no_grad()
def predict_proba(model: CharRNN, chunks: list[str], batch_size: int = 512) -> torch.Tensor:
    """Class probabilities (len(chunks) x 20) in input order, batching chunks of equal length."""
    vocab = Vocabulary.printable()
    by_length: dict[int, list[int]] = defaultdict(list)
    for i, chunk in enumerate(chunks):
        if not chunk:
            raise ValueError(f"chunk {i + 1} is empty; every line needs at least one character")
        by_length[len(chunk)].append(i)

    model.eval()
    device = next(model.parameters()).device
    probs = torch.empty(len(chunks), len(LANGUAGES))
    for length in sorted(by_length):
        indices = by_length[length]
        for start in range(0, len(indices), batch_size):
            part = indices[start : start + batch_size]
            ids = torch.stack([vocab.encode(chunks[i]) for i in part]).to(device)
            probs[part] = F.softmax(model.classify(ids), dim=-1).cpu()
    return probs


def predict(model: CharRNN, chunks: list[str]) -> list[str]:
    return [LANGUAGES[i] for i in predict_proba(model, chunks).argmax(1).tolist()]


def accuracy(truth: list[str], predicted: list[str]) -> float:
    return float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)]))


def confusion_matrix(truth: list[str], predicted: list[str]) -> np.ndarray:
    """Row-normalized confusion matrix: row = true language, column = predicted language."""
    index = {lang: i for i, lang in enumerate(LANGUAGES)}
    counts = np.zeros((len(LANGUAGES), len(LANGUAGES)))
    for t, p in zip(truth, predicted, strict=True):
        counts[index[t], index[p]] += 1
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def accuracy_by_length(truth: list[str], predicted: list[str], chunks: list[str]) -> list[tuple[int, float, int]]:
    """(chunk length, accuracy, count) for every length present."""
    groups: dict[int, list[bool]] = defaultdict(list)
    for t, p, c in zip(truth, predicted, chunks, strict=True):
        groups[len(c)].append(t == p)
    return [(n, float(np.mean(groups[n])), len(groups[n])) for n in sorted(groups)]
