"""Stage train_langid@<cell>: train the language classifier on the prepared training text."""

import argparse
import dataclasses
import time
from pathlib import Path

from ganrnn import stage
from ganrnn.checkpoint import Checkpoints, run_key
from ganrnn.config import CELLS, as_flat_dict, load_params
from ganrnn.data import languages
from ganrnn.io import save_torch, write_json, write_table
from ganrnn.runtime import seed_everything, select_device
from ganrnn.text.langid import build_model, train_langid
from ganrnn.text.model import count_parameters
from ganrnn.tracking import start_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cell", choices=CELLS, required=True)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--data", type=Path, default=Path("data/prepared/languages"))
    parser.add_argument("--model", type=Path, required=True, help="checkpoint file to write")
    parser.add_argument("--metrics", type=Path, required=True, help="training metrics JSON to write")
    parser.add_argument("--curve", type=Path, required=True, help="training curve TSV to write")
    args = parser.parse_args()

    params = load_params(args.params)
    cfg = params.langid
    train = languages.load_train(args.data)
    rng = seed_everything(params.seed)
    device = select_device(params.device)
    model = build_model(cfg, args.cell).to(device)

    # The baseline's keys belong to the evaluate_baseline stage, not to this model.
    rnn_params = {k: v for k, v in as_flat_dict(cfg, "langid").items() if not k.startswith("langid.baseline.")}
    run_params = {**rnn_params, **as_flat_dict(params.data.languages, "data.languages")}
    run_params.update(seed=params.seed, cell=args.cell, device=str(device))
    checkpoints = Checkpoints.for_stage(f"train_langid@{args.cell}", run_key(run_params))
    resume = checkpoints.load_latest()
    with start_run("langid", args.cell, f"train_langid@{args.cell}", run_params, resume_run_id=checkpoints.read_run_id()) as run:
        checkpoints.write_run_id(run.run_id)
        started = time.perf_counter()
        history = train_langid(model, train, cfg, rng, resume, checkpoints.save)
        train_seconds = time.perf_counter() - started

        _, loss, accuracy = history.curve[-1]
        metrics = {"train_loss": loss, "train_accuracy": accuracy, "parameters": count_parameters(model)}
        write_table(args.curve, ["step", "train_loss", "train_accuracy"], history.curve)
        write_json(args.metrics, metrics)
        config = {**dataclasses.asdict(cfg), "cell": args.cell}
        config.pop("cells")
        config.pop("baseline")
        save_torch(args.model, {"state_dict": model.state_dict(), "config": config})

        run.log_series(
            {
                "train_loss": [(s, v) for s, v, _ in history.curve],
                "train_accuracy": [(s, a) for s, _, a in history.curve],
            }
        )
        # Summaries get a final_ prefix so they do not add a point to the curves of the same name.
        run.log_metrics({f"final_{k}": v for k, v in metrics.items()} | {"train_seconds": train_seconds})
        run.log_artifact(args.model, "model")
    checkpoints.clear()


if __name__ == "__main__":
    stage.run(main)
