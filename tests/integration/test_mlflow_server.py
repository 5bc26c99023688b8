"""Log one smoke-scale training stage to a real `mlflow server` on 127.0.0.1 and read it back."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from helpers import make_repository, run_command

pytestmark = pytest.mark.integration

CELL = "rnn"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(folder: Path, env: dict) -> tuple[subprocess.Popen, str]:
    """Start `mlflow server` with a SQLite backend and proxied artifacts in `folder`, without waiting."""
    port = _free_port()
    server_env = env | {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}  # no job runner processes
    args = [
        sys.executable, "-m", "mlflow", "server",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}",
        "--artifacts-destination", (folder / "artifacts").as_uri(),
    ]  # fmt: skip
    log = open(folder / "server.log", "w")
    # A session of its own, so teardown can stop uvicorn's child processes with one signal.
    process = subprocess.Popen(args, cwd=folder, env=server_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    return process, f"http://127.0.0.1:{port}"


def _wait_until_healthy(process: subprocess.Popen, url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, f"mlflow server exited with {process.returncode}:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        assert time.monotonic() < deadline, f"mlflow server at {url} not healthy after {timeout:.0f} s:\n{log.read_text()[-3000:]}"
        time.sleep(0.5)


def _stop_server(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def served_run(tmp_path_factory):
    """Train train_textgen@rnn at smoke scale with MLFLOW_TRACKING_URI at a fresh server."""
    base = tmp_path_factory.mktemp("mlflow_server")
    repo, folder = base / "repo", base / "server"
    repo.mkdir()
    folder.mkdir()
    env = make_repository(repo)
    env.pop("DVC_ROOT", None)
    env["OMP_NUM_THREADS"] = "1"

    # The server starts (about 25 s on two busy cores) while DVC prepares the data.
    process, url = _start_server(folder, env)
    try:
        overrides = (repo / "configs" / "smoke.overrides").read_text(encoding="utf-8").split()
        sets = [arg for o in overrides for arg in ("-S", o)]
        run_command([sys.executable, "-m", "dvc", "exp", "run", *sets, "prepare@shakespeare"], repo, env)
        _wait_until_healthy(process, url, folder / "server.log", timeout=120)

        train = [
            sys.executable, "pipeline/train_textgen.py", "--cell", CELL,
            "--model", f"models/textgen/{CELL}.pt",
            "--metrics", f"metrics/textgen/{CELL}.json",
            "--plots", f"plots/textgen/{CELL}",
        ]  # fmt: skip
        run_command(train, repo, env | {"MLFLOW_TRACKING_URI": url})

        client = MlflowClient(tracking_uri=url)
        experiment = client.get_experiment_by_name("ganrnn-textgen")
        runs = client.search_runs([experiment.experiment_id]) if experiment else []
        yield repo, folder, client, experiment, runs
    finally:
        _stop_server(process)


def test_one_run_on_server(served_run):
    _, _, _, experiment, runs = served_run
    assert experiment is not None
    assert [r.info.run_name for r in runs] == [CELL]
    assert runs[0].info.status == "FINISHED"


def test_no_local_store(served_run):
    repo, _, _, _, _ = served_run
    assert not (repo / "mlflow.db").exists()
    assert not (repo / "mlartifacts").exists()


def test_params_read_back(served_run):
    import yaml

    repo, _, _, _, runs = served_run
    textgen = yaml.safe_load((repo / "params.yaml").read_text(encoding="utf-8"))["textgen"]
    params = runs[0].data.params
    assert params["cell"] == CELL
    assert params["textgen.hidden_size"] == str(textgen["hidden_size"])
    assert params["textgen.steps"] == str(textgen["steps"])


def test_metrics_read_back(served_run):
    import json

    repo, _, client, _, runs = served_run
    written = json.loads((repo / "metrics" / "textgen" / f"{CELL}.json").read_text(encoding="utf-8"))
    curve = (repo / "plots" / "textgen" / CELL / "loss.tsv").read_text(encoding="utf-8").splitlines()[1:]
    history = client.get_metric_history(runs[0].info.run_id, "train_loss")
    assert runs[0].data.metrics["final_test_loss"] == pytest.approx(written["test_loss"])
    assert [m.step for m in history] == [int(row.split("\t")[0]) for row in curve]
    assert [m.value for m in history] == pytest.approx([float(row.split("\t")[1]) for row in curve])


def test_artifacts_through_server(served_run):
    _, _, client, experiment, runs = served_run
    run_id = runs[0].info.run_id
    assert experiment.artifact_location.startswith("mlflow-artifacts:")
    assert [a.path for a in client.list_artifacts(run_id, "model")] == [f"model/{CELL}.pt"]
    assert {a.path for a in client.list_artifacts(run_id, "plots")} == {"plots/loss.tsv", "plots/sample.txt"}


def test_artifacts_byte_identical(served_run, tmp_path):
    repo, folder, client, _, runs = served_run
    run_id = runs[0].info.run_id
    downloaded = Path(client.download_artifacts(run_id, f"model/{CELL}.pt", str(tmp_path)))
    stored = list((folder / "artifacts").rglob(f"{CELL}.pt"))
    assert downloaded.read_bytes() == (repo / "models" / "textgen" / f"{CELL}.pt").read_bytes()
    assert len(stored) == 1
    assert stored[0].read_bytes() == downloaded.read_bytes()
