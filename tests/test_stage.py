"""A stage killed with SIGTERM ends its MLflow run as FAILED and keeps its previous outputs."""

import os
import signal
import subprocess
import sys

from mlflow.tracking import MlflowClient

from ganrnn.tracking import tracking_uri

# Open an MLflow run and a staging folder for `out`, report the run id, then wait to be killed.
_STAGE = """
import sys, time
from pathlib import Path
from ganrnn import stage
from ganrnn.io import replace_dir
from ganrnn.tracking import start_run

def main():
    root = Path(sys.argv[1])
    with start_run("textgen", "gru", "train_textgen@gru", {}, root=root) as run:
        with replace_dir(root / "out") as staging:
            (staging / "partial.txt").write_text("half of it", encoding="utf-8")
            print(run.run_id, flush=True)
            time.sleep(120)

stage.run(main)
"""


def test_sigterm_marks_run_failed(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.txt").write_text("previous output", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "DVC_ROOT")}
    env["OMP_NUM_THREADS"] = "1"
    process = subprocess.Popen([sys.executable, "-c", _STAGE, str(tmp_path)], env=env, stdout=subprocess.PIPE, text=True)
    run_id = process.stdout.readline().strip()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)

    assert process.returncode == 128 + signal.SIGTERM
    assert MlflowClient(tracking_uri=tracking_uri(tmp_path)).get_run(run_id).info.status == "FAILED"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["old.txt"]
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]
