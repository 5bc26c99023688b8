"""Stage evaluate_langid@<cell>: accuracy, confusion matrix and Kaggle submission of a classifier."""

import argparse
from pathlib import Path

from ganrnn import stage
from ganrnn.config import load_params
from ganrnn.data import languages
from ganrnn.io import replace_dir, write_json, write_table
from ganrnn.runtime import select_device
from ganrnn.text.langid import load_model, predict, score, tracked_metrics, write_plot_tables
from ganrnn.tracking import start_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cell", required=True)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--data", type=Path, default=Path("data/prepared/languages"))
    parser.add_argument("--model", type=Path, required=True, help="checkpoint from train_langid")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    parser.add_argument("--plots", type=Path, required=True, help="folder for confusion and length plots")
    parser.add_argument("--submission", type=Path, required=True, help="Kaggle-format CSV to write")
    args = parser.parse_args()

    params = load_params(args.params)
    model = load_model(args.model).to(select_device(params.device))
    evaluation = languages.load_evaluation_set(args.data)

    # predict() batches chunks of equal length, so no chunk is scored on its own.
    predicted = predict(model, evaluation.chunks)
    kaggle_predicted = predict(model, evaluation.kaggle_chunks)
    metrics = score(evaluation, predicted, kaggle_predicted)
    metrics["accuracy_threshold"] = params.thresholds.langid_accuracy_min

    with start_run("langid", f"{args.cell}-eval", f"evaluate_langid@{args.cell}", {"cell": args.cell}) as run:
        with replace_dir(args.plots) as staging:
            write_plot_tables(staging, evaluation, predicted)
        write_table(
            args.submission, ["id", "category"], [(i + 1, p) for i, p in enumerate(kaggle_predicted)]
        )
        write_json(args.metrics, metrics)
        run.log_metrics({k: v for k, v in tracked_metrics(metrics).items() if k != "accuracy_threshold"})
        run.log_artifact(args.plots, "plots")
        run.log_artifact(args.submission)


if __name__ == "__main__":
    stage.run(main)
