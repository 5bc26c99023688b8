"""The 20 Bible translations of the original language-identification data, and its split layout.

Each translation is a zip in the "unbound bible" format holding `<name>_utf8.txt`: 8 header
lines, then one verse a line whose text is the last tab-separated field. The original split,
with 0-based line numbers, puts lines 8 to 27994 in training and the remaining lines in test.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from ganrnn.config import LANGUAGES
from ganrnn.data.archive import read_member
from ganrnn.data.download import download
from ganrnn.io import write_text

log = logging.getLogger(__name__)

# Zip name (without .zip) of each language's translation.
TRANSLATIONS = {
    "albanian": "albanian", "czech": "czech_cep", "danish": "danish", "english": "asv",
    "esperanto": "esperanto", "finnish": "finnish_pr_1992", "french": "french_ostervald_1996",
    "german": "german_schlachter_1951", "hungarian": "hungarian_karoli",
    "italian": "italian_riveduta_1927", "lithuanian": "lithuanian", "maori": "maori",
    "norwegian": "norwegian", "portuguese": "portuguese", "romanian": "romanian_cornilescu",
    "spanish": "spanish_reina_valera_1909", "swedish": "swedish_1917", "turkish": "turkish",
    "vietnamese": "vietnamese_1934", "xhosa": "xhosa",
}  # fmt: skip
assert tuple(TRANSLATIONS) == LANGUAGES

HEADER_LINES = 8
LAST_TRAIN_LINE = 27994  # 0-based, inclusive


def split_unbound_bible(text: str) -> tuple[str, str]:
    """Return (train, test) verse texts, each joined by single spaces."""
    lines = text.splitlines()
    if len(lines) <= HEADER_LINES:
        raise ValueError(f"expected more than {HEADER_LINES} lines (a header, then verses), got {len(lines)}")
    # Some lines separate fields with a double tab, so the verse is the last non-empty field.
    verses = []
    for line in lines[HEADER_LINES:]:
        fields = [f for f in line.split("\t") if f.strip()]
        verses.append(fields[-1].strip() if fields else "")
    cut = LAST_TRAIN_LINE + 1 - HEADER_LINES
    join = lambda part: " ".join(v for v in part if v)  # noqa: E731
    return join(verses[:cut]), join(verses[cut:])


def _write_split(raw_dir: Path, language: str, train: str, test: str) -> None:
    write_text(raw_dir / "train" / f"{language}_train.txt", train)
    write_text(raw_dir / "test" / f"{language}_test.txt", test)


def _from_zip(archive: Path, language: str, raw_dir: Path) -> None:
    name = TRANSLATIONS[language]
    data = read_member(archive, f"{name}_utf8.txt")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{archive}: {name}_utf8.txt is not valid UTF-8 ({err})") from None
    try:
        train, test = split_unbound_bible(text)
    except ValueError as err:
        raise ValueError(f"{archive}: {err}") from None
    _write_split(raw_dir, language, train, test)


def fetch_remote(base_url: str, raw_dir: Path, download_dir: Path) -> None:
    """Download `<base_url>/<name>.zip` for every language and write the split layout."""
    for language, name in TRANSLATIONS.items():
        archive = download(f"{base_url.rstrip('/')}/{name}.zip", download_dir / f"{name}.zip", setting="data.languages")
        _from_zip(archive, language, raw_dir)


def _check_utf8(path: Path) -> None:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not valid UTF-8 ({err}); re-save it as UTF-8") from None


def fetch_local(path: Path, raw_dir: Path) -> None:
    """Copy a local copy into the split layout: either the split layout itself or the 20 zips."""
    if not path.is_dir():
        raise FileNotFoundError(
            f"data.languages.path={str(path)!r} not found; point it at a folder with train/ and "
            f"test/ (the assignment's split) or with the 20 translation zips"
        )
    if (path / "train").is_dir():
        for language in LANGUAGES:
            for part in ("train", "test"):
                source = path / part / f"{language}_{part}.txt"
                if not source.is_file():
                    raise FileNotFoundError(f"{source} not found; the split layout needs train/ and test/ files for all 20 languages")
                _check_utf8(source)
                write_text(raw_dir / part / source.name, source.read_text(encoding="utf-8"))
        if (path / "kaggle_test.txt").is_file():
            _check_utf8(path / "kaggle_test.txt")
            shutil.copyfile(path / "kaggle_test.txt", raw_dir / "kaggle_test.txt")
        return

    for language, name in TRANSLATIONS.items():
        archive = path / f"{name}.zip"
        if not archive.is_file():
            raise FileNotFoundError(f"{archive} not found; data.languages.path must hold all 20 translation zips")
        _from_zip(archive, language, raw_dir)
