"""How the classifiers' probabilities become labels, shared by training (`nlp.model.estimators`) and
tagging (`nlp.model.inference`): numpy only, so that tagging needs no scikit-learn."""

from __future__ import annotations

import numpy as np


def assign_themes(
    proba: np.ndarray, thresholds: np.ndarray, relative: float, fallback: float | None
) -> np.ndarray:
    """Boolean statements × labels: the themes `ThresholdedMultiLabel.assign` gives."""
    assigned = proba >= thresholds
    if not proba.shape[1]:
        return assigned
    top = proba.max(axis=1, keepdims=True)
    if relative > 0:
        assigned &= proba >= relative * top
    if fallback is not None:
        empty = ~assigned.any(axis=1) & (top[:, 0] >= fallback)
        assigned[np.flatnonzero(empty), proba[empty].argmax(axis=1)] = True
    return assigned


def head_columns(p: np.ndarray, weight: float) -> np.ndarray:
    """The columns `JudgementSentiment` adds for its final classifier from the two judgement heads'
    probabilities (statements × 2): both, and their product (judges both ways: `gemischt`), weighted."""
    return np.column_stack([p, p[:, 0] * p[:, 1]]) * weight
