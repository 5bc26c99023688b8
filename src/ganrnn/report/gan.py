"""The GAN part of the report: which variant is better, is there mode collapse, does SN help.

Every sentence is built from the metrics of train_gan, evaluate_gan and train_extractor. Grids are
picked by those numbers: the final checkpoint, and the checkpoint with the most duplicates.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ganrnn.config import Params, as_flat_dict, gan_variants
from ganrnn.gan.metrics import expected_modes
from ganrnn.report import figures
from ganrnn.report.files import read_json as _read_json
from ganrnn.report.files import read_table as _read_table

LOSS_NAMES = {"bce": "GAN (BCE)", "ls": "LSGAN", "hinge": "hinge GAN", "wgan-gp": "WGAN-GP"}
LOSS_NOTES = {
    "bce": "GAN (BCE) is the original loss with the non-saturating generator",
    "ls": "LSGAN the least-squares loss",
    "hinge": "hinge GAN the margin loss of SAGAN and BigGAN",
    "wgan-gp": "WGAN-GP the Wasserstein critic with a gradient penalty and no BatchNorm",
}
# A checkpoint counts as collapsed when more than this fraction of its sample pairs are near-duplicates.
COLLAPSE_RATE = 0.05


def describe_variant(variant: str) -> str:
    loss, sn = variant.rsplit("-", 1)
    return f"{LOSS_NAMES[loss]}, {'with' if sn == 'true' else 'without'} SN"


def _fmt(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}"


def _join(names) -> str:
    """'a', 'a and b', 'a, b and c'."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _sig(value: float) -> str:
    """Three significant digits for metrics whose scale varies (FD, KID)."""
    return f"{value:.3g}"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Run:
    """The files of one variant of one data set."""

    def __init__(self, root_metrics: Path, root_plots: Path, dataset: str, variant: str) -> None:
        self.name = describe_variant(variant)
        self.variant = variant
        self.train = _read_json(root_metrics / "gan" / dataset / variant / "train.json")
        self.eval = _read_json(root_metrics / "gan" / dataset / variant / "eval.json")
        self.plots = root_plots / "gan" / dataset / variant
        self.losses = _read_table(self.plots / "train" / "losses.tsv")
        self.sigma = _read_table(self.plots / "train" / "sigma.tsv")
        self.curve = _read_table(self.plots / "eval" / "evaluation.tsv")

    def grid(self, iteration: int) -> Path:
        return self.plots / "train" / "grids" / f"iter_{iteration:06d}.png"


def _best(runs: list[Run], key: str, lower: bool = True) -> Run:
    return (min if lower else max)(runs, key=lambda r: r.eval[key])


def _mean_by_loss(runs: list[Run], key: str) -> dict[str, float]:
    losses = sorted({r.variant.rsplit("-", 1)[0] for r in runs}, key=list(LOSS_NAMES).index)
    return {loss: float(np.mean([r.eval[key] for r in runs if r.variant.rsplit("-", 1)[0] == loss])) for loss in losses}


def _sn_pairs(runs: list[Run]) -> list[tuple[str, Run, Run]]:
    """(loss, run with SN, run without SN) for every loss."""
    by_variant = {r.variant: r for r in runs}
    return [
        (loss, by_variant[f"{loss}-true"], by_variant[f"{loss}-false"])
        for loss in dict.fromkeys(r.variant.rsplit("-", 1)[0] for r in runs)
    ]


def faces_section(params: Params, metrics: Path, plots: Path, rel, out_dir: Path) -> dict[str, Any]:
    runs = [Run(metrics, plots, "faces", v) for v in gan_variants(params.gan_losses)]
    fig_dir = out_dir / "figures"
    extractor = _read_json(metrics / "extractor" / "faces.json")
    fd_name = f"FD-{extractor['extractor']}"

    figures.curves({r.name: r.losses for r in runs}, "iteration", ["d_loss", "g_loss"], ["discriminator loss", "generator loss"], fig_dir / "gan_losses.png")
    figures.curves({r.name: r.curve for r in runs}, "iteration", ["duplicate_rate_pixel", "fd"], ["near-duplicate pairs (pixels)", fd_name], fig_dir / "gan_duplicates.png")
    figures.curves({r.name: r.sigma for r in runs}, "iteration", ["sigma_max"], ["largest sigma_max over D's convolutions"], fig_dir / "gan_sigma.png", log_y=True)
    final_iteration = int(runs[0].curve["iteration"].iloc[-1])
    figures.image_panels({r.name: np.asarray(Image.open(r.grid(final_iteration)).convert("RGB")) for r in runs}, fig_dir / "gan_final_grids.png")

    rows = [
        {
            "name": r.name,
            "fd": _sig(r.eval["fd"]),
            "kid": _sig(r.eval["kid"]),
            "dup_pixel": _fmt(r.eval["duplicate_rate_pixel"]),
            "dup_feature": _fmt(r.eval["duplicate_rate_feature"]),
            "msssim": _fmt(r.eval["msssim"]),
            "memorization": _fmt(r.eval["memorization"]),
            "diversity": _fmt(r.eval["diversity"]),
            "fid": _sig(r.eval["fid"]) if "fid" in r.eval else "n/a",
            "d_loss_std": _fmt(float(r.losses["d_loss"].iloc[len(r.losses) // 2 :].std(ddof=0))),
        }
        for r in runs
    ]
    best_fd, best_kid = _best(runs, "fd"), _best(runs, "kid")
    mean_fd = _mean_by_loss(runs, "fd")
    kid_part = (
        f"the lowest KID ({_sig(best_kid.eval['kid'])})"
        if best_kid is best_fd
        else f"{best_kid.name} has the lowest KID ({_sig(best_kid.eval['kid'])})"
    )
    comparison = (
        f"At the final checkpoint, {best_fd.name} has the lowest {fd_name} ({_sig(best_fd.eval['fd'])}) and "
        f"{kid_part}. Averaged over both spectral-norm settings, "
        + ", ".join(f"{LOSS_NAMES[loss]} reaches {fd_name} {_sig(v)}" for loss, v in mean_fd.items())
        + f"; by this measure {LOSS_NAMES[min(mean_fd, key=mean_fd.get)]} is the better loss here."
    )
    close = [r for r in runs if r.eval["memorization"] < 1.0]
    averaged = [r.name for r in close if r.eval["duplicate_rate_pixel"] > COLLAPSE_RATE]
    copied = [r.name for r in close if r.eval["duplicate_rate_pixel"] <= COLLAPSE_RATE]
    memorization = []
    if copied:
        memorization.append(
            "Samples of " + "; ".join(copied) + " sit closer to their nearest training face than real faces sit to "
            "each other (memorization ratio below 1) while differing from each other: a sign of copying training faces."
        )
    if averaged:
        memorization.append(
            "Samples of " + "; ".join(averaged) + " also sit closer to training faces than real faces do, but they "
            "are near-duplicates of each other too: a few average faces rather than copies."
        )
    if not close:
        memorization.append(
            "Every variant's samples are farther from their nearest training face than real faces are from each "
            "other (memorization ratio above 1): no sign of copying."
        )

    # Mode collapse: the worst checkpoint per variant, its outlined grid, when it starts and ends.
    collapse_rows, collapse_parts = [], []
    for r in runs:
        curve = r.curve
        collapsed = curve[curve["duplicate_rate_pixel"] > COLLAPSE_RATE]
        collapse_rows.append(
            {
                "name": r.name,
                "iteration": r.eval["max_duplicate_iteration"],
                "rate": _fmt(r.eval["max_duplicate_rate_pixel"]),
                "final": _fmt(r.eval["duplicate_rate_pixel"]),
                "image": rel(r.plots / "eval" / "duplicates.png"),
            }
        )
        if len(collapsed):
            first, last = int(collapsed["iteration"].iloc[0]), int(curve["iteration"].iloc[-1])
            ended = r.eval["duplicate_rate_pixel"] <= COLLAPSE_RATE
            collapse_parts.append(
                f"{r.name} from iteration {first}" + (", gone by the end" if ended else f", still at iteration {last}")
            )
    collapse = (
        f"More than {COLLAPSE_RATE:.0%} of sample pairs were near-duplicates for " + "; ".join(collapse_parts) + "."
        if collapse_parts
        else f"No checkpoint of any variant had more than {COLLAPSE_RATE:.0%} near-duplicate sample pairs."
    )

    # Spectral normalization: per checkpoint, grids and metrics with and without, and sigma_max.
    sn_parts = []
    for loss, with_sn, without in _sn_pairs(runs):
        fd_change = with_sn.eval["fd"] - without.eval["fd"]
        dup_change = with_sn.eval["duplicate_rate_pixel"] - without.eval["duplicate_rate_pixel"]
        sn_parts.append(
            f"With {LOSS_NAMES[loss]}, spectral normalization {'lowers' if fd_change < 0 else 'raises'} the final "
            f"{fd_name} from {_sig(without.eval['fd'])} to {_sig(with_sn.eval['fd'])} and "
            f"{'lowers' if dup_change < 0 else 'raises' if dup_change > 0 else 'keeps'} the near-duplicate rate "
            f"{'at' if dup_change == 0 else 'from'} {_fmt(without.eval['duplicate_rate_pixel'])}"
            + ("" if dup_change == 0 else f" to {_fmt(with_sn.eval['duplicate_rate_pixel'])}")
            + f"; the largest sigma_max of its discriminator ends at {_fmt(with_sn.sigma['sigma_max'].iloc[-1], 2)} "
            f"against {_fmt(without.sigma['sigma_max'].iloc[-1], 2)} without."
        )
    helped = [loss for loss, w, wo in _sn_pairs(runs) if w.eval["fd"] < wo.eval["fd"]]
    sn_verdict = (
        f"By {fd_name}, spectral normalization helps {_join(LOSS_NAMES[l] for l in helped)}"
        + (f" but not {_join(LOSS_NAMES[l] for l, _, _ in _sn_pairs(runs) if l not in helped)}." if len(helped) < len(_sn_pairs(runs)) else ".")
        if helped
        else f"Spectral normalization lowers {fd_name} for no loss in this run."
    )

    train_images = runs[0].train["train_images"]
    batches_per_epoch = max(1, train_images // params.gan.batch_size)  # the loop drops the last partial batch
    sn_table = []
    for i, iteration in enumerate(int(x) for x in runs[0].curve["iteration"]):
        cells = [
            {
                "image": rel(r.grid(iteration)),
                "fd": _sig(float(r.curve["fd"].iloc[i])),
                "dup": _fmt(float(r.curve["duplicate_rate_pixel"].iloc[i])),
            }
            for r in runs
        ]
        sn_table.append({"iteration": iteration, "epoch": _fmt(iteration / batches_per_epoch, 1), "cells": cells})

    return {
        "variants": [r.name for r in runs],
        "loss_notes": "; ".join(LOSS_NOTES[loss] for loss in params.gan_losses) + ".",
        "train_images": train_images,
        "fd_name": fd_name,
        "extractor": extractor,
        "samples": runs[0].eval["samples"],
        "real_samples": runs[0].eval["real_samples"],
        "real_msssim": _fmt(runs[0].eval["real_msssim"]),
        "has_fid": "fid" in runs[0].eval,
        "rows": rows,
        "comparison": comparison,
        "memorization": " ".join(memorization),
        "collapse_threshold": f"{COLLAPSE_RATE:.0%}",
        "collapse_rows": collapse_rows,
        "collapse": collapse,
        "sn_sentences": sn_parts,
        "sn_verdict": sn_verdict,
        "sn_table": sn_table,
        "params": {k: _show(v) for k, v in {**as_flat_dict(params.gan, "gan"), "gan_losses": ", ".join(params.gan_losses)}.items()},
        "eval_params": {k: _show(v) for k, v in {**as_flat_dict(params.gan_eval, "gan_eval"), **as_flat_dict(params.extractor, "extractor")}.items()},
    }


def digits_section(params: Params, metrics: Path, plots: Path, out_dir: Path) -> dict[str, Any]:
    runs = [Run(metrics, plots, "digits", v) for v in gan_variants(params.gan_losses)]
    classifier = _read_json(metrics / "extractor" / "digits.json")
    samples = runs[0].eval["samples"]
    figures.curves({r.name: r.curve for r in runs}, "iteration", ["modes_in_samples"], [f"distinct modes in {samples} samples"], out_dir / "figures" / "gan_digits_modes.png")

    best = _best(runs, "modes_covered", lower=False)
    sn_parts = [
        f"{LOSS_NAMES[loss]}: {w.eval['modes_covered']} modes with SN, {wo.eval['modes_covered']} without"
        for loss, w, wo in _sn_pairs(runs)
    ]
    draws = runs[0].eval["coverage_samples"]
    # The KL of an empirical histogram of N uniform draws over K modes is about (K - 1) / (2N).
    sentence = (
        f"{best.name} covers the most modes ({best.eval['modes_covered']} of 1000, KL {_fmt(best.eval['mode_kl'])} nats). "
        f"A generator that draws the 1000 modes uniformly would cover {expected_modes(draws, 1000):.0f} of them in {draws} "
        f"samples, with a KL of about {999 / (2 * draws):.2f} nats from sampling alone. By spectral normalization: "
        + "; ".join(sn_parts) + "."
    )
    return {
        "classifier_accuracy": _fmt(classifier["test_accuracy"]),
        "classifier_digits": classifier["test_digits"],
        "image_size": params.data.digits.image_size,
        "count": params.data.digits.count,
        "iterations": params.gan.digits.iterations,
        "coverage_samples": runs[0].eval["coverage_samples"],
        "samples": samples,
        "uniform_modes": f"{expected_modes(samples, 1000):.0f}",
        "rows": [
            {
                "name": r.name,
                "modes": r.eval["modes_covered"],
                "kl": _fmt(r.eval["mode_kl"]),
                "fd": _sig(r.eval["fd"]),
                "dup": _fmt(r.eval["duplicate_rate_pixel"]),
            }
            for r in runs
        ],
        "sentence": sentence,
        "fd_name": f"FD-{classifier['extractor']}",
        "passes": classifier["test_accuracy"] >= params.thresholds.digit_classifier_accuracy_min,
    }


def gan_sections(params: Params, metrics: Path, plots: Path, report_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Context of the face GAN and stacked-digits parts of the template."""

    def rel(path: Path) -> str:
        return Path(os.path.relpath(path, report_dir)).as_posix()

    return {
        "gan": faces_section(params, metrics, plots, rel, out_dir),
        "digits": digits_section(params, metrics, plots, out_dir),
    }
