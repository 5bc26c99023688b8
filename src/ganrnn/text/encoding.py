"""Character vocabularies that map text to int64 tensors and back."""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from pathlib import Path

import torch

from ganrnn.io import write_json


@dataclass(frozen=True)
class Vocabulary:
    chars: str

    def __post_init__(self) -> None:
        if len(set(self.chars)) != len(self.chars):
            raise ValueError("vocabulary characters must be unique")
        object.__setattr__(self, "_index", {c: i for i, c in enumerate(self.chars)})

    @classmethod
    def from_text(cls, text: str) -> Vocabulary:
        return cls("".join(sorted(set(text))))

    @classmethod
    def printable(cls) -> Vocabulary:
        """Build the vocabulary of the language task: the 100 characters of `string.printable`."""
        return cls(string.printable)

    def __len__(self) -> int:
        return len(self.chars)

    def unknown(self, text: str) -> list[str]:
        """Characters of `text` that the vocabulary lacks, sorted, each once."""
        return sorted(set(text) - set(self.chars))

    def encode(self, text: str) -> torch.Tensor:
        missing = self.unknown(text)
        if missing:
            raise ValueError(f"characters not in the vocabulary: {''.join(missing)!r}")
        index = self._index  # type: ignore[attr-defined]
        return torch.tensor([index[c] for c in text], dtype=torch.int64)

    def decode(self, ids: torch.Tensor | list[int]) -> str:
        return "".join(self.chars[int(i)] for i in ids)

    def save(self, path: Path) -> None:
        write_json(path, {"chars": self.chars})

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        return cls(json.loads(Path(path).read_text(encoding="utf-8"))["chars"])
