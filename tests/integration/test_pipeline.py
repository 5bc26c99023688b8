"""Run the real DVC pipeline at smoke scale in a fresh git + DVC repository, twice."""

import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from helpers import make_repository, run_command as _run

pytestmark = pytest.mark.integration


def _lock_hashes(repo: Path) -> dict[str, str]:
    import yaml

    lock = yaml.safe_load((repo / "dvc.lock").read_text(encoding="utf-8"))
    return {
        f"{stage}:{out['path']}": out["md5"]
        for stage, entry in lock["stages"].items()
        for section in ("outs",)
        for out in entry.get(section, [])
    }


def _tree_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def smoke_repo(tmp_path_factory):
    repo = tmp_path_factory.mktemp("pipeline") / "repo"
    repo.mkdir()
    env = make_repository(repo)

    overrides = (repo / "configs" / "smoke.overrides").read_text(encoding="utf-8").split()
    dvc = [sys.executable, "-m", "dvc"]
    _run(dvc + ["exp", "run"] + [arg for o in overrides for arg in ("-S", o)], repo, env)
    first = {"reports": _tree_bytes(repo / "reports"), "lock": _lock_hashes(repo)}
    return repo, env, first


def test_outputs_written(smoke_repo):
    repo, _, _ = smoke_repo
    assert (repo / "reports" / "report.md").stat().st_size > 1000
    assert (repo / "reports" / "figures" / "gan_losses.png").exists()
    assert (repo / "plots" / "gan" / "faces" / "ls-true" / "eval" / "duplicates.png").exists()
    assert (repo / "plots" / "gan" / "digits" / "bce-false" / "train" / "sigma.tsv").exists()
    assert (repo / "submissions" / "lstm.csv").read_text().startswith("id,category\n1,")
    assert len((repo / "submissions" / "lstm.csv").read_text().splitlines()) == 201


def test_thresholds_pass(smoke_repo):
    repo, env, _ = smoke_repo
    result = _run([sys.executable, "pipeline/check_thresholds.py"], repo, env)
    assert "FAIL" not in result.stdout


def test_one_mlflow_run_per_stage(smoke_repo):
    repo, _, _ = smoke_repo
    client = MlflowClient(tracking_uri=f"sqlite:///{repo / 'mlflow.db'}")
    counts = {}
    for task in ("gan", "textgen", "langid"):
        experiment = client.get_experiment_by_name(f"ganrnn-{task}")
        runs = client.search_runs([experiment.experiment_id])
        counts[task] = sorted(r.info.run_name for r in runs)
        assert all(r.info.status == "FINISHED" for r in runs)
    variants = [f"{d}-{v}" for d in ("faces", "digits") for v in ("bce-true", "bce-false", "ls-true", "ls-false")]
    assert counts["gan"] == sorted(variants + [f"{v}-eval" for v in variants] + ["extractor-digits", "extractor-faces"])
    assert counts["textgen"] == ["gru", "lstm", "rnn"]
    assert counts["langid"] == ["baseline", "lstm", "lstm-eval"]


def test_status_clean(smoke_repo):
    repo, env, _ = smoke_repo
    result = _run([sys.executable, "-m", "dvc", "status"], repo, env)
    assert "up to date" in result.stdout


def test_forced_rerun_identical(smoke_repo):
    repo, env, first = smoke_repo
    _run([sys.executable, "-m", "dvc", "repro", "-f"], repo, env)
    assert _lock_hashes(repo) == first["lock"]
    assert _tree_bytes(repo / "reports") == first["reports"]


def test_invalid_params_keep_outputs(smoke_repo):
    import yaml

    repo, env, first = smoke_repo
    path = repo / "params.yaml"
    original = path.read_text(encoding="utf-8")
    params = yaml.safe_load(original)
    params["gan"]["noise_dim"] = -3
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    try:
        result = _run([sys.executable, "-m", "dvc", "repro"], repo, env, check=False)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode != 0
    assert "gan.noise_dim=-3 is out of range: it must be at least 1" in result.stderr
    assert _tree_bytes(repo / "reports") == first["reports"]
    assert (repo / "models" / "gan" / "faces" / "bce-true.pt").is_file()
    assert (repo / "metrics" / "gan" / "faces" / "bce-true" / "eval.json").is_file()


def test_more_gan_losses(smoke_repo):
    import yaml

    repo, env, _ = smoke_repo
    path = repo / "params.yaml"
    original = path.read_text(encoding="utf-8")
    params = yaml.safe_load(original)
    params["gan_losses"] = ["bce", "ls", "hinge", "wgan-gp"]
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    try:
        _run([sys.executable, "-m", "dvc", "repro"], repo, env)
    finally:
        path.write_text(original, encoding="utf-8")
    text = (repo / "reports" / "report.md").read_text(encoding="utf-8")
    assert "| WGAN-GP, without SN |" in text
    assert "| hinge GAN, with SN |" in text
    assert (repo / "metrics" / "gan" / "digits" / "wgan-gp-true" / "eval.json").is_file()
