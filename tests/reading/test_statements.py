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


# Chunks for which the plain path (`_plain_sentence_starts`) decides, and plain words after them: each case
# of first letter (upper, lower, title case, digits, other numbers), words with a mark after an upper-case
# letter (spaCy keeps the period), abbreviations, dates, addresses, and chunks that send the unit to spaCy
# (ordinals, years and times with a period, brackets before a mark).
PLAIN_WORDS = st.sampled_from(
    [
        "Ende.", "gut!", "wann?", "Straße.", "Äpfel.", "größer!", "ß.", "ÄRGER.", "GmbH.", "Ende!", "Ja?",
        "ca.", "Ca.", "z.B.", "bzw.", "Nr.", "usw.", "Dr.", "Insg.", "u.a.", "e.V.", "St.", "Jan.", "Mio.",
        "Die", "die", "Moderation", "war", "70", "2016", "über", "Über", "ǅungla.", "ǅ", "½", "²", "x",
        "İstanbul.", "und", "Σ.", "σ.", "ﬁ.", "Ende.“", "3.", "(gut).", "–", "Wort?!", "18.02.2017",
        "18.02.2017,", "2016.", "10:00", "10:00.", "info@stadt.de", "www.stadt.de", "1.500", "3,5", "5.-",
        "z.B.:", "(ca.", "ca.)", "S.", "Abs.", "GmbH", "e.V.,", "12.", "120.", "2016/17.",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(PLAIN_WORDS, min_size=1, max_size=25).map(" ".join))
def test_plain_sentence_starts_equal_spacy(text):
    """Where the plain path decides a unit, its starts are spaCy's on the whole unit."""
    plain = statements._plain_sentence_starts(text)
    if plain is not None:
        assert plain == _spacy_starts(text)
    assert _sentence_starts(text) == _spacy_starts(text)


def test_plain_sentence_starts_decide_most_report_prose():
    """On the prose of the training and held-out reports: the plain path decides most units that need a
    split at all, each as spaCy does; the others go to spaCy."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "training_data"
    texts = [p.read_text("utf-8") for p in sorted(root.glob("reports/*.txt"))]
    texts += [p.read_text("utf-8") for p in sorted(root.glob("heldout/reports/*.txt"))]
    units = [
        unit
        for text in texts
        for is_bullet, unit in statements._units(text)
        if not is_bullet and not statements._one_sentence(unit)
    ]
    decided = 0
    for unit in units:
        plain = statements._plain_sentence_starts(unit)
        if plain is not None:
            decided += 1
            assert plain == _spacy_starts(unit), unit
    assert decided > len(units) / 3


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("Das war gut. Die Räume waren klein.", [0, 13]),
        ("Das war gut. die Räume waren klein.", [0]),  # lower case after a period: no new sentence
        ("Das war gut! und dann kam mehr.", [0, 13]),  # after ! the sentencizer splits (`_sentences` joins)
        ("Es kamen ca. 70 Personen.", [0]),  # an abbreviation ends no sentence
        ("Gut. ca. 70 kamen. Ca. 80 gingen.", [0, 19]),
        ("Die Zeit war knapp. 2016 kamen mehr.", [0, 20]),
        ("Die GmbH. Weiter.", [0]),  # spaCy keeps the period after a capital: no sentence ends
        ("Am 18.02.2017 kamen viele. Danach info@stadt.de fragen.", [0, 27]),  # inert chunks
        ("Gut. 18.02.2017 war der Tag.", [0, 5]),
    ],
)
def test_plain_sentence_starts_examples(text, starts):
    assert statements._plain_sentence_starts(text) == starts == _spacy_starts(text)


@pytest.mark.parametrize(
    "text",
    [
        "Am 18. Februar.",  # an ordinal: the guard decides
        "Seit 2016. Danach.",
        "Um 10:00. Dann.",
        "Das Motto „Angekommen“. Gut.",
        "Gut. (siehe oben)",
        "Gut?! Ja.",
        "Ende (siehe oben). Weiter.",
    ],
)
def test_plain_sentence_starts_leave_other_units_to_spacy(text):
    assert statements._plain_sentence_starts(text) is None
    assert _sentence_starts(text) == _spacy_starts(text)
