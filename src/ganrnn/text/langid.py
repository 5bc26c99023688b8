"""Language identification: a CharRNN reads a chunk and names its language."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from ganrnn.config import LANGUAGES, LangidConfig
from ganrnn.data.languages import EvaluationSet, chunks_digest
from ganrnn.io import write_table
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


def classification_loss(logits: torch.Tensor, labels: torch.Tensor, loss_from: int) -> torch.Tensor:
    """Cross-entropy of each chunk's language, read at the last step or at every step from `loss_from` on.

    logits: B x T x C, labels: B. With loss_from = 0 the loss is CE(logits[:, T-1], labels), the
    assignment's. With loss_from = k >= 1 it is the mean of CE(logits[:, t], labels) over
    t = k-1 .. T-1: the output after t+1 characters must already name the language, so one chunk
    of T characters also trains its prefixes of k to T characters, the lengths met at test time.
    """
    if loss_from == 0:
        return F.cross_entropy(logits[:, -1], labels)
    steps = logits[:, loss_from - 1 :]
    # steps: B x (T - k + 1) x C. cross_entropy expects the classes in dimension 1.
    return F.cross_entropy(steps.transpose(1, 2), labels[:, None].expand(-1, steps.size(1)))


def train_langid(
    model: CharRNN,
    train: dict[str, torch.Tensor],
    cfg: LangidConfig,
    rng: torch.Generator,
    resume: dict | None = None,
    save=None,
) -> LangidHistory:
    """Minimise `classification_loss` with Adam, gradient clipping and the `lr_schedule`.

    Every `cfg.checkpoint_every` steps `save(step, state)` receives the training state, and a
    state passed back as `resume` continues the run where it stopped.
    """
    missing = [lang for lang in LANGUAGES if lang not in train]
    if missing:
        raise ValueError(f"the prepared training data lacks languages: {', '.join(missing)}")
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    scheduler = None
    if cfg.lr_schedule == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.steps)
    device = next(model.parameters()).device
    history = LangidHistory()
    window_loss, window_correct, window_count = 0.0, 0, 0
    start = 1
    if resume is not None:
        model.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(resume["scheduler"])
        rng.set_state(resume["rng"])
        torch.set_rng_state(resume["torch_rng"])  # dropout draws from the global generator
        window_loss, window_correct, window_count = resume["window"]
        history = LangidHistory(curve=resume["curve"])
        start = resume["step"] + 1

    model.train()
    for step in tqdm(range(start, cfg.steps + 1), desc=f"langid {model.cell}", leave=False, disable=None):
        ids, labels = random_batch(train, cfg.chunk_len, cfg.batch_size, rng)
        ids, labels = ids.to(device), labels.to(device)
        optimizer.zero_grad(set_to_none=True)
        step_logits, _ = model(ids)
        loss = classification_loss(step_logits, labels, cfg.loss_from)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        logits = step_logits[:, -1].detach()

        window_loss += loss.item() * len(labels)
        window_correct += int((logits.argmax(1) == labels).sum())
        window_count += len(labels)
        if step % cfg.eval_every == 0 or step == cfg.steps:
            # Training loss and accuracy averaged over the steps since the last record.
            history.curve.append((step, window_loss / window_count, window_correct / window_count))
            log.info("step %d: loss %.4f, train accuracy %.3f", step, *history.curve[-1][1:])
            window_loss, window_correct, window_count = 0.0, 0, 0
        if save is not None and step % cfg.checkpoint_every == 0 and step < cfg.steps:
            save(step, {
                "step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict() if scheduler is not None else {},
                "rng": rng.get_state(), "torch_rng": torch.get_rng_state(),
                "window": (window_loss, window_correct, window_count), "curve": history.curve,
            })  # fmt: skip
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


def per_language_accuracy(truth: list[str], predicted: list[str]) -> dict[str, float]:
    """Compute the fraction of each language's chunks named correctly, for every language in `truth`."""
    correct: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for t, p in zip(truth, predicted, strict=True):
        total[t] += 1
        correct[t] += t == p
    return {language: correct[language] / total[language] for language in LANGUAGES if total[language]}


def score(evaluation: EvaluationSet, predicted: list[str], kaggle_predicted: list[str] | None) -> dict[str, Any]:
    """Compute the metrics of one classifier's predictions, in the form both evaluate stages write.

    `test_chunks_sha256` identifies the scored text, so the report can check that two classifiers
    saw the same chunks. Kaggle accuracy is present only when the Kaggle-style file has labels.
    """
    metrics: dict[str, Any] = {
        "accuracy": accuracy(evaluation.truth, predicted),
        "per_language_accuracy": per_language_accuracy(evaluation.truth, predicted),
        "test_chunks": len(evaluation.chunks),
        "test_chunks_sha256": chunks_digest(evaluation.chunks),
        "kaggle_chunks": len(evaluation.kaggle_chunks),
    }
    if evaluation.kaggle_truth is not None:
        if kaggle_predicted is None:
            raise ValueError("the Kaggle-style file has labels, so score() needs its predictions")
        metrics["kaggle_accuracy"] = accuracy(evaluation.kaggle_truth, kaggle_predicted)
    return metrics


def write_plot_tables(plots_dir: Path, evaluation: EvaluationSet, predicted: list[str]) -> None:
    """Write confusion.csv (one actual,predicted row per test chunk) and accuracy_by_length.tsv."""
    write_table(plots_dir / "confusion.csv", ["actual", "predicted"], zip(evaluation.truth, predicted))
    write_table(
        plots_dir / "accuracy_by_length.tsv",
        ["length", "accuracy", "chunks"],
        accuracy_by_length(evaluation.truth, predicted, evaluation.chunks),
    )


def tracked_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """Flatten the numeric metrics of `score` into MLflow metric names, e.g. `accuracy_english`."""
    flat = {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float))}
    flat.update({f"accuracy_{k}": v for k, v in metrics["per_language_accuracy"].items()})
    return flat
