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
