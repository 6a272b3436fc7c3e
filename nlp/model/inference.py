"""Inference: a fitted `TaggerModel` turned, at load time, into one linear scorer that tags.

Every linear model of the tagger (the theme SVMs, the fold SVMs of both sentiment heads and of the final
sentiment SVM) is laid side by side, so one pass over a statement's features gives every decision value;
probabilities follow from them with the fitted Platt sigmoids. This is the only module that reads
scikit-learn's fitted internals (`calibrated_classifiers_`, the calibrators' `a_`, `b_`): the equivalence
tests (`tests/model/test_inference.py`) are its contract with `TaggerModel.predict_proba`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress

import numpy as np
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from spacy.language import Language

from nlp.model.abstain import no_content_reason
from nlp.model.estimators import JudgementSentiment, TaggerModel, ThresholdedMultiLabel
from nlp.model.fastfeatures import FastFeatures
from nlp.model.fastfeatures import supported as fast_supported
from nlp.model.features import StatementInput


@dataclass(frozen=True)
class Prediction:
    themes: tuple[str, ...]
    sentiment: str
    theme_scores: dict[str, float]
    sentiment_scores: dict[str, float]
    model_version: str
    abstained: str | None = None  # why no label was given: the statement has no content (`abstain`)


def fold_weights(calibrated: CalibratedClassifierCV) -> tuple[np.ndarray, np.ndarray]:
    """(weights, bias) of a calibrated classifier's fold SVMs side by side: features × (folds × outputs)."""
    svms = [fold.estimator for fold in calibrated.calibrated_classifiers_]
    weights = np.ascontiguousarray(np.vstack([svm.coef_ for svm in svms]).T)
    return weights, np.concatenate([svm.intercept_ for svm in svms])


def calibrated_from_decisions(calibrated: CalibratedClassifierCV, decisions: np.ndarray) -> np.ndarray:
    """`calibrated.predict_proba` from its fold SVMs' decision values (columns as `_fold_weights`)."""
    classes = calibrated.classes_
    total = np.zeros((decisions.shape[0], len(classes)))
    width = decisions.shape[1] // len(calibrated.calibrated_classifiers_)
    for k, fold in enumerate(calibrated.calibrated_classifiers_):
        decision = decisions[:, k * width : (k + 1) * width]
        a = np.array([c.a_ for c in fold.calibrators])
        b = np.array([c.b_ for c in fold.calibrators])
        p = expit(-(decision * a + b))
        if len(classes) == 2:
            proba = np.column_stack([1.0 - p[:, 0], p[:, 0]])
        else:
            proba = np.zeros_like(total)
            proba[:, np.searchsorted(classes, fold.estimator.classes_)] = p
            denominator = proba.sum(axis=1, keepdims=True)
            proba = np.divide(
                proba, denominator, out=np.full_like(proba, 1 / len(classes)), where=denominator != 0
            )
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        total += proba
    return total / len(calibrated.calibrated_classifiers_)


def stacked_themes(themes: ThresholdedMultiLabel):
    """(weights features × labels in C order, bias, Platt slope, Platt offset, constant) of the theme SVMs;
    `constant` is the base rate of a label too rare to learn (NaN elsewhere)."""
    n_features = next((e.coef_.shape[1] for e in themes.estimators_ if e is not None), 0)
    n = len(themes.estimators_)
    weights = np.zeros((n, n_features))
    bias, slope, offset = (np.zeros(n) for _ in range(3))
    constant = np.full(n, np.nan)
    for j, (svm, calibrator) in enumerate(zip(themes.estimators_, themes.calibrators_, strict=True)):
        if svm is None:
            constant[j] = calibrator
            continue
        weights[j], bias[j] = svm.coef_[0], svm.intercept_[0]
        slope[j], offset[j] = calibrator.coef_[0, 0], calibrator.intercept_[0]
    # scipy's sparse @ dense wants the weights in C order and would otherwise copy them on every call
    return np.ascontiguousarray(weights.T), bias, slope, offset, constant


@dataclass(frozen=True)
class LinearLayout:
    """All linear models of a `TaggerModel` side by side, so one pass over a statement's features gives
    every decision value: the theme SVMs, the fold SVMs of both sentiment heads and of the final
    sentiment SVM."""

    weights: np.ndarray  # theme features × outputs (C order)
    cue_weights: np.ndarray  # cue columns × outputs (zero for the themes, which do not see the cues)
    bias: np.ndarray
    theme_calibration: tuple[np.ndarray, np.ndarray, np.ndarray]  # Platt slope, offset, constant per theme
    head_weights: np.ndarray  # the final sentiment SVMs' weights on the head columns
    themes: slice
    positive: slice
    negative: slice
    final: slice

    @classmethod
    def of(cls, themes: ThresholdedMultiLabel, sentiment: JudgementSentiment) -> LinearLayout:
        theme_weights, theme_bias, *calibration = stacked_themes(themes)
        n = theme_weights.shape[0]
        parts = [(theme_weights, theme_bias)] + [
            fold_weights(c) for c in (*sentiment.heads_, sentiment.final_)
        ]
        n_cues = parts[1][0].shape[0] - n
        widths = np.cumsum([0] + [w.shape[1] for w, _ in parts])
        cue_weights = np.zeros((n_cues, widths[-1]))
        for (w, _), start, end in zip(parts[1:], widths[1:-1], widths[2:], strict=True):
            cue_weights[:, start:end] = w[n : n + n_cues]
        return cls(
            weights=np.ascontiguousarray(np.hstack([w[:n] for w, _ in parts])),
            cue_weights=cue_weights,
            bias=np.concatenate([b for _, b in parts]),
            theme_calibration=(calibration[0], calibration[1], calibration[2]),
            head_weights=parts[3][0][n + n_cues :],
            themes=slice(widths[0], widths[1]),
            positive=slice(widths[1], widths[2]),
            negative=slice(widths[2], widths[3]),
            final=slice(widths[3], widths[4]),
        )


def theme_probabilities(layout: LinearLayout, decisions: np.ndarray) -> np.ndarray:
    """Theme probabilities from the theme SVMs' decision values (bias included)."""
    slope, offset, constant = layout.theme_calibration
    proba = 1.0 / (1.0 + np.exp(-(slope * decisions + offset)))
    fixed = ~np.isnan(constant)
    proba[:, fixed] = constant[fixed]
    return proba


def sentiment_probabilities(
    sentiment: JudgementSentiment,
    positive: np.ndarray,
    negative: np.ndarray,
    final: np.ndarray,
    head_weights: np.ndarray,
) -> np.ndarray:
    """`sentiment.predict_proba` from decision values: the two heads' fold SVMs (bias included), and the
    final SVMs' without the head columns, which `head_weights` (final's weights on them) add."""
    p = np.column_stack(
        [
            calibrated_from_decisions(head, d)[:, 1]
            for head, d in zip(sentiment.heads_, (positive, negative), strict=True)
        ]
    )
    return calibrated_from_decisions(sentiment.final_, final + sentiment._heads(p) @ head_weights)


class Tagger:
    """A loaded model that tags: `decisions` → `probabilities_from` → `predictions` (or `tag` for all
    three). With the default pipeline the decision values come from per-word caches without building
    feature matrices (`nlp.model.fastfeatures`); otherwise through the fitted transformers."""

    def __init__(self, model: TaggerModel, lang: Language | None = None):
        """`lang`: the spaCy pipeline of the word-level path (the model's own lemma table, see
        `nlp.model.lemma_table`); by default the full one."""
        self.model = model
        self.layout = LinearLayout.of(model.themes, model.sentiment)
        self.fast = (
            FastFeatures(
                model.features,
                model.sentiment_cues,
                model.pipeline_name,
                weights=self.layout.weights,
                lang=lang,
            )
            if fast_supported(model.pipeline_name)
            else None
        )

    @property
    def version(self) -> str:
        return self.model.version

    @property
    def theme_ids(self) -> tuple[str, ...]:
        return self.model.theme_ids

    @property
    def sentiment_ids(self) -> tuple[str, ...]:
        return self.model.sentiment_ids

    @property
    def pipeline_name(self) -> str:
        return self.model.pipeline_name

    @property
    def thresholds(self) -> dict[str, float]:
        return dict(zip(self.theme_ids, self.model.themes.thresholds_.tolist(), strict=True))

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
                self.model.sentiment,
                d[:, layout.positive],
                d[:, layout.negative],
                d[:, layout.final],
                layout.head_weights,
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
    def known_words(self) -> frozenset[str]:
        """The single words among the model's lemma features (what "no known words" is checked against)."""
        parts = {name: transformer for name, transformer, _ in self.model.features.transformers_}
        vocabulary = parts["lemmas"].vocabulary_
        return frozenset(w for w in vocabulary if " " not in w and not w.startswith("neg_"))

    def predictions(self, theme_p: np.ndarray, sentiment_p: np.ndarray) -> list[Prediction]:
        """`Prediction` objects from the probability matrices (themes in label order, sentiments in the
        classifier's class order)."""
        classes = list(self.model.sentiment.classes_)
        # Scores in codebook order (0.0 for a sentiment the training data never had), rounded once.
        sentiment_scores = np.zeros((theme_p.shape[0], len(self.sentiment_ids)))
        for k, s in enumerate(self.sentiment_ids):
            if s in classes:
                sentiment_scores[:, k] = sentiment_p[:, classes.index(s)]
        sentiment_scores = sentiment_scores.round(4)
        assigned = self.model.themes.assign(theme_p)
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
