"""spaCy's own text classifiers as a baseline: `textcat_multilabel` for themes, `textcat` for sentiment.

Trained on the same folds as ours by `kfd evaluate --baseline spacy`, with spaCy's default model
architecture for each component and the same pipeline base (tokenizer) as ours.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import spacy
from spacy.training import Example
from spacy.util import minibatch

from nlp.codebook import Codebook
from nlp.model.estimators import TrainingExample
from nlp.model.features import StatementInput
from nlp.model.inference import Prediction

EPOCHS = 10


def spacy_textcat(codebook: Codebook, seed: int = 0, epochs: int = EPOCHS):
    """A `fit` function for `evaluate.cross_validate` that trains spaCy's text classifiers."""

    def fit(train: Sequence[TrainingExample]) -> Callable[[list[StatementInput]], list[Prediction]]:
        # Two pipelines: textcat checks that at most one category per example is positive, over all cats.
        themes = _train(
            "textcat_multilabel",
            codebook.theme_ids,
            [(e.statement.text, {t: float(t in e.themes) for t in codebook.theme_ids}) for e in train],
            seed,
            epochs,
        )
        sentiment = _train(
            "textcat",
            codebook.sentiment_ids,
            [(e.statement.text, {s: float(s == e.sentiment) for s in codebook.sentiment_ids}) for e in train],
            seed,
            epochs,
        )

        def predict(statements: list[StatementInput]) -> list[Prediction]:
            out = []
            texts = [s.text for s in statements]
            for theme_doc, sentiment_doc in zip(themes.pipe(texts), sentiment.pipe(texts), strict=True):
                theme_scores = {t: round(float(theme_doc.cats[t]), 4) for t in codebook.theme_ids}
                sentiment_scores = {s: round(float(sentiment_doc.cats[s]), 4) for s in codebook.sentiment_ids}
                out.append(
                    Prediction(
                        themes=tuple(t for t, p in theme_scores.items() if p >= 0.5),
                        sentiment=max(sentiment_scores, key=lambda s: sentiment_scores[s]),
                        theme_scores=theme_scores,
                        sentiment_scores=sentiment_scores,
                        model_version="spacy-baseline",
                    )
                )
            return out

        return predict

    return fit


def _train(factory: str, labels: Sequence[str], data: list[tuple[str, dict]], seed: int, epochs: int):
    spacy.util.fix_random_seed(seed)
    lang = spacy.blank("de")
    component: Any = lang.add_pipe(factory)  # a TextCategorizer
    for label in labels:
        component.add_label(label)
    examples = [Example.from_dict(lang.make_doc(text), {"cats": cats}) for text, cats in data]
    optimizer = lang.initialize(lambda: examples)
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=16):
            lang.update(batch, sgd=optimizer, drop=0.2)
    return lang
