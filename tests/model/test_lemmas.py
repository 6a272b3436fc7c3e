"""Lemmas (`nlp.model.lemmas`): simplemma's German dictionary, offline."""

import threading

import pytest
import simplemma
from hypothesis import given, settings
from hypothesis import strategies as st

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
    monkeypatch.setattr(lemmas, "_lemmatizer", None)  # without a model's dictionary (`use_dictionary`)
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


def test_saved_dictionary_holds_every_entry_of_simplemmas(trained_model):
    """The trie a model carries (`simplemma/de.dic`) maps every word form of simplemma's shipped German
    dictionary to the same lemma, and holds nothing else."""
    from marisa_trie import BytesTrie
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    shipped = DefaultDictionaryFactory().get_dictionary("de")
    trie = BytesTrie().load(str(trained_model / "simplemma" / lemmas.DICTIONARY_FILE))
    assert len(trie) == len(shipped) > 1_000_000
    assert all(trie[word] == [shipped[word].encode()] for word in shipped)


WORDS = [
    *(
        "Wartelisten Sprachkursangeboten Sprachkursangebote waren gereicht Müttern Flüchtlinge Geflüchteten".split()
    ),
    *(
        "Integrationsbeauftragten Ehrenamtskoordinatorinnen Bürgermeister-Stellvertreter Willkommens-Café".split()
    ),
    *(
        "E-Mail-Verteiler gibt's Helfer*innen TN-Zahl Kita-Plätze übergreifend ÜBERGREIFEND ließen ließ".split()
    ),
    *(
        "Arbeitsgruppentreffen Nachbarschaftshilfe Blablawort Xyzgruppen 2016er Dialogs Dialoge Häuser".split()
    ),
]


@pytest.mark.parametrize("word", WORDS)
def test_lemma_with_the_saved_dictionary_equals_simplemmas(trained_model, word):
    """Dictionary words, and words outside the dictionary that simplemma's rules and decompositions
    lemmatise (compounds, hyphens, clitics), get the same lemma from the model's trie as from the
    shipped dictionary."""
    import simplemma

    assert _trie_of(trained_model).lemmatize(word, lang="de") == simplemma.lemmatize(word, lang="de")


@settings(max_examples=300, deadline=None)
@given(word=st.text(alphabet="aäbcdefghiklmnoöprstuüvwzßAÄBDEFGHKLMNSTUWZ-'", min_size=1, max_size=24))
def test_lemma_with_the_saved_dictionary_equals_simplemmas_on_any_word(trained_model, word):
    import simplemma

    with_trie = _trie_of(trained_model)
    assert with_trie.lemmatize(word, lang="de") == simplemma.lemmatize(word, lang="de")


_tries: dict = {}


def _trie_of(model_dir):
    if model_dir not in _tries:
        _tries[model_dir] = lemmas._trie_lemmatizer(model_dir / "simplemma")
    return _tries[model_dir][0]


@pytest.mark.parametrize("word", ["Konflikte", "Müller", "Wendlinger", "Kessler-Brandt", "Haus", "Ä\x00"])
def test_known_over_the_saved_dictionary_equals_simplemmas(trained_model, word, monkeypatch):
    """`known` (is a word form in the dictionary, for `nlp.model.names`) answers the same over a model's
    trie as `simplemma.is_known` over the shipped dictionary."""
    _trie_of(trained_model)
    monkeypatch.setattr(lemmas, "_lookup", _tries[trained_model][1])
    lemmas.known.cache_clear()
    try:
        expected = "\x00" not in word and simplemma.is_known(word, lang="de")
        assert lemmas.known(word) == expected
    finally:
        lemmas.known.cache_clear()
    assert lemmas.known("Konflikte") and not lemmas.known("Wendlinger")


@pytest.mark.parametrize("word", ["\x00", "ab\x00c", "Ä\x00", "\x00\x00\x00\x00", "\ud800", "Haus\udfff"])
def test_lemma_of_a_word_the_trie_cannot_look_up_is_the_word(trained_model, word, monkeypatch):
    """A NUL (which ends a trie key: garbage or a crash came back) or a lone surrogate (no UTF-8 form), as
    JSON text may hold them: the word itself in lower case."""
    monkeypatch.setattr(lemmas, "_lemmatizer", _trie_of(trained_model))
    lemmas.lemma.cache_clear()
    try:
        assert lemmas.lemma(word) == word.lower()
    finally:
        lemmas.lemma.cache_clear()
