import numpy as np
import pytest

from ganrnn.config import BaselineConfig
from ganrnn.data.languages import romanize
from ganrnn.text.baseline import predict_baseline, train_baseline, training_chunks
from ganrnn.text.encoding import Vocabulary

CFG = BaselineConfig(ngram_min=1, ngram_max=4, train_chunks=300, C=1.0)

# Three short hand-written texts, a few sentences each about the weather and the town.
TEXTS = {
    "english": (
        "The weather in the town was cold this morning, and the children walked to school "
        "through the snow. Everyone should have the right to rest and to enjoy their free time "
        "with their family and friends. The old bridge over the river was rebuilt last year."
    ),
    "finnish": (
        "Kaupungin sää oli aamulla kylmä, ja lapset kävelivät kouluun lumen läpi. Jokaisella "
        "pitäisi olla oikeus lepoon ja vapaa-aikaan perheensä ja ystäviensä kanssa. Joen yli "
        "kulkeva vanha silta rakennettiin uudelleen viime vuonna."
    ),
    "italian": (
        "Il tempo in città era freddo questa mattina e i bambini andavano a scuola nella neve. "
        "Ognuno dovrebbe avere il diritto al riposo e al tempo libero con la propria famiglia e "
        "con gli amici. Il vecchio ponte sul fiume è stato ricostruito l'anno scorso."
    ),
}


def _encoded() -> dict:
    vocab = Vocabulary.printable()
    return {language: vocab.encode(romanize(text)) for language, text in TEXTS.items()}


def test_baseline_separates_languages():
    model = train_baseline(CFG, _encoded(), 10, 30, seed=0)
    held_out = {
        "english": ["the children and their friends", "snow over the river"],
        "finnish": ["lapset ja ystävät", "vanha silta joen yli"],
        "italian": ["i bambini e gli amici", "il ponte sul fiume"],
    }
    for language, phrases in held_out.items():
        assert predict_baseline(model, [romanize(p) for p in phrases]) == [language] * len(phrases)


def test_baseline_deterministic():
    first = train_baseline(CFG, _encoded(), 10, 30, seed=3)
    second = train_baseline(CFG, _encoded(), 10, 30, seed=3)
    assert np.array_equal(first.named_steps["svm"].coef_, second.named_steps["svm"].coef_)


def test_training_chunks_drawn_from_text():
    chunks = training_chunks(_encoded(), 60, 10, 30, seed=0)
    romanized = {language: Vocabulary.printable().decode(ids) for language, ids in _encoded().items()}
    assert [language for language, _ in chunks[:3]] == ["english", "finnish", "italian"]
    assert len(chunks) == 60
    assert all(10 <= len(chunk) <= 30 for _, chunk in chunks)
    assert all(chunk in romanized[language] for language, chunk in chunks)


def test_training_chunks_lengths_vary():
    lengths = {len(chunk) for _, chunk in training_chunks(_encoded(), 300, 10, 30, seed=0)}
    assert min(lengths) == 10
    assert max(lengths) == 30


def test_training_chunks_short_text():
    train = {"english": Vocabulary.printable().encode("too short")}
    with pytest.raises(ValueError, match=r"shorter than data.languages.max_chunk_len=30: \{'english': 9\}"):
        training_chunks(train, 10, 10, 30, seed=0)


def test_training_chunks_unknown_language():
    train = {"klingon": Vocabulary.printable().encode("x" * 40)}
    with pytest.raises(ValueError, match=r"unknown languages \['klingon'\]"):
        training_chunks(train, 10, 10, 30, seed=0)
