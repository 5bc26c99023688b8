"""Readers of the metrics and plot files the report is built from, with the stage to run when one is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} not found; run the stage that writes it (dvc repro)") from None


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (.csv) or tab-separated table."""
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; run the stage that writes it (dvc repro)")
    return pd.read_csv(path, sep="," if path.suffix == ".csv" else "\t")
