import pytest

from ganrnn.report.sweep import collect_rows, flatten, sweep_table

LANGID = {
    "cells": ["lstm"], "hidden_size": 256, "num_layers": 1, "dropout": 0.2, "chunk_len": 50, "lr": 0.003,
    "extra_linear": True, "baseline": {"ngram_max": 4, "C": 1.0},
}  # fmt: skip
MISSING = {"error": {"type": "FileNotFoundError", "msg": "[Errno 2] No such file or directory"}}


def _data(rev: str, langid: dict, lstm: dict | None) -> dict:
    """The `data` block of one `dvc exp show --json` entry, as DVC 3.67 writes it."""
    return {
        "rev": rev,
        "timestamp": None,
        "params": {"params.yaml": {"data": {"seed": 0, "langid": langid, "textgen": {"hidden_size": 128}}}},
        "metrics": {
            "metrics/textgen/rnn.json": {"data": {"test_loss": 1.8}},
            "metrics/langid/lstm.json": {"data": lstm} if lstm is not None else MISSING,
        },
        "deps": {},
        "outs": {},
        "meta": {"has_checkpoints": False},
    }


def _experiment(name: str, rev: str, langid: dict, lstm: dict | None, state: str | None = None) -> dict:
    executor = None if state is None else {"state": state, "name": "dvc-task", "local": {}}
    return {
        "name": name,
        "executor": executor,
        "revs": [{"rev": rev, "name": name, "error": None, "data": _data(rev, langid, lstm), "experiments": None}],
    }


def _exp_show() -> list:
    """Shaped like real `dvc exp show --json` output: the workspace, one commit, five experiments."""
    return [
        {"rev": "workspace", "name": None, "error": None, "data": _data("workspace", LANGID | {"hidden_size": 999}, {"accuracy": 0.99})},
        {
            "rev": "60530e367a52c1ca4ef5230ead20fcae00f7d068",
            "name": "main",
            "error": None,
            "data": _data("60530e3", LANGID, {"accuracy": 0.737, "kaggle_accuracy": 0.719, "test_chunks": 1000}),
            "experiments": [
                _experiment("lm-1", "5bc360a", LANGID | {"hidden_size": 300, "lr": 0.001}, {"accuracy": 0.81, "kaggle_accuracy": 0.8}),
                _experiment("lm-2", "01b2e1e", LANGID | {"baseline": {"ngram_max": 4, "C": 0.5}}, {"accuracy": 0.5}),
                _experiment("lm-3", "19069de", LANGID | {"hidden_size": 100, "lr": 0.001}, {"accuracy": 0.81, "kaggle_accuracy": 0.79}),
                _experiment("lm-4", "a1b2c3d", LANGID | {"num_layers": 2}, None, state="queued"),
                _experiment("lm-5", "d4e5f6a", LANGID | {"num_layers": 2}, None, state="failed"),
            ],
        },
    ]  # fmt: skip


def test_flatten_nested():
    assert flatten({"a": 1, "b": {"c": 2, "d": {"e": 3}}}, "x") == {"x.a": 1, "x.b.c": 2, "x.b.d.e": 3}


def test_rows_sorted_by_accuracy():
    rows, _, _ = collect_rows(_exp_show(), "lstm")
    assert [r.name for r in rows] == ["lm-1", "lm-3", "main", "lm-2"]


def test_rows_skip_workspace():
    rows, _, _ = collect_rows(_exp_show(), "lstm")
    assert all(r.params["langid.hidden_size"] != 999 for r in rows)


def test_commit_marked_baseline():
    rows, _, _ = collect_rows(_exp_show(), "lstm")
    assert [r.name for r in rows if r.baseline] == ["main"]


def test_changed_params_only():
    _, changed, _ = collect_rows(_exp_show(), "lstm")
    assert changed == ["langid.baseline.C", "langid.hidden_size", "langid.lr"]


def test_unfinished_counted():
    _, _, left_out = collect_rows(_exp_show(), "lstm")
    assert left_out == 2


def test_table_lines():
    lines = sweep_table(_exp_show(), "lstm").splitlines()
    header = "| experiment | langid.baseline.C | langid.hidden_size | langid.lr | accuracy | Kaggle-style accuracy |"
    assert lines[2] == header
    assert lines[3] == "|---|---|---|---|---|---|"
    assert lines[4] == "| lm-1 | 1.0 | 300 | 0.001 | 0.8100 | 0.8000 |"
    assert lines[6] == "| main (commit) | 1.0 | 256 | 0.003 | 0.7370 | 0.7190 |"
    assert lines[7] == "| lm-2 | 0.5 | 256 | 0.003 | 0.5000 | - |"
    assert lines[-1] == "2 experiments without results (queued, running or failed) left out."


def test_table_names_cell():
    assert "`metrics/langid/lstm.json`" in sweep_table(_exp_show(), "lstm").splitlines()[0]


def test_table_escapes_pipe():
    exp_show = _exp_show()
    exp_show[1]["experiments"][0]["revs"][0]["name"] = "a|b"
    assert "| a\\|b | 1.0 | 300 |" in sweep_table(exp_show, "lstm")


def test_missing_cell_raises():
    with pytest.raises(ValueError, match="metrics/langid/gru.json"):
        sweep_table(_exp_show(), "gru")


def test_no_experiments_table():
    commit_only = [entry | {"experiments": None} for entry in _exp_show()]
    lines = sweep_table(commit_only, "lstm").splitlines()
    assert lines[2] == "| experiment | accuracy | Kaggle-style accuracy |"
    assert lines[-1] == "| main (commit) | 0.7370 | 0.7190 |"
