"""Stage train_textgen@<cell>: train a character model on Shakespeare and write a sample."""

import argparse
import logging
import time
from pathlib import Path

import torch

from ganrnn import distributed, stage
from ganrnn.checkpoint import Checkpoints, run_key
from ganrnn.config import CELLS, as_flat_dict, load_params
from ganrnn.data import shakespeare
from ganrnn.io import replace_dir, save_torch, write_json, write_table, write_text
from ganrnn.runtime import seed_everything, select_device
from ganrnn.text.generation import bits_per_char, build_model, sample, train_textgen
from ganrnn.text.model import count_parameters
from ganrnn.tracking import start_run

log = logging.getLogger("train_textgen")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cell", choices=CELLS, required=True)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--data", type=Path, default=Path("data/prepared/shakespeare"))
    parser.add_argument("--model", type=Path, required=True, help="checkpoint file to write")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    parser.add_argument("--plots", type=Path, required=True, help="folder for the loss curve and sample")
    args = parser.parse_args()

    params = load_params(args.params)
    cfg = params.textgen
    vocab, train, test = shakespeare.load_prepared(args.data)
    unknown = vocab.unknown(cfg.sample_prime)
    if unknown:
        raise ValueError(
            f"textgen.sample_prime={cfg.sample_prime!r} has characters outside the vocabulary: "
            f"{''.join(unknown)!r}; choose a prime made of characters of the training text"
        )

    rng = seed_everything(params.seed)
    device = select_device(params.device)
    dist = distributed.setup(params.distributed.backend, device)
    if device.type == "cuda" and dist.enabled:
        device = torch.device("cuda", dist.local_rank)
    model, model_kwargs = build_model(cfg, args.cell, len(vocab))
    model.to(device)

    run_params = {**as_flat_dict(cfg, "textgen"), **as_flat_dict(params.data.shakespeare, "data.shakespeare")}
    run_params.update(seed=params.seed, cell=args.cell, device=str(device))
    checkpoints = Checkpoints.for_stage(f"train_textgen@{args.cell}", run_key(run_params, len(vocab), train.numel(), dist.world_size))
    resume = checkpoints.load_latest()
    if not dist.is_main:  # other ranks train and write nothing
        train_textgen(model, train, test, cfg, rng, params.seed + 1, resume, None, dist)
        log.info("rank %d: model sha256 %s", dist.rank, distributed.weights_digest(model))
        distributed.cleanup(dist)
        return
    with start_run("textgen", args.cell, f"train_textgen@{args.cell}", run_params, resume_run_id=checkpoints.read_run_id()) as run:
        checkpoints.write_run_id(run.run_id)
        started = time.perf_counter()
        history = train_textgen(model, train, test, cfg, rng, params.seed + 1, resume, checkpoints.save, dist)
        log.info("rank %d: model sha256 %s", dist.rank, distributed.weights_digest(model))
        train_seconds = time.perf_counter() - started
        sample_args = (cfg.sample_prime, cfg.sample_length, cfg.sample_temperature, params.seed, cfg.sample_top_k)
        text = sample(model, vocab, *sample_args)

        _, train_loss, test_loss = history.curve[-1]
        metrics = {
            "train_loss": train_loss,
            "test_loss": test_loss,
            "train_bpc": bits_per_char(train_loss),
            "test_bpc": bits_per_char(test_loss),
            "hidden_size": model_kwargs["hidden_size"],
            "parameters": count_parameters(model),
        }
        with replace_dir(args.plots) as staging:
            write_table(staging / "loss.tsv", ["step", "train_loss", "test_loss"], history.curve)
            write_text(staging / "sample.txt", text)
        write_json(args.metrics, metrics)
        save_torch(args.model, {"state_dict": model.state_dict(), "model_kwargs": model_kwargs, "vocab": vocab.chars})

        run.log_series(
            {
                "train_loss": [(s, tr) for s, tr, _ in history.curve],
                "test_loss": [(s, te) for s, _, te in history.curve],
            }
        )
        # Wall time goes to MLflow only: DVC outputs must not change between identical runs.
        # Summaries get a final_ prefix so they do not add a point to the curves of the same name.
        run.log_metrics({f"final_{k}": v for k, v in metrics.items()} | {"train_seconds": train_seconds})
        run.log_artifact(args.plots, "plots")
        run.log_artifact(args.model, "model")
    distributed.cleanup(dist)
    checkpoints.clear()


if __name__ == "__main__":
    stage.run(main)
