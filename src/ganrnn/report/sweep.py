"""Build the Markdown table of language-identification experiments from `dvc exp show --json`.

The JSON is a list with one entry per baseline (`workspace`, then each commit). A commit entry
lists its experiments under `experiments`, each a dict whose `revs` entries carry `name` and
`data` with `params` and `metrics` by file. For a file DVC could not read, the entry has `error`
in place of `data`. This shape was read from DVC 3.67.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PARAMS_FILE = "params.yaml"
SECTION = "langid"


@dataclass(frozen=True)
class SweepRow:
    name: str
    params: dict[str, Any]  # flattened langid params, keys like "langid.hidden_size"
    accuracy: float
    kaggle_accuracy: float | None
    baseline: bool


def flatten(values: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Flatten nested dicts into dotted keys under `prefix`, as `dvc exp run -S` names them."""
    flat = {}
    for key, value in values.items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, name))
        else:
            flat[name] = value
    return flat


def _file_data(data: Mapping[str, Any], kind: str, path: str) -> dict[str, Any] | None:
    """Return the parsed contents of `path` under `data[kind]`, or None when it is absent or unreadable."""
    entry = (data.get(kind) or {}).get(path)
    if not entry or "data" not in entry:
        return None
    return entry["data"]


def _langid_params(data: Mapping[str, Any]) -> dict[str, Any]:
    params = _file_data(data, "params", PARAMS_FILE) or {}
    return flatten(params.get(SECTION) or {}, SECTION)


def _row(entry: Mapping[str, Any], metrics_path: str, baseline: bool) -> SweepRow | None:
    """Build the row of one `dvc exp show` entry, or return None when it has no accuracy (queued, running or failed)."""
    data = entry.get("data") or {}
    metrics = _file_data(data, "metrics", metrics_path)
    if metrics is None or metrics.get("accuracy") is None:
        return None
    kaggle = metrics.get("kaggle_accuracy")
    return SweepRow(
        name=entry.get("name") or str(entry.get("rev", ""))[:7],
        params=_langid_params(data),
        accuracy=float(metrics["accuracy"]),
        kaggle_accuracy=None if kaggle is None else float(kaggle),
        baseline=baseline,
    )


def collect_rows(exp_show: Sequence[Mapping[str, Any]], cell: str) -> tuple[list[SweepRow], list[str], int]:
    """Read every commit and experiment with results for `cell`.

    Return the rows sorted by accuracy (highest first), the langid params that differ between
    an experiment and its commit, and the number of experiments left out for lack of results.
    The `workspace` entry is skipped because it repeats the last experiment applied to it.
    """
    metrics_path = f"metrics/langid/{cell}.json"
    rows: list[SweepRow] = []
    changed: set[str] = set()
    left_out = 0
    for commit in exp_show:
        if commit.get("rev") == "workspace":
            continue
        base = _row(commit, metrics_path, baseline=True)
        if base is not None:
            rows.append(base)
        base_params = _langid_params(commit.get("data") or {})

        for experiment in commit.get("experiments") or []:
            for rev in experiment.get("revs") or []:
                row = _row(rev, metrics_path, baseline=False)
                if row is None:
                    left_out += 1
                    continue
                rows.append(row)
                keys = base_params.keys() | row.params.keys()
                changed.update(k for k in keys if base_params.get(k) != row.params.get(k))

    rows.sort(key=lambda r: (-r.accuracy, r.name))
    return rows, sorted(changed), left_out


def _show(value: Any) -> str:
    """Format a param value as YAML writes it, with `|` escaped for Markdown tables."""
    if value is None:
        text = "-"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, list):
        text = "[" + ", ".join(_show(v) for v in value) + "]"
    else:
        text = str(value)
    return text.replace("|", "\\|")


def sweep_table(exp_show: Sequence[Mapping[str, Any]], cell: str) -> str:
    """Write the sweep as Markdown: one sentence, a table sorted by accuracy, and a count of rows left out."""
    rows, changed, left_out = collect_rows(exp_show, cell)
    if not rows:
        raise ValueError(
            f"no commit or experiment in `dvc exp show --json` has metrics/langid/{cell}.json with an "
            f"accuracy. Run the sweep (dvc queue start) and wait for it to finish, or pick another --cell."
        )

    header = ["experiment", *changed, "accuracy", "Kaggle-style accuracy"]
    lines = [
        f"Language-identification experiments from `dvc exp show`, sorted by the test accuracy of "
        f"the {cell} model (`metrics/langid/{cell}.json`). Columns show the `{SECTION}` params that "
        f"differ between an experiment and its commit.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in rows:
        name = f"{row.name} (commit)" if row.baseline else row.name
        kaggle = "-" if row.kaggle_accuracy is None else f"{row.kaggle_accuracy:.4f}"
        cells = [_show(name), *(_show(row.params.get(k)) for k in changed), f"{row.accuracy:.4f}", kaggle]
        lines.append("| " + " | ".join(cells) + " |")
    if left_out:
        noun = "experiment" if left_out == 1 else "experiments"
        lines += ["", f"{left_out} {noun} without results (queued, running or failed) left out."]
    return "\n".join(lines) + "\n"
