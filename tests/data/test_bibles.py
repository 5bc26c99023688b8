import zipfile

import pytest

from ganrnn.config import LANGUAGES
from ganrnn.data import bibles

from helpers import SHARED_DATA


def _bible_text(verses: int, language: str = "english") -> str:
    header = [f"#header {i}" for i in range(bibles.HEADER_LINES)]
    # Alternate single and double tabs, as the original files do.
    lines = [f"40N\t1\t{i}\t\t{language} verse {i}" if i % 2 else f"40N\t1\t{i}\t{language} verse {i}" for i in range(verses)]
    return "\n".join(header + lines) + "\n"


def write_bible_zips(folder, verses=28_000):
    folder.mkdir(parents=True, exist_ok=True)
    for language, name in bibles.TRANSLATIONS.items():
        with zipfile.ZipFile(folder / f"{name}.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{name}/{name}_utf8.txt", _bible_text(verses, language))


def test_split_line_numbers():
    train, test = bibles.split_unbound_bible(_bible_text(28_000))
    # Lines 8..27994 (0-based) are verses 0..27986: 27,987 training verses.
    assert train.startswith("english verse 0 english verse 1 ")
    assert train.endswith("english verse 27986")
    assert test.startswith("english verse 27987 ")
    assert test.endswith("english verse 27999")


def test_split_header_only():
    with pytest.raises(ValueError, match=r"expected more than 8 lines"):
        bibles.split_unbound_bible("a\nb\n")


def test_local_zips(tmp_path):
    write_bible_zips(tmp_path / "zips", verses=30)
    bibles.fetch_local(tmp_path / "zips", tmp_path / "raw")
    for language in LANGUAGES:
        train = (tmp_path / "raw" / "train" / f"{language}_train.txt").read_text(encoding="utf-8")
        assert train.startswith(f"{language} verse 0 ")
    assert (tmp_path / "raw" / "test" / "xhosa_test.txt").read_text(encoding="utf-8") == ""


def test_local_missing_zip(tmp_path):
    write_bible_zips(tmp_path / "zips", verses=30)
    (tmp_path / "zips" / "maori.zip").unlink()
    with pytest.raises(FileNotFoundError, match=r"maori.zip not found"):
        bibles.fetch_local(tmp_path / "zips", tmp_path / "raw")


def test_local_path_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data.languages.path='.*nowhere' not found"):
        bibles.fetch_local(tmp_path / "nowhere", tmp_path / "raw")


def test_remote_zips(http_server, tmp_path):
    write_bible_zips(http_server.root / "bibles", verses=30)
    bibles.fetch_remote(f"{http_server.url}/bibles/", tmp_path / "raw", tmp_path / "downloads")
    assert (tmp_path / "raw" / "train" / "czech_train.txt").read_text(encoding="utf-8").startswith("czech verse 0")
    assert len(http_server.requests) == 20


@pytest.mark.skipif(not (SHARED_DATA / "udhr20").is_dir(), reason="../shared/data/udhr20 is absent")
def test_shared_udhr20_split_layout(tmp_path):
    bibles.fetch_local(SHARED_DATA / "udhr20", tmp_path / "raw")
    assert len(list((tmp_path / "raw" / "train").iterdir())) == 20
    assert len(list((tmp_path / "raw" / "test").iterdir())) == 20
    kaggle = (tmp_path / "raw" / "kaggle_test.txt").read_text(encoding="utf-8").splitlines()
    assert len(kaggle) == 1000


def _write_split_layout(folder):
    for language in LANGUAGES:
        for part in ("train", "test"):
            path = folder / part / f"{language}_{part}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{language} {part} text\n", encoding="utf-8")


def test_local_split_not_utf8(tmp_path):
    _write_split_layout(tmp_path / "split")
    (tmp_path / "split" / "train" / "danish_train.txt").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(ValueError, match=r"danish_train.txt is not valid UTF-8"):
        bibles.fetch_local(tmp_path / "split", tmp_path / "raw")


def test_local_kaggle_not_utf8(tmp_path):
    _write_split_layout(tmp_path / "split")
    (tmp_path / "split" / "kaggle_test.txt").write_bytes(b"ok line\n\xc3\x28\n")
    with pytest.raises(ValueError, match=r"kaggle_test.txt is not valid UTF-8"):
        bibles.fetch_local(tmp_path / "split", tmp_path / "raw")


def test_zip_member_not_utf8(tmp_path):
    write_bible_zips(tmp_path / "zips", verses=30)
    with zipfile.ZipFile(tmp_path / "zips" / "maori.zip", "w") as zf:
        zf.writestr("maori/maori_utf8.txt", b"\xff" * 100)
    with pytest.raises(ValueError, match=r"maori.zip: maori_utf8.txt is not valid UTF-8"):
        bibles.fetch_local(tmp_path / "zips", tmp_path / "raw")


@pytest.mark.parametrize("member", ["../escaped.txt", "/tmp/absolute.txt"])
def test_unsafe_zip_leaves_nothing(tmp_path, member):
    from ganrnn.config import LanguagesData
    from ganrnn.data.archive import UnsafeArchiveError
    from ganrnn.data.sources import fetch

    write_bible_zips(tmp_path / "zips", verses=30)
    with zipfile.ZipFile(tmp_path / "zips" / "xhosa.zip", "a") as zf:
        zf.writestr(member, "outside")
    config = LanguagesData("local", "", str(tmp_path / "zips"), 0.2, 20, 1, 10, 50)
    with pytest.raises(UnsafeArchiveError, match=r"xhosa.zip: member"):
        fetch("languages", config, tmp_path / "raw", tmp_path / "downloads")
    assert not (tmp_path / "raw").exists()
    assert not (tmp_path / "escaped.txt").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".raw")] == []
