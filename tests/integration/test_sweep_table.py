"""Queue a `-S` grid and run two experiments in a tiny DVC repository, then tabulate them with sweep_table.py."""

import sys
import textwrap

import pytest

from helpers import ROOT, pipeline_env, run_command

pytestmark = pytest.mark.integration

# A stand-in for train_langid + evaluate_langid: accuracy grows with hidden_size and falls with lr.
SCORE = """\
import json, pathlib, yaml
langid = yaml.safe_load(open("params.yaml"))["langid"]
path = pathlib.Path("metrics/langid/lstm.json")
path.parent.mkdir(parents=True, exist_ok=True)
accuracy = langid["hidden_size"] / 1000 - langid["lr"]
path.write_text(json.dumps({"accuracy": accuracy, "kaggle_accuracy": accuracy / 2}))
"""

DVC_YAML = """\
stages:
  evaluate_langid:
    cmd: python score.py
    deps: [score.py]
    params: [langid]
    metrics:
      - metrics/langid/lstm.json:
          cache: false
"""


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """Build a repository with a committed result, two experiments run and a 2 x 2 grid queued. Return (repo, env)."""
    repo = tmp_path_factory.mktemp("sweep")
    env = pipeline_env()
    env.pop("DVC_ROOT", None)
    dvc = [sys.executable, "-m", "dvc"]
    (repo / "score.py").write_text(SCORE, encoding="utf-8")
    (repo / "dvc.yaml").write_text(DVC_YAML, encoding="utf-8")
    (repo / "params.yaml").write_text(
        textwrap.dedent("""\
            langid:
              cells: [lstm]
              hidden_size: 64
              lr: 0.003
              dropout: 0.2
        """),
        encoding="utf-8",
    )

    run_command(["git", "init", "-q", "-b", "main"], repo, env)
    run_command(dvc + ["init", "-q"], repo, env)
    run_command(dvc + ["repro"], repo, env)
    run_command(["git", "add", "-A"], repo, env)
    run_command(["git", "commit", "-qm", "baseline"], repo, env)

    run_command(dvc + ["exp", "run", "-n", "wide", "-S", "langid.hidden_size=300"], repo, env)
    run_command(dvc + ["exp", "run", "-n", "fast", "-S", "langid.lr=0.01"], repo, env)
    # Comma-separated values in one -S make a grid, which DVC accepts only with --queue.
    run_command(dvc + ["exp", "run", "--queue", "-n", "grid", "-S", "langid.hidden_size=100,200", "-S", "langid.dropout=0.0,0.5"], repo, env)
    return repo, env


def test_grid_queued(swept):
    repo, env = swept
    status = run_command([sys.executable, "-m", "dvc", "queue", "status"], repo, env).stdout
    assert sorted(line.split()[1] for line in status.splitlines() if "Queued" in line) == ["grid-1", "grid-2", "grid-3", "grid-4"]


def test_table_written(swept):
    repo, env = swept
    out = repo / "metrics" / "langid" / "sweep.md"
    result = run_command([sys.executable, str(ROOT / "pipeline" / "sweep_table.py"), "--cell", "lstm", "--out", str(out)], repo, env)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert result.stdout == out.read_text(encoding="utf-8")
    # langid.dropout changes only in the queued grid, which has no results yet, so it gets no column.
    assert lines[2] == "| experiment | langid.hidden_size | langid.lr | accuracy | Kaggle-style accuracy |"
    # `dvc exp run -S` edits the workspace's params.yaml, so `fast` keeps the hidden_size of `wide`.
    assert lines[4:7] == [
        "| wide | 300 | 0.003 | 0.2970 | 0.1485 |",
        "| fast | 300 | 0.01 | 0.2900 | 0.1450 |",
        "| main (commit) | 64 | 0.003 | 0.0610 | 0.0305 |",
    ]
    assert lines[-1] == "4 experiments without results (queued, running or failed) left out."


def test_table_outside_repo(tmp_path, swept):
    _, env = swept
    result = run_command([sys.executable, str(ROOT / "pipeline" / "sweep_table.py"), "--cell", "lstm"], tmp_path, env, check=False)
    assert result.returncode == 2
    assert "`dvc exp show --json` failed" in result.stderr
    assert not (tmp_path / "metrics").exists()
