import math

import pytest
import torch

from ganrnn.config import TextgenConfig
from ganrnn.text.encoding import Vocabulary
from ganrnn.text.generation import bits_per_char, random_chunks, sample, train_textgen
from ganrnn.text.model import CharRNN

VOCAB = Vocabulary("abc:\n")


def _model():
    torch.manual_seed(0)
    return CharRNN(len(VOCAB), len(VOCAB), "gru", embed_dim=4, hidden_size=8)


def test_random_chunks_shape():
    data = torch.arange(50)
    windows = random_chunks(data, 10, 3, torch.Generator().manual_seed(0))
    assert windows.shape == (3, 11)
    assert torch.equal(windows[:, 1:] - windows[:, :-1], torch.ones(3, 10, dtype=torch.int64))


def test_random_chunks_too_short():
    with pytest.raises(ValueError, match=r"shorter than textgen.chunk_len \+ 1 = 11"):
        random_chunks(torch.arange(5), 10, 1, torch.Generator())


def test_sample_deterministic():
    model = _model()
    a = sample(model, VOCAB, "ab", 30, 0.8, seed=1)
    b = sample(model, VOCAB, "ab", 30, 0.8, seed=1)
    assert a == b
    assert a.startswith("ab")
    assert len(a) == 32


def test_low_temperature_greedy():
    model = _model()
    text = sample(model, VOCAB, "a", 10, 1e-4, seed=0)
    ids = VOCAB.encode("a").unsqueeze(0)
    logits, hidden = model(ids)
    greedy = []
    for _ in range(10):
        next_id = logits[0, -1].argmax().view(1, 1)
        greedy.append(int(next_id))
        logits, hidden = model(next_id, hidden)
    assert text == "a" + VOCAB.decode(greedy)


def test_prime_outside_vocabulary():
    with pytest.raises(ValueError, match=r"outside the vocabulary: 'RZ'"):
        sample(_model(), VOCAB, "aRZ", 5, 1.0, seed=0)


def test_empty_prime():
    with pytest.raises(ValueError, match=r"prime string is empty"):
        sample(_model(), VOCAB, "", 5, 1.0, seed=0)


def test_training_lowers_loss():
    cfg = TextgenConfig(
        embed_dim=4, hidden_size=16, num_layers=1, chunk_len=12, batch_size=8, lr=0.02, steps=60,
        grad_clip=5.0, eval_every=30, eval_batches=2, sample_prime="a", sample_length=5,
        sample_temperature=1.0,
    )  # fmt: skip
    data = VOCAB.encode("abc:\n" * 60)
    model = CharRNN(len(VOCAB), len(VOCAB), "lstm", 4, 16)
    history = train_textgen(model, data, data, cfg, torch.Generator().manual_seed(0), eval_seed=1)
    assert [s for s, _, _ in history.curve] == [30, 60]
    assert history.curve[-1][2] < 0.5 * math.log(len(VOCAB))


def test_bits_per_char():
    assert math.isclose(bits_per_char(math.log(2)), 1.0)
