"""Inference: a model's inference bundle (`nlp.model.bundle`) turned into one linear scorer that tags.

Every linear model of the tagger (the theme SVMs, the fold SVMs of both sentiment heads and of the final
sentiment SVM) is laid side by side, so one pass over a statement's features gives every decision value;
probabilities follow from them with the fitted Platt sigmoids. Tagging needs nothing but the bundle's
arrays: no scikit-learn is imported. The fitted `TaggerModel` itself (scikit-learn objects, from
`model.pickle`) is loaded only when something needs it: `explain`, and the general feature path (the
`de_core_news_sm` pipeline). The equivalence tests (`tests/model/test_inference.py`) are this module's
contract with `TaggerModel.predict_proba`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress
from typing import TYPE_CHECKING

import numpy as np
from spacy.language import Language

from nlp.model.abstain import KnownWords, no_content_reason
from nlp.model.assignment import assign_themes, head_columns
from nlp.model.bundle import InferenceBundle, LinearLayout, calibrated_from_decisions
from nlp.model.fastfeatures import FastFeatures
from nlp.model.fastfeatures import supported as fast_supported
from nlp.model.features import StatementInput

if TYPE_CHECKING:
    from nlp.model.estimators import TaggerModel

__all__ = ["Prediction", "Tagger"]


@dataclass(frozen=True)
class Prediction:
    themes: tuple[str, ...]
    sentiment: str
    theme_scores: dict[str, float]
    sentiment_scores: dict[str, float]
    model_version: str
    abstained: str | None = None  # why no label was given: the statement has no content (`abstain`)


def theme_probabilities(layout: LinearLayout, decisions: np.ndarray) -> np.ndarray:
    """Theme probabilities from the theme SVMs' decision values (bias included)."""
    slope, offset, constant = layout.theme_calibration
    proba = 1.0 / (1.0 + np.exp(-(slope * decisions + offset)))
    fixed = ~np.isnan(constant)
    proba[:, fixed] = constant[fixed]
    return proba


def sentiment_probabilities(
    bundle: InferenceBundle,
    positive: np.ndarray,
    negative: np.ndarray,
    final: np.ndarray,
) -> np.ndarray:
    """`JudgementSentiment.predict_proba` from decision values: the two heads' fold SVMs (bias included),
    and the final SVMs' without the head columns, which the final SVMs' weights on them add."""
    p = np.column_stack(
        [
            calibrated_from_decisions(head, d)[:, 1]
            for head, d in zip(bundle.heads, (positive, negative), strict=True)
        ]
    )
    heads = head_columns(p, bundle.head_weight)
    return calibrated_from_decisions(bundle.final, final + heads @ bundle.layout.head_weights)


class Tagger:
    """A loaded model that tags: `decisions` → `probabilities_from` → `predictions` (or `tag` for all
    three). With the default pipeline the decision values come from per-word caches without building
    feature matrices (`nlp.model.fastfeatures`); otherwise through the fitted transformers.

    Made from a fitted `TaggerModel` (`Tagger(model)`), or from an inference bundle with a `loader` that
    returns the `TaggerModel` when something needs it (`nlp.model.artifacts.load_model`)."""

    def __init__(
        self,
        model: TaggerModel | None = None,
        lang: Language | None = None,
        *,
        bundle: InferenceBundle | None = None,
        version: str | None = None,
        loader: Callable[[], TaggerModel] | None = None,
    ):
        """`lang`: a spaCy pipeline whose tokenizer the word-level path uses for new words; by default it
        makes the blank German tokenizer on first need (`nlp.model.fastfeatures`)."""
        if bundle is None:
            if model is None:
                raise TypeError("Tagger needs a fitted TaggerModel or an inference bundle")
            bundle = InferenceBundle.of(model)
        self.bundle = bundle
        self.version: str = version if version is not None else model.version if model is not None else ""
        self._model = model
        self._loader = loader
        self._model_lock = threading.Lock()
        self.layout = bundle.layout
        tables = bundle.features
        self.fast = (
            FastFeatures(tables, bundle.pipeline_name, weights=self.layout.weights, lang=lang)
            if fast_supported(bundle.pipeline_name) and tables.char_range is not None
            else None
        )

    @property
    def model(self) -> TaggerModel:
        """The fitted `TaggerModel` (scikit-learn objects), loaded on first use when made from a bundle."""
        if self._model is None:
            with self._model_lock:
                if self._model is None:
                    if self._loader is None:
                        raise TypeError("this Tagger has no fitted model to load")
                    model = self._loader()
                    model.version = self.version
                    self._model = model
        return self._model

    @property
    def theme_ids(self) -> tuple[str, ...]:
        return self.bundle.theme_ids

    @property
    def sentiment_ids(self) -> tuple[str, ...]:
        return self.bundle.sentiment_ids

    @property
    def pipeline_name(self) -> str:
        return self.bundle.pipeline_name

    @property
    def thresholds(self) -> dict[str, float]:
        return dict(zip(self.theme_ids, self.bundle.thresholds.tolist(), strict=True))

    def decisions(self, statements: Sequence[StatementInput]) -> np.ndarray:
        """Every linear model's decision values (columns as `LinearLayout`), bias included."""
        layout = self.layout
        out = (
            self.fast.decisions([s.text for s in statements], [s.section for s in statements])
            if self.fast is not None
            else None
        )
        if out is None:
            X, X_sentiment = self.model.transform(statements)
            out = np.asarray(X @ layout.weights), X_sentiment[:, X.shape[1] :].toarray()
        decisions, cues = out
        decisions += cues @ layout.cue_weights
        decisions += layout.bias
        return decisions

    def probabilities_from(self, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(theme probabilities in label order, sentiment probabilities in the classifier's class order):
        the numbers of `TaggerModel.predict_proba`, from the decision values of `decisions`."""
        layout = self.layout
        return (
            theme_probabilities(layout, d[:, layout.themes]),
            sentiment_probabilities(
                self.bundle, d[:, layout.positive], d[:, layout.negative], d[:, layout.final]
            ),
        )

    def tag(self, statements: Sequence[StatementInput]) -> list[Prediction]:
        """Themes and sentiment of each statement; a statement without content (`nlp.model.abstain`)
        gets no theme, `neutral` and the reason, with the scores the classifiers gave it."""
        if not statements:
            return []
        predictions = self.predictions(*self.probabilities_from(self.decisions(statements)))
        known = self.known_words
        for i, statement in enumerate(statements):
            reason = no_content_reason(statement.text, known)
            if reason is not None:
                p = predictions[i]
                predictions[i] = Prediction(
                    (), "neutral", p.theme_scores, p.sentiment_scores, p.model_version, reason
                )
        return predictions

    @functools.cached_property
    def known_words(self) -> KnownWords:
        """The words "no known words" is checked against: the single words among the model's lemma
        features, inflected or not, and the words of German."""
        vocabulary = self.bundle.features.lemma_vocabulary
        return KnownWords(w for w in vocabulary if " " not in w and not w.startswith("neg_"))

    def predictions(self, theme_p: np.ndarray, sentiment_p: np.ndarray) -> list[Prediction]:
        """`Prediction` objects from the probability matrices (themes in label order, sentiments in the
        classifier's class order)."""
        classes = list(self.bundle.classes)
        # Scores in codebook order (0.0 for a sentiment the training data never had), rounded once.
        sentiment_scores = np.zeros((theme_p.shape[0], len(self.sentiment_ids)))
        for k, s in enumerate(self.sentiment_ids):
            if s in classes:
                sentiment_scores[:, k] = sentiment_p[:, classes.index(s)]
        sentiment_scores = sentiment_scores.round(4)
        bundle = self.bundle
        assigned = assign_themes(theme_p, bundle.thresholds, bundle.theme_relative, bundle.theme_fallback)
        best = sentiment_scores.argmax(axis=1)  # ties go to the first id, as `max` over the dict did
        theme_ids, sentiment_ids, version = self.theme_ids, self.sentiment_ids, self.version
        return [
            Prediction(
                tuple(compress(theme_ids, row_assigned)),
                sentiment_ids[b],
                dict(zip(theme_ids, row_scores, strict=False)),  # rows have exactly these lengths
                dict(zip(sentiment_ids, row_sentiment, strict=False)),
                version,
            )
            for row_assigned, row_scores, row_sentiment, b in zip(
                assigned.tolist(),
                theme_p.round(4).tolist(),
                sentiment_scores.tolist(),
                best.tolist(),
                strict=True,
            )
        ]

    @functools.cached_property
    def _feature_names(self) -> tuple[list[str], list[str]]:
        """The names of the theme and of the sentiment feature columns: fixed once the model is fitted, and
        computing them (some 60,000) costs more than the rest of an explanation, so once per loaded model."""
        model = self.model
        names = list(model.features.get_feature_names_out())
        cues = list(model.sentiment_cues.get_feature_names_out())
        return names, names + cues + list(model.sentiment.feature_names)

    def explain(self, statement: StatementInput, prediction: Prediction, top: int = 5) -> dict[str, list]:
        """The terms that pushed each assigned label: feature value × coefficient, largest first."""
        model = self.model
        x, x_sentiment = model.transform([statement])
        names, sentiment_names = self._feature_names
        out: dict[str, list] = {}
        for j, theme in enumerate(self.theme_ids):
            if theme in prediction.themes:
                svm = model.themes.estimators_[j]
                out[theme] = _top_terms(x, svm.coef_[0] if svm is not None else None, names, top)
        k = list(model.sentiment.classes_).index(prediction.sentiment)
        x_sentiment = model.sentiment._with_heads(
            x_sentiment, np.column_stack([h.predict_proba(x_sentiment)[:, 1] for h in model.sentiment.heads_])
        )
        out[prediction.sentiment] = _top_terms(
            x_sentiment, _coef(model.sentiment.final_, k), sentiment_names, top
        )
        return out


def _coef(calibrated, k: int = 0) -> np.ndarray | None:
    """Average coefficient vector of the linear models inside a calibrated classifier."""
    if not hasattr(calibrated, "calibrated_classifiers_"):
        return None
    coefs = []
    for c in calibrated.calibrated_classifiers_:
        coef = c.estimator.coef_
        coefs.append(coef[0] if coef.shape[0] == 1 else coef[k])
    return np.mean(coefs, axis=0)


def _top_terms(x, coef, names, top: int) -> list[tuple[str, float]]:
    """Readable features with their positive contribution: "lemma: moderation", "chars: 'derat'"."""
    if coef is None:
        return []
    row = x.tocsr()
    out = []
    for i, value in zip(row.indices, row.data, strict=True):
        contribution = float(value * coef[i])
        if contribution > 0:
            out.append((_readable(names[i]), round(contribution, 4)))
    return sorted(out, key=lambda item: -item[1])[:top]


def _readable(name: str) -> str:
    kind, _, feature = name.partition("__")
    if kind == "chars":
        return f"chars: {feature!r}"
    if kind == "section":
        return f"section: {feature.split('_', 1)[-1]}"
    if kind in ("cues", "polarity"):
        return f"cue: {feature}"
    if kind.startswith("judgement"):
        return kind
    return f"lemma: {feature}"
