"""Language-identification text: CLDR display strings from `babel` or the Bible translations,
romanized and cut into chunks.

NOTE: the packaged texts are lists of names (countries, languages, currencies, months, units),
not prose. They stand in for the 20 Bible translations of the original assignment offline.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from unidecode import unidecode

from ganrnn.config import LANGUAGES, LanguagesData
from ganrnn.data import bibles
from ganrnn.data.sources import require_package
from ganrnn.io import save_torch, write_table, write_text
from ganrnn.text.encoding import Vocabulary

# CLDR locale of each language; Norwegian uses Bokmål, the written standard of most texts.
LOCALES = {
    "albanian": "sq", "czech": "cs", "danish": "da", "english": "en", "esperanto": "eo",
    "finnish": "fi", "french": "fr", "german": "de", "hungarian": "hu", "italian": "it",
    "lithuanian": "lt", "maori": "mi", "norwegian": "nb", "portuguese": "pt", "romanian": "ro",
    "spanish": "es", "swedish": "sv", "turkish": "tr", "vietnamese": "vi", "xhosa": "xh",
}  # fmt: skip
assert tuple(LOCALES) == LANGUAGES

_ALLOWED = set(string.printable)
_WHITESPACE = re.compile(r"\s+")


def _display_strings(locale) -> dict[str, str]:
    """Map 'kind/key' to every display string a babel Locale offers."""
    table: dict[str, str] = {}

    def add(kind: str, mapping) -> None:
        for key in sorted(mapping, key=str):
            value = mapping[key]
            if isinstance(value, str) and value.strip():
                table[f"{kind}/{key}"] = value

    add("territory", locale.territories)
    add("language", locale.languages)
    add("script", locale.scripts)
    add("currency", locale.currencies)
    add("variant", locale.variants)
    for context in ("format", "stand-alone"):
        add(f"month-{context}", locale.months.get(context, {}).get("wide", {}))
        add(f"day-{context}", locale.days.get(context, {}).get("wide", {}))
        add(f"quarter-{context}", locale.quarters.get(context, {}).get("wide", {}))
    add("era", locale.eras.get("wide", {}))
    for unit in sorted(locale.unit_display_names):
        names = locale.unit_display_names[unit]
        if "long" in names:
            table[f"unit/{unit}"] = names["long"]
    for zone in sorted(locale.meta_zones):
        long = locale.meta_zones[zone].get("long", {})
        add(f"zone/{zone}", long)
    return table


def fetch_packaged(config: LanguagesData, raw_dir: Path, download_dir: Path) -> None:
    """Write one UTF-8 text per language, one display string a line.

    Strings identical to the English one for the same key are dropped from other languages:
    CLDR fills gaps in small locales with English or code names, which would mislabel them.
    """
    require_package("babel", "babel", "data.languages.source=packaged")
    from babel import Locale

    english = _display_strings(Locale.parse("en"))
    for language, code in LOCALES.items():
        strings = _display_strings(Locale.parse(code))
        if language != "english":
            strings = {k: v for k, v in strings.items() if english.get(k) != v}
        write_text(raw_dir / f"{language}.txt", "\n".join(strings.values()) + "\n")


def fetch_remote(config: LanguagesData, raw_dir: Path, download_dir: Path) -> None:
    bibles.fetch_remote(config.base_url, raw_dir, download_dir)


def fetch_local(config: LanguagesData, raw_dir: Path, download_dir: Path) -> None:
    bibles.fetch_local(Path(config.path).expanduser(), raw_dir)


def romanize(text: str, strip: bool = True) -> str:
    """Transliterate to ASCII, keep `string.printable` characters, collapse whitespace runs."""
    ascii_text = "".join(c for c in unidecode(text) if c in _ALLOWED)
    collapsed = _WHITESPACE.sub(" ", ascii_text)
    return collapsed.strip() if strip else collapsed


def sample_chunks(
    texts: dict[str, str], count: int, min_len: int, max_len: int, rng: np.random.Generator
) -> list[tuple[str, str]]:
    """Draw `count` (language, chunk) pairs, languages in turn, lengths uniform in [min, max]."""
    languages = list(texts)
    chunks = []
    for i in range(count):
        language = languages[i % len(languages)]
        text = texts[language]
        length = int(rng.integers(min_len, max_len + 1))
        start = int(rng.integers(0, len(text) - length + 1))
        chunks.append((language, text[start : start + length]))
    return chunks


def _read_texts(raw_dir: Path, config: LanguagesData) -> tuple[dict[str, str], dict[str, str]]:
    """Romanized (train, test) texts: the given split when raw_dir has train/, else a split by
    `test_fraction` of one text per language."""
    split_layout = (raw_dir / "train").is_dir()
    train_texts: dict[str, str] = {}
    test_texts: dict[str, str] = {}
    for language in LANGUAGES:
        if split_layout:
            paths = [raw_dir / "train" / f"{language}_train.txt", raw_dir / "test" / f"{language}_test.txt"]
            train, test = (romanize(_read_utf8(p)) for p in paths)
        else:
            paths = [raw_dir / f"{language}.txt"]
            text = romanize(_read_utf8(paths[0]))
            split = int(round(len(text) * (1.0 - config.test_fraction)))
            train, test = text[:split], text[split:]
        # Each part must hold a chunk of the longest length, with room to spare.
        needed = 2 * config.max_chunk_len
        if len(train) < needed or len(test) < needed:
            raise ValueError(
                f"{', '.join(map(str, paths))}: {language} has {len(train)} training and {len(test)} "
                f"test characters after romanization; each part needs at least {needed} "
                f"(2 x data.languages.max_chunk_len={config.max_chunk_len})"
            )
        train_texts[language], test_texts[language] = train, test
    return train_texts, test_texts


def _read_utf8(path: Path) -> str:
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; rerun the download@languages stage")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not valid UTF-8 ({err}); re-save it as UTF-8") from None


def prepare(config: LanguagesData, raw_dir: Path, out_dir: Path, seed: int) -> dict:
    """Romanize, split each language into train and test text, and draw the test chunks.

    The Kaggle-style file is the source's own `kaggle_test.txt` when it has one (unlabelled),
    otherwise chunks drawn from the test texts with their labels in `kaggle_labels.csv`.
    """
    vocab = Vocabulary.printable()
    train_texts, test_texts = _read_texts(raw_dir, config)

    rng = np.random.default_rng(seed)
    evaluation = sample_chunks(
        test_texts, config.eval_chunks, config.min_chunk_len, config.max_chunk_len, rng
    )
    save_torch(out_dir / "train.pt", {k: vocab.encode(v) for k, v in train_texts.items()})
    write_table(out_dir / "test_chunks.tsv", ["language", "chunk"], evaluation)

    source_kaggle = raw_dir / "kaggle_test.txt"
    if source_kaggle.is_file():
        # Lines keep their length and edge spaces; a line left empty by romanization becomes one
        # space so that every line still gets a prediction.
        lines = [romanize(line, strip=False) or " " for line in read_lines(source_kaggle)]
        write_text(out_dir / "kaggle_test.txt", "".join(line + "\n" for line in lines))
        kaggle_count, labelled = len(lines), False
    else:
        kaggle = sample_chunks(
            test_texts, config.kaggle_chunks, config.min_chunk_len, config.max_chunk_len, rng
        )
        order = rng.permutation(len(kaggle))  # the Kaggle file must not reveal labels by position
        kaggle = [kaggle[i] for i in order]
        write_text(out_dir / "kaggle_test.txt", "".join(chunk + "\n" for _, chunk in kaggle))
        write_table(
            out_dir / "kaggle_labels.csv",
            ["id", "category"],
            [(i + 1, language) for i, (language, _) in enumerate(kaggle)],
        )
        kaggle_count, labelled = len(kaggle), True
    return {
        "train_chars": {k: len(v) for k, v in train_texts.items()},
        "test_chars": {k: len(v) for k, v in test_texts.items()},
        "eval_chunks": len(evaluation),
        "kaggle_chunks": kaggle_count,
        "kaggle_labelled": labelled,
    }


def load_train(prepared_dir: Path) -> dict[str, torch.Tensor]:
    return torch.load(prepared_dir / "train.pt", weights_only=True)


def read_test_chunks(path: Path) -> list[tuple[str, str]]:
    """Read `language<TAB>chunk` rows; chunks keep their edge spaces."""
    lines = path.read_text(encoding="utf-8").split("\n")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        language, sep, chunk = line.partition("\t")
        if not sep or language not in LANGUAGES:
            raise ValueError(f"{path}:{number}: expected 'language<TAB>chunk', got {line!r}")
        rows.append((language, chunk))
    return rows


def read_lines(path: Path) -> list[str]:
    """Read a one-chunk-a-line file, keeping edge spaces and dropping only the newline."""
    text = _read_utf8(path)
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")


@dataclass(frozen=True)
class EvaluationSet:
    """The chunks that every language classifier is scored on, with their true languages."""

    truth: list[str]
    chunks: list[str]
    kaggle_chunks: list[str]
    kaggle_truth: list[str] | None  # None when the source's own Kaggle file has no labels


def load_evaluation_set(prepared_dir: Path) -> EvaluationSet:
    """Read the test chunks and the Kaggle-style file of a prepared folder.

    The evaluate_langid and evaluate_baseline stages both score what this returns, so the RNN and
    the baseline see the same chunks in the same order.
    """
    for name in ("test_chunks.tsv", "kaggle_test.txt"):
        if not (prepared_dir / name).is_file():
            raise FileNotFoundError(f"{prepared_dir / name} not found; run: dvc repro prepare@languages")
    rows = read_test_chunks(prepared_dir / "test_chunks.tsv")
    kaggle_chunks = read_lines(prepared_dir / "kaggle_test.txt")

    labels_file = prepared_dir / "kaggle_labels.csv"
    kaggle_truth = None
    if labels_file.is_file():  # only the packaged source draws a labelled Kaggle-style file
        kaggle_truth = [row.split(",", 1)[1] for row in read_lines(labels_file)[1:]]
        if len(kaggle_truth) != len(kaggle_chunks):
            raise ValueError(
                f"{labels_file} has {len(kaggle_truth)} labels for {len(kaggle_chunks)} lines of "
                f"{prepared_dir / 'kaggle_test.txt'}; run: dvc repro -f prepare@languages"
            )
    return EvaluationSet(
        truth=[language for language, _ in rows],
        chunks=[chunk for _, chunk in rows],
        kaggle_chunks=kaggle_chunks,
        kaggle_truth=kaggle_truth,
    )


def chunks_digest(chunks: list[str]) -> str:
    """Hash the chunks in order with SHA-256, so equal digests in two metrics files mean equal test text."""
    return hashlib.sha256(json.dumps(chunks).encode("ascii")).hexdigest()
