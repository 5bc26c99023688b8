"""Language-identification text: CLDR display strings from `babel`, romanized and chunked.

NOTE: the packaged texts are lists of names (countries, languages, currencies, months, units),
not prose; they stand in for the 20 Bible translations of the original assignment offline.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import torch
from unidecode import unidecode

from ganrnn.config import LANGUAGES, LanguagesData
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


def fetch_packaged(config: LanguagesData, raw_dir: Path) -> None:
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


def romanize(text: str) -> str:
    """Transliterate to ASCII, keep `string.printable` characters, collapse whitespace runs."""
    ascii_text = "".join(c for c in unidecode(text) if c in _ALLOWED)
    return _WHITESPACE.sub(" ", ascii_text).strip()


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


def prepare(config: LanguagesData, raw_dir: Path, out_dir: Path, seed: int) -> dict:
    """Romanize, split each language into train and test text, and draw the test chunks."""
    vocab = Vocabulary.printable()
    train_texts: dict[str, str] = {}
    test_texts: dict[str, str] = {}
    for language in LANGUAGES:
        path = raw_dir / f"{language}.txt"
        text = romanize(path.read_text(encoding="utf-8"))
        # Both halves must hold a chunk of the longest length, with room to spare.
        needed = 2 * config.max_chunk_len
        split = int(round(len(text) * (1.0 - config.test_fraction)))
        if split < needed or len(text) - split < needed:
            raise ValueError(
                f"{path} holds {len(text)} characters after romanization; the train and test "
                f"parts need at least {needed} each (data.languages.test_fraction="
                f"{config.test_fraction}, max_chunk_len={config.max_chunk_len})"
            )
        train_texts[language], test_texts[language] = text[:split], text[split:]

    rng = np.random.default_rng(seed)
    evaluation = sample_chunks(
        test_texts, config.eval_chunks, config.min_chunk_len, config.max_chunk_len, rng
    )
    kaggle = sample_chunks(
        test_texts, config.kaggle_chunks, config.min_chunk_len, config.max_chunk_len, rng
    )
    order = rng.permutation(len(kaggle))  # the Kaggle file must not reveal labels by position
    kaggle = [kaggle[i] for i in order]

    save_torch(out_dir / "train.pt", {k: vocab.encode(v) for k, v in train_texts.items()})
    write_table(out_dir / "test_chunks.tsv", ["language", "chunk"], evaluation)
    write_text(out_dir / "kaggle_test.txt", "".join(chunk + "\n" for _, chunk in kaggle))
    write_table(
        out_dir / "kaggle_labels.csv",
        ["id", "category"],
        [(i + 1, language) for i, (language, _) in enumerate(kaggle)],
    )
    return {
        "train_chars": {k: len(v) for k, v in train_texts.items()},
        "test_chars": {k: len(v) for k, v in test_texts.items()},
        "eval_chunks": len(evaluation),
        "kaggle_chunks": len(kaggle),
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
    text = path.read_text(encoding="utf-8")
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")
