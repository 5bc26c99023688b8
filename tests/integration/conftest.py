from pathlib import Path

import pytest

from helpers import copy_repository, pipeline_env, run_command


@pytest.fixture
def make_repo(tmp_path):
    """Create a committed git + DVC copy of the repository and return (path, env)."""

    def make(name: str = "repo") -> tuple[Path, dict]:
        repo = tmp_path / name
        repo.mkdir()
        copy_repository(repo)
        env = pipeline_env()
        run_command(["git", "init", "-q"], repo, env)
        run_command(["git", "add", "-A"], repo, env)
        run_command(["git", "commit", "-qm", "copy"], repo, env)
        return repo, env

    return make
