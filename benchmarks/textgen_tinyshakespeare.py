"""Train a character model on tinyshakespeare and compare its test loss with the reference GRU.

Usage: python benchmarks/textgen_tinyshakespeare.py --text PATH/input.txt [--cell gru]
       [--overrides configs/tinyshakespeare.overrides] [--threads N]

The script applies the overrides file to params.yaml and points data.shakespeare.path at --text.
It then runs the product's own code in a temporary folder: the local source's fetch, `prepare`,
`build_model` and `train_textgen`. So the test split is the final data.shakespeare.test_fraction
of the text, as in the pipeline. It prints the test loss in nats per character next to the
reference GRU's 1.825 (hidden 100, one layer, from the original assignment write-up), and the
wall time. Nothing is written to the repository and nothing is logged to MLflow.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import torch
import yaml

from ganrnn.config import load_params
from ganrnn.data import shakespeare
from ganrnn.runtime import seed_everything, select_device, setup_logging
from ganrnn.text.generation import bits_per_char, build_model, full_loss, sample, train_textgen
from ganrnn.text.model import count_parameters
from repro_time import apply_overrides

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_TEST_LOSS = 1.825  # nats/char, GRU, hidden 100, one layer, LR 1e-4
TARGET_SECONDS = 600

log = logging.getLogger("textgen_tinyshakespeare")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--text", type=Path, required=True, help="tinyshakespeare's input.txt")
    parser.add_argument("--cell", choices=("rnn", "lstm", "gru"), default="gru")
    parser.add_argument("--params", type=Path, default=ROOT / "params.yaml")
    parser.add_argument("--overrides", type=Path, default=ROOT / "configs" / "tinyshakespeare.overrides")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice, one per core)")
    args = parser.parse_args()
    setup_logging()
    if args.threads:
        torch.set_num_threads(args.threads)
    started = time.perf_counter()
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(args.params, work / "params.yaml")
        apply_overrides(work / "params.yaml", args.overrides.resolve())
        raw = yaml.safe_load((work / "params.yaml").read_text(encoding="utf-8"))
        original = yaml.safe_load(args.params.read_text(encoding="utf-8"))
        if raw["data"]["shakespeare"]["test_fraction"] != original["data"]["shakespeare"]["test_fraction"]:
            raise SystemExit(
                f"{args.overrides} changes data.shakespeare.test_fraction; remove that line, because the "
                f"benchmark measures on the pipeline's test split"
            )
        raw["data"]["shakespeare"]["path"] = str(args.text.resolve())
        (work / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        params = load_params(work / "params.yaml")

        for folder in ("raw", "download", "prepared"):
            (work / folder).mkdir()
        shakespeare.fetch_local(params.data.shakespeare, work / "raw", work / "download")
        summary = shakespeare.prepare(params.data.shakespeare, work / "raw", work / "prepared")
        vocab, train, test = shakespeare.load_prepared(work / "prepared")
    log.info("prepared %s", summary)

    cfg = params.textgen
    rng = seed_everything(params.seed)
    device = select_device(params.device)
    model, kwargs = build_model(cfg, args.cell, len(vocab))
    model.to(device)
    train_started = time.perf_counter()
    history = train_textgen(model, train, test, cfg, rng, eval_seed=params.seed + 1)
    train_seconds = time.perf_counter() - train_started
    # The whole test split once, in windows of chunk_len that each start from a zero hidden state.
    test_loss = full_loss(model, test, cfg.chunk_len, cfg.batch_size)
    total_seconds = time.perf_counter() - started
    text = sample(model, vocab, cfg.sample_prime, 300, cfg.sample_temperature, params.seed, cfg.sample_top_k)

    _, curve_train, curve_test = history.curve[-1]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} on {device}, "
          f"{torch.get_num_threads()} threads, Python {platform.python_version()}")  # fmt: skip
    print(f"load average (1, 5, 15 min): before {load_before}, after {os.getloadavg()}")
    print(f"data: {args.text} ({summary['train']} train / {summary['test']} test characters, "
          f"test_fraction {params.data.shakespeare.test_fraction}, vocabulary {summary['vocab']})")  # fmt: skip
    print(f"model: {args.cell}, hidden {kwargs['hidden_size']}, {cfg.num_layers} layers, "
          f"{count_parameters(model)} parameters; overrides: {args.overrides}")  # fmt: skip
    print()
    print("| measure | value |\n|---|---|")
    print(f"| test loss, whole test split (nats/char) | {test_loss:.4f} |")
    print(f"| test loss, pipeline estimate of {cfg.eval_batches} random batches (nats/char) | {curve_test:.4f} |")
    print(f"| train loss, pipeline estimate (nats/char) | {curve_train:.4f} |")
    print(f"| test bits/char, whole test split | {bits_per_char(test_loss):.4f} |")
    print(f"| reference GRU test loss (nats/char) | {REFERENCE_TEST_LOSS} |")
    print(f"| training wall time (s) | {train_seconds:.1f} |")
    print(f"| total wall time, with preparation and evaluation (s) | {total_seconds:.1f} |")
    met = test_loss < REFERENCE_TEST_LOSS and total_seconds < TARGET_SECONDS
    print(f"\ntarget (test loss < {REFERENCE_TEST_LOSS} within {TARGET_SECONDS} s): {'met' if met else 'not met'}")
    print(f"\nsample (prime {cfg.sample_prime!r}, temperature {cfg.sample_temperature}):\n{text}")


if __name__ == "__main__":
    main()
