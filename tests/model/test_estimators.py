"""nlp.model.estimators: the scikit-learn estimators a model is made of."""

import numpy as np

from nlp.model.estimators import FALLBACK_GRID, RELATIVE_GRID, ThresholdedMultiLabel, _best_assignment


def test_thresholded_multilabel_tunes_thresholds_per_label():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    Y = np.column_stack([(X[:, 0] > 0.8).astype(int), (X[:, 1] > -0.5).astype(int)])
    model = ThresholdedMultiLabel(C=1.0, cv=3)
    model.fit(X, Y, groups=np.arange(120) // 4)
    assert model.thresholds_.shape == (2,)
    assert ((model.predict(X) == Y).mean(axis=0) > 0.85).all()


def _fitted_with(thresholds, relative, fallback=None):
    model = ThresholdedMultiLabel()
    model.thresholds_, model.relative_, model.fallback_ = np.array(thresholds), relative, fallback
    return model


def test_assign_drops_a_theme_far_below_the_statements_top_theme():
    proba = np.array([[0.95, 0.40, 0.10], [0.45, 0.40, 0.10], [0.20, 0.25, 0.10]])
    model = _fitted_with([0.3, 0.3, 0.3], relative=0.5)
    # 0.40 < 0.5 × 0.95 is dropped; 0.40 ≥ 0.5 × 0.45 stays; under every threshold nothing is assigned
    assert model.assign(proba).tolist() == [[True, False, False], [True, True, False], [False, False, False]]
    assert _fitted_with([0.3, 0.3, 0.3], relative=0.0).assign(proba)[0].tolist() == [True, True, False]


def test_relative_share_is_learned_from_out_of_fold_probabilities():
    # Every statement has one true theme; label 1 also fires weakly (0.35–0.5) beside a sure label 0.
    Y = np.array([[1, 0]] * 40 + [[0, 1]] * 40)
    proba = np.vstack([np.tile([0.95, 0.45], (40, 1)), np.tile([0.05, 0.9], (40, 1))])
    assert _best_assignment(Y, proba, np.array([0.4, 0.4]), RELATIVE_GRID, (None,)) == (0.5, None)
    # When the second theme is right, no share is learned: nothing gets dropped
    Y_both = np.array([[1, 1]] * 40 + [[0, 1]] * 40)
    assert _best_assignment(Y_both, proba, np.array([0.4, 0.4]), RELATIVE_GRID, (None,)) == (0.0, None)


def test_a_statement_no_threshold_lets_through_gets_its_top_theme_at_the_floor():
    proba = np.array([[0.25, 0.10, 0.05], [0.08, 0.05, 0.02], [0.9, 0.2, 0.1]])
    model = _fitted_with([0.5, 0.5, 0.5], relative=0.0, fallback=0.2)
    assert model.assign(proba).tolist() == [[True, False, False], [False, False, False], [True, False, False]]
    assert not _fitted_with([0.5, 0.5, 0.5], relative=0.0).assign(proba)[0].any()


def test_fallback_floor_is_learned_only_when_the_top_theme_is_usually_right():
    thresholds = np.array([0.5, 0.5])
    proba = np.vstack(
        [np.tile([0.3, 0.1], (30, 1)), np.tile([0.9, 0.1], (30, 1)), np.tile([0.1, 0.9], (30, 1))]
    )
    right = np.array([[1, 0]] * 90)
    right[60:] = [0, 1]
    assert _best_assignment(right, proba, thresholds, (0.0,), FALLBACK_GRID) == (0.0, 0.3)
    # The weak statements are really about nothing: no floor
    nothing = right.copy()
    nothing[:30] = 0
    assert _best_assignment(nothing, proba, thresholds, (0.0,), FALLBACK_GRID) == (0.0, None)


def test_fit_records_the_relative_share_and_predict_applies_it():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 4))
    Y = np.column_stack([(X[:, 0] > 0).astype(int), (X[:, 1] > 0).astype(int)])
    model = ThresholdedMultiLabel(C=1.0, cv=3).fit(X, Y, groups=np.arange(150) // 5)
    assert model.relative_ in RELATIVE_GRID and model.fallback_ in FALLBACK_GRID
    assert (model.predict(X) == model.assign(model.predict_proba(X))).all()
