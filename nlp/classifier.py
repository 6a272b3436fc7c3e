"""Theme (multi-label) and sentiment (one of four) classifiers, built from stock scikit-learn parts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.svm import LinearSVC

from .features import StatementInput, feature_union, prepare

THRESHOLD_GRID = np.round(np.arange(0.15, 0.71, 0.025), 3)
# Regularisation chosen by grouped cross-validation on the corpus (`kfd evaluate`).
THEME_C = 0.3
SENTIMENT_C = 0.3


def calibrated_svm(C: float, seed: int) -> CalibratedClassifierCV:
    """A linear SVM with Platt-scaled probabilities (3-fold, deterministic). Linear SVMs are the
    strongest of the fast linear models on this corpus, and train in milliseconds."""
    return CalibratedClassifierCV(
        LinearSVC(C=C, class_weight="balanced", random_state=seed),
        method="sigmoid",
        cv=StratifiedKFold(3),
    )


class ThresholdedMultiLabel(ClassifierMixin, BaseEstimator):
    """One calibrated binary classifier per label; each label's decision threshold maximises its F1
    on out-of-fold probabilities (folds grouped by report, so one report never straddles a split)."""

    def __init__(self, estimator=None, cv: int = 3, threshold_grid=THRESHOLD_GRID):
        self.estimator = estimator
        self.cv = cv
        self.threshold_grid = threshold_grid

    def fit(self, X, Y, groups=None):
        Y = np.asarray(Y, dtype=int)
        groups = np.arange(len(Y)) if groups is None else np.asarray(groups)
        n_labels = Y.shape[1]
        self.estimators_ = [self._fit_one(X, Y[:, j]) for j in range(n_labels)]
        self.thresholds_ = np.full(n_labels, 0.5)
        n_splits = min(self.cv, len(np.unique(groups)))
        if n_splits < 2:
            return self
        oof = np.zeros(Y.shape, dtype=float)
        for train, test in GroupKFold(n_splits).split(X, Y, groups):
            for j in range(n_labels):
                oof[test, j] = _positive_proba(self._fit_one(X[train], Y[train, j]), X[test])
        for j in range(n_labels):
            self.thresholds_[j] = _best_threshold(Y[:, j], oof[:, j], self.threshold_grid)
        return self

    def _fit_one(self, X, y):
        if y.min() == y.max() or min(np.bincount(y, minlength=2)) < 3:
            return _Constant(float(y.mean()))
        return clone(self.estimator).fit(X, y)

    def predict_proba(self, X) -> np.ndarray:
        return np.column_stack([_positive_proba(e, X) for e in self.estimators_])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) >= self.thresholds_).astype(int)


class _Constant:
    """Stands in for a label with too few examples in a training split."""

    def __init__(self, p: float):
        self.p = p

    def predict_proba(self, X):
        return np.column_stack([np.full(X.shape[0], 1 - self.p), np.full(X.shape[0], self.p)])


def _positive_proba(estimator, X) -> np.ndarray:
    return estimator.predict_proba(X)[:, 1]


def _best_threshold(y: np.ndarray, p: np.ndarray, grid) -> float:
    if y.sum() == 0:
        return 0.5
    best, best_f1 = 0.5, -1.0
    for t in grid:
        pred = p >= t
        tp = float(np.sum(pred & (y == 1)))
        f1 = 2 * tp / (pred.sum() + y.sum()) if pred.sum() + y.sum() else 0.0
        # Ties go to the threshold nearest 0.5: less tuned to the quirks of this corpus.
        if f1 > best_f1 + 1e-9 or (abs(f1 - best_f1) <= 1e-9 and abs(t - 0.5) < abs(best - 0.5)):
            best, best_f1 = float(t), f1
    return best


@dataclass(frozen=True)
class Prediction:
    themes: tuple[str, ...]
    sentiment: str
    theme_scores: dict[str, float]
    sentiment_scores: dict[str, float]
    model_version: str


@dataclass
class TaggerModel:
    """Fitted features and classifiers with their label ids; what `models/<version>/model.joblib` holds."""

    features: object
    themes: ThresholdedMultiLabel
    sentiment: CalibratedClassifierCV
    theme_ids: tuple[str, ...]
    sentiment_ids: tuple[str, ...]
    pipeline_name: str
    version: str = "unsaved"

    def transform(self, statements: Sequence[StatementInput]):
        return self.features.transform(prepare(statements, self.pipeline_name))

    def tag(self, statements: Sequence[StatementInput]) -> list[Prediction]:
        if not statements:
            return []
        X = self.transform(statements)
        theme_p = self.themes.predict_proba(X)
        sentiment_p = self.sentiment.predict_proba(X)
        classes = list(self.sentiment.classes_)
        order = [classes.index(s) if s in classes else None for s in self.sentiment_ids]
        predictions = []
        for i in range(X.shape[0]):
            theme_scores = {t: round(float(theme_p[i, j]), 4) for j, t in enumerate(self.theme_ids)}
            sentiment_scores = {
                s: round(float(sentiment_p[i, k]), 4) if k is not None else 0.0
                for s, k in zip(self.sentiment_ids, order, strict=True)
            }
            assigned = tuple(
                t for j, t in enumerate(self.theme_ids) if theme_p[i, j] >= self.themes.thresholds_[j]
            )
            predictions.append(
                Prediction(
                    themes=assigned,
                    sentiment=max(sentiment_scores, key=sentiment_scores.get),
                    theme_scores=theme_scores,
                    sentiment_scores=sentiment_scores,
                    model_version=self.version,
                )
            )
        return predictions

    def explain(self, statement: StatementInput, prediction: Prediction, top: int = 5) -> dict[str, list]:
        """The terms that pushed each assigned label: feature value × coefficient, largest first."""
        x = self.transform([statement])
        names = self.features.get_feature_names_out()
        out: dict[str, list] = {}
        for j, theme in enumerate(self.theme_ids):
            if theme in prediction.themes:
                out[theme] = _top_terms(x, _coef(self.themes.estimators_[j]), names, top)
        k = list(self.sentiment.classes_).index(prediction.sentiment)
        out[prediction.sentiment] = _top_terms(x, _coef(self.sentiment, k), names, top)
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
    if kind == "cues":
        return f"cue: {feature}"
    return f"lemma: {feature}"


@dataclass(frozen=True)
class TrainingExample:
    statement: StatementInput
    themes: tuple[str, ...]
    sentiment: str
    group: str


def fit_model(
    examples: Sequence[TrainingExample],
    theme_ids: Sequence[str],
    sentiment_ids: Sequence[str],
    pipeline_name: str,
    seed: int = 0,
) -> TaggerModel:
    """Fit features, theme and sentiment classifiers on labelled statements. Deterministic for a seed."""
    rows = prepare([e.statement for e in examples], pipeline_name)
    features = feature_union()
    X = features.fit_transform(rows)
    Y = np.array([[int(t in e.themes) for t in theme_ids] for e in examples], dtype=int)
    groups = np.array([e.group for e in examples])
    themes = ThresholdedMultiLabel(calibrated_svm(C=THEME_C, seed=seed), cv=3)
    themes.fit(X, Y, groups=groups)
    sentiment = calibrated_svm(C=SENTIMENT_C, seed=seed)
    sentiment.fit(X, np.array([e.sentiment for e in examples]))
    return TaggerModel(features, themes, sentiment, tuple(theme_ids), tuple(sentiment_ids), pipeline_name)
