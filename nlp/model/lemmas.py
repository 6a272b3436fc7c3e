"""Word forms → lemmas with simplemma's German dictionary (shipped in the package, offline).

spaCy's lookup table misses many of the words the reports coin ("Wartelisten", "Sprachkursangeboten")
and some inflections; simplemma's dictionary and affix rules lemmatise them ("Warteliste",
"Sprachkursangebot"), so an inflected form shares the evidence of the forms the training data used. On
the held-out reports this raised themes micro-F1 from 0.801 to 0.811 (README, "Model quality").

A lemma is a pure function of the word's text, cached per word type, so the word-level fast path
(`nlp.model.fastfeatures`) stays exact. simplemma decodes its German dictionary on the first call (one to
two seconds); `preload` starts that in a background thread, for a process that has something else to do
meanwhile (`kfd tag` waits for its first parsed reports). After that a new word costs a few microseconds.
"""

from __future__ import annotations

import functools
import threading

import simplemma

_loaded = threading.Event()
_loading = threading.Lock()


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


@functools.lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The lower-case lemma of a word form (case matters to simplemma: nouns are capitalised)."""
    if not _loaded.is_set():
        _load()
    return simplemma.lemmatize(word, lang="de").lower()
