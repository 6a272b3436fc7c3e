"""Lemmas (`nlp.model.lemmas`): simplemma's German dictionary, offline."""

import threading

import pytest

from nlp.model import lemmas
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


def test_preload_decodes_the_dictionary_once_whichever_thread_asks(monkeypatch):
    calls = []

    def lemmatize(word, lang):
        calls.append(word)
        return word

    monkeypatch.setattr(lemmas.simplemma, "lemmatize", lemmatize)
    monkeypatch.setattr(lemmas, "_loaded", threading.Event())  # as in a fresh process
    lemmas.lemma.cache_clear()
    try:
        thread = lemmas.preload()
        assert thread is not None
        thread.join()
        assert lemmas.preload() is None  # decoded: nothing left to start
        assert lemmas.lemma("Wartelisten") == "wartelisten"
        assert calls == ["Haus", "Wartelisten"]  # one decoding call, then the word itself
    finally:
        lemmas.lemma.cache_clear()  # the fake lemmas must not outlive the test
