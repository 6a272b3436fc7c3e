"""Statement features: spaCy lemmas, character n-grams of the raw text, and the report section.

spaCy runs here, outside the scikit-learn estimators, so the saved artifact holds only scikit-learn
objects. The estimators get a 2-D object array with one row per statement: (text, lemmas, section). The
scikit-learn transformers over those rows are in `nlp.model.transformers`; this module imports no
scikit-learn, so that tagging (`nlp.model.fastfeatures`) does not either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nlp.model.glossary import ENGLISH_LEMMAS
from nlp.model.lemmas import lemma as lemma_of
from nlp.model.names import mask_names
from nlp.model.pipeline import load_pipeline

TEXT, LEMMAS, SECTION = 0, 1, 2
NO_SECTION = "-"
# Words that turn a judgement around; the next words are marked so that "nicht gut" and "gut" differ
# even when they are not adjacent ("nicht wirklich gut").
NEGATORS = {
    "nicht",
    "kein",
    "keine",
    "keinen",
    "keinem",
    "keiner",
    "keines",
    "keinerlei",
    "keineswegs",
    "keinesfalls",
    "nichts",
    "niemand",
    "nirgends",
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


# Punctuation that ends a negation window; other punctuation and spaces are skipped.
WINDOW_ENDS = frozenset(",.;:!?")
_NUMBER = re.compile(r"[\d.,/-]+")


def token_lemma(token) -> str:
    """The word feature of a (non-punctuation) token: its lemma in lower case (`nlp.model.lemmas`), numbers
    as "<zahl>", an English topic word as its German lemma (`nlp.model.glossary`)."""
    return word_lemma(token.text, token.lower_, token.like_num)


def word_lemma(text: str, lower: str, like_num: bool) -> str:
    """`token_lemma` of a token with this text, lower-case form and `like_num` flag."""
    english = ENGLISH_LEMMAS.get(lower)
    if english is not None:
        return english
    if like_num or _NUMBER.fullmatch(text):
        return "<zahl>"
    lemma = lemma_of(text)
    return "<zahl>" if _NUMBER.fullmatch(lemma) else lemma


def _lemma_string(doc) -> str:
    out: list[str] = []
    negate = 0
    for token in doc:
        if token.is_punct or token.is_space:
            if token.text in WINDOW_ENDS:
                negate = 0
            continue
        lemma = token_lemma(token)
        out.append(f"neg_{lemma}" if negate else lemma)
        negate = 3 if token.lower_ in NEGATORS else max(0, negate - 1)
    return " ".join(out)


def prepare(statements: Sequence[StatementInput], pipeline_name: str | None = None) -> np.ndarray:
    """Rows (text, lemmas, section) for the estimators, with spaCy run once over all texts."""
    lang = load_pipeline(pipeline_name)
    texts = [" ".join(mask_names(s.text).split()) for s in statements]
    rows = np.empty((len(texts), 3), dtype=object)
    for i, doc in enumerate(lang.pipe(texts, batch_size=256)):
        rows[i] = (texts[i].lower(), _lemma_string(doc), statements[i].section or NO_SECTION)
    return rows


# Judgement cues (lemmas, lower case). They carry sentiment across topics, so they generalise to
# wording the training data never used; a statement with cues of both kinds is often "gemischt".
POSITIVE_CUES = frozenset(
    "gut gelungen gelingen erfolgreich erfolg positiv zufrieden zufriedenheit hervorragend super toll "
    "gewinnbringend bereichernd bereicherung wertvoll hilfreich sinnvoll lohnen gelohnt lohnend bewährt "
    "bewähren konstruktiv angenehm freuen erfreulich gefreut begeistert begeisterung lebendig gelobt loben "
    "gewinn mehrwert produktiv überzeugend überzeugt gelungene optimal ideal spannend interessant "
    "fruchtbar wertschätzend dankbar schön klasse prima gern gerne besser gestärkt stärken motiviert "
    "motivierend offen respektvoll fair souverän kompetent professionell reibungslos problemlos".split()
)
NEGATIVE_CUES = frozenset(
    "leider schade kaum fehlen fehlte gefehlt mangel mangelnd mangelhaft schwierig schwierigkeit problem "
    "problematisch enttäuschend enttäuscht enttäuschung kritik kritisch kritisiert schlecht gering "
    "niedrig ärgerlich gescheitert scheitern unzufrieden überfordert überforderung zäh mühsam störend "
    "gestört aggressiv feindselig unruhig unklar unverständlich verloren versandet vage oberflächlich "
    "unbefriedigend ernüchternd ernüchterung frustriert frust frustrierend schwach dünn teuer aufwendig "
    "bürokratisch hürde hindernis belastung belastet negativ nachteil verbesserungswürdig ausbaufähig "
    "bedauerlich bedauern vermisst vermissen versäumt langatmig".split()
)
CONTRAST_CUES = frozenset(
    "aber jedoch allerdings trotzdem dennoch zwar wobei einerseits andererseits doch "
    "obwohl obgleich gleichwohl teils teilweise".split()
)


def word_cues(word: str) -> tuple[int, int, int, int]:
    """What one lemma token adds to (positive, negative, contrast, negated word) counts."""
    negated = word.startswith("neg_")
    return (
        int(word in POSITIVE_CUES),
        int(word in NEGATIVE_CUES or negated and word[4:] in POSITIVE_CUES),
        int(word in CONTRAST_CUES),
        int(negated),
    )


def cue_counts(tokens: Sequence[str]) -> list[int]:
    """(positive, negative, contrast, any negated word) of one statement's lemma tokens."""
    counts = [0, 0, 0, 0]
    for word in tokens:
        p, q, c, negated = word_cues(word)
        counts[0] += p
        counts[1] += q
        counts[2] += c
        counts[3] |= negated
    return counts


def cue_values(counts: np.ndarray) -> np.ndarray:
    """The six cue features from rows of `cue_counts`; a negated word counts as one more negative cue."""
    counts = np.asarray(counts, dtype=float).reshape(-1, 4)
    pos, neg, contrast = counts[:, 0], counts[:, 1] + counts[:, 3], counts[:, 2]
    values = np.column_stack(
        [
            np.minimum(pos, 3),
            np.minimum(neg, 3),
            np.minimum(contrast, 2),
            (pos > 0) & (neg > 0),
            (contrast > 0) & (pos > 0),
            (contrast > 0) & (neg > 0),
        ]
    )
    return values / 3.0


POLARITY_WEIGHT = 2.0
