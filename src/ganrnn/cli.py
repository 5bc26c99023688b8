"""The `ganrnn` command: validate params, sample text, name the language of chunks."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from ganrnn.config import LANGUAGES, ConfigError, load_params
from ganrnn.data.languages import romanize


def _validate(args: argparse.Namespace) -> None:
    load_params(args.params)
    print(f"{args.params}: valid")


def _generate(args: argparse.Namespace) -> None:
    from ganrnn.io import load_torch
    from ganrnn.text.encoding import Vocabulary
    from ganrnn.text.generation import sample
    from ganrnn.text.model import CharRNN

    checkpoint = load_torch(args.checkpoint)
    if not isinstance(checkpoint, dict) or not {"model_kwargs", "state_dict", "vocab"} <= set(checkpoint):
        raise ValueError(f"{args.checkpoint} is not a train_textgen checkpoint; use models/textgen/<cell>.pt")
    try:
        model = CharRNN(**checkpoint["model_kwargs"])
        model.load_state_dict(checkpoint["state_dict"])
    except (TypeError, RuntimeError) as err:
        raise ValueError(
            f"{args.checkpoint} does not fit the CharRNN of this ganrnn version ({str(err).splitlines()[0]}); "
            f"retrain it with dvc repro"
        ) from None
    vocab = Vocabulary(checkpoint["vocab"])
    print(sample(model, vocab, args.prime, args.length, args.temperature, args.seed, args.top_k))


def _classify(args: argparse.Namespace) -> None:
    from ganrnn.text.langid import load_model, predict_proba

    if not args.text.strip():
        raise ValueError("the input text is empty; give a text chunk, e.g. ganrnn classify \"Kaikki ihmiset\"")
    text = romanize(args.text)
    if not any(c.isalpha() for c in text):
        raise ValueError(f"input {args.text!r} has no letters after romanization; give a text chunk")
    probs = predict_proba(load_model(args.checkpoint), [text])[0]
    top = probs.topk(min(args.top, len(LANGUAGES)))
    for p, i in zip(top.values.tolist(), top.indices.tolist(), strict=True):
        print(f"{LANGUAGES[i]}\t{p:.4f}")


def _submit(args: argparse.Namespace) -> None:
    from ganrnn.data.languages import read_lines
    from ganrnn.io import write_table
    from ganrnn.text.langid import load_model, predict

    if not args.input.is_file():
        raise FileNotFoundError(f"input file {args.input} not found; give a file with one text chunk a line")
    # A line left empty by romanization becomes one space, so every line still gets a row.
    chunks = [romanize(line, strip=False) or " " for line in read_lines(args.input)]
    if not chunks:
        raise ValueError(f"input file {args.input} is empty; give a file with one text chunk a line")
    predicted = predict(load_model(args.checkpoint), chunks)
    write_table(args.output, ["id", "category"], [(i + 1, p) for i, p in enumerate(predicted)])
    print(f"wrote {len(predicted)} predictions to {args.output}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganrnn", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check params.yaml against the schema")
    p.add_argument("params", type=Path, nargs="?", default=Path("params.yaml"))
    p.set_defaults(func=_validate)

    p = sub.add_parser("generate", help="sample text from a train_textgen checkpoint")
    p.add_argument("--checkpoint", type=Path, required=True, help="e.g. models/textgen/gru.pt")
    p.add_argument("--prime", default="ROMEO:", help="text the sample starts from")
    p.add_argument("--length", type=int, default=1000, help="characters to generate after the prime")
    p.add_argument("--temperature", type=float, default=0.8, help="softmax temperature (>= 0; 0 = greedy argmax)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random draws")
    p.add_argument("--top-k", type=int, default=0, help="draw from the K most likely characters only; 0 = from all")
    p.set_defaults(func=_generate)

    p = sub.add_parser("classify", help="print the most likely languages of a text chunk")
    p.add_argument("text")
    p.add_argument("--checkpoint", type=Path, default=Path("models/langid/lstm.pt"))
    p.add_argument("--top", type=int, default=5, help="languages to print")
    p.set_defaults(func=_classify)

    p = sub.add_parser("submit", help="write a Kaggle-format submission (id,category) for a chunk file")
    p.add_argument("--checkpoint", type=Path, default=Path("models/langid/lstm.pt"))
    p.add_argument("--input", type=Path, required=True, help="one text chunk a line")
    p.add_argument("--output", type=Path, default=Path("submission.csv"), help="CSV file to write")
    p.set_defaults(func=_submit)
    return parser


def _check_args(args: argparse.Namespace) -> None:
    temperature = getattr(args, "temperature", 1.0)
    if not (math.isfinite(temperature) and temperature >= 0):
        raise ValueError(f"--temperature={temperature} is invalid; use a finite value >= 0 (0 = greedy)")
    if getattr(args, "top_k", 0) < 0:
        raise ValueError(f"--top-k={args.top_k} is invalid; use 0 (all characters) or a positive count")
    if getattr(args, "length", 1) < 1:
        raise ValueError(f"--length={args.length} is invalid; use at least 1 character")
    if getattr(args, "top", 1) < 1:
        raise ValueError(f"--top={args.top} is invalid; use at least 1")
    checkpoint = getattr(args, "checkpoint", None)
    if checkpoint is not None and not checkpoint.is_file():
        raise FileNotFoundError(
            f"checkpoint {checkpoint} not found; run `dvc repro` to train it, or pass --checkpoint"
        )


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        _check_args(args)
        args.func(args)
    except (ConfigError, ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
