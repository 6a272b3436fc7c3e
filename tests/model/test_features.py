"""Statement features (`nlp.model.features`): lemma words and their negation window."""

from nlp.model.features import LEMMAS, StatementInput, prepare


def test_words_are_lemmatised_and_negated_after_a_negator():
    (row,) = prepare([StatementInput("Keine Sprachkursangebote auf den Wartelisten", None)])
    assert row[LEMMAS].split() == ["kein", "neg_sprachkursangebot", "neg_auf", "neg_der", "warteliste"]
