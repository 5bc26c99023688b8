import pytest
import torch

from ganrnn.config import ShakespeareData
from ganrnn.data import shakespeare

PLAY = """# A Play

## ACT I

### SCENE I. A room.

_Enter FIRST and SECOND,
with Attendants_

**FIRST**  
Good morrow\\--friend,  
how _Aside_ fares the day?

**Second Lord**  
Well.

_Exeunt_
"""


def test_markdown_layout():
    text = shakespeare.markdown_to_charrnn(PLAY)
    assert text == "FIRST:\nGood morrow--friend,\nhow  fares the day?\n\nSecond Lord:\nWell.\n\n"


def test_speech_without_lines_dropped():
    assert shakespeare.markdown_to_charrnn("**GHOST**  \n\n_Exit_\n") == ""


def test_packaged_plays_layout():
    files = shakespeare.packaged_play_files()
    assert len(files) >= 30
    text = shakespeare.markdown_to_charrnn(files[0].read_text(encoding="utf-8"))
    first_speech = text.split("\n\n")[0].split("\n")
    assert first_speech[0].endswith(":")
    assert len(first_speech) >= 2
    assert "**" not in text
    assert "#" not in text


def test_prepare_split(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    out.mkdir()
    text = "ROMEO:\nBut soft, what light.\n\n" * 20
    (raw / "input.txt").write_text(text, encoding="utf-8")

    summary = shakespeare.prepare(ShakespeareData("packaged", 0.25), raw, out)
    vocab, train, test = shakespeare.load_prepared(out)
    assert summary["characters"] == len(text)
    assert train.dtype == torch.int64
    assert len(train) + len(test) == len(text)
    assert len(test) == round(len(text) * 0.25)
    assert vocab.decode(torch.cat([train, test])) == text


def test_prepare_too_short(tmp_path):
    (tmp_path / "input.txt").write_text("tiny", encoding="utf-8")
    with pytest.raises(ValueError, match=r"input.txt holds 4 characters"):
        shakespeare.prepare(ShakespeareData("packaged", 0.1), tmp_path, tmp_path)
