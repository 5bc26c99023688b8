"""Stage train_gan@<dataset>-<loss>-<spectral_norm>: train one DCGAN variant on faces or stacked digits."""

import argparse
import dataclasses
import logging
from pathlib import Path

import torch

from ganrnn import distributed, stage
from ganrnn.checkpoint import Checkpoints, run_key
from ganrnn.config import GAN_DATASETS, GAN_LOSSES, as_flat_dict, load_params
from ganrnn.data import faces
from ganrnn.gan.train import build_models, series, summarize, train_gan, write_plots
from ganrnn.io import replace_dir, save_torch, write_json
from ganrnn.runtime import seed_everything, select_device
from ganrnn.tracking import start_run

log = logging.getLogger("train_gan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", choices=GAN_DATASETS, required=True)
    parser.add_argument("--loss", choices=GAN_LOSSES, required=True)
    parser.add_argument("--spectral-norm", choices=("true", "false"), required=True)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--data", type=Path, help="prepared images (default: data/prepared/<dataset>)")
    parser.add_argument("--model", type=Path, required=True, help="checkpoint file to write")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    parser.add_argument("--plots", type=Path, required=True, help="folder for curves and grids")
    args = parser.parse_args()

    params = load_params(args.params)
    cfg, schedule, data_cfg = params.gan, params.gan.schedule(args.dataset), getattr(params.data, args.dataset)
    use_sn = args.spectral_norm == "true"
    variant = f"{args.dataset}-{args.loss}-{args.spectral_norm}"

    # Faces and stacked digits are both prepared as one uint8 images.npy.
    images = faces.load_prepared(args.data or Path("data/prepared") / args.dataset)
    rng = seed_everything(params.seed)
    generator, discriminator = build_models(cfg, images.shape[1], images.shape[2], use_sn, args.loss)
    device = select_device(params.device)
    dist = distributed.setup(params.distributed.backend, device)
    if device.type == "cuda" and dist.enabled:
        device = torch.device("cuda", dist.local_rank)
    generator.to(device)
    discriminator.to(device)

    # The run logs its own data set's schedule, not the other one's.
    run_params = {k: v for k, v in as_flat_dict(cfg, "gan").items() if not k.startswith(tuple(f"gan.{d}." for d in GAN_DATASETS))}
    run_params.update(as_flat_dict(schedule, f"gan.{args.dataset}"), **as_flat_dict(data_cfg, f"data.{args.dataset}"))
    run_params.update(seed=params.seed, dataset=args.dataset, loss=args.loss, spectral_norm=use_sn, device=str(device))
    # Resume checkpoints live outside the DVC outputs, keyed by everything that shapes the run.
    checkpoints = Checkpoints.for_stage(f"train_gan@{variant}", run_key(run_params, list(images.shape), dist.world_size))
    resume = checkpoints.load_latest()
    if not dist.is_main:  # other ranks train and write nothing
        train_gan(generator, discriminator, images, cfg, schedule, args.loss, rng, resume, None, dist)
        log.info("rank %d: generator sha256 %s", dist.rank, distributed.weights_digest(generator))
        distributed.cleanup(dist)
        return
    with start_run("gan", variant, f"train_gan@{variant}", run_params, resume_run_id=checkpoints.read_run_id()) as run:
        checkpoints.write_run_id(run.run_id)
        history = train_gan(generator, discriminator, images, cfg, schedule, args.loss, rng, resume, checkpoints.save, dist)
        log.info("rank %d: generator sha256 %s", dist.rank, distributed.weights_digest(generator))
        metrics = summarize(history, int(images.shape[0]))
        with replace_dir(args.plots) as staging:
            write_plots(history, staging)
        write_json(args.metrics, metrics)
        save_torch(args.model, {
            "generator": generator.state_dict(), "discriminator": discriminator.state_dict(),
            "config": {**dataclasses.asdict(cfg), "loss": args.loss, "spectral_norm": use_sn, "dataset": args.dataset},
            "image_shape": list(images.shape[1:]), "snapshots": history.snapshots,
        })  # fmt: skip
        run.log_series(series(history))
        run.log_metrics({f"final_{k}": v for k, v in metrics.items() if k not in ("min_diversity_iteration", "train_images")})
        run.log_artifact(args.plots, "plots")
        run.log_artifact(args.model, "model")
    distributed.cleanup(dist)
    checkpoints.clear()


if __name__ == "__main__":
    stage.run(main)
