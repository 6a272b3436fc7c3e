"""Statement features (`nlp.model.features`): lemma words, the judged section."""

import pytest

from nlp.model.features import JUDGED_SECTION, LEMMAS, NO_SECTION, SECTION, StatementInput, prepare


def test_words_are_lemmatised_and_negated_after_a_negator():
    (row,) = prepare([StatementInput("Keine Sprachkursangebote auf den Wartelisten", None)])
    assert row[LEMMAS].split() == ["kein", "neg_sprachkursangebot", "neg_auf", "neg_der", "warteliste"]


@pytest.mark.parametrize(
    "text, section, judged",
    [
        ("Das hat sich gelohnt.", "kosten", "kosten"),
        ("Sehr zufrieden!", "bewertung", "bewertung"),
        ("Es hat sich nicht gelohnt.", "kosten", "kosten"),
        ("Die Moderation hat sich gelohnt.", "kosten", NO_SECTION),  # names what it judges
        ("Ja.", "kosten", NO_SECTION),  # judges nothing
        ("Das hat sich gelohnt.", None, NO_SECTION),
    ],
)
def test_a_bare_judgement_carries_its_section(text, section, judged):
    (row,) = prepare([StatementInput(text, section)])
    assert row[SECTION] == (section or NO_SECTION) and row[JUDGED_SECTION] == judged
