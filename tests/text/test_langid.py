import numpy as np
import pytest
import torch

from ganrnn.config import LANGUAGES, LangidConfig
from ganrnn.io import save_torch
from ganrnn.text.langid import (
    accuracy,
    accuracy_by_length,
    build_model,
    confusion_matrix,
    load_model,
    predict,
    predict_proba,
    random_batch,
)

CFG = LangidConfig(
    cells=["gru"], embed_dim=8, hidden_size=16, num_layers=1, dropout=0.2, extra_linear=True,
    chunk_len=6, batch_size=4, lr=1e-3, steps=2, grad_clip=5.0, eval_every=1,
)  # fmt: skip


def _model():
    torch.manual_seed(0)
    return build_model(CFG, "gru").eval()


def test_batched_equals_single():
    model = _model()
    chunks = ["hello there", "bonjour", "hallo welt!", "ciao", "hej med dig"]
    batched = predict_proba(model, chunks, batch_size=2)
    single = torch.cat([predict_proba(model, [c]) for c in chunks])
    assert torch.allclose(batched, single, atol=1e-6)
    assert torch.allclose(batched.sum(1), torch.ones(len(chunks)))


def test_empty_chunk_rejected():
    with pytest.raises(ValueError, match=r"chunk 2 is empty"):
        predict_proba(_model(), ["abc", ""])


def test_confusion_rows_normalized():
    truth = ["english", "english", "french", "french"]
    predicted = ["english", "french", "french", "french"]
    matrix = confusion_matrix(truth, predicted)
    en, fr = LANGUAGES.index("english"), LANGUAGES.index("french")
    assert matrix[en, en] == 0.5
    assert matrix[en, fr] == 0.5
    assert matrix[fr, fr] == 1.0
    assert matrix[LANGUAGES.index("maori")].sum() == 0.0


def test_accuracy_and_by_length():
    truth, predicted, chunks = ["a", "b", "c"], ["a", "x", "c"], ["12", "34", "567"]
    assert accuracy(truth, predicted) == pytest.approx(2 / 3)
    assert accuracy_by_length(truth, predicted, chunks) == [(2, 0.5, 2), (3, 1.0, 1)]


def test_random_batch_labels_match_text():
    train = {lang: torch.full((20,), i) for i, lang in enumerate(LANGUAGES)}
    ids, labels = random_batch(train, 6, 16, torch.Generator().manual_seed(0))
    assert ids.shape == (16, 6)
    assert torch.equal(ids[:, 0], labels)


def test_checkpoint_roundtrip(tmp_path):
    model = _model()
    config = {**CFG.__dict__, "cell": "gru"}
    config.pop("cells")
    save_torch(tmp_path / "m.pt", {"state_dict": model.state_dict(), "config": config})
    loaded = load_model(tmp_path / "m.pt")
    chunks = ["some text here"]
    assert predict(loaded, chunks) == predict(model, chunks)
    assert np.allclose(predict_proba(loaded, chunks), predict_proba(model, chunks))
