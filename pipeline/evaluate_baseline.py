"""Stage evaluate_baseline: fit the n-gram TF-IDF + linear SVM baseline and score it on the test chunks.

Fitting takes seconds, so the stage fits and scores in one step and keeps no model file.
"""

import argparse
import time
from pathlib import Path

from ganrnn import stage
from ganrnn.config import as_flat_dict, load_params
from ganrnn.data import languages
from ganrnn.io import replace_dir, write_json
from ganrnn.text.baseline import predict_baseline, train_baseline
from ganrnn.text.langid import score, tracked_metrics, write_plot_tables
from ganrnn.tracking import start_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--data", type=Path, default=Path("data/prepared/languages"))
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    parser.add_argument("--plots", type=Path, required=True, help="folder for confusion and length plots")
    args = parser.parse_args()

    params = load_params(args.params)
    cfg = params.langid.baseline
    data = params.data.languages
    train = languages.load_train(args.data)
    evaluation = languages.load_evaluation_set(args.data)

    run_params = as_flat_dict(cfg, "langid.baseline")
    run_params.update(seed=params.seed, min_chunk_len=data.min_chunk_len, max_chunk_len=data.max_chunk_len)
    with start_run("langid", "baseline", "evaluate_baseline", run_params) as run:
        started = time.perf_counter()
        model = train_baseline(cfg, train, data.min_chunk_len, data.max_chunk_len, params.seed)
        fit_seconds = time.perf_counter() - started

        predicted = predict_baseline(model, evaluation.chunks)
        kaggle_predicted = None
        if evaluation.kaggle_truth is not None:
            kaggle_predicted = predict_baseline(model, evaluation.kaggle_chunks)
        metrics = score(evaluation, predicted, kaggle_predicted)

        with replace_dir(args.plots) as staging:
            write_plot_tables(staging, evaluation, predicted)
        write_json(args.metrics, metrics)
        # Wall time goes to MLflow only, so the metrics file stays byte-identical between runs.
        run.log_metrics(tracked_metrics(metrics) | {"fit_seconds": fit_seconds})
        run.log_artifact(args.plots, "plots")


if __name__ == "__main__":
    stage.run(main)
