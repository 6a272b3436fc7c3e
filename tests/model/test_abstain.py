"""nlp.model.abstain: statements without content get no theme and `neutral`, and the reason."""

from __future__ import annotations

import pytest

from nlp.model.abstain import AMOUNTS, DATES, NO_KNOWN_WORDS, NO_LETTERS, PLACEHOLDER, no_content_reason
from nlp.model.artifacts import load_model
from nlp.model.features import StatementInput

KNOWN = frozenset({"moderation", "gut", "zeit", "ja"})


@pytest.mark.parametrize(
    "text, reason",
    [
        ("-", NO_LETTERS),
        ("???", NO_LETTERS),
        ("1.250 €", NO_LETTERS),
        ("12.03.2017", NO_LETTERS),
        ("entfällt", PLACEHOLDER),
        ("Entfällt.", PLACEHOLDER),
        ("k. A.", PLACEHOLDER),
        ("K.A.", PLACEHOLDER),
        ("s. o.", PLACEHOLDER),
        ("siehe Anlage 2", PLACEHOLDER),
        ("siehe separates Dokument", PLACEHOLDER),
        ("Siehe Ergebnisse.", PLACEHOLDER),
        ("Abb. 1", PLACEHOLDER),
        ("test test", PLACEHOLDER),
        ("Keine weiteren Rückmeldungen.", PLACEHOLDER),
        ("dito", PLACEHOLDER),
        ("vgl. Protokoll vom 3.4.", PLACEHOLDER),
        ("Keine Angaben", PLACEHOLDER),
        ("wird nachgereicht", PLACEHOLDER),
        ("Bitte ergänzen!", PLACEHOLDER),  # the form's prompt left standing
        ("[Hier Text eingeben]", PLACEHOLDER),
        (
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut",
            PLACEHOLDER,
        ),
        ("asdf", NO_KNOWN_WORDS),
        ("qwertz uiop", NO_KNOWN_WORDS),
    ],
)
def test_no_content_reason_names_why(text, reason):
    assert no_content_reason(text, KNOWN) == reason


@pytest.mark.parametrize(
    "text",
    [
        "Die Moderation war gut.",
        "Ja.",  # under Kosten it answers the form's question
        "Zeit: knapp.",
        "Keine Beschwerden über die Moderation.",  # "keine" alone is a placeholder, in a sentence it judges
        "Siehe oben: die Moderation war gut.",
        "Die Liste der Ansprechpartner bitte ergänzen.",  # a request about something is a statement
        "Top!",  # unknown words are not checked without a vocabulary
        "So so.",  # "so" alone points up, said twice it judges
    ],
)
def test_statements_with_content_are_tagged(text):
    assert no_content_reason(text, KNOWN if text not in ("Top!", "So so.") else frozenset()) is None


def test_tagger_abstains_on_placeholders_and_keeps_its_scores(trained_model):
    model, _ = load_model(trained_model)
    statements = [
        StatementInput("entfällt", "bewertung"),
        StatementInput("Die Moderation war gut.", "bewertung"),
    ]
    placeholder, statement = model.tag(statements)
    assert (placeholder.themes, placeholder.sentiment, placeholder.abstained) == ((), "neutral", PLACEHOLDER)
    assert set(placeholder.theme_scores) == set(model.theme_ids)  # what the classifiers said stays visible
    assert statement.abstained is None
    assert "moderation" in model.known_words and "asdf" not in model.known_words


@pytest.mark.parametrize(
    "text",
    ["Sprachkurse", "Mietwohnungen", "Weltfrauentag", "Keine Beanstandungen.", "Danke!", "Volunteers!"],
)
def test_one_word_the_model_knows_inflected_or_a_german_word_is_a_statement(trained_model, text):
    """A bullet "Sprachkurse" is a topic: its lemma is in the vocabulary even when this form is not, and a
    German word no training statement had ("Weltfrauentag") is read by the character features, and an English
    topic word has its German word feature ("volunteers" → ehrenamtliche)."""
    model, _ = load_model(trained_model)
    [p] = model.tag([StatementInput(text, "themen")])
    assert p.abstained is None
    assert any(w in model.known_words for w in text.casefold().strip("!.").split())


@pytest.mark.parametrize(
    "text",
    [
        "ca. 2.500 Euro",
        "insg. ca. 4.100 €",
        "2.400,00 EUR",
        "ca. 1.900 Euro brutto",
        "Gesamtkosten: 2.750 €",
        "Moderation: 3.200 €, Sachkosten: 850 €",
        "Honorar Moderation 1.200 €; Catering 380 €",
    ],
)
def test_amounts_alone_say_nothing(text):
    assert no_content_reason(text) == AMOUNTS


@pytest.mark.parametrize(
    "text",
    [
        "Zu teuer: 5.000 €",
        "nur 300 €",
        "Für 640 Euro bekommt man selten so viel zurück.",
        "1.200 € waren zu viel",
        "Teuer, aber jeden Euro wert.",
    ],
)
def test_an_amount_with_a_judgement_is_a_statement(text):
    assert no_content_reason(text) is None


@pytest.mark.parametrize("text", ["vgl. Punkt 3", "siehe Frage 4a", "s. Ziffer 2", "Anlage 2", "Anhang"])
def test_a_pointer_to_another_answer_is_a_placeholder(text):
    assert no_content_reason(text) == PLACEHOLDER


@pytest.mark.parametrize(
    "text",
    [
        "xx.xx.2017",
        "19:00 – 21:30 Uhr",
        "Sa., 22. Oktober 2016",
        "22.10.2016, 14-18 Uhr",
        "KW 12",
        "Mitte März 2017",
    ],
)
def test_dates_and_times_alone_say_nothing(text):
    assert no_content_reason(text) == DATES


@pytest.mark.parametrize(
    "text", ["Der Termin am 22.10. war gut.", "ab 19 Uhr zu voll", "Samstag passt nicht", "19 Teilnehmende"]
)
def test_a_date_in_a_statement_keeps_the_statement(text):
    assert no_content_reason(text) is None
