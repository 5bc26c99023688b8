"""Stage train_extractor@<dataset>: train the feature network behind FD-<extractor> and mode labels."""

import argparse
from pathlib import Path

import numpy as np
import torch

from ganrnn import stage
from ganrnn.checkpoint import Checkpoints, run_key
from ganrnn.config import GAN_DATASETS, as_flat_dict, load_params
from ganrnn.data import digits, faces
from ganrnn.gan.extractor import EXTRACTOR_NAMES, build_extractor, train_autoencoder, train_classifier
from ganrnn.gan.train import to_model_range
from ganrnn.io import save_torch, write_json, write_table
from ganrnn.runtime import seed_everything
from ganrnn.tracking import start_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dataset", choices=GAN_DATASETS)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--data", type=Path, help="prepared data (default: data/prepared/<dataset>)")
    parser.add_argument("--model", type=Path, required=True, help="checkpoint file to write")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    parser.add_argument("--curve", type=Path, required=True, help="training loss TSV to write")
    args = parser.parse_args()

    params = load_params(args.params)
    cfg = params.extractor
    data = args.data or Path("data/prepared") / args.dataset
    rng = seed_everything(params.seed)

    # The extractor runs on the CPU: it is small, and its features must not depend on the device.
    if args.dataset == "faces":
        images = to_model_range(torch.from_numpy(np.array(faces.load_prepared(data))))
        shape = list(images.shape[1:])
    else:
        train_x, train_y, test_x, test_y = (torch.from_numpy(a) for a in digits.load_classifier_data(data))
        shape = list(train_x.shape[1:])
    model = build_extractor(args.dataset, shape[0], shape[1], cfg.feature_dim)

    name = EXTRACTOR_NAMES[args.dataset]
    run_params = {**as_flat_dict(cfg, "extractor"), "seed": params.seed, "dataset": args.dataset}
    checkpoints = Checkpoints.for_stage(f"train_extractor@{args.dataset}", run_key(run_params, shape))
    resume = checkpoints.load_latest()
    with start_run("gan", f"extractor-{args.dataset}", f"train_extractor@{args.dataset}", run_params, resume_run_id=checkpoints.read_run_id()) as run:
        checkpoints.write_run_id(run.run_id)
        if args.dataset == "faces":
            curve = train_autoencoder(model, images, cfg, rng, resume, checkpoints.save)
            with torch.no_grad():
                metrics = {"reconstruction_mse": float(torch.nn.functional.mse_loss(model(images), images))}
        else:
            curve = train_classifier(model, to_model_range(train_x), train_y, cfg, rng, resume, checkpoints.save)
            with torch.no_grad():
                accuracy = (model(to_model_range(test_x)).argmax(1) == test_y).double().mean()
            metrics = {"test_accuracy": float(accuracy), "test_digits": len(test_y)}
        metrics["extractor"] = name

        write_table(args.curve, ["step", "loss"], curve)
        write_json(args.metrics, metrics)
        save_torch(args.model, {"dataset": args.dataset, "state_dict": model.state_dict(), "feature_dim": cfg.feature_dim, "image_shape": shape})
        run.log_series({"loss": curve})
        run.log_metrics({f"final_{k}": v for k, v in metrics.items() if k != "extractor"})
        run.log_artifact(args.model, "model")
    checkpoints.clear()


if __name__ == "__main__":
    stage.run(main)
