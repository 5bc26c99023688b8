"""The evaluate_langid and evaluate_baseline stage scripts score the same test chunks."""

import json
import os
import subprocess
import sys

import pytest
import torch
import yaml

from ganrnn.config import LANGUAGES, Params, build
from ganrnn.data import languages
from ganrnn.io import save_torch, write_text
from ganrnn.text.langid import build_model
from helpers import ROOT


@pytest.fixture(scope="module")
def stage_outputs(tmp_path_factory):
    """Prepare a small 20-language split, then run both evaluate scripts on it."""
    root = tmp_path_factory.mktemp("langid")
    raw_params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    raw_params["data"]["languages"].update(eval_chunks=60, kaggle_chunks=20, min_chunk_len=5, max_chunk_len=20)
    raw_params["langid"].update(embed_dim=8, hidden_size=16, num_layers=1)
    raw_params["langid"]["baseline"]["train_chunks"] = 200
    (root / "params.yaml").write_text(yaml.safe_dump(raw_params), encoding="utf-8")
    params = build(Params, raw_params, "")

    # Each language's text repeats its own name and index, with edge spaces that chunks keep.
    for i, language in enumerate(LANGUAGES):
        for part in ("train", "test"):
            write_text(root / "raw" / part / f"{language}_{part}.txt", f" {language} {i} text, " * 12)
    summary = languages.prepare(params.data.languages, root / "raw", root / "prepared", seed=0)
    assert summary["kaggle_labelled"]

    torch.manual_seed(0)
    config = {**params.langid.__dict__, "cell": "gru"}
    config.pop("cells")
    config.pop("baseline")
    save_torch(root / "gru.pt", {"state_dict": build_model(params.langid, "gru").state_dict(), "config": config})

    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}"}
    commands = {
        "rnn": ["evaluate_langid.py", "--cell", "gru", "--model", "gru.pt", "--metrics", "rnn.json",
                "--plots", "rnn", "--submission", "submission.csv"],
        "baseline": ["evaluate_baseline.py", "--metrics", "baseline.json", "--plots", "baseline"],
    }  # fmt: skip
    for args in commands.values():
        result = subprocess.run(
            [sys.executable, str(ROOT / "pipeline" / args[0]), *args[1:], "--data", "prepared"],
            cwd=root, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
    return root


def _metrics(root, name):
    return json.loads((root / f"{name}.json").read_text(encoding="utf-8"))


def test_stages_score_identical_chunks(stage_outputs):
    evaluation = languages.load_evaluation_set(stage_outputs / "prepared")
    expected = languages.chunks_digest(evaluation.chunks)
    assert _metrics(stage_outputs, "rnn")["test_chunks_sha256"] == expected
    assert _metrics(stage_outputs, "baseline")["test_chunks_sha256"] == expected


def test_stages_same_truth_order(stage_outputs):
    rnn = (stage_outputs / "rnn" / "confusion.csv").read_text(encoding="utf-8").splitlines()
    baseline = (stage_outputs / "baseline" / "confusion.csv").read_text(encoding="utf-8").splitlines()
    assert [row.split(",")[0] for row in rnn] == [row.split(",")[0] for row in baseline]
    assert len(rnn) == 61


def test_stages_chunks_keep_edge_spaces(stage_outputs):
    evaluation = languages.load_evaluation_set(stage_outputs / "prepared")
    assert any(chunk != chunk.strip() for chunk in evaluation.chunks)


def test_baseline_metrics_complete(stage_outputs):
    metrics = _metrics(stage_outputs, "baseline")
    assert metrics["test_chunks"] == 60
    assert set(metrics["per_language_accuracy"]) == set(LANGUAGES)
    assert 0.0 <= metrics["kaggle_accuracy"] <= 1.0
    # Each language's text carries its own name, so n-grams separate them almost perfectly.
    assert metrics["accuracy"] > 0.9


def test_rnn_submission_ids(stage_outputs):
    rows = (stage_outputs / "submission.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "id,category"
    assert [row.split(",")[0] for row in rows[1:]] == [str(i) for i in range(1, 21)]


def test_stage_outputs_byte_identical(stage_outputs, tmp_path):
    """A second run of the baseline stage writes the same bytes."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "pipeline" / "evaluate_baseline.py"), "--data", "prepared",
         "--metrics", str(tmp_path / "again.json"), "--plots", str(tmp_path / "again")],
        cwd=stage_outputs, capture_output=True, text=True, check=False,
        env={**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "again.json").read_bytes() == (stage_outputs / "baseline.json").read_bytes()
    for name in ("confusion.csv", "accuracy_by_length.tsv"):
        assert (tmp_path / "again" / name).read_bytes() == (stage_outputs / "baseline" / name).read_bytes(), name


def test_train_stage_lists_rnn_params():
    """dvc.yaml lists the langid keys one by one, so a key missing there would not retrain the RNN."""
    import dataclasses

    from ganrnn.config import LangidConfig

    stage = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]["train_langid"]["do"]
    listed = {p.removeprefix("langid.") for p in stage["params"] if isinstance(p, str) and p.startswith("langid.")}
    # checkpoint_every only sets how often resume checkpoints are written, so it must not retrain.
    expected = {f.name for f in dataclasses.fields(LangidConfig)} - {"cells", "baseline", "checkpoint_every"}
    assert listed == expected
