"""The "no content" decision: a statement that says nothing gets no theme and `neutral`, and says why.

The codebook's rule "names no aspect and judges nothing → no theme" is decided here before any classifier
is asked, because a linear model always leans somewhere: on "entfällt" or "???" it would still give its
most probable labels with a confidence that means nothing. Real forms leave such answers in every field.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Container, Iterable

from nlp.model.features import word_lemma
from nlp.model.lemmas import known
from nlp.model.polarity import NEGATORS, word_polarity

NO_LETTERS = "no letters"
PLACEHOLDER = "placeholder"
NO_KNOWN_WORDS = "no known words"
AMOUNTS = "amounts only"
DATES = "dates and times only"

# Answers that fill a field without saying anything, compared after `_normalise` (lower case, letters and
# digits only, single spaces). "Ja"/"Nein" are not here: under Kosten they answer the form's question.
PLACEHOLDERS = frozenset(
    {
        "entfällt",
        "entfaellt",
        "entf",
        "ka",
        "k a",
        "keine angabe",
        "keine angaben",
        "keine",
        "keiner",
        "nichts",
        "nv",
        "n v",
        "na",
        "n a",
        "nb",
        "n b",
        "so",
        "s o",
        "siehe oben",
        "siehe unten",
        "siehe anlage",
        "siehe anhang",
        "siehe protokoll",
        "siehe bericht",
        "siehe dokumentation",
        "vgl oben",
        "vgl anlage",
        "vgl anhang",
        "wie oben",
        "wie besprochen",
        "wie vereinbart",
        "tbd",
        "todo",
        "tba",
        "folgt",
        "text folgt",
        "wird nachgereicht",
        "noch offen",
        "offen",
        "test",
        "xxx",
        "xx",
        "x",
        "none",
        "nothing",
        "not applicable",
        "see above",
        "see attachment",
        "lorem ipsum",
        "leer",
        "bleibt leer",
        "nicht zutreffend",
        "trifft nicht zu",
        "kein kommentar",
        "dito",
        "keine anmerkungen",
        "keine anmerkung",
        "keine weiteren",
        "keine weiteren anmerkungen",
        "keine weiteren bemerkungen",
        "keine bemerkungen",
        "keine weiteren rückmeldungen",
        "keine ergänzungen",
        "keine weiteren ergänzungen",
        "keine eintragung",
        "nichts hinzuzufügen",
        "ohne anmerkung",
        "ohne anmerkungen",
        "n z",
        "empty",
        # the form template's own prompts, left standing
        "bitte ergänzen",
        "bitte ausfüllen",
        "bitte eintragen",
        "bitte angeben",
        "hier eintragen",
        "hier ergänzen",
        "text eingeben",
        "hier text eingeben",
        "text hier eingeben",
        "platzhalter",
        "fill in",
        "to be completed",
    }
)
# A placeholder word written again and again: "test test", "xxx xxx", "tbd tbd" ("so so" judges, and
# "keine keine" is not a way to leave a field empty).
_PLACEHOLDER_WORDS = frozenset(p for p in PLACEHOLDERS if " " not in p) - {
    "keine",
    "keiner",
    "nichts",
    "offen",
    "so",
    "na",
}
# "siehe Anlage 2", "vgl. Protokoll vom 3.4.", "s. Anhang": a pointer elsewhere, nothing more.
_POINTER = re.compile(
    r"^(?:siehe|s|vgl|see)\s+(?:(?:die|den|das|der)\s+)?(?:(?:beigefügte|beiliegende|separate)[nrs]?\s+)?"
    r"(?:oben|unten|anlage|anlagen|anhang|anhänge|protokoll|bericht|dokumentation|dokument|beilage|ergebnisse"
    r"|abbildung|abb|tabelle|tab|grafik|folie|folien|attachment|above)\b"
    r"[\s\d]*(?:vom[\s\d]*)?$"
    # "vgl. Punkt 3", "siehe Frage 4a", "s. Ziffer 2.1": a pointer to another answer of the form
    r"|^(?:siehe|s|vgl|see)\s+(?:punkt|ziffer|frage|abschnitt|kapitel|nr|nummer|seite|s|item|question|point)"
    r"(?:\s+\d+[a-z]?)+$"
    # "Anlage 2", "Anhang", "attachment 1": the attachment named alone
    r"|^(?:anlage|anlagen|anhang|beilage|abbildung|abb|tabelle|tab|grafik|folie|attachment|annex)(?:\s+\d+[a-z]?)*$"
)
# A sum of money, or a list of them ("ca. 2.500 Euro", "Moderation: 3.200 €, Sachkosten: 850 €"): under
# Kosten the amount answers the form's question and judges nothing. Each item: at most two words naming
# the cost, then the amount; items separated by , ; / + or "und".
_ABOUT = frozenset(
    "insg insgesamt gesamt ca circa zirka rund etwa ungefähr knapp gut über unter max maximal je pro "
    "jeweils".split()
)
_AMOUNT = (
    rf"(?:(?:{'|'.join(sorted(_ABOUT))})\s+)*\d[\d .,]*(?:\s*-)?\s*(?:€|euro|eur)(?:\s+(?:brutto|netto))?"
)
_JUDGING = NEGATORS | {"zu", "nur", "too", "only"}
_AMOUNTS = re.compile(
    rf"^(?:[^\W\d_]+(?:\s+[^\W\d_]+)?\s+)?{_AMOUNT}(?:\s*(?:,|;|/|\+|und)\s*"
    rf"(?:[^\W\d_]+(?:\s+[^\W\d_]+)?\s+)?{_AMOUNT})*$"
)
# A date, a time or a span of them ("19:00 – 21:30 Uhr", "Sa., 22. Oktober 2016", "xx.xx.2017"): when the
# form asks for them they are facts of the event, and in a free-text field they answer nothing.
_CALENDAR_WORDS = (
    "uhr h bis von ab am um ca und sowie jeweils anfang mitte ende kw "
    "montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag mo di mi do fr sa so "
    "januar jänner februar märz maerz april mai juni juli august september oktober november dezember "
    "jan feb mär mrz apr jun jul aug sep sept okt nov dez"
)
_DATE_OR_TIME = re.compile(
    r"(?:\d{1,2}|x{1,2})\.(?:\d{1,2}|x{1,2})\.(?:\d{2,4}|x{2,4})?"  # 22.10.2016, 22.10., xx.xx.2017
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}[:.]\d{2}(?:h\b)?|\d{1,4}\.?"  # ISO date, 19:00 / 19.30h, 22., 2016
    rf"|\b(?:{'|'.join(_CALENDAR_WORDS.split())})\b\.?"
)
_DATE_FILLER = re.compile(r"[\s,;/()\-–—]+")
_LOREM = re.compile(r"^lorem ipsum\b")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[^\W\d_]{2,}")


class KnownWords(Container[str]):
    """The lower-case words a model can tag by: a word whose word feature (`features.word_lemma`: the lemma,
    or an English topic word's German one) is in its vocabulary, written as it is or inflected
    ("sprachkurse" → "sprachkurs"), or a word of German ("weltfrauentag", simplemma's dictionary) that its
    character features read even when no training statement had it. "asdf" is none of these."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._vocabulary = frozenset(vocabulary)

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        vocabulary = self._vocabulary
        return word in vocabulary or word_lemma(word, word, False) in vocabulary or known(word)


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _amounts_key(text: str) -> str:
    """Lower case with € and the separators of `_AMOUNTS` kept, other punctuation a space."""
    return " ".join(re.sub(r"[^\w€,;/+.-]+|(?<!\d)[.-]|[.-](?!\d)", " ", text.casefold()).split())


def no_content_reason(text: str, known_words: Container[str] = frozenset()) -> str | None:
    """Why `text` is no statement (`NO_LETTERS`, `PLACEHOLDER`, `AMOUNTS`, `DATES`, `NO_KNOWN_WORDS`), or None
    if it may be one.

    `known_words`: the lower-case words the model can tag by (`KnownWords`); a short text (up to three
    words) none of whose words it knows ("asdf", "qwertz uiop") says nothing it could tag. Without it, no
    text is checked for known words."""
    reason, few_words = _text_reason(text)
    if reason is None and few_words and known_words:
        if not any(w in known_words for w in _WORD.findall(text.casefold())):
            return NO_KNOWN_WORDS
    return reason


@functools.lru_cache(maxsize=50_000)
def _text_reason(text: str) -> tuple[str | None, bool]:
    """(the reason that needs no vocabulary, whether the text has at most three words): per text, cached,
    as the polarity features are (re-tagged reports repeat their statements)."""
    if len(text) > 80:  # longer than any placeholder: only lorem ipsum fills that much without content
        return (PLACEHOLDER if _LOREM.match(text.lstrip()[:11].casefold()) else None), False
    if not any(c.isalpha() for c in text):
        return NO_LETTERS, True
    key = _normalise(text)
    if (
        key in PLACEHOLDERS
        or set(key.split()) <= _PLACEHOLDER_WORDS
        or _POINTER.match(key)
        or _LOREM.match(key)
    ):
        return PLACEHOLDER, True
    folded = text.casefold()
    if _DIGIT.search(folded):  # an amount holds a digit, and a date a digit or "xx"
        amounts = _amounts_key(text)
        if _AMOUNTS.match(amounts) and not any(
            w in _JUDGING or word_polarity(w) and w not in _ABOUT for w in amounts.split()
        ):
            return AMOUNTS, True  # "Zu teuer: 5.000 €" judges
    if (_DIGIT.search(folded) or "xx" in folded) and not _DATE_FILLER.sub("", _DATE_OR_TIME.sub(" ", folded)):
        return DATES, True
    return None, len(text.split()) <= 3
