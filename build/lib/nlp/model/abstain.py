"""The "no content" decision: a statement that says nothing gets no theme and `neutral`, and says why.

The codebook's rule "names no aspect and judges nothing → no theme" is decided here before any classifier
is asked, because a linear model always leans somewhere: on "entfällt" or "???" it would still give its
most probable labels with a confidence that means nothing. Real forms leave such answers in every field.
"""

from __future__ import annotations

import re
from collections.abc import Container

NO_LETTERS = "no letters"
PLACEHOLDER = "placeholder"
NO_KNOWN_WORDS = "no known words"

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
    }
)
# "siehe Anlage 2", "vgl. Protokoll vom 3.4.", "s. Anhang": a pointer elsewhere, nothing more.
_POINTER = re.compile(
    r"^(?:siehe|s|vgl|see)\s+(?:(?:die|den|das|der|beigefügte[nrs]?|beiliegende[nrs]?)\s+)?"
    r"(?:oben|unten|anlage|anlagen|anhang|anhänge|protokoll|bericht|dokumentation|beilage|attachment|above)\b"
    r"[\s\d]*(?:vom[\s\d]*)?$"
)
_LOREM = re.compile(r"^lorem ipsum\b")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def no_content_reason(text: str, known_words: Container[str] = frozenset()) -> str | None:
    """Why `text` is no statement (`NO_LETTERS`, `PLACEHOLDER`, `NO_KNOWN_WORDS`), or None if it may be one.

    `known_words`: lower-case words the model has seen; a short text (up to three words) none of whose
    words it knows ("asdf", "qwertz uiop") says nothing it could tag."""
    if len(text) > 80:  # longer than any placeholder: only lorem ipsum fills that much without content
        return PLACEHOLDER if _LOREM.match(text.lstrip()[:11].casefold()) else None
    if not any(c.isalpha() for c in text):
        return NO_LETTERS
    key = _normalise(text)
    if key in PLACEHOLDERS or _POINTER.match(key) or _LOREM.match(key):
        return PLACEHOLDER
    if known_words and len(text.split()) <= 3:
        if not any(w in known_words for w in _WORD.findall(text.casefold())):
            return NO_KNOWN_WORDS
    return None
