from pathlib import Path

import pytest

from helpers import make_repository


@pytest.fixture
def make_repo(tmp_path):
    """Create a committed git + DVC copy of the repository and return (path, env)."""

    def make(name: str = "repo") -> tuple[Path, dict]:
        repo = tmp_path / name
        repo.mkdir()
        return repo, make_repository(repo)

    return make
