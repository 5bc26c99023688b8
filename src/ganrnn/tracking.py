"""MLflow wiring: one experiment per task, one run per stage instance, named after the variant.

The tracking URI comes from MLFLOW_TRACKING_URI; without it runs go to `mlflow.db` (SQLite) at
the repository root with artifacts under `mlartifacts/`, both ignored by git.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

EXPERIMENT_PREFIX = "ganrnn-"
# MLflow's REST API accepts at most 1000 metrics in one log_batch call.
MAX_METRICS_PER_BATCH = 1000


def tracking_uri(root: Path) -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{(root / 'mlflow.db').resolve()}"


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


@contextmanager
def start_run(
    task: str, variant: str, stage: str, params: Mapping[str, Any], root: Path | None = None
) -> Iterator[Run]:
    """Open an MLflow run for `stage` of `task`, log flattened `params`, and end it on exit.

    The run ends as FAILED when the body raises, so a broken stage is visible in the UI.
    """
    from mlflow.entities import Param
    from mlflow.tracking import MlflowClient

    root = Path.cwd() if root is None else root
    uri = tracking_uri(root)
    client = MlflowClient(tracking_uri=uri)
    artifact_root = None if os.environ.get("MLFLOW_TRACKING_URI") else root / "mlartifacts"
    experiment_id = _experiment_id(client, EXPERIMENT_PREFIX + task, artifact_root)

    tags = {"stage": stage, "variant": variant, "mlflow.runName": variant, "mlflow.source.type": "LOCAL"}
    commit = git_commit(root)
    if commit:
        tags["mlflow.source.git.commit"] = commit
    run = client.create_run(experiment_id, run_name=variant, tags=tags)
    run_id = run.info.run_id
    log.info("MLflow run %s (%s/%s) at %s", run_id, task, variant, uri)
    try:
        client.log_batch(run_id, params=[Param(k, str(v)) for k, v in sorted(params.items())])
        yield Run(client, run_id)
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
