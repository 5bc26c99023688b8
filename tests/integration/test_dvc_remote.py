"""Push smoke-scale outputs to a local DVC remote, pull them into a fresh clone, and find nothing to rerun."""

import sys

import pytest

from helpers import make_repository, run_command

pytestmark = pytest.mark.integration

# The cheapest chain with a trained model: validate_params, download@shakespeare,
# prepare@shakespeare and train_textgen@rnn.
TARGET = "train_textgen@rnn"
CACHED_OUTPUTS = ("data/params_valid.txt", "data/raw/shakespeare", "data/prepared/shakespeare", "models/textgen/rnn.pt")


def _files(root, rel: str) -> dict[str, bytes]:
    """Map each file of the output `rel` (a file or a folder) to its bytes."""
    path = root / rel
    if path.is_file():
        return {rel: path.read_bytes()}
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def pulled(tmp_path_factory):
    """Run TARGET at smoke scale, commit, push to a local remote, then clone and pull. Return (origin, clone, env)."""
    base = tmp_path_factory.mktemp("dvc_remote")
    origin, clone, remote = base / "origin", base / "clone", base / "remote"
    origin.mkdir()
    remote.mkdir()
    env = make_repository(origin)
    env.pop("DVC_ROOT", None)
    env["OMP_NUM_THREADS"] = "1"
    dvc = [sys.executable, "-m", "dvc"]

    run_command(dvc + ["remote", "add", "-d", "store", str(remote)], origin, env)
    overrides = (origin / "configs" / "smoke.overrides").read_text(encoding="utf-8").split()
    run_command(dvc + ["exp", "run", *[arg for o in overrides for arg in ("-S", o)], TARGET], origin, env)
    run_command(["git", "add", "-A"], origin, env)
    run_command(["git", "commit", "-qm", "smoke run with a DVC remote"], origin, env)
    run_command(dvc + ["push"], origin, env)

    run_command(["git", "clone", "-q", str(origin), str(clone)], base, env)
    # Without --with-deps, `dvc pull TARGET` fetches the outputs of TARGET only, not of its upstream stages.
    run_command(dvc + ["pull", "--with-deps", TARGET], clone, env)
    return origin, clone, env


def test_remote_committed(pulled):
    _, clone, _ = pulled
    config = (clone / ".dvc" / "config").read_text(encoding="utf-8")
    assert "remote = store" in config
    assert "['remote \"store\"']" in config


def test_status_clean(pulled):
    _, clone, env = pulled
    result = run_command([sys.executable, "-m", "dvc", "status", TARGET], clone, env)
    assert "up to date" in result.stdout


def test_repro_runs_nothing(pulled):
    _, clone, env = pulled
    result = run_command([sys.executable, "-m", "dvc", "repro", TARGET], clone, env)
    assert "Running stage" not in result.stdout
    assert f"Stage '{TARGET}' didn't change, skipping" in result.stdout


@pytest.mark.parametrize("rel", CACHED_OUTPUTS)
def test_outputs_identical(pulled, rel):
    origin, clone, _ = pulled
    original = _files(origin, rel)
    assert original, f"{rel} missing in the origin repository"
    assert _files(clone, rel) == original
