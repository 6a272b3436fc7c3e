"""nlp.model.estimators: the scikit-learn estimators a model is made of."""

import numpy as np

from nlp.model.estimators import RELATIVE_GRID, ThresholdedMultiLabel, _best_relative


def test_thresholded_multilabel_tunes_thresholds_per_label():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    Y = np.column_stack([(X[:, 0] > 0.8).astype(int), (X[:, 1] > -0.5).astype(int)])
    model = ThresholdedMultiLabel(C=1.0, cv=3)
    model.fit(X, Y, groups=np.arange(120) // 4)
    assert model.thresholds_.shape == (2,)
    assert ((model.predict(X) == Y).mean(axis=0) > 0.85).all()


def _fitted_with(thresholds, relative):
    model = ThresholdedMultiLabel()
    model.thresholds_, model.relative_ = np.array(thresholds), relative
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
    assert _best_relative(Y, proba, np.array([0.4, 0.4]), RELATIVE_GRID) == 0.5
    # When the second theme is right, no share is learned: nothing gets dropped
    Y_both = np.array([[1, 1]] * 40 + [[0, 1]] * 40)
    assert _best_relative(Y_both, proba, np.array([0.4, 0.4]), RELATIVE_GRID) == 0.0


def test_fit_records_the_relative_share_and_predict_applies_it():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 4))
    Y = np.column_stack([(X[:, 0] > 0).astype(int), (X[:, 1] > 0).astype(int)])
    model = ThresholdedMultiLabel(C=1.0, cv=3).fit(X, Y, groups=np.arange(150) // 5)
    assert model.relative_ in RELATIVE_GRID
    assert (model.predict(X) == model.assign(model.predict_proba(X))).all()
