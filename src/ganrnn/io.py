"""Atomic, deterministic writers for pipeline outputs.

Each writer fills a temporary file in the destination folder and renames it into place, so a
killed stage never leaves a half-written output behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def _atomic_write(path: Path, mode: str, write: Callable[[IO], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding, newline="" if encoding else None) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> None:
    _atomic_write(Path(path), "w", lambda fh: fh.write(text))


def write_bytes(path: str | Path, data: bytes) -> None:
    _atomic_write(Path(path), "wb", lambda fh: fh.write(data))


def write_json(path: str | Path, obj: Any) -> None:
    """Write `obj` as sorted, indented JSON so equal values give equal bytes."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_table(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a TSV (or CSV when the suffix is .csv) table with `repr`-stable float formatting."""
    sep = "," if Path(path).suffix == ".csv" else "\t"

    def fmt(v: Any) -> str:
        return f"{v:.6g}" if isinstance(v, float) else str(v)

    lines = [sep.join(header)] + [sep.join(fmt(v) for v in row) for row in rows]
    write_text(path, "\n".join(lines) + "\n")


def save_torch(path: str | Path, obj: Any) -> None:
    import torch

    _atomic_write(Path(path), "wb", lambda fh: torch.save(obj, fh))


def load_torch(path: str | Path) -> Any:
    """Load tensors or a checkpoint with `weights_only=True`, which runs no pickled code."""
    import pickle

    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (pickle.UnpicklingError, RuntimeError, EOFError, KeyError, IndexError, ValueError, OSError) as err:
        # A file that is not a torch checkpoint fails inside the unpickler with one of these. A
        # truncated one fails in torch's zip reader with OSError (EINVAL, seen with torch 2.14).
        raise ValueError(f"{path} is not a readable PyTorch file ({str(err).splitlines()[0]})") from None


@contextmanager
def replace_dir(path: str | Path) -> Iterator[Path]:
    """Yield a staging folder that replaces `path` only when the body succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    try:
        yield staging
        if path.exists():
            shutil.rmtree(path)
        staging.rename(path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_png(path: str | Path, image) -> None:
    """Write a uint8 C x H x W tensor (C = 1 or 3) as a PNG; PIL adds no timestamp."""
    import io

    from PIL import Image

    array = image.permute(1, 2, 0).numpy()
    if array.shape[2] == 1:
        array = array[:, :, 0]
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    write_bytes(path, buffer.getvalue())
