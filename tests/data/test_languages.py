import numpy as np
import pytest

from ganrnn.config import LANGUAGES, LanguagesData
from ganrnn.data import languages


def _config(**overrides):
    values = dict(
        source="packaged", test_fraction=0.25, eval_chunks=40, kaggle_chunks=10,
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
    with pytest.raises(ValueError, match=r"maori.txt holds 7 characters after romanization"):
        languages.prepare(_config(), tmp_path, tmp_path, seed=0)


def test_read_test_chunks_bad_row(tmp_path):
    path = tmp_path / "chunks.tsv"
    path.write_text("language\tchunk\nklingon\tqapla\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"chunks.tsv:2: expected 'language<TAB>chunk'"):
        languages.read_test_chunks(path)


def test_packaged_fetch(tmp_path):
    languages.fetch_packaged(_config(), tmp_path)
    texts = {lang: (tmp_path / f"{lang}.txt").read_text(encoding="utf-8") for lang in LANGUAGES}
    assert all(len(languages.romanize(t)) > 5000 for t in texts.values())
    # Gaps filled with English names are removed from the other locales.
    assert "Germany" in texts["english"].splitlines()
    assert "Germany" not in texts["xhosa"].splitlines()
