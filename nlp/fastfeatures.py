"""The fitted features of a model, computed word by word with caches: the same matrices as
`TaggerModel.transform_general` (spaCy, then the fitted scikit-learn transformers), several times faster.

Why it is exact: with the blank German pipeline a token's lemma is a table lookup on its text, the
character n-grams (`char_wb`) never cross a space, and spaCy's tokenizer splits at spaces before it
does anything else. So everything a statement contributes is known per whitespace-separated chunk,
except the negation window and the lemma bigrams across chunks, which are cheap and done per
statement. Cached per chunk: its tokens (lemma, vocabulary index, cue counts, plain and negated) and
the vocabulary indices of its character n-grams. `tests/test_fastfeatures.py` checks the matrices
against the general path on the whole corpus.

With `de_core_news_sm` a lemma depends on its neighbours, so that pipeline keeps the general path.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix

from .features import NEGATORS, NO_SECTION, cue_counts, cue_values, word_cues
from .pipeline import BLANK_PIPELINE, load_pipeline

# Token entries: one of these two markers, or (plain form, negated form, is a negator), where a form
# is (word, lemma vocabulary index or None, packed counts; see `_pack`).
_RESET_TOKEN, _SKIP_TOKEN = ("reset",), ("skip",)
_NUMBER = re.compile(r"[\d.,/-]+")
# Chunks cached at most. Reports repeat a few thousand words; the cap only bounds memory when a
# stream of never-repeated strings comes in (a few hundred bytes per entry).
MAX_CACHED_CHUNKS = 200_000


def supported(pipeline_name: str) -> bool:
    return pipeline_name == BLANK_PIPELINE


class FastFeatures:
    """Theme and sentiment feature rows of statements, from the fitted parts of a `TaggerModel`."""

    def __init__(self, features, cues, pipeline_name: str):
        if not supported(pipeline_name):
            raise ValueError(f"word-level features need the lookup lemmatizer, not {pipeline_name!r}")
        parts = {name: transformer for name, transformer, _ in features.transformers_}
        lemmas, chars, section = parts["lemmas"], parts["chars"], parts["section"]
        self._lemma_vocab: dict[str, int] = lemmas.vocabulary_
        self._char_vocab: dict[str, int] = chars.vocabulary_
        self._char_analyzer = chars.build_analyzer()
        self._n_lemmas, self._n_chars = len(lemmas.idf_), len(chars.idf_)
        categories = [str(c) for c in section.categories_[0]]
        self._n_features = self._n_lemmas + self._n_chars + len(categories)
        self._section_column = {
            c: np.array([self._n_lemmas + self._n_chars + i], dtype=np.int64)
            for i, c in enumerate(categories)
        }
        self._idf = np.concatenate([lemmas.idf_, chars.idf_, np.ones(len(categories))])
        self._cue_weight = float((cues.transformer_weights or {}).get("cues", 1.0))
        lang = load_pipeline(pipeline_name)
        # What `lang(chunk)` does, without its per-call overhead (~50 µs against ~8 µs for one word).
        self._tokenizer = lang.tokenizer
        self._components = [component for _, component in lang.pipeline]
        self._chunks: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def transform(self, texts: Sequence[str], sections: Sequence[str | None]):
        """(theme features, sentiment features) as CSR matrices, one row per statement."""
        n = len(texts)
        arrays: list[np.ndarray] = []  # column indices, row after row: lemma n-grams, chars, section
        lengths = np.zeros(n, dtype=np.int64)
        cues = np.zeros((n, 4), dtype=np.int64)  # positive, negative, contrast, any negated word
        chunks, lemma_vocab, section_column = self._chunks, self._lemma_vocab, self._section_column
        for i, text in enumerate(texts):
            words: list[str] = []
            grams: list[int] = []
            char_arrays: list[np.ndarray] = []
            negate = packed = length = 0
            for chunk in text.split():
                entry = chunks.get(chunk) or self._analyse(chunk)
                char_arrays.append(entry[1])
                length += len(entry[1])
                plain = entry[2]
                if plain is not None and not negate:  # the common case: no negation in reach
                    words += plain[0]
                    grams += plain[1]
                    packed += plain[2]
                    continue
                for token in entry[0]:
                    if token is _RESET_TOKEN:
                        negate = 0
                    elif token is not _SKIP_TOKEN:
                        word, index, counts = token[1] if negate else token[0]
                        words.append(word)
                        if index is not None:
                            grams.append(index)
                        packed += counts
                        negate = 3 if token[2] else (negate - 1 if negate else 0)
            counts = _unpack(packed)
            if counts[4]:  # a lemma with a space in it: split and count as the vectorizer does
                words = " ".join(words).split()
                grams = [g for g in map(lemma_vocab.get, words) if g is not None]
                counts = cue_counts(words)
            cues[i] = counts[0], counts[1], counts[2], counts[3] > 0
            for a, b in zip(words, words[1:], strict=False):
                index = lemma_vocab.get(f"{a} {b}")
                if index is not None:
                    grams.append(index)
            arrays.append(np.array(grams, dtype=np.int64))
            arrays += char_arrays
            section = section_column.get(sections[i] or NO_SECTION)
            if section is not None:
                arrays.append(section)
            lengths[i] = len(grams) + length + (section is not None)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)
        X = csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n, self._n_features))
        self._tfidf(X)
        return X, _append_columns(X, cue_values(cues) * self._cue_weight)

    def _tfidf(self, X: csr_matrix) -> None:
        """Counts to [lemma tf-idf | char tf-idf | section one-hot] in place, each tf-idf block
        L2-normalised, as `TfidfVectorizer(sublinear_tf=True)` computes them."""
        X.sum_duplicates()  # counts per row and column, indices sorted
        np.log(X.data, X.data)
        X.data += 1.0
        X.data *= self._idf[X.indices]
        n = X.shape[0]
        rows = np.repeat(np.arange(n), np.diff(X.indptr))
        block = (X.indices >= self._n_lemmas).astype(np.int64) + (X.indices >= self._n_lemmas + self._n_chars)
        key = rows * 3 + block
        norms = np.sqrt(np.bincount(key, weights=X.data**2, minlength=3 * n))
        norms[2::3] = 1.0  # the section one-hot is not normalised
        norms[norms == 0] = 1.0
        X.data /= norms[key]

    def _analyse(self, chunk: str) -> tuple:
        """Token entries and char n-gram indices of one whitespace-free chunk."""
        tokens = []
        doc = self._tokenizer(chunk)
        for component in self._components:
            doc = component(doc)
        for token in doc:
            if token.is_punct or token.is_space:
                tokens.append(_RESET_TOKEN if token.text in ",.;:!?" else _SKIP_TOKEN)
                continue
            lemma = (token.lemma_ or token.text).lower()
            if token.like_num or _NUMBER.fullmatch(lemma):
                lemma = "<zahl>"
            irregular = any(ch.isspace() for ch in lemma)
            tokens.append(
                tuple(
                    (form, self._lemma_vocab.get(form), _pack(*word_cues(form), irregular))
                    for form in (lemma, "neg_" + lemma)
                )
                + (token.lower_ in NEGATORS,)
            )
        grams = (self._char_vocab.get(g) for g in self._char_analyzer(chunk.lower()))
        char_indices = np.fromiter((g + self._n_lemmas for g in grams if g is not None), dtype=np.int64)
        entry = (tuple(tokens), char_indices, _plain_summary(tokens))
        with self._lock:
            if len(self._chunks) >= MAX_CACHED_CHUNKS:
                self._chunks.clear()
            self._chunks[chunk] = entry
        return entry


def _plain_summary(tokens: list) -> tuple | None:
    """What a chunk adds when no negation reaches into it, or None when it holds a negator:
    (words, lemma vocabulary indices, packed counts)."""
    words = [t for t in tokens if t is not _RESET_TOKEN and t is not _SKIP_TOKEN]
    if any(t[2] for t in words):
        return None
    forms = [t[0] for t in words]
    return [f[0] for f in forms], [f[1] for f in forms if f[1] is not None], sum(f[2] for f in forms)


# Five counts in one int, 20 bits each, so that a statement sums them with one addition per chunk:
# positive, negative, contrast, negated words and lemmas with a space in them.
_FIELD, _MASK = 20, (1 << 20) - 1


def _pack(*counts: int) -> int:
    return sum(int(c) << (_FIELD * k) for k, c in enumerate(counts))


def _unpack(packed: int) -> list[int]:
    return [(packed >> (_FIELD * k)) & _MASK for k in range(5)]


def _append_columns(X: csr_matrix, dense: np.ndarray) -> csr_matrix:
    """[X | dense] as CSR without scipy's general `hstack`: the new columns go at each row's end."""
    n, k = dense.shape
    positions = np.repeat(X.indptr[1:], k)
    data = np.insert(X.data, positions, dense.ravel())
    indices = np.insert(X.indices, positions, np.tile(np.arange(X.shape[1], X.shape[1] + k), n))
    indptr = X.indptr + k * np.arange(n + 1)
    return csr_matrix((data, indices, indptr), shape=(n, X.shape[1] + k))
