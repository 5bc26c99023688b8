"""Non-neural language identification baseline: character n-gram TF-IDF and a linear SVM.

It trains on chunks drawn from the same prepared training text as the CharRNN classifier, with
lengths drawn like the test chunks'. The evaluate_baseline stage scores it on the chunks of
`load_evaluation_set`, the same ones the RNN is scored on.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from ganrnn.config import LANGUAGES, BaselineConfig
from ganrnn.data.languages import sample_chunks
from ganrnn.text.encoding import Vocabulary

log = logging.getLogger(__name__)


def training_chunks(
    train: dict[str, torch.Tensor], count: int, min_len: int, max_len: int, seed: int
) -> list[tuple[str, str]]:
    """Draw `count` (language, chunk) pairs from the encoded training text of each language.

    Languages take turns in LANGUAGES order and lengths are uniform in [min_len, max_len], as
    `prepare` draws the test chunks from the test text.
    """
    if not train:
        raise ValueError("the training data has no languages; run: dvc repro prepare@languages")
    unknown = sorted(set(train) - set(LANGUAGES))
    if unknown:
        raise ValueError(f"the training data has unknown languages {unknown}; use names from config.LANGUAGES")
    vocab = Vocabulary.printable()
    texts = {language: vocab.decode(train[language]) for language in LANGUAGES if language in train}
    short = {language: len(text) for language, text in texts.items() if len(text) < max_len}
    if short:
        raise ValueError(
            f"training texts shorter than data.languages.max_chunk_len={max_len}: {short}. "
            f"Lower max_chunk_len or add text"
        )
    return sample_chunks(texts, count, min_len, max_len, np.random.default_rng(seed))


def build_baseline(cfg: BaselineConfig, seed: int) -> Pipeline:
    """Build the unfitted pipeline: TF-IDF of character n-grams, then a one-vs-rest linear SVM."""
    # Sublinear term frequency (1 + log tf) keeps n-grams repeated within a chunk from dominating.
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(cfg.ngram_min, cfg.ngram_max), sublinear_tf=True)
    return Pipeline([("tfidf", vectorizer), ("svm", LinearSVC(C=cfg.C, random_state=seed))])


def train_baseline(
    cfg: BaselineConfig, train: dict[str, torch.Tensor], min_len: int, max_len: int, seed: int
) -> Pipeline:
    """Fit the baseline on `cfg.train_chunks` chunks of the training text; deterministic for a seed."""
    chunks = training_chunks(train, cfg.train_chunks, min_len, max_len, seed)
    model = build_baseline(cfg, seed)
    model.fit([chunk for _, chunk in chunks], [language for language, _ in chunks])
    log.info(
        "fitted the n-gram baseline on %d chunks, %d features",
        len(chunks), len(model.named_steps["tfidf"].vocabulary_),
    )  # fmt: skip
    return model


def predict_baseline(model: Pipeline, chunks: list[str]) -> list[str]:
    """Name the language of every chunk, in input order."""
    return [str(language) for language in model.predict(chunks)]
