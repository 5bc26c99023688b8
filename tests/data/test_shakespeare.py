import pytest
import torch

from ganrnn.config import ShakespeareData
from ganrnn.data import shakespeare

from helpers import SHARED_DATA

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

    summary = shakespeare.prepare(ShakespeareData("packaged", 0.25, "", "", ""), raw, out)
    vocab, train, test = shakespeare.load_prepared(out)
    assert summary["characters"] == len(text)
    assert train.dtype == torch.int64
    assert len(train) + len(test) == len(text)
    assert len(test) == round(len(text) * 0.25)
    assert vocab.decode(torch.cat([train, test])) == text


def test_prepare_too_short(tmp_path):
    (tmp_path / "input.txt").write_text("tiny", encoding="utf-8")
    with pytest.raises(ValueError, match=r"input.txt contains 4 characters"):
        shakespeare.prepare(ShakespeareData("packaged", 0.1, "", "", ""), tmp_path, tmp_path)


def _config(source="local", path="", url="", sha256=""):
    return ShakespeareData(source, 0.1, url=url, sha256=sha256, path=path)


def test_local_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data.shakespeare.path='.*nowhere.txt' not found"):
        shakespeare.fetch_local(_config(path=str(tmp_path / "nowhere.txt")), tmp_path, tmp_path)


def test_local_checksum_mismatch(tmp_path):
    (tmp_path / "in.txt").write_text("ROMEO:\nhello\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"not data.shakespeare.sha256=0{64}"):
        shakespeare.fetch_local(_config(path=str(tmp_path / "in.txt"), sha256="0" * 64), tmp_path / "raw", tmp_path)


def test_local_not_utf8(tmp_path):
    (tmp_path / "in.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ValueError, match=r"is not UTF-8 text"):
        shakespeare.fetch_local(_config(path=str(tmp_path / "in.txt")), tmp_path / "raw", tmp_path)


def test_local_empty(tmp_path):
    (tmp_path / "in.txt").write_text("  \n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"in.txt is empty"):
        shakespeare.fetch_local(_config(path=str(tmp_path / "in.txt")), tmp_path / "raw", tmp_path)


def test_remote_download(http_server, tmp_path):
    import hashlib

    text = "First Citizen:\nBefore we proceed any further, hear me speak.\n\n" * 10
    (http_server.root / "input.txt").write_text(text, encoding="utf-8")
    checksum = hashlib.sha256(text.encode()).hexdigest()
    config = _config("remote", url=f"{http_server.url}/input.txt", sha256=checksum)
    (tmp_path / "raw").mkdir()
    shakespeare.fetch_remote(config, tmp_path / "raw", tmp_path / "dl")
    assert (tmp_path / "raw" / "input.txt").read_text(encoding="utf-8") == text


TINY = SHARED_DATA / "tinyshakespeare" / "input.txt"
TINY_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"


@pytest.mark.skipif(not TINY.is_file(), reason="../shared/data/tinyshakespeare/input.txt is absent")
def test_shared_tinyshakespeare(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    out.mkdir()
    shakespeare.fetch_local(_config(path=str(TINY), sha256=TINY_SHA256), raw, tmp_path)
    summary = shakespeare.prepare(_config(path=str(TINY)), raw, out)
    assert summary["characters"] == 1115394
    assert summary["vocab"] == 65
