import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganrnn.config import LANGUAGES, BaselineConfig, LangidConfig
from ganrnn.data.languages import EvaluationSet, chunks_digest
from ganrnn.io import save_torch
from ganrnn.text.encoding import Vocabulary
from ganrnn.text.langid import (
    accuracy,
    accuracy_by_length,
    build_model,
    classification_loss,
    confusion_matrix,
    load_model,
    per_language_accuracy,
    predict,
    predict_proba,
    random_batch,
    score,
    tracked_metrics,
    train_langid,
)

from helpers import SavedStates

CFG = LangidConfig(
    cells=["gru"], embed_dim=8, hidden_size=16, num_layers=1, dropout=0.2, extra_linear=True,
    chunk_len=6, loss_from=0, batch_size=4, lr=1e-3, lr_schedule="constant", steps=2, grad_clip=5.0, eval_every=1,
    checkpoint_every=1,
    baseline=BaselineConfig(ngram_min=1, ngram_max=4, train_chunks=100, C=1.0),
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
    config.pop("baseline")
    save_torch(tmp_path / "m.pt", {"state_dict": model.state_dict(), "config": config})
    loaded = load_model(tmp_path / "m.pt")
    chunks = ["some text here"]
    assert predict(loaded, chunks) == predict(model, chunks)
    assert np.allclose(predict_proba(loaded, chunks), predict_proba(model, chunks))


def test_predict_batches_by_length():
    model = _model()
    calls = []
    model.register_forward_hook(lambda module, inputs, output: calls.append(tuple(inputs[0].shape)))
    chunks = ["abc", "defghij", "klm", "nopqrst", "uvw", "xy"]
    predict(model, chunks)
    assert sorted(calls) == [(1, 2), (2, 7), (3, 3)]


def test_per_language_accuracy():
    # english has 3 of 4 right, french 1 of 2 and german 0 of 1. The other languages are absent.
    truth = ["english"] * 4 + ["french"] * 2 + ["german"]
    predicted = ["english", "english", "english", "french", "french", "english", "french"]
    result = per_language_accuracy(truth, predicted)
    assert result == {"english": 0.75, "french": 0.5, "german": 0.0}
    assert list(result) == ["english", "french", "german"]


def test_per_language_matches_confusion_diagonal():
    truth = ["english"] * 4 + ["french"] * 2 + ["german"]
    predicted = ["english", "english", "english", "french", "french", "english", "french"]
    matrix = confusion_matrix(truth, predicted)
    for language, value in per_language_accuracy(truth, predicted).items():
        index = LANGUAGES.index(language)
        assert matrix[index, index] == value, language


def _evaluation(kaggle_truth):
    return EvaluationSet(
        truth=["english", "english", "maori", "maori"],
        chunks=["the cat", "a dog ", "te reo", "he aha"],
        kaggle_chunks=["kia ora", "hello"],
        kaggle_truth=kaggle_truth,
    )


def test_score_labelled_kaggle():
    metrics = score(_evaluation(["maori", "english"]), ["english", "maori", "maori", "maori"], ["maori", "maori"])
    assert metrics["accuracy"] == 0.75
    assert metrics["per_language_accuracy"] == {"english": 0.5, "maori": 1.0}
    assert metrics["kaggle_accuracy"] == 0.5
    assert metrics["test_chunks_sha256"] == chunks_digest(["the cat", "a dog ", "te reo", "he aha"])


def test_score_unlabelled_kaggle():
    metrics = score(_evaluation(None), ["english"] * 4, None)
    assert "kaggle_accuracy" not in metrics
    assert metrics["kaggle_chunks"] == 2


def test_digest_sees_edge_spaces():
    assert chunks_digest(["a dog "]) != chunks_digest(["a dog"])
    assert chunks_digest(["ab", "c"]) != chunks_digest(["a", "bc"])


def test_tracked_metrics_flat():
    metrics = score(_evaluation(None), ["english"] * 4, None)
    flat = tracked_metrics(metrics)
    assert flat["accuracy_english"] == 1.0
    assert flat["accuracy_maori"] == 0.0
    assert "test_chunks_sha256" not in flat
    assert all(isinstance(v, float) for v in flat.values())


def test_loss_last_step_only():
    logits = torch.zeros(2, 5, len(LANGUAGES))
    logits[:, -1, 3] = 10.0  # only the last step names language 3
    labels = torch.tensor([3, 3])
    assert classification_loss(logits, labels, 0) < 1e-3
    assert classification_loss(logits, labels, 1) > 1.0


def test_loss_mean_over_steps():
    logits = torch.randn(3, 6, len(LANGUAGES), generator=torch.Generator().manual_seed(0))
    labels = torch.tensor([0, 5, 19])
    expected = torch.stack([F.cross_entropy(logits[:, t], labels) for t in range(3, 6)]).mean()
    assert torch.allclose(classification_loss(logits, labels, 4), expected)


def test_training_separates_constant_texts():
    # Each language's text is one repeated character, so a few steps suffice to tell them apart.
    train = {lang: torch.full((40,), 10 + i) for i, lang in enumerate(LANGUAGES)}
    cfg = dataclasses.replace(
        CFG, hidden_size=32, steps=100, batch_size=40, lr=0.02, loss_from=2, lr_schedule="cosine", eval_every=20
    )
    torch.manual_seed(0)
    model = build_model(cfg, "gru")
    history = train_langid(model, train, cfg, torch.Generator().manual_seed(0))
    chunks = [Vocabulary.printable().decode([10 + i] * 3) for i in range(len(LANGUAGES))]
    assert predict(model, chunks) == list(LANGUAGES)
    assert history.curve[-1][1] < history.curve[0][1]


def test_resume_equals_uninterrupted():
    cfg = dataclasses.replace(CFG, steps=12, eval_every=5, checkpoint_every=4, lr_schedule="cosine")
    texts = {lang: torch.randint(1, 30, (200,), generator=torch.Generator().manual_seed(i)) for i, lang in enumerate(LANGUAGES)}
    save = SavedStates()

    def run(resume=None):
        torch.manual_seed(0)
        model = build_model(cfg, "gru")
        history = train_langid(model, texts, cfg, torch.Generator().manual_seed(0), resume, save)
        return model, history

    full, full_history = run()
    resumed, resumed_history = run(save.load(8))
    assert resumed_history.curve == full_history.curve
    for a, b in zip(full.state_dict().values(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b)
