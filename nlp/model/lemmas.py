"""Word forms → lemmas with simplemma's German dictionary (shipped in the package, offline).

spaCy's lookup table misses many of the words the reports coin ("Wartelisten", "Sprachkursangeboten")
and some inflections; simplemma's dictionary and affix rules lemmatise them ("Warteliste",
"Sprachkursangebot"), so an inflected form shares the evidence of the forms the training data used. On
the held-out reports this raised themes micro-F1 from 0.801 to 0.811 (README, "Model quality").

A lemma is a pure function of the word's text, cached per word type, so the word-level fast path
(`nlp.model.fastfeatures`) stays exact. simplemma decodes its German dictionary on the first call (one to
two seconds, a Python loop over 1.1 million entries); `preload` starts that in a background thread. A
trained model carries the same dictionary as a MARISA trie (`save_dictionary`, simplemma's own
`TrieDictionaryFactory`), which `use_dictionary` reads in a few milliseconds: the same entries, so the same
lemmas (`tests/model/test_lemmas.py` compares every entry), and simplemma's rules and decompositions for
words outside the dictionary run unchanged on it. After that a new word costs a few microseconds.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from pathlib import Path

import simplemma
from simplemma.strategies import DictionaryLookupStrategy

_loaded = threading.Event()
_loading = threading.Lock()
LANGUAGE = "de"
# The file `TrieDictionaryFactory` reads and writes in its folder.
DICTIONARY_FILE = f"{LANGUAGE}.dic"
# simplemma's lemmatizer over a saved trie (`use_dictionary`); None: its default, the decoded dictionary.
_lemmatizer: simplemma.Lemmatizer | None = None
# simplemma's dictionary lookup alone over the same trie (`known`); None: `simplemma.is_known`'s.
_lookup: DictionaryLookupStrategy | None = None


def _trie_lemmatizer(folder: Path) -> tuple[simplemma.Lemmatizer, DictionaryLookupStrategy]:
    """simplemma's default lemmatizer (as `simplemma.lemmatize` builds it) and its dictionary lookup (as
    `simplemma.is_known` uses it), their dictionary a trie in `folder` (built there from the shipped
    dictionary when it is not there yet)."""
    from simplemma.strategies import DefaultStrategy
    from simplemma.strategies.dictionaries import TrieDictionaryFactory

    factory = TrieDictionaryFactory(disk_cache_dir=str(folder))
    lemmatizer = simplemma.Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory))
    lemmatizer.lemmatize("Haus", lang=LANGUAGE)  # reads the dictionary now
    return lemmatizer, DictionaryLookupStrategy(dictionary_factory=factory)


def save_dictionary(folder: Path) -> Path:
    """Write simplemma's German dictionary into `folder` as a trie (at train time); returns the file."""
    _trie_lemmatizer(folder)
    return folder / DICTIONARY_FILE


def use_dictionary(folder: Path) -> None:
    """From now on, lemmatise with the trie that `save_dictionary` wrote into `folder` (its sha256 checked
    by the caller): the same lemmas, without decoding the shipped dictionary."""
    global _lemmatizer, _lookup
    _lemmatizer, _lookup = _trie_lemmatizer(folder)


def _load() -> None:
    """Decode the dictionary once, whichever thread comes first (simplemma's own cache has no lock)."""
    with _loading:
        if not _loaded.is_set():
            simplemma.lemmatize("Haus", lang="de")
            _loaded.set()


def preload() -> threading.Thread | None:
    """Decode the dictionary in a daemon thread (None when it is decoded already)."""
    if _loaded.is_set():
        return None
    thread = threading.Thread(target=_load, name="simplemma-preload", daemon=True)
    thread.start()
    return thread


# What the trie cannot look up: a NUL ends its keys (a garbled value or a crash comes back), and a lone
# surrogate has no UTF-8 form. Text from JSON may hold either ("\u0000", "\ud800").
_NOT_IN_TRIE = re.compile("[\x00\ud800-\udfff]")


@functools.lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The lower-case lemma of a word form (case matters to simplemma: nouns are capitalised); a word with
    a NUL or a lone surrogate is no word of the dictionary: itself in lower case."""
    if _NOT_IN_TRIE.search(word):
        return word.lower()
    if _lemmatizer is not None:
        return _lemmatizer.lemmatize(word, lang=LANGUAGE).lower()
    if not _loaded.is_set():
        _load()
    return simplemma.lemmatize(word, lang=LANGUAGE).lower()


@functools.lru_cache(maxsize=50_000)
def known(word: str) -> bool:
    """Whether the word form is in simplemma's German dictionary as written (`simplemma.is_known`, over the
    model's trie when one is in use): "Konflikte" and "Müller" are, an unusual surname is not."""
    if _NOT_IN_TRIE.search(word):
        return False
    word = unicodedata.normalize("NFC", word)
    if _lookup is not None:
        return _lookup.get_lemma(word, LANGUAGE) is not None
    if not _loaded.is_set():
        _load()
    return simplemma.is_known(word, lang=LANGUAGE)
