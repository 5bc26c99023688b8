import numpy as np
import pytest

from ganrnn.config import LANGUAGES, LanguagesData
from ganrnn.data import languages

from helpers import SHARED_DATA


def _config(**overrides):
    values = dict(
        source="packaged", base_url="", path="", test_fraction=0.25, eval_chunks=40, kaggle_chunks=10,
        min_chunk_len=10, max_chunk_len=20,
    )  # fmt: skip
    values.update(overrides)
    return LanguagesData(**values)


def _write_raw(raw_dir, length=400):
    for i, language in enumerate(LANGUAGES):
        words = " ".join(f"{language}{j}ë" for j in range(length // len(language)))
        (raw_dir / f"{language}.txt").write_text(words + "\n", encoding="utf-8")


def test_romanize():
    assert languages.romanize("  Việt\tNam\n Ærø  ") == "Viet Nam AEro"


def test_romanize_drops_unprintable():
    assert languages.romanize("a\x00b\x7fc") == "abc"


def test_sample_chunks_lengths():
    rng = np.random.default_rng(0)
    texts = {"english": "x" * 100, "french": "y" * 100}
    chunks = languages.sample_chunks(texts, 50, 10, 50, rng)
    assert len(chunks) == 50
    assert all(10 <= len(c) <= 50 for _, c in chunks)
    assert [lang for lang, _ in chunks[:2]] == ["english", "french"]


def test_prepare_outputs(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    out.mkdir()
    _write_raw(raw)
    summary = languages.prepare(_config(), raw, out, seed=0)

    chunks = languages.read_test_chunks(out / "test_chunks.tsv")
    kaggle = languages.read_lines(out / "kaggle_test.txt")
    labels = languages.read_lines(out / "kaggle_labels.csv")
    assert summary["eval_chunks"] == 40
    assert len(chunks) == 40
    assert {lang for lang, _ in chunks} == set(LANGUAGES)
    assert all(10 <= len(c) <= 20 for _, c in chunks)
    assert len(kaggle) == 10
    assert labels[0] == "id,category"
    assert len(labels) == 11
    assert set(languages.load_train(out)) == set(LANGUAGES)


def test_prepare_deterministic(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    _write_raw(raw)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        languages.prepare(_config(), raw, tmp_path / name, seed=3)
    for file in ("test_chunks.tsv", "kaggle_test.txt", "kaggle_labels.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_prepare_text_too_short(tmp_path):
    _write_raw(tmp_path)
    (tmp_path / "maori.txt").write_text("kia ora\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"maori.txt: maori has 5 training and 2 test characters"):
        languages.prepare(_config(), tmp_path, tmp_path, seed=0)


def test_read_test_chunks_bad_row(tmp_path):
    path = tmp_path / "chunks.tsv"
    path.write_text("language\tchunk\nklingon\tqapla\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"chunks.tsv:2: expected 'language<TAB>chunk'"):
        languages.read_test_chunks(path)


def test_packaged_fetch(tmp_path):
    languages.fetch_packaged(_config(), tmp_path, tmp_path)
    texts = {lang: (tmp_path / f"{lang}.txt").read_text(encoding="utf-8") for lang in LANGUAGES}
    assert all(len(languages.romanize(t)) > 5000 for t in texts.values())
    # Gaps filled with English names are removed from the other locales.
    assert "Germany" in texts["english"].splitlines()
    assert "Germany" not in texts["xhosa"].splitlines()


def _write_split(raw_dir, kaggle_lines=None):
    for language in LANGUAGES:
        for part, count in (("train", 300), ("test", 120)):
            text = " ".join(f"{language}{j}ë" for j in range(count // len(language) + 5))
            path = raw_dir / part / f"{language}_{part}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if kaggle_lines is not None:
        (raw_dir / "kaggle_test.txt").write_text("".join(line + "\n" for line in kaggle_lines), encoding="utf-8")


def test_prepare_split_layout(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    out.mkdir()
    _write_split(raw, kaggle_lines=["Việt Nam ", "——", "bonjour à tous", "\x00"])
    summary = languages.prepare(_config(), raw, out, seed=0)
    assert summary["kaggle_labelled"] is False
    assert summary["kaggle_chunks"] == 4
    assert languages.read_lines(out / "kaggle_test.txt") == ["Viet Nam ", "----", "bonjour a tous", " "]
    assert not (out / "kaggle_labels.csv").exists()
    assert summary["test_chars"]["english"] == len(languages.romanize((raw / "test" / "english_test.txt").read_text()))


def test_prepare_split_without_kaggle(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    out.mkdir()
    _write_split(raw)
    assert languages.prepare(_config(), raw, out, seed=0)["kaggle_labelled"] is True
    assert (out / "kaggle_labels.csv").exists()


def test_prepare_missing_file(tmp_path):
    raw = tmp_path / "raw"
    _write_split(raw)
    (raw / "test" / "xhosa_test.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"xhosa_test.txt not found"):
        languages.prepare(_config(), raw, tmp_path, seed=0)


def test_prepare_not_utf8(tmp_path):
    raw = tmp_path / "raw"
    _write_split(raw)
    (raw / "train" / "czech_train.txt").write_bytes(b"\xff\xfe bad bytes")
    with pytest.raises(ValueError, match=r"czech_train.txt is not valid UTF-8"):
        languages.prepare(_config(), raw, tmp_path, seed=0)


@pytest.mark.skipif(not (SHARED_DATA / "udhr20").is_dir(), reason="../shared/data/udhr20 is absent")
def test_shared_udhr20_prepared(tmp_path):
    config = _config(source="local", path=str(SHARED_DATA / "udhr20"), max_chunk_len=50, eval_chunks=1000)
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    out.mkdir()
    languages.fetch_local(config, raw, tmp_path)
    summary = languages.prepare(config, raw, out, seed=0)
    assert summary["kaggle_chunks"] == 1000
    assert summary["kaggle_labelled"] is False
    assert summary["eval_chunks"] == 1000
    assert min(summary["test_chars"].values()) >= 100


def test_prepare_nothing_after_romanization(tmp_path):
    _write_raw(tmp_path)
    # Emoji and zero-width spaces have no ASCII transliteration, so romanization leaves nothing.
    (tmp_path / "finnish.txt").write_text("\U0001f600\u200b" * 300, encoding="utf-8")
    with pytest.raises(ValueError, match=r"finnish.txt: finnish has 0 training and 0 test characters after romanization"):
        languages.prepare(_config(), tmp_path, tmp_path, seed=0)


def test_prepare_kaggle_not_utf8(tmp_path):
    raw = tmp_path / "raw"
    _write_split(raw)
    (raw / "kaggle_test.txt").write_bytes(b"line one\n\xff\xfe\n")
    with pytest.raises(ValueError, match=r"kaggle_test.txt is not valid UTF-8"):
        languages.prepare(_config(), raw, tmp_path, seed=0)
