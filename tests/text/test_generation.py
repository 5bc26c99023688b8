import dataclasses
import math

import pytest
import torch

from ganrnn.config import TextgenConfig
from ganrnn.text.encoding import Vocabulary
from ganrnn.text.generation import (
    StreamBatches,
    bits_per_char,
    build_model,
    full_loss,
    lr_factor,
    random_chunks,
    sample,
    sequence_loss,
    train_textgen,
)
from ganrnn.text.model import CharRNN, count_parameters

from helpers import SavedStates

VOCAB = Vocabulary("abc:\n")
CONFIG = TextgenConfig(
    embed_dim=4, hidden_size=16, param_budget=0, num_layers=1, dropout=0.0, tie_weights=False,
    batching="random", chunk_len=12, batch_size=8, lr=0.02, lr_schedule="constant", warmup_steps=0,
    steps=60, grad_clip=5.0, eval_every=30, eval_batches=2, sample_prime="a", sample_length=5,
    sample_temperature=1.0, sample_top_k=0, checkpoint_every=20,
)  # fmt: skip


def _model():
    torch.manual_seed(0)
    return CharRNN(len(VOCAB), len(VOCAB), "gru", embed_dim=4, hidden_size=8)


def _greedy(model, prime, length):
    """Decode by taking the argmax at every step, written out independently of `sample`."""
    logits, hidden = model(VOCAB.encode(prime).unsqueeze(0))
    out = []
    for _ in range(length):
        next_id = logits[0, -1].argmax().view(1, 1)
        out.append(int(next_id))
        logits, hidden = model(next_id, hidden)
    return prime + VOCAB.decode(out)


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


@pytest.mark.parametrize("temperature", [0.0, 1e-4])
def test_low_temperature_greedy(temperature):
    model = _model()
    assert sample(model, VOCAB, "a", 10, temperature, seed=0) == _greedy(model, "a", 10)


def test_top_one_greedy():
    model = _model()
    assert sample(model, VOCAB, "ab", 15, 1.0, seed=3, top_k=1) == _greedy(model, "ab", 15)


def test_top_k_restricts_choices():
    torch.manual_seed(1)
    model = CharRNN(len(VOCAB), len(VOCAB), "lstm", embed_dim=4, hidden_size=8)
    text = sample(model, VOCAB, "a", 40, 5.0, seed=0, top_k=2)
    ids = VOCAB.encode(text).unsqueeze(0)
    logits, _ = model(ids[:, :-1])
    top_two = logits[0].topk(2).indices
    # Position t of the logits predicts character t + 1. The prime's own characters are not drawn.
    for t in range(len("a") - 1, ids.shape[1] - 1):
        assert int(ids[0, t + 1]) in top_two[t].tolist(), t


def test_top_k_above_vocabulary():
    model = _model()
    assert sample(model, VOCAB, "a", 20, 0.9, seed=2, top_k=50) == sample(model, VOCAB, "a", 20, 0.9, seed=2)


@pytest.mark.parametrize("temperature", [-0.5, math.nan, math.inf])
def test_invalid_temperature(temperature):
    with pytest.raises(ValueError, match=r"use a finite value >= 0"):
        sample(_model(), VOCAB, "a", 5, temperature, seed=0)


def test_negative_top_k():
    with pytest.raises(ValueError, match=r"top_k=-1 is invalid"):
        sample(_model(), VOCAB, "a", 5, 1.0, seed=0, top_k=-1)


def test_prime_outside_vocabulary():
    with pytest.raises(ValueError, match=r"outside the vocabulary: 'RZ'"):
        sample(_model(), VOCAB, "aRZ", 5, 1.0, seed=0)


def test_empty_prime():
    with pytest.raises(ValueError, match=r"prime string is empty"):
        sample(_model(), VOCAB, "", 5, 1.0, seed=0)


@pytest.mark.parametrize("batching", ["random", "stream"])
def test_training_lowers_loss(batching):
    cfg = dataclasses.replace(CONFIG, batching=batching, lr_schedule="cosine", warmup_steps=5)
    data = VOCAB.encode("abc:\n" * 60)
    model = CharRNN(len(VOCAB), len(VOCAB), "lstm", 4, 16)
    history = train_textgen(model, data, data, cfg, torch.Generator().manual_seed(0), eval_seed=1)
    assert [s for s, _, _ in history.curve] == [30, 60]
    assert history.curve[-1][2] < 0.5 * math.log(len(VOCAB))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_constant_text_loss_near_zero(cell):
    torch.manual_seed(0)
    cfg = dataclasses.replace(CONFIG, steps=40, eval_every=40, lr=0.05, batching="stream")
    data = VOCAB.encode("c" * 400)
    model = CharRNN(len(VOCAB), len(VOCAB), cell, 4, 16)
    history = train_textgen(model, data, data, cfg, torch.Generator().manual_seed(0), eval_seed=1)
    assert history.curve[-1][2] < 0.05


def test_stream_windows_contiguous():
    data = torch.arange(1000)
    streams = StreamBatches(data, chunk_len=10, batch=4, rng=torch.Generator().manual_seed(0))
    first, new_pass = streams.next_windows()
    second, second_new = streams.next_windows()
    assert first.shape == (4, 11)
    assert new_pass
    assert not second_new
    assert torch.equal(second[:, 0], first[:, -1])
    assert torch.equal(second[:, 1:] - second[:, :-1], torch.ones(4, 10, dtype=torch.int64))


def test_stream_rows_are_streams():
    data = torch.arange(1000)
    windows, _ = StreamBatches(data, chunk_len=10, batch=4, rng=torch.Generator().manual_seed(0)).next_windows()
    # Row r reads the r-th quarter of the text.
    assert torch.equal(windows[:, 0] // 250, torch.arange(4))


def test_stream_wraps_to_new_pass():
    data = torch.arange(100)
    streams = StreamBatches(data, chunk_len=10, batch=2, rng=torch.Generator().manual_seed(0))
    flags = [streams.next_windows()[1] for _ in range(12)]
    # Rows of 50 ids hold exactly four windows of 11 ids, 10 apart, after any offset below 10.
    assert flags == [True, False, False, False] * 3


def test_stream_too_short():
    with pytest.raises(ValueError, match=r"lower textgen.batch_size or textgen.chunk_len"):
        StreamBatches(torch.arange(50), chunk_len=10, batch=8, rng=torch.Generator())


class _RecordingRNN(CharRNN):
    """A real CharRNN that stores the hidden state it receives and returns in training mode."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def forward(self, ids, hidden=None):
        logits, new_hidden = super().forward(ids, hidden)
        if self.training:
            self.calls.append((hidden, new_hidden))
        return logits, new_hidden


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_stream_carries_hidden_state(cell):
    cfg = dataclasses.replace(CONFIG, batching="stream", steps=3, eval_every=3, batch_size=2, chunk_len=5)
    torch.manual_seed(0)
    model = _RecordingRNN(len(VOCAB), len(VOCAB), cell, 4, 8)
    train_textgen(model, VOCAB.encode("abc:\n" * 20), VOCAB.encode("abc:\n" * 4), cfg, torch.Generator().manual_seed(0), 1)
    (first_in, first_out), (second_in, second_out), (third_in, _) = model.calls
    assert first_in is None
    for received, returned in ((second_in, first_out), (third_in, second_out)):
        received = received if cell == "lstm" else (received,)
        returned = returned if cell == "lstm" else (returned,)
        for r, o in zip(received, returned, strict=True):
            assert torch.equal(r, o.detach())
            assert not r.requires_grad


def test_random_batching_fresh_state():
    cfg = dataclasses.replace(CONFIG, steps=3, eval_every=3)
    torch.manual_seed(0)
    model = _RecordingRNN(len(VOCAB), len(VOCAB), "gru", 4, 8)
    train_textgen(model, VOCAB.encode("abc:\n" * 20), VOCAB.encode("abc:\n" * 4), cfg, torch.Generator().manual_seed(0), 1)
    assert [received for received, _ in model.calls] == [None, None, None]


@pytest.mark.parametrize(
    ("step", "schedule", "expected"),
    [
        (0, "constant", 0.25),
        (3, "constant", 1.0),
        (4, "constant", 1.0),
        (99, "constant", 1.0),
        (0, "cosine", 0.25),
        (1, "cosine", 0.5),
        (4, "cosine", 1.0),
        (52, "cosine", 0.5),
        (99, "cosine", 0.5 * (1 + math.cos(math.pi * 95 / 96))),
    ],
)
def test_lr_factor(step, schedule, expected):
    assert math.isclose(lr_factor(step, steps=100, warmup_steps=4, schedule=schedule), expected)


def test_lr_factor_no_warmup():
    assert lr_factor(0, steps=10, warmup_steps=0, schedule="cosine") == 1.0


def test_learning_rate_follows_schedule(monkeypatch):
    cfg = dataclasses.replace(CONFIG, steps=10, eval_every=10, lr=0.1, lr_schedule="cosine", warmup_steps=2)
    seen = []
    original_step = torch.optim.Adam.step

    def record(optimizer, *args, **kwargs):
        seen.append(optimizer.param_groups[0]["lr"])
        return original_step(optimizer, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", record)
    train_textgen(_model(), VOCAB.encode("abc:\n" * 20), VOCAB.encode("abc:\n" * 4), cfg, torch.Generator(), 1)
    expected = [0.1 * lr_factor(s, 10, 2, "cosine") for s in range(10)]
    assert seen == pytest.approx(expected)


def test_build_model_budget():
    cfg = dataclasses.replace(CONFIG, param_budget=5000, num_layers=2)
    sizes = {}
    for cell in ("rnn", "lstm", "gru"):
        model, kwargs = build_model(cfg, cell, len(VOCAB))
        sizes[cell] = kwargs["hidden_size"]
        assert abs(count_parameters(model) - 5000) <= 0.05 * 5000, cell
    assert len(set(sizes.values())) == 3


def test_build_model_without_budget():
    model, kwargs = build_model(CONFIG, "lstm", len(VOCAB))
    assert kwargs["hidden_size"] == CONFIG.hidden_size
    assert model.rnn.hidden_size == CONFIG.hidden_size


def test_build_model_budget_too_small():
    cfg = dataclasses.replace(CONFIG, param_budget=10)
    with pytest.raises(ValueError, match=r"textgen.param_budget=10: a parameter budget of 10 is below"):
        build_model(cfg, "gru", len(VOCAB))


def test_full_loss_matches_windows():
    model = _model()
    data = VOCAB.encode("abc:\nab:c\n" * 5)
    chunk = 7
    starts = range(0, (data.numel() - 1) // chunk * chunk, chunk)
    windows = torch.stack([data[s : s + chunk + 1] for s in starts])
    with torch.no_grad():
        expected = sequence_loss(model, windows).item()
    assert math.isclose(full_loss(model, data, chunk, batch_size=3), expected, rel_tol=1e-5)


def test_bits_per_char():
    assert math.isclose(bits_per_char(math.log(2)), 1.0)


@pytest.mark.parametrize("batching,cell,dropout", [("random", "gru", 0.0), ("stream", "lstm", 0.3)])
def test_resume_equals_uninterrupted(batching, cell, dropout):
    import dataclasses

    cfg = dataclasses.replace(CONFIG, batching=batching, num_layers=2, dropout=dropout, lr_schedule="cosine", warmup_steps=5)
    data = VOCAB.encode("abc:\nabca:b\nccab:a\n" * 40)
    save = SavedStates()

    def run(resume=None):
        torch.manual_seed(0)
        model = CharRNN(len(VOCAB), len(VOCAB), cell, embed_dim=4, hidden_size=8, num_layers=2, layer_dropout=dropout)
        history = train_textgen(model, data, data, cfg, torch.Generator().manual_seed(0), 1, resume, save)
        return model, history

    full, full_history = run()
    resumed, resumed_history = run(save.load(40))
    assert resumed_history.curve == full_history.curve
    for a, b in zip(full.state_dict().values(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b)
