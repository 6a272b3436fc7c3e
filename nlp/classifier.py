"""Theme (multi-label) and sentiment (one of four) classifiers, built from stock scikit-learn parts."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import compress

import numpy as np
from scipy.sparse import csr_matrix, hstack
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.svm import LinearSVC

from .fastfeatures import FastFeatures
from .fastfeatures import supported as fast_supported
from .features import StatementInput, feature_union, prepare, sentiment_cues

THRESHOLD_GRID = np.round(np.arange(0.15, 0.71, 0.025), 3)
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


# Per calibrated classifier: its fold SVMs' weights side by side, built on first use (not pickled).
_FOLD_WEIGHTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fold_weights(calibrated: CalibratedClassifierCV) -> tuple[np.ndarray, np.ndarray]:
    """(weights, bias): features × (folds × outputs) in C order, so one sparse product serves all folds."""
    cached = _FOLD_WEIGHTS.get(calibrated)
    if cached is None:
        svms = [fold.estimator for fold in calibrated.calibrated_classifiers_]
        weights = np.ascontiguousarray(np.vstack([svm.coef_ for svm in svms]).T)
        cached = (weights, np.concatenate([svm.intercept_ for svm in svms]))
        _FOLD_WEIGHTS[calibrated] = cached
    return cached


def calibrated_proba(calibrated: CalibratedClassifierCV, X, extra: np.ndarray | None = None) -> np.ndarray:
    """The numbers of `calibrated.predict_proba([X | extra])` for sigmoid-calibrated linear SVMs, with
    one sparse product for all fold models instead of scikit-learn's per-call validation (which
    dominates the time for one statement). `extra` are dense columns after X's (the sentiment heads).
    `test_model` checks that both agree."""
    weights, bias = _fold_weights(calibrated)
    n_features = X.shape[1]
    decisions = np.asarray(X @ weights[:n_features]) + bias
    if extra is not None:
        decisions += extra @ weights[n_features:]
    return calibrated_from_decisions(calibrated, decisions)


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


class ThresholdedMultiLabel(ClassifierMixin, BaseEstimator):
    """One linear SVM per label with Platt-scaled probabilities and its own decision threshold.

    Out-of-fold decision values (folds grouped by report, so one report never straddles a split)
    serve twice: the sigmoid calibration is fit on them, and each label's threshold is the one that
    maximises its F1 on the calibrated out-of-fold probabilities. Four SVM fits per label in all.
    """

    def __init__(self, C: float = THEME_C, cv: int = 3, threshold_grid=THRESHOLD_GRID, random_state: int = 0):
        self.C = C
        self.cv = cv
        self.threshold_grid = threshold_grid
        self.random_state = random_state

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.C, class_weight="balanced", random_state=self.random_state)

    def fit(self, X, Y, groups=None):
        self._stacked_ = None  # derived from the fitted SVMs: rebuilt on the next predict
        Y = np.asarray(Y, dtype=int)
        groups = np.arange(len(Y)) if groups is None else np.asarray(groups)
        n_splits = min(self.cv, len(np.unique(groups)))
        splits = list(GroupKFold(n_splits).split(X, Y, groups)) if n_splits >= 2 else []
        self.estimators_, self.calibrators_, thresholds = [], [], []
        for y in Y.T:
            if min(np.bincount(y, minlength=2)) < 3:  # too few examples to learn from
                self.estimators_.append(None)
                self.calibrators_.append(float(y.mean()))
                thresholds.append(0.5)
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
            thresholds.append(
                _best_threshold(y, platt.predict_proba(decision.reshape(-1, 1))[:, 1], self.threshold_grid)
            )
        self.thresholds_ = np.array(thresholds)
        return self

    def _fold_decision(self, X_train, y_train, X_test) -> np.ndarray:
        if y_train.min() == y_train.max():
            return np.full(X_test.shape[0], 1.0 if y_train[0] else -1.0)
        return self._svm().fit(X_train, y_train).decision_function(X_test)

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probability of each label (columns in label order).

        All labels in one sparse product: the same numbers as each SVM's `decision_function`
        followed by its Platt sigmoid, without 2 × 19 rounds of scikit-learn's input validation
        (which dominate the time for a single statement)."""
        weights, bias, _, _, _ = self._stacked()
        return self.proba_from_decisions(np.asarray(X @ weights) + bias)

    def proba_from_decisions(self, decision: np.ndarray) -> np.ndarray:
        """`predict_proba` from the SVMs' decision values (labels × columns, bias included)."""
        _, _, slope, offset, constant = self._stacked()
        proba = 1.0 / (1.0 + np.exp(-(slope * decision + offset)))
        fixed = ~np.isnan(constant)
        proba[:, fixed] = constant[fixed]
        return proba

    def _stacked(self):
        if getattr(self, "_stacked_", None) is None:
            n_features = next((e.coef_.shape[1] for e in self.estimators_ if e is not None), 0)
            weights = np.zeros((len(self.estimators_), n_features))
            bias, slope, offset = (np.zeros(len(self.estimators_)) for _ in range(3))
            constant = np.full(len(self.estimators_), np.nan)
            for j, (svm, calibrator) in enumerate(zip(self.estimators_, self.calibrators_, strict=True)):
                if svm is None:
                    constant[j] = calibrator
                    continue
                weights[j], bias[j] = svm.coef_[0], svm.intercept_[0]
                slope[j], offset[j] = calibrator.coef_[0, 0], calibrator.intercept_[0]
            # labels × features, transposed once into C order: scipy's sparse @ dense wants it that way
            # and would otherwise copy the whole matrix on every call
            self._stacked_ = (np.ascontiguousarray(weights.T), bias, slope, offset, constant)
        return self._stacked_

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) >= self.thresholds_).astype(int)


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

    def _heads(self, p: np.ndarray) -> np.ndarray:
        return np.column_stack([p, p[:, 0] * p[:, 1]]) * self.head_weight

    def _with_heads(self, X, p: np.ndarray):
        return hstack([X, csr_matrix(self._heads(p))]).tocsr()

    def predict_proba(self, X) -> np.ndarray:
        p = np.column_stack([calibrated_proba(head, X)[:, 1] for head in self.heads_])
        return calibrated_proba(self.final_, X, extra=self._heads(p))

    def proba_from_decisions(
        self, positive: np.ndarray, negative: np.ndarray, final: np.ndarray, head_weights: np.ndarray
    ) -> np.ndarray:
        """`predict_proba` from decision values: the two heads' fold SVMs (bias included), and the final
        SVMs' without the head columns, which `head_weights` (final's weights on them) add."""
        p = np.column_stack(
            [
                calibrated_from_decisions(head, d)[:, 1]
                for head, d in zip(self.heads_, (positive, negative), strict=True)
            ]
        )
        return calibrated_from_decisions(self.final_, final + self._heads(p) @ head_weights)

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


@contextmanager
def collector_paused():
    """Tagging a batch allocates a few container objects per statement (dicts, tuples, lists) and no
    reference cycles; Python's cyclic garbage collector would scan the heap again and again meanwhile
    (a quarter of the time for 20,000 statements). Refcounting still frees everything; the collector is
    switched back on afterwards if it was on (concurrent callers only ever leave it as they found it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_long_lived() -> None:
    """For a long-running process that has just loaded its model (the service, `kfd tag`): collect once,
    then move every object alive (the model, the spaCy pipeline, the libraries: some 160,000) into the
    collector's permanent generation (`gc.freeze`). The objects each tagged batch creates trigger the
    collector's full passes every few batches, and each full pass walked all of them: 150 ms on the bench
    machine, a seventh of the time for batches of 1,000 statements. Frozen objects are still freed by
    reference counting; calling this again after replacing the model unfreezes first, so the replaced
    model's reference cycles are collected too."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


@dataclass(frozen=True)
class Prediction:
    themes: tuple[str, ...]
    sentiment: str
    theme_scores: dict[str, float]
    sentiment_scores: dict[str, float]
    model_version: str


@dataclass(frozen=True)
class LinearLayout:
    """All linear models of a `TaggerModel` side by side, so one pass over a statement's features gives
    every decision value: the theme SVMs, the fold SVMs of both sentiment heads and of the final
    sentiment SVM. Derived from the fitted models on first use (not pickled)."""

    weights: np.ndarray  # theme features × outputs (C order)
    cue_weights: np.ndarray  # cue columns × outputs (zero for the themes, which do not see the cues)
    bias: np.ndarray
    head_weights: np.ndarray  # the final sentiment SVMs' weights on the head columns
    themes: slice
    positive: slice
    negative: slice
    final: slice

    @classmethod
    def of(cls, themes: ThresholdedMultiLabel, sentiment: JudgementSentiment) -> LinearLayout:
        theme_weights, theme_bias, *_ = themes._stacked()
        n = theme_weights.shape[0]
        parts = [(theme_weights, theme_bias)] + [
            _fold_weights(c) for c in (*sentiment.heads_, sentiment.final_)
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
            head_weights=parts[3][0][n + n_cues :],
            themes=slice(widths[0], widths[1]),
            positive=slice(widths[1], widths[2]),
            negative=slice(widths[2], widths[3]),
            final=slice(widths[3], widths[4]),
        )


@dataclass
class TaggerModel:
    """Fitted features and classifiers with their label ids; what `models/<version>/model.joblib` holds."""

    features: object  # text features for both tasks
    sentiment_cues: object  # judgement cues, for sentiment only (they do not help themes)
    themes: ThresholdedMultiLabel
    sentiment: JudgementSentiment
    theme_ids: tuple[str, ...]
    sentiment_ids: tuple[str, ...]
    pipeline_name: str
    version: str = "unsaved"

    def transform(self, statements: Sequence[StatementInput]):
        """(theme features, sentiment features) of the statements."""
        fast = self._fast_features()
        if fast is not None:
            matrices = fast.transform([s.text for s in statements], [s.section for s in statements])
            if matrices is not None:
                return matrices
        return self.transform_general(statements)

    def transform_general(self, statements: Sequence[StatementInput]):
        """`transform` through the fitted scikit-learn transformers: the reference the word-level
        fast path (`nlp.fastfeatures`) is tested against, and the path for `de_core_news_sm`."""
        rows = prepare(statements, self.pipeline_name)
        X = self.features.transform(rows)
        return X, hstack([X, self.sentiment_cues.transform(rows)]).tocsr()

    def _fast_features(self) -> FastFeatures | None:
        if "_fast" not in self.__dict__:
            self._fast = (
                FastFeatures(
                    self.features, self.sentiment_cues, self.pipeline_name, weights=self._layout().weights
                )
                if fast_supported(self.pipeline_name)
                else None
            )
        return self._fast

    def _layout(self) -> LinearLayout:
        if "_linear" not in self.__dict__:
            self._linear = LinearLayout.of(self.themes, self.sentiment)
        return self._linear

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_fast", None)  # caches, rebuilt on first use
        state.pop("_linear", None)
        return state

    def decisions(self, statements: Sequence[StatementInput]) -> np.ndarray:
        """Every linear model's decision values (columns as `LinearLayout`), bias included. The word-level
        fast path computes them without building the feature matrices."""
        layout = self._layout()
        fast = self._fast_features()
        out = (
            fast.decisions([s.text for s in statements], [s.section for s in statements])
            if fast is not None
            else None
        )
        if out is None:
            X, X_sentiment = self.transform_general(statements)
            out = np.asarray(X @ layout.weights), X_sentiment[:, X.shape[1] :].toarray()
        decisions, cues = out
        decisions += cues @ layout.cue_weights
        decisions += layout.bias
        return decisions

    def probabilities(self, statements: Sequence[StatementInput]) -> tuple[np.ndarray, np.ndarray]:
        """(theme probabilities in label order, sentiment probabilities in the classifier's class order):
        the numbers of `themes.predict_proba` and `sentiment.predict_proba` on `transform`'s features."""
        return self.probabilities_from(self.decisions(statements))

    def probabilities_from(self, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`probabilities` from the decision values of `decisions`."""
        layout = self._layout()
        return (
            self.themes.proba_from_decisions(d[:, layout.themes]),
            self.sentiment.proba_from_decisions(
                d[:, layout.positive], d[:, layout.negative], d[:, layout.final], layout.head_weights
            ),
        )

    def tag(self, statements: Sequence[StatementInput]) -> list[Prediction]:
        if not statements:
            return []
        with collector_paused():
            return self.predictions(*self.probabilities(statements))

    def predictions(self, theme_p: np.ndarray, sentiment_p: np.ndarray) -> list[Prediction]:
        """`Prediction` objects from the probability matrices (themes in label order, sentiments in the
        classifier's class order)."""
        classes = list(self.sentiment.classes_)
        # Scores in codebook order (0.0 for a sentiment the training data never had), rounded once.
        sentiment_scores = np.zeros((theme_p.shape[0], len(self.sentiment_ids)))
        for k, s in enumerate(self.sentiment_ids):
            if s in classes:
                sentiment_scores[:, k] = sentiment_p[:, classes.index(s)]
        sentiment_scores = sentiment_scores.round(4)
        assigned = theme_p >= self.themes.thresholds_
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

    def explain(self, statement: StatementInput, prediction: Prediction, top: int = 5) -> dict[str, list]:
        """The terms that pushed each assigned label: feature value × coefficient, largest first."""
        x, x_sentiment = self.transform([statement])
        names = list(self.features.get_feature_names_out())
        out: dict[str, list] = {}
        for j, theme in enumerate(self.theme_ids):
            if theme in prediction.themes:
                svm = self.themes.estimators_[j]
                out[theme] = _top_terms(x, svm.coef_[0] if svm is not None else None, names, top)
        k = list(self.sentiment.classes_).index(prediction.sentiment)
        sentiment_names = (
            names + list(self.sentiment_cues.get_feature_names_out()) + list(self.sentiment.feature_names)
        )
        x_sentiment = self.sentiment._with_heads(
            x_sentiment, np.column_stack([h.predict_proba(x_sentiment)[:, 1] for h in self.sentiment.heads_])
        )
        out[prediction.sentiment] = _top_terms(
            x_sentiment, _coef(self.sentiment.final_, k), sentiment_names, top
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
    if kind == "cues":
        return f"cue: {feature}"
    if kind.startswith("judgement"):
        return kind
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
