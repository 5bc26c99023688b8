"""MLflow wiring: one experiment per task, one run per stage instance, named after the variant.

The tracking URI comes from MLFLOW_TRACKING_URI; without it runs go to `mlflow.db` (SQLite) at
the root of the DVC workspace with artifacts under `mlartifacts/`, both ignored by git. Stages of
queued experiments run in temporary copies of the repository but log to the workspace's store.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

EXPERIMENT_PREFIX = "ganrnn-"
# MLflow's REST API accepts at most 1000 metrics in one log_batch call.
MAX_METRICS_PER_BATCH = 1000


def workspace_root(root: Path) -> Path:
    """Map `root` to the DVC workspace whose MLflow store and artifacts it should use.

    `dvc exp run --queue` and `dvc exp run --temp` run the stages in a copy of the repository at
    `<workspace>/.dvc/tmp/exps/...` that DVC deletes afterwards, and set DVC_ROOT to the workspace
    (checked with DVC 3.67). A root inside `<DVC_ROOT>/.dvc/tmp/exps` maps to DVC_ROOT; any other root,
    including one under a DVC_ROOT inherited from an unrelated outer run, is its own workspace.
    """
    root = root.resolve()
    dvc_root = os.environ.get("DVC_ROOT")
    if dvc_root:
        workspace = Path(dvc_root).resolve()
        if root.is_relative_to(workspace / ".dvc" / "tmp" / "exps"):
            return workspace
    return root


def tracking_uri(root: Path) -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{workspace_root(root) / 'mlflow.db'}"


def _sqlite_path(uri: str) -> Path | None:
    """Return the database file of a `sqlite:///` URI, or None for other stores and in-memory SQLite."""
    if not uri.startswith("sqlite:///"):
        return None
    path = uri.removeprefix("sqlite:///").split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


@contextmanager
def _store_lock(uri: str) -> Iterator[None]:
    """Hold an exclusive lock beside a SQLite store while it is created or first opened.

    MLflow's SQLite tracking store creates its tables on first open without a lock, so two stages
    that open a new store at once (queued experiments with `dvc queue start -j 2`) fail with
    "table ... already exists" or "duplicate column name". Under this lock the first process
    creates the tables and switches the file to WAL journaling, and the others then find both done.
    """
    path = _sqlite_path(uri)
    if path is None:
        yield
        return
    try:
        import fcntl
    except ImportError:  # NOTE: Windows has no fcntl, so concurrent first opens there are unguarded.
        yield
        return

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _enable_wal(path)
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _enable_wal(path: Path) -> None:
    """Switch a SQLite file to write-ahead logging, which persists in the file.

    With WAL, readers (the MLflow UI, another stage's lookups) never block the one writer and the
    writer never blocks them. Writers still take turns: MLflow sets `PRAGMA busy_timeout = 20000`
    on each session (mlflow/store/db/utils.py, read in MLflow 3.17), so a writer waits up to 20 s
    for the lock instead of failing with "database is locked". WAL needs shared memory, so it does
    not work for a store on a network file system (NFS); use an MLflow server there.
    """
    with closing(sqlite3.connect(path, timeout=60)) as connection:
        mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode != "wal":
        log.warning("%s stays in journal mode %s, not WAL; parallel stages may wait on each other", path, mode)


def git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


class Run:
    """A thin handle on an active MLflow run that logs in batches."""

    def __init__(self, client: Any, run_id: str) -> None:
        self.client = client
        self.run_id = run_id

    def log_series(self, series: Mapping[str, Sequence[tuple[int, float]]]) -> None:
        """Log (step, value) points of several metrics in as few requests as possible."""
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [
            Metric(key=name, value=float(value), timestamp=now, step=int(step))
            for name, points in series.items()
            for step, value in points
        ]
        for start in range(0, len(metrics), MAX_METRICS_PER_BATCH):
            self.client.log_batch(self.run_id, metrics=metrics[start : start + MAX_METRICS_PER_BATCH])

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        """Log single values at step 0; use names that no curve of `log_series` uses."""
        self.log_series({k: [(0, v)] for k, v in metrics.items()})

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        path = Path(path)
        if path.is_dir():
            self.client.log_artifacts(self.run_id, str(path), artifact_path)
        else:
            self.client.log_artifact(self.run_id, str(path), artifact_path)


def _experiment_id(client: Any, name: str, artifact_root: Path | None) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    location = (artifact_root / name).resolve().as_uri() if artifact_root else None
    try:
        return client.create_experiment(name, artifact_location=location)
    except Exception:  # another process may have created it in the meantime
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment.experiment_id


def _existing_run(client: Any, run_id: str | None, experiment_id: str) -> str | None:
    """`run_id` when that run exists in `experiment_id` of this store, else None."""
    if not run_id:
        return None
    try:
        run = client.get_run(run_id)
    except Exception:  # MLflow raises its own exception type for an unknown run id
        log.warning("MLflow run %s to resume is not in this store; opening a new run", run_id)
        return None
    return run_id if run.info.experiment_id == experiment_id else None


@contextmanager
def start_run(
    task: str,
    variant: str,
    stage: str,
    params: Mapping[str, Any],
    root: Path | None = None,
    resume_run_id: str | None = None,
) -> Iterator[Run]:
    """Open an MLflow run for `stage` of `task`, log flattened `params`, and end it on exit.

    The run ends as FAILED when the body raises, so a broken stage is visible in the UI. With
    `resume_run_id` of a run in the same store, a resumed stage continues that run instead of
    opening a second one.
    """
    from mlflow.entities import Param
    from mlflow.tracking import MlflowClient

    root = Path.cwd() if root is None else root
    uri = tracking_uri(root)
    artifact_root = None if os.environ.get("MLFLOW_TRACKING_URI") else workspace_root(root) / "mlartifacts"
    with _store_lock(uri):
        client = MlflowClient(tracking_uri=uri)
        experiment_id = _experiment_id(client, EXPERIMENT_PREFIX + task, artifact_root)

    tags = {"stage": stage, "variant": variant, "mlflow.runName": variant, "mlflow.source.type": "LOCAL"}
    commit = git_commit(root)
    if commit:
        tags["mlflow.source.git.commit"] = commit
    run_id = _existing_run(client, resume_run_id, experiment_id)
    if run_id is None:
        run_id = client.create_run(experiment_id, run_name=variant, tags=tags).info.run_id
    else:
        client.update_run(run_id, status="RUNNING")
    log.info("MLflow run %s (%s/%s) at %s", run_id, task, variant, uri)
    try:
        client.log_batch(run_id, params=[Param(k, str(v)) for k, v in sorted(params.items())])
        yield Run(client, run_id)
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
