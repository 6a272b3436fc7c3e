"""nlp.model.estimators: the scikit-learn estimators a model is made of."""

import numpy as np

from nlp.model.estimators import ThresholdedMultiLabel


def test_thresholded_multilabel_tunes_thresholds_per_label():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    Y = np.column_stack([(X[:, 0] > 0.8).astype(int), (X[:, 1] > -0.5).astype(int)])
    model = ThresholdedMultiLabel(C=1.0, cv=3)
    model.fit(X, Y, groups=np.arange(120) // 4)
    assert model.thresholds_.shape == (2,)
    assert ((model.predict(X) == Y).mean(axis=0) > 0.85).all()
