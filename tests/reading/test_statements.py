"""Sentence starts found on the deciding parts of a unit are the ones spaCy's splitter finds on all of it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.lang.lex_attrs import is_punct

from nlp.model.pipeline import sentence_splitter
from nlp.reading import statements
from nlp.reading.statements import _deciding_spans, _sentence_starts

# Words around which the guard and the sentencizer decide: ordinals, dates, years, abbreviations, quotes,
# punctuation alone or glued to words, and plain words in both cases.
WORDS = st.sampled_from(
    [
        "Die", "die", "Moderation", "war", "gut", "gut.", "Gut!", "sehr", "ca.", "Ca.", "z.B.", "u.a.",
        "18.", "Februar", "2016.", "18.02.2017.", "10:00.", "3.", "am", "Workshop", ".", "!", "?", "...",
        "„Angekommen?!“", "„Markt", "Möglichkeiten“", "“", "„", "»Wir«", "(siehe", "oben).", "–", "-", ":",
        "Ja.", "Nein!", "Insg.", "Es", "wir", "1.", "2)", "a)", "GmbH.", "Nr.", "5", "…", "?!", "(", ")",
        "Frage?", "Antwort.", "'", '"', "Zitat\"", "...und", "।", "Ende.", "Dr.", "Müller",
    ]
)  # fmt: skip
UNITS = st.lists(WORDS, min_size=1, max_size=40).map(" ".join)


def _spacy_starts(text: str) -> list[int]:
    return [sentence.start_char for sentence in sentence_splitter()(text).sents]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=UNITS)
def test_sentence_starts_equal_spacy_on_whole_unit(text):
    assert _sentence_starts(text) == _spacy_starts(text)


@pytest.mark.parametrize(
    "text",
    [
        "Die Moderation war gut. Die Räume waren zu klein und die Zeit war knapp bemessen.",
        "Am 18. Februar 2016 trafen sich alle. Danach gab es ein Fest im Rathaus der Stadt.",
        "Das Motto „Angekommen?!“ am 3. März. „Markt der Möglichkeiten“ war gut besucht.",
        "Es kamen ca. 70 Personen . Die Stimmung war gut – trotz allem. – Weiter so!",
        "Gut. – Weiter ging es mit vielen Leuten und einer langen Diskussion bis in den Abend",
    ],
)
def test_sentence_starts_equal_spacy_on_report_prose(text):
    assert _sentence_starts(text) == _spacy_starts(text)


def test_deciding_spans_leave_out_plain_words():
    text = "eins zwei drei vier fünf sechs. sieben acht neun zehn elf zwölf dreizehn vierzehn"
    # "fünf" (before the dot's chunk), "sechs." and "sieben" (the first word after it) are read.
    assert [text[a:b] for a, b in _deciding_spans(text)] == ["fünf sechs. sieben"]
    dashes = "eins zwei. – — weiter geht es"
    assert [dashes[a:b] for a, b in _deciding_spans(dashes)] == ["eins zwei. – — weiter"]


@pytest.mark.parametrize(
    "text",
    ["a " + "! " * 2000 + "b", "Gut. " + "– " * 2000 + "weiter", "Ja! " + "! – " * 1000 + "Nein."],
)
def test_deciding_spans_read_each_chunk_a_bounded_number_of_times(monkeypatch, text):
    """A paragraph of many punctuation marks (up to MAX_PARAGRAPH_CHARS in a hostile upload) is read in
    linear work: no chunk is looked at again for every deciding chunk before it."""
    looked_at = []
    monkeypatch.setattr(statements, "is_punct", lambda word: looked_at.append(word) or is_punct(word))
    spans = statements._deciding_spans(text)
    assert len(looked_at) <= len(text.split(" "))
    assert [text[a:b] for a, b in spans] == [text]  # every chunk decides or follows one here
    assert statements._sentence_starts(text) == _spacy_starts(text)
