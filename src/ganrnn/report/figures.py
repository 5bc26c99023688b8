"""Matplotlib figures for the report, written as byte-stable PNG files."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display is needed, and Agg renders identically on every run
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ganrnn.io import write_bytes  # noqa: E402

DPI = 100


def save(fig: plt.Figure, path: Path) -> None:
    """Save without the Software and date entries, so equal figures give equal bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    write_bytes(path, buffer.getvalue())


def curves(
    tables: Mapping[str, pd.DataFrame], x: str, ys: list[str], ylabels: list[str], path: Path, log_y: bool = False
) -> None:
    """Plot one panel per column in `ys`, with one line per table (variant)."""
    fig, axes = plt.subplots(1, len(ys), figsize=(5.5 * len(ys), 3.6), squeeze=False)
    for ax, y, label in zip(axes[0], ys, ylabels, strict=True):
        for name, table in tables.items():
            ax.plot(table[x], table[y], label=name, linewidth=1.2)
        ax.set_xlabel(x)
        ax.set_ylabel(label)
        if log_y:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    save(fig, path)


def train_test_curves(tables: Mapping[str, pd.DataFrame], path: Path) -> None:
    """Train (dashed) and test (solid) loss of each text model on one axis."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, (name, table) in enumerate(tables.items()):
        color = f"C{i}"
        ax.plot(table["step"], table["train_loss"], "--", color=color, label=f"{name} train")
        ax.plot(table["step"], table["test_loss"], "-", color=color, label=f"{name} test")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats/char)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    save(fig, path)


def image_panels(images: Mapping[str, np.ndarray], path: Path, columns: int = 2) -> None:
    """Show H x W x 3 uint8 images side by side, titled with their keys."""
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 4 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (title, image) in zip(axes.flat, images.items()):
        ax.imshow(image, interpolation="nearest")
        ax.set_title(title, fontsize=10)
    save(fig, path)


def confusion_heatmap(matrix: np.ndarray, labels: list[str], path: Path) -> None:
    """Row-normalized confusion matrix: rows are true languages, columns are predictions."""
    fig, ax = plt.subplots(figsize=(8, 7))
    im = ax.imshow(matrix, cmap="Blues", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted language")
    ax.set_ylabel("true language")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    save(fig, path)
