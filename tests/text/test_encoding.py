import pytest
import torch

from ganrnn.text.encoding import Vocabulary


def test_roundtrip():
    vocab = Vocabulary.from_text("hello world")
    assert vocab.decode(vocab.encode("world hello")) == "world hello"


def test_encode_dtype():
    assert Vocabulary("ab").encode("ba").dtype == torch.int64


def test_unknown_characters():
    with pytest.raises(ValueError, match=r"not in the vocabulary: 'xz'"):
        Vocabulary("ab").encode("axbz")


def test_printable_size():
    assert len(Vocabulary.printable()) == 100


def test_duplicate_characters():
    with pytest.raises(ValueError, match=r"unique"):
        Vocabulary("aa")


def test_save_load(tmp_path):
    vocab = Vocabulary.from_text("abc\n")
    vocab.save(tmp_path / "v.json")
    assert Vocabulary.load(tmp_path / "v.json") == vocab
