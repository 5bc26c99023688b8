from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def raw_params() -> dict:
    """The repository's params.yaml as a plain dict, safe to modify."""
    return copy.deepcopy(yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8")))


@pytest.fixture
def params(raw_params):
    from ganrnn.config import Params, build

    return build(Params, raw_params, "")


def _write_fake_results(root: Path, params, accuracy: float = 0.9, test_loss: float = 1.9) -> None:
    """Write metrics/ and plots/ shaped like the pipeline's, with made-up numbers."""
    import torch

    from ganrnn.config import LANGUAGES
    from ganrnn.io import write_json, write_png, write_table, write_text
    from ganrnn.config import gan_variants

    metrics, plots = root / "metrics", root / "plots"
    for k, v in enumerate(gan_variants()):
        iterations = [1, 5, 10]
        write_json(metrics / "gan" / f"{v}.json", {
            "d_loss": 0.5 + k, "g_loss": 2.0, "final_diversity": 0.3 + 0.1 * k,
            "min_diversity": 0.1 + 0.2 * k, "min_diversity_iteration": 5,
        })  # fmt: skip
        write_table(plots / "gan" / v / "losses.tsv", ["iteration", "d_loss", "g_loss"],
                    [(i, 1.0 / i + k, 2.0) for i in range(1, 11)])  # fmt: skip
        write_table(plots / "gan" / v / "diversity.tsv", ["iteration", "diversity"],
                    [(i, 0.1 * i) for i in iterations])  # fmt: skip
        for i in iterations:
            write_png(plots / "gan" / v / "grids" / f"iter_{i:06d}.png", torch.full((3, 8, 8), 10 * i, dtype=torch.uint8))
    for c in ("rnn", "lstm", "gru"):
        write_json(metrics / "textgen" / f"{c}.json", {
            "train_loss": 1.8, "test_loss": test_loss, "train_bpc": 2.6, "test_bpc": 2.7, "parameters": 1000,
        })  # fmt: skip
        write_table(plots / "textgen" / c / "loss.tsv", ["step", "train_loss", "test_loss"], [(10, 3.0, 3.1), (20, 2.0, 2.1)])
        write_text(plots / "textgen" / c / "sample.txt", f"ROMEO:\nsample of {c}\n")
    for c in params.langid.cells:
        write_json(metrics / "langid" / f"{c}.json", {"accuracy": accuracy, "kaggle_accuracy": accuracy, "test_chunks": 40})
        rows = [(lang, lang if j % 2 == 0 else "english") for lang in LANGUAGES for j in range(2)]
        write_table(plots / "langid" / c / "confusion.csv", ["actual", "predicted"], rows)
        write_table(plots / "langid" / c / "accuracy_by_length.tsv", ["length", "accuracy", "chunks"],
                    [(n, 0.5 + n / 100, 3) for n in range(10, 51)])  # fmt: skip


@pytest.fixture
def fake_results(tmp_path, params):
    """A folder holding fake metrics/ and plots/, and a writer to overwrite them."""

    def write(**kwargs) -> Path:
        _write_fake_results(tmp_path, params, **kwargs)
        return tmp_path

    write()
    return write
