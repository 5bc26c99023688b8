"""Python bytecode next to the sources must not change the hash of a folder dependency."""

import shutil

from helpers import ROOT, pipeline_env, run_command


def test_bytecode_keeps_stage_current(tmp_path):
    env = pipeline_env()
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "module.py").write_text("VALUE = 1\n", encoding="utf-8")
    (repo / "dvc.yaml").write_text(
        "stages:\n  copy:\n    cmd: python -c \"import shutil; shutil.copy('pkg/module.py', 'out.txt')\"\n"
        "    deps: [pkg]\n    outs: [out.txt]\n",
        encoding="utf-8",
    )
    run_command(["git", "init", "-q"], repo, env)
    run_command(["dvc", "init", "-q"], repo, env)
    shutil.copy(ROOT / ".dvcignore", repo / ".dvcignore")
    run_command(["dvc", "repro", "-q"], repo, env)

    cache = repo / "pkg" / "__pycache__"
    cache.mkdir()
    (cache / "module.cpython-311.pyc").write_bytes(b"\x00bytecode")
    (repo / "pkg" / "stray.pyc").write_bytes(b"\x00bytecode")
    status = run_command(["dvc", "status"], repo, env)
    assert "Data and pipelines are up to date." in status.stdout, status.stdout

    # A real source change is still noticed.
    (repo / "pkg" / "module.py").write_text("VALUE = 2\n", encoding="utf-8")
    status = run_command(["dvc", "status"], repo, env)
    assert "modified:" in status.stdout, status.stdout
    assert "pkg" in status.stdout, status.stdout
