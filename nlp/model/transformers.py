"""The scikit-learn transformers of a model's features, fitted at train time: the text features
(`feature_union`: lemma and character n-grams, section) and the sentiment cues (`sentiment_cues`: cue
counts and polarity). Tagging does not import this module: a loaded model scores from the plain arrays
of its inference bundle (`nlp.model.bundle`); these objects live in `model.pickle` for training,
evaluation and `explain`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import OneHotEncoder

from nlp.model.features import LEMMAS, POLARITY_WEIGHT, SECTION, TEXT, cue_counts, cue_values
from nlp.model.polarity import FEATURE_NAMES, polarity_matrix


def feature_union(min_df: int = 2) -> ColumnTransformer:
    """Word n-grams over lemmas, character n-grams (German compounds: "Wohnraummangel"), section."""
    return ColumnTransformer(
        [
            (
                "lemmas",
                TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), min_df=min_df, sublinear_tf=True),
                LEMMAS,
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    min_df=min_df,
                    sublinear_tf=True,
                    max_features=60000,
                ),
                TEXT,
            ),
            ("section", OneHotEncoder(handle_unknown="ignore"), [SECTION]),
        ],
        sparse_threshold=1.0,
    )


class CueFeatures(TransformerMixin, BaseEstimator):
    """Counts of positive, negative and contrast cue lemmas and their combinations (stateless)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        counts = [cue_counts(str(lemmas).split()) for lemmas in np.asarray(X, dtype=object).ravel()]
        return csr_matrix(cue_values(counts))

    def get_feature_names_out(self, input_features=None):
        return np.array(
            ["pos", "neg", "contrast", "pos_and_neg", "contrast_pos", "contrast_neg"], dtype=object
        )


class PolarityFeatures(TransformerMixin, BaseEstimator):
    """`polarity_values` of (text, section) rows (stateless)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X) -> csr_matrix:
        X = np.asarray(X, dtype=object).reshape(-1, 2)
        sections: Sequence[str | None] = [str(s) for s in X[:, 1]]
        return csr_matrix(polarity_matrix([str(t) for t in X[:, 0]], sections))

    def get_feature_names_out(self, input_features=None):
        return np.array([name.removeprefix("polarity: ") for name in FEATURE_NAMES], dtype=object)


def sentiment_cues(weight: float = 2.0, polarity_weight: float = POLARITY_WEIGHT) -> ColumnTransformer:
    """The cue counts and the polarity features (`nlp.model.polarity`) as their own blocks; weighted up
    because a few dense features compete with tens of thousands of sparse n-grams (weights chosen by
    grouped cross-validation)."""
    return ColumnTransformer(
        [("cues", CueFeatures(), LEMMAS), ("polarity", PolarityFeatures(), [TEXT, SECTION])],
        transformer_weights={"cues": weight, "polarity": polarity_weight},
    )
