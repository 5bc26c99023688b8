"""Static checks over the project's own Python code for loads that could run untrusted code.

A checkpoint, a prepared tensor or a downloaded file may come from someone else. So every
`torch.load` passes `weights_only=True`, and nothing unpickles (pickle, dill, joblib, shelve,
marshal, or `np.load(allow_pickle=True)`). YAML is read with a safe loader, and no subprocess goes
through a shell.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from helpers import ROOT

FOLDERS = ("src", "pipeline", "benchmarks")
FILES = sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py"))
UNPICKLING_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}


def _dotted(node: ast.AST) -> str:
    """Return `torch.load` for the expression torch.load, or "" for anything but a dotted name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _calls(path: Path) -> list[tuple[int, str, ast.Call]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [(node.lineno, _dotted(node.func), node) for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}" if path.is_relative_to(ROOT) else f"{path.name}:{line}"


def torch_load_violations(path: Path) -> list[str]:
    return [
        f"{_where(path, line)}: torch.load without weights_only=True"
        for line, name, call in _calls(path)
        if name == "torch.load" and not _is_true(_keyword(call, "weights_only"))
    ]


def unpickling_violations(path: Path) -> list[str]:
    found = []
    for line, name, call in _calls(path):
        module, _, function = name.rpartition(".")
        if module in UNPICKLING_MODULES and function in {"load", "loads", "Unpickler", "open"}:
            found.append(f"{_where(path, line)}: {name} can run code stored in the file")
        if name in {"np.load", "numpy.load"} and _is_true(_keyword(call, "allow_pickle")):
            found.append(f"{_where(path, line)}: {name} with allow_pickle=True")
    return found


def yaml_violations(path: Path) -> list[str]:
    found = []
    for line, name, call in _calls(path):
        if name in {"yaml.load", "yaml.load_all"}:
            loader = _keyword(call, "Loader") or (call.args[1] if len(call.args) > 1 else None)
            if not (loader is not None and _dotted(loader).endswith(("SafeLoader", "CSafeLoader"))):
                found.append(f"{_where(path, line)}: {name} without a safe Loader")
        if name in {"yaml.unsafe_load", "yaml.full_load"}:
            found.append(f"{_where(path, line)}: {name} can build arbitrary Python objects")
    return found


def shell_violations(path: Path) -> list[str]:
    found = []
    for line, name, call in _calls(path):
        if _is_true(_keyword(call, "shell")):
            found.append(f"{_where(path, line)}: {name} with shell=True")
        if name in {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"}:
            found.append(f"{_where(path, line)}: {name} runs a shell")
    return found


RULES = [torch_load_violations, unpickling_violations, yaml_violations, shell_violations]


def test_files_found():
    assert len(FILES) > 20
    assert ROOT / "src" / "ganrnn" / "io.py" in FILES


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_project_code_safe(rule):
    assert [v for path in FILES for v in rule(path)] == []


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_rule_catches_unsafe_call(rule, tmp_path):
    sample = tmp_path / "unsafe.py"
    sample.write_text(
        "import os, pickle, subprocess, numpy as np, torch, yaml\n"
        "torch.load('m.pt')\n"
        "torch.load('m.pt', weights_only=False)\n"
        "pickle.loads(b'')\n"
        "np.load('a.npy', allow_pickle=True)\n"
        "yaml.load('a: 1', Loader=yaml.Loader)\n"
        "yaml.load('a: 1')\n"
        "subprocess.run('ls', shell=True)\n"
        "os.system('ls')\n",
        encoding="utf-8",
    )
    assert len(rule(sample)) == 2
