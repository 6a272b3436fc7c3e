"""Lemmas (`nlp.model.lemmas`): simplemma's German dictionary, offline."""

import pytest

from nlp.model.lemmas import lemma


@pytest.mark.parametrize(
    "word, expected",
    [
        ("Wartelisten", "warteliste"),
        ("Sprachkursangeboten", "sprachkursangebot"),
        ("waren", "sein"),
        ("gereicht", "reichen"),
        ("Müttern", "mutter"),
    ],
)
def test_lemma_of_a_word_form(word, expected):
    assert lemma(word) == expected
