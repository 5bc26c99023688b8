"""Stage evaluate_langid@<cell>: accuracy, confusion matrix and Kaggle submission of a classifier."""

import argparse
from pathlib import Path

from ganrnn import stage
from ganrnn.config import load_params
from ganrnn.data import languages
from ganrnn.io import replace_dir, write_json, write_table
from ganrnn.runtime import select_device
from ganrnn.text.langid import accuracy, accuracy_by_length, load_model, predict
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
    test = languages.read_test_chunks(args.data / "test_chunks.tsv")
    kaggle_chunks = languages.read_lines(args.data / "kaggle_test.txt")
    labels_file = args.data / "kaggle_labels.csv"
    kaggle_truth = None
    if labels_file.is_file():  # only the packaged source draws a labelled Kaggle-style file
        kaggle_truth = [row.split(",", 1)[1] for row in languages.read_lines(labels_file)[1:]]

    truth = [language for language, _ in test]
    chunks = [chunk for _, chunk in test]
    predicted = predict(model, chunks)
    kaggle_predicted = predict(model, kaggle_chunks)
    metrics = {
        "accuracy": accuracy(truth, predicted),
        "test_chunks": len(chunks),
        "kaggle_chunks": len(kaggle_chunks),
        "accuracy_threshold": params.thresholds.langid_accuracy_min,
    }
    if kaggle_truth is not None:
        metrics["kaggle_accuracy"] = accuracy(kaggle_truth, kaggle_predicted)

    with start_run("langid", f"{args.cell}-eval", f"evaluate_langid@{args.cell}", {"cell": args.cell}) as run:
        with replace_dir(args.plots) as staging:
            # One row per test chunk, the long form DVC's confusion templates read.
            write_table(staging / "confusion.csv", ["actual", "predicted"], zip(truth, predicted))
            write_table(
                staging / "accuracy_by_length.tsv",
                ["length", "accuracy", "chunks"],
                accuracy_by_length(truth, predicted, chunks),
            )
        write_table(
            args.submission, ["id", "category"], [(i + 1, p) for i, p in enumerate(kaggle_predicted)]
        )
        write_json(args.metrics, metrics)
        run.log_metrics({k: v for k, v in metrics.items() if k != "accuracy_threshold"})
        run.log_artifact(args.plots, "plots")
        run.log_artifact(args.submission)


if __name__ == "__main__":
    stage.run(main)
