"""Statement features: spaCy lemmas, character n-grams of the raw text, and the report section.

spaCy runs here, outside the scikit-learn estimators, so the saved artifact holds only scikit-learn
objects. The estimators get a 2-D object array with one row per statement: (text, lemmas, section).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import OneHotEncoder

from .pipeline import load_pipeline

TEXT, LEMMAS, SECTION = 0, 1, 2
NO_SECTION = "-"
# Words that turn a judgement around; the next words are marked so that "nicht gut" and "gut" differ
# even when they are not adjacent ("nicht wirklich gut").
_NEGATORS = {
    "nicht",
    "kein",
    "keine",
    "keinen",
    "keinem",
    "keiner",
    "nie",
    "niemals",
    "kaum",
    "ohne",
    "weder",
}


@dataclass(frozen=True)
class StatementInput:
    text: str
    section: str | None = None
    id: str | None = None


def _lemma_string(doc) -> str:
    out: list[str] = []
    negate = 0
    for token in doc:
        if token.is_punct or token.is_space:
            if token.text in ",.;:!?":
                negate = 0
            continue
        lemma = (token.lemma_ or token.text).lower()
        if token.like_num or re.fullmatch(r"[\d.,/-]+", lemma):
            lemma = "<zahl>"
        out.append(f"neg_{lemma}" if negate else lemma)
        negate = 3 if token.lower_ in _NEGATORS else max(0, negate - 1)
    return " ".join(out)


def prepare(statements: Sequence[StatementInput], pipeline_name: str | None = None) -> np.ndarray:
    """Rows (text, lemmas, section) for the estimators, with spaCy run once over all texts."""
    lang = load_pipeline(pipeline_name)
    texts = [" ".join(s.text.split()) for s in statements]
    rows = np.empty((len(texts), 3), dtype=object)
    for i, doc in enumerate(lang.pipe(texts, batch_size=256)):
        rows[i] = (texts[i].lower(), _lemma_string(doc), statements[i].section or NO_SECTION)
    return rows


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
