import pytest
from mlflow.tracking import MlflowClient

from ganrnn.tracking import start_run, tracking_uri


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path


def test_default_uri_sqlite(store):
    assert tracking_uri(store) == f"sqlite:///{store / 'mlflow.db'}"


def test_env_uri_wins(store, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert tracking_uri(store) == "http://127.0.0.1:5000"


def test_run_logged(store):
    (store / "artifact.txt").write_text("sample", encoding="utf-8")
    with start_run("textgen", "gru", "train_textgen@gru", {"textgen.lr": 0.002, "cell": "gru"}, root=store) as run:
        run.log_series({"test_loss": [(10, 2.5), (20, 2.1)]})
        run.log_metrics({"parameters": 123.0})
        run.log_artifact(store / "artifact.txt")
        run_id = run.run_id

    client = MlflowClient(tracking_uri=tracking_uri(store))
    logged = client.get_run(run_id)
    assert (store / "mlflow.db").exists()
    assert logged.info.status == "FINISHED"
    assert logged.info.run_name == "gru"
    assert logged.data.params == {"textgen.lr": "0.002", "cell": "gru"}
    assert logged.data.tags["stage"] == "train_textgen@gru"
    assert [(m.step, m.value) for m in client.get_metric_history(run_id, "test_loss")] == [(10, 2.5), (20, 2.1)]
    assert logged.data.metrics["parameters"] == 123.0
    assert [a.path for a in client.list_artifacts(run_id)] == ["artifact.txt"]
    assert client.get_experiment(logged.info.experiment_id).name == "ganrnn-textgen"


def test_failed_run_marked(store):
    with pytest.raises(RuntimeError):
        with start_run("gan", "bce-true", "train_gan@bce-true", {}, root=store) as run:
            run_id = run.run_id
            raise RuntimeError("training diverged")
    client = MlflowClient(tracking_uri=tracking_uri(store))
    assert client.get_run(run_id).info.status == "FAILED"


def test_batches_over_limit(store):
    points = [(i, float(i)) for i in range(2500)]
    with start_run("gan", "ls-false", "train_gan@ls-false", {}, root=store) as run:
        run.log_series({"d_loss": points})
        run_id = run.run_id
    client = MlflowClient(tracking_uri=tracking_uri(store))
    assert len(client.get_metric_history(run_id, "d_loss")) == 2500


def test_experiment_reused(store):
    ids = []
    for variant in ("rnn", "gru"):
        with start_run("textgen", variant, f"train_textgen@{variant}", {}, root=store) as run:
            ids.append(MlflowClient(tracking_uri=tracking_uri(store)).get_run(run.run_id).info.experiment_id)
    assert ids[0] == ids[1]


def test_queued_copy_uses_workspace(store, monkeypatch):
    copy = store / ".dvc" / "tmp" / "exps" / "tmpabc123"
    copy.mkdir(parents=True)
    monkeypatch.setenv("DVC_ROOT", str(store))
    assert tracking_uri(copy) == f"sqlite:///{store / 'mlflow.db'}"


def test_unrelated_dvc_root_ignored(store, monkeypatch):
    monkeypatch.setenv("DVC_ROOT", str(store / "other"))
    assert tracking_uri(store) == f"sqlite:///{store / 'mlflow.db'}"


def test_env_uri_wins_in_queued_copy(store, monkeypatch):
    monkeypatch.setenv("DVC_ROOT", str(store))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert tracking_uri(store / ".dvc" / "tmp" / "exps" / "tmpabc123") == "http://127.0.0.1:5000"


def test_queued_run_logs_to_workspace(store, monkeypatch):
    copy = store / ".dvc" / "tmp" / "exps" / "tmpabc123"
    copy.mkdir(parents=True)
    (copy / "sample.txt").write_text("text", encoding="utf-8")
    monkeypatch.setenv("DVC_ROOT", str(store))
    with start_run("textgen", "lstm", "train_textgen@lstm", {}, root=copy) as run:
        run.log_artifact(copy / "sample.txt")
    assert (store / "mlflow.db").is_file()
    assert not (copy / "mlflow.db").exists()
    assert list((store / "mlartifacts").rglob("sample.txt"))


def test_store_uses_wal(store):
    import sqlite3

    with start_run("textgen", "rnn", "train_textgen@rnn", {}, root=store):
        pass
    with sqlite3.connect(store / "mlflow.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# Each process imports MLflow, waits for the same wall-clock instant, then opens the new store and
# logs a run.
_CONCURRENT_RUN = """
import sys, time
from pathlib import Path
import mlflow.tracking
from ganrnn.tracking import start_run

start_at = float(sys.argv[2])
time.sleep(max(0.0, start_at - time.time()))
with start_run("textgen", sys.argv[3], "train_textgen@" + sys.argv[3], {"seed": sys.argv[3]}, root=Path(sys.argv[1])) as run:
    run.log_series({"train_loss": [(step, 1.0 / step) for step in range(1, 200)]})
"""


def test_concurrent_first_open(store):
    """Three processes that create the store at once all log their run.

    Without the lock in `_store_lock`, MLflow's table creation races and at least one process
    fails with "table ... already exists" or "duplicate column name".
    """
    import os
    import subprocess
    import sys
    import time

    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "DVC_ROOT")}
    env["OMP_NUM_THREADS"] = "1"
    # Importing MLflow takes a few seconds on a loaded 2-core machine, hence the lead time.
    start_at = str(time.time() + 8)
    names = ["p0", "p1", "p2"]
    processes = [
        subprocess.Popen([sys.executable, "-c", _CONCURRENT_RUN, str(store), start_at, name], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name in names
    ]  # fmt: skip
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    for name, process, output in zip(names, processes, outputs):
        assert process.returncode == 0, f"{name} failed:\n{output[-3000:]}"

    client = MlflowClient(tracking_uri=tracking_uri(store))
    experiment = client.get_experiment_by_name("ganrnn-textgen")
    runs = client.search_runs([experiment.experiment_id])
    assert sorted(r.info.run_name for r in runs) == names
    assert {r.info.status for r in runs} == {"FINISHED"}
