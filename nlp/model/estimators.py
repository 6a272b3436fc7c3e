"""The estimators: theme (multi-label) and sentiment (one of four) classifiers from stock scikit-learn
parts, and `fit_model`, which fits them with the features into a `TaggerModel`.

Everything here follows the estimator contract and predicts through scikit-learn's own `predict_proba`:
the reference that the fast scorer in `nlp.model.inference` is tested against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.svm import LinearSVC

from nlp.model.assignment import assign_themes, head_columns
from nlp.model.features import StatementInput, prepare
from nlp.model.transformers import feature_union, sentiment_cues

THRESHOLD_GRID = np.round(np.arange(0.15, 0.71, 0.025), 3)
# A theme is also dropped when its probability is below this share of the statement's most likely theme;
# 0 keeps every theme over its threshold. Chosen per model on the out-of-fold probabilities.
RELATIVE_GRID = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7)
# A statement that no theme reaches gets its most probable theme if that is at least this probability
# (None: it stays without a theme). Chosen per model with the share above.
FALLBACK_GRID = (None, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
# Regularisation chosen by grouped cross-validation on the corpus (`kfd evaluate`).
THEME_C = 0.3
SENTIMENT_C = 1.0


def calibrated_svm(C: float, seed: int) -> CalibratedClassifierCV:
    """A linear SVM with Platt-scaled probabilities (3-fold, deterministic). Linear SVMs are the
    strongest of the fast linear models on this corpus, and train in milliseconds."""
    return CalibratedClassifierCV(
        LinearSVC(C=C, class_weight="balanced", random_state=seed),
        method="sigmoid",
        cv=StratifiedKFold(3),
    )


class ThresholdedMultiLabel(ClassifierMixin, BaseEstimator):
    """One linear SVM per label with Platt-scaled probabilities and its own decision threshold.

    Out-of-fold decision values (folds grouped by report, so one report never straddles a split)
    serve three times: the sigmoid calibration is fit on them, each label's threshold is the one that
    maximises its F1 on the calibrated out-of-fold probabilities, and then one share `relative_` of the
    statement's top probability that an assigned theme must also reach, and a floor `fallback_` at which a
    statement that no threshold lets through still gets its most probable theme (the pair of
    `relative_grid` × `fallback_grid` that maximises micro-F1 over all labels: per-label thresholds alone
    let a statement collect weak neighbours of its one clear theme, or leave a statement about something
    with no theme at all). Four SVM fits per label in all.
    """

    def __init__(
        self,
        C: float = THEME_C,
        cv: int = 3,
        threshold_grid=THRESHOLD_GRID,
        relative_grid=RELATIVE_GRID,
        fallback_grid=FALLBACK_GRID,
        random_state: int = 0,
    ):
        self.C = C
        self.cv = cv
        self.threshold_grid = threshold_grid
        self.relative_grid = relative_grid
        self.fallback_grid = fallback_grid
        self.random_state = random_state

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.C, class_weight="balanced", random_state=self.random_state)

    def fit(self, X, Y, groups=None):
        Y = np.asarray(Y, dtype=int)
        groups = np.arange(len(Y)) if groups is None else np.asarray(groups)
        n_splits = min(self.cv, len(np.unique(groups)))
        splits = list(GroupKFold(n_splits).split(X, Y, groups)) if n_splits >= 2 else []
        self.estimators_, self.calibrators_, thresholds = [], [], []
        oof = np.zeros(Y.shape)  # calibrated out-of-fold probabilities
        for j, y in enumerate(Y.T):
            if min(np.bincount(y, minlength=2)) < 3:  # too few examples to learn from
                self.estimators_.append(None)
                self.calibrators_.append(float(y.mean()))
                thresholds.append(0.5)
                oof[:, j] = y.mean()
                continue
            decision = np.zeros(len(y))
            for train, test in splits:
                decision[test] = self._fold_decision(X[train], y[train], X[test])
            svm = self._svm().fit(X, y)
            if not splits:
                decision = svm.decision_function(X)
            platt = LogisticRegression(C=1e4).fit(decision.reshape(-1, 1), y)
            self.estimators_.append(svm)
            self.calibrators_.append(platt)
            oof[:, j] = platt.predict_proba(decision.reshape(-1, 1))[:, 1]
            thresholds.append(_best_threshold(y, oof[:, j], self.threshold_grid))
        self.thresholds_ = np.array(thresholds)
        self.relative_, self.fallback_ = _best_assignment(
            Y, oof, self.thresholds_, self.relative_grid, self.fallback_grid
        )
        return self

    def _fold_decision(self, X_train, y_train, X_test) -> np.ndarray:
        if y_train.min() == y_train.max():
            return np.full(X_test.shape[0], 1.0 if y_train[0] else -1.0)
        return self._svm().fit(X_train, y_train).decision_function(X_test)

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probability of each label (columns in label order): each SVM's decision value
        through its Platt sigmoid; a label too rare to learn has its base rate."""
        proba = np.empty((X.shape[0], len(self.estimators_)))
        for j, (svm, calibrator) in enumerate(zip(self.estimators_, self.calibrators_, strict=True)):
            if svm is None:
                proba[:, j] = calibrator
            else:
                proba[:, j] = calibrator.predict_proba(svm.decision_function(X).reshape(-1, 1))[:, 1]
        return proba

    def predict(self, X) -> np.ndarray:
        return self.assign(self.predict_proba(X)).astype(int)

    def assign(self, proba: np.ndarray) -> np.ndarray:
        """Which themes a statement gets, from its theme probabilities (statements × labels): those at
        or over their label's threshold and at least `relative_` × the statement's top probability; if
        none, the top one when it reaches `fallback_`."""
        return assign_themes(proba, self.thresholds_, self.relative_, self.fallback_)


class JudgementSentiment(ClassifierMixin, BaseEstimator):
    """Sentiment as the codebook defines it: `gemischt` judges positively and negatively at once.

    Two binary heads learn "judges positively" (positiv, gemischt) and "judges negatively" (negativ,
    gemischt); their out-of-fold probabilities (folds grouped by report) and their product join the
    text features of a calibrated linear SVM over the four sentiments.
    """

    def __init__(
        self,
        C: float = 1.0,
        head_weight: float = 1.0,
        positive=("positiv", "gemischt"),
        negative=("negativ", "gemischt"),
        cv: int = 3,
        random_state: int = 0,
    ):
        self.C = C
        self.head_weight = head_weight
        self.positive = positive
        self.negative = negative
        self.cv = cv
        self.random_state = random_state

    def fit(self, X, y, groups=None):
        y = np.asarray(y)
        groups = np.arange(len(y)) if groups is None else np.asarray(groups)
        targets = [np.isin(y, self.positive).astype(int), np.isin(y, self.negative).astype(int)]
        n_splits = min(self.cv, len(np.unique(groups)))
        oof = np.zeros((len(y), 2))
        for k, target in enumerate(targets):
            for train, test in GroupKFold(n_splits).split(X, target, groups):
                oof[test, k] = self._head().fit(X[train], target[train]).predict_proba(X[test])[:, 1]
        self.heads_ = [self._head().fit(X, target) for target in targets]
        self.final_ = calibrated_svm(self.C, self.random_state).fit(self._with_heads(X, oof), y)
        self.classes_ = self.final_.classes_
        return self

    def _head(self) -> CalibratedClassifierCV:
        return calibrated_svm(self.C, self.random_state)

    def _with_heads(self, X, p: np.ndarray):
        return hstack([X, csr_matrix(head_columns(p, self.head_weight))]).tocsr()

    def predict_proba(self, X) -> np.ndarray:
        p = np.column_stack([head.predict_proba(X)[:, 1] for head in self.heads_])
        return self.final_.predict_proba(self._with_heads(X, p))

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    feature_names = ("judgement: positive", "judgement: negative", "judgement: both")


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


def _best_assignment(
    Y: np.ndarray, proba: np.ndarray, thresholds: np.ndarray, relative_grid, fallback_grid
) -> tuple[float, float | None]:
    """(share, floor) of the grids with the best micro-F1 of `assign_themes` on out-of-fold
    probabilities; ties go to the smaller share and to no floor, then the higher floor (fewer changes)."""
    floors = [None] + sorted(f for f in fallback_grid if f is not None)[::-1]
    best: tuple[float, float | None] = (0.0, None)
    best_f1 = -1.0
    for r in sorted(relative_grid):
        for floor in floors if None in fallback_grid else floors[1:]:
            pred = assign_themes(proba, thresholds, float(r), floor)
            tp = float(np.sum(pred & (Y == 1)))
            total = pred.sum() + Y.sum()
            f1 = 2 * tp / total if total else 0.0
            if f1 > best_f1 + 1e-9:
                best, best_f1 = (float(r), floor), f1
    return best


@dataclass
class TaggerModel:
    """Fitted features and classifiers with their label ids; what `models/<version>/model.pickle` holds.
    `nlp.model.inference.Tagger` turns it into the fast scorer that tags."""

    features: Any  # fitted ColumnTransformer: text features for both tasks
    sentiment_cues: (
        Any  # fitted ColumnTransformer: judgement cues, for sentiment only (they do not help themes)
    )
    themes: ThresholdedMultiLabel
    sentiment: JudgementSentiment
    theme_ids: tuple[str, ...]
    sentiment_ids: tuple[str, ...]
    pipeline_name: str
    version: str = "unsaved"

    def transform(self, statements: Sequence[StatementInput]):
        """(theme features, sentiment features) through the fitted scikit-learn transformers."""
        rows = prepare(statements, self.pipeline_name)
        X = self.features.transform(rows)
        return X, hstack([X, self.sentiment_cues.transform(rows)]).tocsr()

    def predict_proba(self, statements: Sequence[StatementInput]) -> tuple[np.ndarray, np.ndarray]:
        """(theme probabilities in label order, sentiment probabilities in `sentiment.classes_` order)
        by scikit-learn's own code: the reference for `Tagger.probabilities_from`."""
        X, X_sentiment = self.transform(statements)
        return self.themes.predict_proba(X), self.sentiment.predict_proba(X_sentiment)


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
    cues = sentiment_cues()
    X_sentiment = hstack([X, cues.fit_transform(rows)]).tocsr()
    Y = np.array([[int(t in e.themes) for t in theme_ids] for e in examples], dtype=int)
    groups = np.array([e.group for e in examples])
    themes = ThresholdedMultiLabel(C=THEME_C, cv=3, random_state=seed)
    themes.fit(X, Y, groups=groups)
    sentiment = JudgementSentiment(C=SENTIMENT_C, cv=3, random_state=seed)
    sentiment.fit(X_sentiment, np.array([e.sentiment for e in examples]), groups=groups)
    return TaggerModel(
        features, cues, themes, sentiment, tuple(theme_ids), tuple(sentiment_ids), pipeline_name
    )
