"""Queue three experiments, run them two at a time, and find every MLflow run in the workspace."""

import sys
import time

import pytest
from mlflow.tracking import MlflowClient

from helpers import make_repository, run_command

pytestmark = pytest.mark.integration

SEEDS = (1, 2, 3)
# One cheap chain keeps the test to minutes: validate_params, download@shakespeare,
# prepare@shakespeare and train_textgen@lstm.
TARGET = "train_textgen@lstm"


def _wait_for_queue(repo, env, timeout: float) -> str:
    """Poll `dvc queue status` until no task is queued or running; return its last output."""
    dvc = [sys.executable, "-m", "dvc"]
    deadline = time.monotonic() + timeout
    while True:
        status = run_command(dvc + ["queue", "status"], repo, env).stdout
        tasks = [line for line in status.splitlines()[1:] if line.strip() and not line.startswith("Worker")]
        if tasks and not any(word in line for line in tasks for word in ("Queued", "Running")):
            return status
        assert time.monotonic() < deadline, f"queue still busy after {timeout:.0f} s:\n{status}"
        time.sleep(5)


@pytest.fixture(scope="module")
def queued_repo(tmp_path_factory):
    repo = tmp_path_factory.mktemp("queue") / "repo"
    repo.mkdir()
    env = make_repository(repo)
    env.pop("DVC_ROOT", None)
    env["OMP_NUM_THREADS"] = "1"

    dvc = [sys.executable, "-m", "dvc"]
    overrides = (repo / "configs" / "smoke.overrides").read_text(encoding="utf-8").split()
    for seed in SEEDS:
        sets = [arg for o in [*overrides, f"seed={seed}"] for arg in ("-S", o)]
        run_command(dvc + ["exp", "run", "--queue", "-n", f"seed-{seed}", *sets, TARGET], repo, env)
    run_command(dvc + ["queue", "start", "-j", "2"], repo, env)
    try:
        status = _wait_for_queue(repo, env, timeout=1200)
    finally:
        run_command(dvc + ["queue", "stop", "--kill"], repo, env, check=False)
    logs = {seed: run_command(dvc + ["queue", "logs", f"seed-{seed}"], repo, env, check=False) for seed in SEEDS}
    return repo, status, logs


def test_all_experiments_succeed(queued_repo):
    _, status, logs = queued_repo
    for seed in SEEDS:
        line = next((row for row in status.splitlines() if f"seed-{seed}" in row), "")
        assert "Success" in line, f"seed-{seed}: {line!r}\n{logs[seed].stdout[-3000:]}"


def test_no_locked_database(queued_repo):
    _, _, logs = queued_repo
    for seed in SEEDS:
        assert "database is locked" not in logs[seed].stdout + logs[seed].stderr


def test_runs_in_workspace_store(queued_repo):
    repo, _, _ = queued_repo
    client = MlflowClient(tracking_uri=f"sqlite:///{repo / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("ganrnn-textgen")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    assert sorted(r.data.params["seed"] for r in runs) == [str(s) for s in SEEDS]
    assert {r.info.run_name for r in runs} == {"lstm"}
    assert {r.info.status for r in runs} == {"FINISHED"}
    assert all("final_test_loss" in r.data.metrics for r in runs)


def test_artifacts_in_workspace(queued_repo):
    repo, _, _ = queued_repo
    samples = list((repo / "mlartifacts").rglob("sample.txt"))
    assert len(samples) == len(SEEDS)
    assert not list((repo / ".dvc" / "tmp" / "exps").rglob("mlflow.db"))
