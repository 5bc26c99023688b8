"""Stage evaluate_gan@<dataset>-<loss>-<spectral_norm>: measure every generator snapshot of a run."""

import argparse
import time
from pathlib import Path

import torch

from ganrnn import stage
from ganrnn.config import GAN_DATASETS, GAN_LOSSES, as_flat_dict, load_params
from ganrnn.data import faces
from ganrnn.gan.evaluate import evaluate_run, find_inception_weights, inception_scores, outlined_grid, reference_stats
from ganrnn.gan.extractor import EXTRACTOR_NAMES, load_extractor
from ganrnn.gan.metrics import duplicate_pairs
from ganrnn.gan.models import Generator
from ganrnn.io import load_torch, replace_dir, write_json, write_png, write_table
from ganrnn.runtime import seed_everything
from ganrnn.tracking import start_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", choices=GAN_DATASETS, required=True)
    parser.add_argument("--loss", choices=GAN_LOSSES, required=True)
    parser.add_argument("--spectral-norm", choices=("true", "false"), required=True)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--model", type=Path, required=True, help="train_gan checkpoint with snapshots")
    parser.add_argument("--extractor", type=Path, required=True, help="train_extractor checkpoint")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    parser.add_argument("--plots", type=Path, required=True, help="folder for the curves and duplicate grid")
    args = parser.parse_args()

    params = load_params(args.params)
    cfg, gan_cfg = params.gan_eval, params.gan
    variant = f"{args.dataset}-{args.loss}-{args.spectral_norm}"
    checkpoint = load_torch(args.model)
    if not isinstance(checkpoint, dict) or "snapshots" not in checkpoint:
        raise ValueError(f"{args.model} has no generator snapshots; rerun: dvc repro train_gan@{variant}")
    extractor = load_extractor(args.extractor)
    inception = find_inception_weights(cfg.inception_weights)

    # Evaluation runs on the CPU with its own seed, so every variant meets the same real subset,
    # the same noise and the same KID subsets.
    rng = seed_everything(params.seed)
    images = faces.load_prepared(Path("data/prepared") / args.dataset)
    ref = reference_stats(images, extractor, cfg, rng)
    noise = torch.randn(cfg.samples, gan_cfg.noise_dim, 1, 1, generator=rng)
    coverage_noise = torch.randn(cfg.coverage_samples, gan_cfg.noise_dim, 1, 1, generator=rng) if args.dataset == "digits" else None

    channels, size = checkpoint["image_shape"][:2]
    generator = Generator(gan_cfg.noise_dim, gan_cfg.g_width, channels, size)
    run_params = {**as_flat_dict(cfg, "gan_eval"), "seed": params.seed, "extractor": EXTRACTOR_NAMES[args.dataset]}
    with start_run("gan", f"{variant}-eval", f"evaluate_gan@{variant}", run_params) as run:
        started = time.perf_counter()
        rows, samples_at, coverage = evaluate_run(generator, checkpoint["snapshots"], ref, extractor, cfg, noise, params.seed, coverage_noise)
        metric_seconds = time.perf_counter() - started

        final = dict(rows[-1])
        worst = max(rows, key=lambda r: (r["duplicate_rate_pixel"], -r["iteration"]))
        summary = {k: v for k, v in final.items() if k != "iteration"}
        summary.update(
            extractor=EXTRACTOR_NAMES[args.dataset], samples=cfg.samples, real_samples=len(ref.real),
            real_msssim=ref.real_msssim, max_duplicate_rate_pixel=worst["duplicate_rate_pixel"],
            max_duplicate_iteration=worst["iteration"],
        )  # fmt: skip
        if coverage:
            summary.update(coverage, coverage_samples=cfg.coverage_samples)
        if inception is not None:
            summary.update(inception_scores(samples_at[final["iteration"]], ref.real, inception, cfg))

        with replace_dir(args.plots) as staging:
            write_table(staging / "evaluation.tsv", list(rows[0]), [list(r.values()) for r in rows])
            grid = samples_at[worst["iteration"]][: gan_cfg.grid_samples]
            write_png(staging / "duplicates.png", outlined_grid(grid, duplicate_pairs(grid, ref.pixel_threshold)))
        write_json(args.metrics, summary)

        run.log_series({k: [(r["iteration"], r[k]) for r in rows] for k in rows[0] if k != "iteration"})
        run.log_metrics({f"final_{k}": v for k, v in summary.items() if isinstance(v, float)} | {"metric_seconds": metric_seconds})
        run.log_artifact(args.plots, "plots")


if __name__ == "__main__":
    stage.run(main)
