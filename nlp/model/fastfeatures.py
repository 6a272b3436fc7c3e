"""The fitted features of a model, computed from per-word caches with array operations: the same
matrices as `TaggerModel.transform_general` (spaCy, then the fitted scikit-learn transformers), many
times faster, and the linear classifiers' decision values without building those matrices at all.

Why it is exact: with the blank German pipeline a token's lemma is a function of its text (simplemma), the
character n-grams (`char_wb`) never cross a space, and spaCy's tokenizer splits at spaces before it
does anything else. So everything a statement contributes is fixed per whitespace-separated chunk,
except the negation window and the lemma bigrams across chunks. Per chunk, once: its tokens (kind,
plain and negated lemma form, negator or not) and the counts of its character n-grams. Per batch, with
numpy and scipy: the token sequence of every statement, the negation window (3 words after "nicht",
"kein", ..., cut at , . ; : ! ?), unigram and bigram columns, cue counts, and the character counts as
one sparse product (statement × chunk) @ (chunk × n-gram). The polarity features (`nlp.model.polarity`)
are a function of a statement's text and section, computed by the same code as the general path and
cached per statement. `tests/test_fastfeatures.py` checks the
matrices and the decision values against the general path on the whole corpus and on arbitrary text.

Decision values (`decisions`) use that the classifiers are linear: X @ W is, per tf-idf block, the
block's unnormalised tf-idf row times W, divided by the row's norm. Nine in ten character n-grams of a
statement come from one chunk only, so the character block is summed per chunk once (a chunk's tf-idf
row times W, and its squared norm) and a statement adds up its chunks' sums; only the n-grams that
several chunks share, where sublinear tf (1 + log count) is not additive, are corrected entry by entry.

With `de_core_news_sm` a lemma depends on its neighbours, so that pipeline keeps the general path.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from spacy.attrs import LIKE_NUM
from spacy.lang.char_classes import ALPHA_LOWER

from nlp.model.bundle import FeatureTables, char_wb_grams
from nlp.model.features import NEGATORS, NO_SECTION, WINDOW_ENDS, cue_values, word_cues, word_lemma
from nlp.model.names import mask_names
from nlp.model.pipeline import BLANK_PIPELINE, word_pipeline
from nlp.model.polarity import raw_values, scaled

_WORD, _RESET, _SKIP = 0, 1, 2
_FORM_BITS = 31  # a bigram's key: first form id << 31 | second form id
# Chunks cached at most, give or take the new chunks of one batch (a full cache is replaced before the
# next batch). Reports repeat a few thousand words; the cap only bounds memory when a stream of
# never-repeated strings comes in (a few hundred bytes per chunk).
MAX_CACHED_CHUNKS = 200_000
# Polarity rows cached per (statement, section) at most: re-tagged reports repeat their statements.
MAX_CACHED_STATEMENTS = 50_000
# Batches of up to this many statements (a report: about 30) get their decision values from numpy gathers
# summed per statement (`np.add.reduceat`); larger ones from scipy's sparse products, whose fixed cost per
# matrix small batches cannot spread but which scale better. The character block on the 2-core bench
# machine, µs per statement, gathers / scipy: 10 / 26 in batches of 30, 8 / 10 at 120, 8 / 6 at 250, 9 / 4.5
# at 1000.
SMALL_BATCH = 128
# Index arrays are int32, as scipy wants them: it would otherwise scan and copy them on every call.
_INDEX = np.int32
# What `str.isspace` finds (the same Unicode class): a lemma holding it would be split by the vectorizer.
_WHITESPACE = re.compile(r"\s")


def supported(pipeline_name: str) -> bool:
    return pipeline_name == BLANK_PIPELINE


# What spaCy's German tokenizer splits off the end of a word unconditionally, and the period after a lower-
# case letter (its suffix rule `(?<=[{al}...])\.`): all of them end a negation window (`WINDOW_ENDS`).
_WORD_ENDS = frozenset(",;:!?")
_LOWER = re.compile(f"[{ALPHA_LOWER}]")


@dataclass(frozen=True)
class _Tokenizing:
    """The tokenizer that new chunks go through, and which chunks need not go through it (`word_of`): a
    word of letters only (`str.isalpha`), alone or followed by one of , ; : ! ? (or a period after a
    lower-case letter), where neither the chunk nor the word is a special case of the tokenizer. No
    prefix, suffix or infix rule of spaCy's German tokenizer matches letters alone (each needs punctuation,
    a symbol, or a digit before a unit), so the word is one token equal to itself: no punctuation, no
    space, its lower case `str.lower` (spaCy's LOWER), its `like_num` the vocabulary's (German number
    words); the mark after it is a suffix of its own. `tests/model/test_fastfeatures.py` checks this
    against the tokenizer on every chunk of the corpus and the reports, on every Unicode letter and on
    arbitrary letter strings."""

    tokenizer: Callable[[str], Any]  # spaCy's Tokenizer
    specials: frozenset[str]  # the tokenizer's special cases ("z.B.", "ca.", "XD")
    like_num: Callable[[str], bool]

    @classmethod
    def of(cls, tokenizer) -> _Tokenizing:
        return cls(tokenizer, frozenset(tokenizer.rules), tokenizer.vocab.lex_attr_getters[LIKE_NUM])

    def word_of(self, chunk: str) -> str | None:
        """The word token of a chunk that needs no tokenizer (the chunk, or the chunk without its last
        character, which is then a punctuation token of its own); None for any other chunk."""
        if chunk in self.specials:
            return None
        if chunk.isalpha():
            return chunk
        word, end = chunk[:-1], chunk[-1]
        if (
            (end in _WORD_ENDS or end == "." and _LOWER.match(word[-1:]))
            and word.isalpha()
            and word not in self.specials
        ):
            return word
        return None


class _GramIndex:
    """The character n-grams of a `char_wb` vocabulary as integers, so that the n-grams of many words are
    looked up with array operations instead of a string and a dict lookup each. A gram of n characters is
    n small numbers (each character's rank in the vocabulary's alphabet, from 1) packed into one int64,
    with n above them; a gram with a character outside the alphabet is in no vocabulary. The same grams
    as `bundle.word_wb_grams`: every window of n = low..high characters of " word " that fits in it (the
    padded word is never shorter than 3 characters, so never shorter than `low` where `of` makes one)."""

    @classmethod
    def of(cls, vocabulary: dict[str, int], low: int, high: int) -> _GramIndex | None:
        """The index, or None where the grams do not pack (the caller then looks up strings)."""
        text = "".join(vocabulary)
        alphabet = np.unique(_codes(text))
        if not vocabulary or low > 3 or len(alphabet).bit_length() * (high + 1) > 62:
            return None
        return cls(vocabulary, low, high, text, alphabet)

    def __init__(self, vocabulary: dict[str, int], low: int, high: int, text: str, alphabet: np.ndarray):
        self.low, self.high = low, high
        self._bits = len(alphabet).bit_length()
        # character code -> id (from 1), 0 for any other character (codes above the largest are clipped)
        self._ranks = np.zeros(int(alphabet[-1]) + 2, dtype=np.int64)
        self._ranks[alphabet] = np.arange(1, len(alphabet) + 1)
        ids, starts = self._ids(text, np.fromiter(map(len, vocabulary), np.int64, len(vocabulary)))
        sizes = np.diff(starts)
        keys = np.zeros(len(vocabulary), dtype=np.int64)
        for n in range(low, high + 1):
            of_n = np.flatnonzero(sizes == n)
            keys[of_n] = self._pack(ids, starts[of_n], n)
        order = np.argsort(keys)
        self._keys = keys[order]
        self._columns = np.fromiter(vocabulary.values(), np.int64, len(vocabulary))[order]

    def _ids(self, text: str, lengths) -> tuple[np.ndarray, np.ndarray]:
        """Each character's id (0: not in the alphabet), padded with zeros; where each piece starts."""
        codes = _codes(text)
        ids = np.zeros(len(codes) + self.high, dtype=np.int64)
        ids[: len(codes)] = self._ranks[np.minimum(codes, len(self._ranks) - 1)]
        starts = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        return ids, starts

    def _pack(self, ids: np.ndarray, positions: np.ndarray, n: int) -> np.ndarray:
        """The keys of the n-character windows at `positions`; -1 where one holds an unknown character."""
        key = np.full(len(positions), n, dtype=np.int64)
        known = np.ones(len(positions), dtype=bool)
        for i in range(n):
            part = ids[positions + i]
            known &= part > 0
            key = key << self._bits | part
        return np.where(known, key, -1)

    def columns(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(word index, column) of every n-gram of the words (no whitespace in them) that the vocabulary
        has, a gram as often as it occurs (in no particular order). The windows of every length are packed
        one character at a time from the shorter ones, and looked up in one sorted pass."""
        ids, starts = self._ids("".join(f" {w} " for w in words), [len(w) + 2 for w in words])
        total = int(starts[-1])
        owner = np.repeat(np.arange(len(words), dtype=np.int64), np.diff(starts))
        end = starts[1:][owner]  # where the padded word of each position ends
        position = np.arange(total, dtype=np.int64)
        chars = np.zeros(total, dtype=np.int64)  # the first n characters of each window, packed
        known = np.ones(total, dtype=bool)
        at, keys = [], []
        for n in range(1, self.high + 1):
            part = ids[position + n - 1]
            known &= part > 0
            chars = chars << self._bits | part
            if n >= self.low:
                kept = np.flatnonzero(known & (position + n <= end))
                at.append(kept)
                keys.append(chars[kept] | n << (self._bits * n))  # as `_pack`: n above the characters
        windows, packed = np.concatenate(at), np.concatenate(keys)
        order = np.argsort(packed)  # sorted queries: each search starts where the one before ended
        packed = packed[order]
        found = np.minimum(np.searchsorted(self._keys, packed), len(self._keys) - 1)
        hit = self._keys[found] == packed
        return owner[windows[order[hit]]], self._columns[found[hit]]


def _codes(text: str) -> np.ndarray:
    """The code points of a text (a lone surrogate as its own code)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


class _Column:
    """A growable array of values or of rows (amortised appends; readers index `values`)."""

    def __init__(self, dtype=np.int64, width: int | None = None, capacity: int = 1024):
        self.values = np.zeros((capacity,) if width is None else (capacity, width), dtype=dtype)
        self.size = 0

    def extend(self, items) -> None:
        end = self.size + len(items)
        if end > len(self.values):
            grown = np.zeros((max(end, 2 * len(self.values)), *self.values.shape[1:]), self.values.dtype)
            grown[: self.size] = self.values[: self.size]
            self.values = grown  # a reader holding the old array still sees every id it was given
        self.values[self.size : end] = items
        self.size = end


class _Cache:
    """Everything known per chunk and per lemma form. Replaced whole when full, so a transform that
    took a snapshot keeps consistent ids."""

    def __init__(self, lemma_vocab: dict[str, int], outputs: int):
        self.chunk_ids: dict[str, int] = {}
        self.chunk_token_start, self.chunk_token_count = _Column(), _Column()
        # Character n-gram counts of chunk i: columns and counts [char_indptr[i], char_indptr[i + 1]);
        # the few with a count above 1 also in `rare_*`, with what sublinear tf makes of them.
        self.char_indptr, self.char_columns, self.char_counts = (
            _Column(_INDEX),
            _Column(_INDEX),
            _Column(float),
        )
        self.rare_indptr, self.rare_columns = _Column(_INDEX), _Column(_INDEX)
        self.rare_deltas = _Column(float, width=2)  # (1 + log c) - c and (1 + log c)² - c
        self.char_indptr.extend([0])
        self.rare_indptr.extend([0])
        # Per chunk, filled in by `FastFeatures._chunk_sums`: its char tf-idf row @ weights | squared norm.
        self.chunk_sums = _Column(float, width=outputs + 1)
        self.irregular = False  # a lemma with whitespace, which the vectorizer would split: no fast path
        self.token_kind, self.token_plain, self.token_negated, self.token_negator = (
            _Column() for _ in range(4)
        )
        self.form_ids: dict[str, int] = {}
        # `polarity.raw_values` per (statement text, section); immutable tuples.
        self.polarity: dict[tuple[str, str], tuple] = {}
        # Per word that skipped the tokenizer (`_Tokenizing.word_of`): its plain and negated form ids and
        # whether it is a negator, all functions of the word ("Flüchtlinge" in "Flüchtlinge," and
        # "Flüchtlinge." is looked up once).
        self.word_forms: dict[str, tuple[int, int, bool]] = {}
        self.form_column, self.form_cues = _Column(), [_Column() for _ in range(4)]
        self._new_forms: list[str] = []  # registered, their columns not yet filled in (`commit_forms`)
        # Bigrams of the vocabulary as sorted keys over form ids (their words registered first).
        keys, columns = [], []
        for gram, column in lemma_vocab.items():
            first, space, second = gram.partition(" ")
            if space:
                keys.append(self.form(first, lemma_vocab) << _FORM_BITS | self.form(second, lemma_vocab))
                columns.append(column)
        order = np.argsort(np.array(keys, dtype=np.int64), kind="stable")
        self.bigram_keys = np.array(keys, dtype=np.int64)[order]
        self.bigram_columns = np.array(columns, dtype=np.int64)[order]
        self.commit_forms(lemma_vocab)

    def form(self, word: str, lemma_vocab: dict[str, int]) -> int:
        """The id of a lemma form; a new one gets its columns with the next `commit_forms`."""
        form = self.form_ids.get(word)
        if form is None:
            form = self.form_ids[word] = len(self.form_ids)
            self._new_forms.append(word)
        return form

    def commit_forms(self, lemma_vocab: dict[str, int]) -> None:
        """Fill in the vocabulary column and the cue values of the forms registered since the last call."""
        words, self._new_forms = self._new_forms, []
        if not words:
            return
        self.form_column.extend([lemma_vocab.get(word, -1) for word in words])
        cues = np.array([word_cues(word) for word in words], dtype=np.int64)
        for k, column in enumerate(self.form_cues):
            column.extend(cues[:, k])

    def chars(self, chunks: int, width: int) -> csr_matrix:
        """Chunk × n-gram counts of the first `chunks` chunks (views, no copies)."""
        indptr = self.char_indptr.values[: chunks + 1]
        end = int(indptr[-1])
        return csr_matrix(
            (self.char_counts.values[:end], self.char_columns.values[:end], indptr), shape=(chunks, width)
        )

    def rare(self, chunks: int, width: int) -> tuple[csr_matrix, csr_matrix]:
        """For the counts above 1 of the first `chunks` chunks: (1 + log c) - c and (1 + log c)² - c."""
        indptr = self.rare_indptr.values[: chunks + 1]
        end = int(indptr[-1])
        columns, deltas = self.rare_columns.values[:end], self.rare_deltas.values[:end]
        return tuple(csr_matrix((deltas[:, k], columns, indptr), shape=(chunks, width)) for k in range(2))


@dataclass(frozen=True)
class _Batch:
    """The chunk ids of a batch of statements, against one cache snapshot."""

    cache: _Cache
    chunks: np.ndarray  # chunk ids, statement after statement
    indptr: np.ndarray  # statement i's chunks: chunks[indptr[i]:indptr[i + 1]]

    @property
    def size(self) -> int:
        return len(self.indptr) - 1

    def chunk_matrix(self) -> csr_matrix:
        """Statement × chunk occurrences (a chunk twice in a statement is counted twice)."""
        width = int(self.chunks.max()) + 1 if len(self.chunks) else 0
        return csr_matrix((np.ones(len(self.chunks)), self.chunks, self.indptr), shape=(self.size, width))


class FastFeatures:
    """Theme and sentiment feature rows of statements, from a model's feature tables (its vocabularies and
    idf, `nlp.model.bundle`), and the decision values X @ weights of the theme features X (`weights`:
    features × outputs)."""

    def __init__(self, tables: FeatureTables, pipeline_name: str, weights: np.ndarray, lang=None):
        if not supported(pipeline_name):
            raise ValueError(f"word-level features need the lookup lemmatizer, not {pipeline_name!r}")
        if tables.char_range is None:
            raise ValueError("word-level features need plain `char_wb` character n-grams")
        self._lemma_vocab: dict[str, int] = tables.lemma_vocabulary
        self._char_vocab: dict[str, int] = tables.char_vocabulary
        self._char_range: tuple[int, int] = tables.char_range
        self._grams = _GramIndex.of(self._char_vocab, *self._char_range)
        self._n_lemmas, self._n_chars = len(tables.lemma_idf), len(tables.char_idf)
        categories = list(tables.sections)
        self._n_features = self._n_lemmas + self._n_chars + len(categories)
        self._section_column = {c: self._n_lemmas + self._n_chars + i for i, c in enumerate(categories)}
        self._idf = np.concatenate([tables.lemma_idf, tables.char_idf, np.ones(len(categories))])
        self._cue_weight = tables.cue_weight
        self._polarity_weight = tables.polarity_weight
        self._polarity = tables.polarity
        if weights.shape[0] != self._n_features:
            raise ValueError(f"weights have {weights.shape[0]} rows for {self._n_features} features")
        self._weights = np.ascontiguousarray(weights, dtype=float)
        # The tokenizer of `lang` alone, without the pipeline's per-call overhead or its components: no
        # feature reads what they set (`features.token_lemma`). Without `lang`, a tokenizer of the blank
        # pipeline's (`pipeline.word_pipeline`), made when the first new chunk needs it: a process that
        # parses reports lends its parser's (`tokenizing_with`), and never makes one.
        self._own = _Tokenizing.of(lang.tokenizer) if lang is not None else None
        self._lent: _Tokenizing | None = None  # while `tokenizing_with`
        self._last_lent: _Tokenizing | None = None  # kept for the next call with the same tokenizer
        self._lock, self._own_lock = threading.Lock(), threading.Lock()
        self._cache = self._new_cache()

    @contextlib.contextmanager
    def tokenizing_with(self, tokenizer) -> Iterator[None]:
        """Meanwhile, tokenise new chunks with `tokenizer`: one made by the same rules (`spacy.blank("de")`
        with the abbreviations of `nlp.model.pipeline`, as `sentence_splitter`'s), so the same tokens,
        whose cache may hold the chunks already (a report's parser tokenised them). SpaCy's tokenizer is
        not for threads: only for a process that parses and tags one file after the other."""
        previous = self._lent
        if self._last_lent is None or self._last_lent.tokenizer is not tokenizer:
            self._last_lent = _Tokenizing.of(tokenizer)
        self._lent = self._last_lent
        try:
            yield
        finally:
            self._lent = previous

    def tokenizing(self) -> _Tokenizing:
        """The tokenizer new chunks go through now (the lent one, else its own, made on first use)."""
        lent = self._lent
        if lent is not None:
            return lent
        if self._own is None:
            with self._own_lock:
                if self._own is None:
                    self._own = _Tokenizing.of(word_pipeline().tokenizer)
        return self._own

    def _new_cache(self) -> _Cache:
        return _Cache(self._lemma_vocab, self._weights.shape[1])

    @property
    def cached_chunks(self) -> int:
        return len(self._cache.chunk_ids)

    def transform(self, texts: Sequence[str], sections: Sequence[str | None]):
        """(theme features, sentiment features) as CSR matrices, one row per statement; None once a lemma
        with whitespace turned up (the lookup tables have none), for the caller to take the general path.
        Names are masked first, as `features.prepare` does (`nlp.model.names`)."""
        texts = [mask_names(t) for t in texts]
        batch = self._batch(texts)
        if batch is None:
            return None
        A = batch.chunk_matrix()
        char_counts = (A @ batch.cache.chars(A.shape[1], self._n_features)).tocsr()
        lemma_counts, cue_counts = self._lemma_counts(batch)
        X = (
            _normalised(_sublinear_tfidf(lemma_counts, self._idf))
            + _normalised(_sublinear_tfidf(char_counts, self._idf))
            + self._section_counts(sections)
        )
        return X, _append_columns(X, self._cue_columns(batch.cache, cue_counts, texts, sections))

    def decisions(self, texts: Sequence[str], sections: Sequence[str | None]):
        """(X @ weights, cue values): the decision values of the theme features X that `transform` would
        build, and the cue columns that the sentiment features add to X; None where `transform` is."""
        texts = [mask_names(t) for t in texts]
        batch = self._batch(texts)
        if batch is None:
            return None
        weights = self._weights
        rows, columns, cue_counts = self._lemma_entries(batch)
        if batch.size <= SMALL_BATCH:
            out = self._lemma_decisions_small(batch.size, rows, columns)
            out += self._char_decisions_small(batch)
        else:
            lemma = _sublinear_tfidf(self._lemma_matrix(batch.size, rows, columns), self._idf)
            out = np.asarray(lemma @ weights) / _norms(_row_sums(lemma.data**2, lemma.indptr))[:, None]
            out += self._char_decisions(batch)
        columns = self._section_columns(sections)
        known = columns >= 0
        out[known] += weights[columns[known]]
        return out, self._cue_columns(batch.cache, cue_counts, texts, sections)

    def _cue_columns(
        self, cache: _Cache, cue_counts, texts: Sequence[str], sections: Sequence[str | None]
    ) -> np.ndarray:
        """The sentiment-only columns: cue values, then the polarity features of each statement's text
        (lower case, whitespace normalised, as `features.prepare` stores it), cached per statement."""
        cues = cue_values(cue_counts) * self._cue_weight
        if not self._polarity:
            return cues
        memo = cache.polarity
        rows = []
        for text, section in zip(texts, sections, strict=True):
            key = (text, section or NO_SECTION)
            row = memo.get(key)
            if row is None:
                row = raw_values(" ".join(text.split()).lower(), key[1])
                if len(memo) < MAX_CACHED_STATEMENTS:
                    memo[key] = row
            rows.append(row)
        return np.hstack([cues, scaled(rows) * self._polarity_weight])

    def _char_decisions(self, batch: _Batch) -> np.ndarray:
        """The character block's share of X @ weights: per-chunk sums, corrected where chunks share an
        n-gram (count c = c1 + c2 + ...: 1 + log c instead of (1 + log c1) + (1 + log c2) + ...)."""
        cache, weights = batch.cache, self._weights
        A = batch.chunk_matrix()
        sums = np.asarray(A @ self._chunk_sums(cache, A.shape[1]))  # [Σ rows @ weights | Σ squared norms]
        counts = (A @ cache.chars(A.shape[1], self._n_features)).tocsr()
        # several chunks, or one chunk's repeated n-gram (rare, exact anyway); by position, and per row where
        # its first one is (a search in the few positions: a running count over every entry of a first
        # pass's large batch costs ten times as much, mostly in faults on its fresh pages)
        shared = np.flatnonzero(counts.data >= 2)
        if len(shared):
            total = counts.data[shared]
            phi = _sublinear(total)
            # Σ over contributing chunks of (1 + log ci) is total + Σ((1 + log ci) - ci): the rare
            # deltas; of (1 + log ci)² it is total + Σ((1 + log ci)² - ci).
            pattern = (counts.indices[shared], np.searchsorted(shared, counts.indptr))
            fix = csr_matrix((phi - total, *pattern), shape=counts.shape)
            fix_squares = csr_matrix((phi**2 - total, *pattern), shape=counts.shape)
            if cache.rare_indptr.values[A.shape[1]] > 0:
                rare, rare_squares = cache.rare(A.shape[1], self._n_features)
                fix, fix_squares = fix - A @ rare, fix_squares - A @ rare_squares
            fix.data *= self._idf[fix.indices]
            sums[:, :-1] += fix @ weights
            sums[:, -1] += _row_sums(
                fix_squares.data * self._idf[fix_squares.indices] ** 2, fix_squares.indptr
            )
        return sums[:, :-1] / _norms(sums[:, -1])[:, None]

    def _lemma_decisions_small(self, n: int, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """The lemma block's share of X @ weights for a small batch (`SMALL_BATCH`), without a matrix: the
        (statement, column) pairs counted by one sort, each pair's tf-idf times its weight row, summed per
        statement and divided by the statement's norm."""
        keys, counts = np.unique(rows * self._n_features + columns, return_counts=True)
        rows, columns = np.divmod(keys, self._n_features)
        tfidf = _sublinear(counts) * self._idf[columns]
        indptr = _indptr(rows, n)
        return (
            _row_sums(tfidf[:, None] * self._weights[columns], indptr)
            / _norms(_row_sums(tfidf**2, indptr))[:, None]
        )

    def _char_decisions_small(self, batch: _Batch) -> np.ndarray:
        """`_char_decisions` for a small batch (`SMALL_BATCH`) with numpy alone: the chunks' sums gathered
        and added per statement, and the n-grams that several chunks of a statement share, found by one
        sort of every (statement, column) pair of its chunks, corrected group by group: 1 + log Σ ci in
        place of Σ (1 + log ci)."""
        cache, width = batch.cache, self._n_features
        chunks, indptr = batch.chunks, batch.indptr
        n_chunks = int(chunks.max()) + 1 if len(chunks) else 0
        sums = _row_sums(self._chunk_sums(cache, n_chunks)[chunks], indptr)
        char_indptr = cache.char_indptr.values
        entries = _ranges(char_indptr[chunks], char_indptr[chunks + 1])
        per_chunk = char_indptr[chunks + 1] - char_indptr[chunks]
        rows = np.repeat(np.repeat(np.arange(batch.size), np.diff(indptr)), per_chunk)
        keys = rows * width + cache.char_columns.values[entries]
        # numpy's default sort (its vector sort): three times faster here than a stable one, and the
        # order within a group of equal pairs does not matter
        order = np.argsort(keys)
        keys = keys[order]
        same = keys[1:] == keys[:-1]
        if not same.any():
            return sums[:, :-1] / _norms(sums[:, -1])[:, None]
        shared = np.zeros(len(keys), dtype=bool)  # in a group of two or more
        shared[1:] |= same
        shared[:-1] |= same
        at = np.flatnonzero(shared)
        keys = keys[at]
        counts = cache.char_counts.values[entries[order[at]]]
        sublinear = _sublinear(counts)
        groups = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        total = np.add.reduceat(counts, groups)
        phi = _sublinear(total)
        rows, columns = np.divmod(keys[groups], width)
        idf = self._idf[columns]
        fix = (phi - np.add.reduceat(sublinear, groups)) * idf
        fix_squares = (phi**2 - np.add.reduceat(sublinear**2, groups)) * idf**2
        group_indptr = _indptr(rows, batch.size)
        sums[:, :-1] += _row_sums(fix[:, None] * self._weights[columns], group_indptr)
        sums[:, -1] += _row_sums(fix_squares, group_indptr)
        return sums[:, :-1] / _norms(sums[:, -1])[:, None]

    def _chunk_sums(self, cache: _Cache, chunks: int) -> np.ndarray:
        """Per chunk (the first `chunks`): its character tf-idf row (unnormalised) @ weights, and its
        squared norm; computed once per chunk, for every chunk added since the last call at once."""
        sums = cache.chunk_sums
        if sums.size < chunks:
            with self._lock:
                if sums.size < chunks:
                    sums.extend(self._new_chunk_sums(cache, sums.size, chunks))
        return sums.values[:chunks]

    def _new_chunk_sums(self, cache: _Cache, first: int, end: int) -> np.ndarray:
        """`_chunk_sums` of chunks first..end - 1, from a matrix of their rows alone (slicing the matrix of
        every cached chunk would copy its index arrays: most of the cost for a report's new chunks)."""
        indptr = cache.char_indptr.values[first : end + 1]
        start, stop = int(indptr[0]), int(indptr[-1])
        indptr = indptr - start
        columns = cache.char_columns.values[start:stop]
        tfidf = _sublinear(cache.char_counts.values[start:stop]) * self._idf[columns]
        new = csr_matrix((tfidf, columns, indptr), shape=(end - first, self._n_features))
        rows = np.empty((end - first, cache.chunk_sums.values.shape[1]))
        rows[:, :-1] = new @ self._weights
        rows[:, -1] = _row_sums(tfidf**2, indptr)
        return rows

    def _batch(self, texts: Sequence[str]) -> _Batch | None:
        cache = self._cache  # one snapshot for the whole batch
        get = cache.chunk_ids.get
        split = [text.split() for text in texts]
        indptr = np.zeros(len(texts) + 1, dtype=_INDEX)
        np.cumsum(list(map(len, split)), out=indptr[1:])
        chunks = list(itertools.chain.from_iterable(split))
        ids = np.fromiter(map(get, chunks, itertools.repeat(-1)), _INDEX, len(chunks))
        missing = np.flatnonzero(ids < 0)
        if len(missing):
            new = [chunks[i] for i in missing]
            self._add(cache, list(dict.fromkeys(new)))
            ids[missing] = list(map(cache.chunk_ids.__getitem__, new))
        if cache.irregular:
            return None
        return _Batch(cache, ids, indptr)

    def _char_columns(self, chunks: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(chunk index, vocabulary column) of each character n-gram of the chunks that the vocabulary
        has, as the fitted `char_wb` analyzer gives them. A chunk is one word, unless lower-casing made
        whitespace, which the analyzer would split at."""
        lowered = [chunk.lower().lower() for chunk in chunks]  # ours, then the analyzer's
        if self._grams is not None and not _WHITESPACE.search("".join(lowered)):
            return self._grams.columns(lowered)
        low, high = self._char_range
        grams = [char_wb_grams(chunk, low, high) for chunk in lowered]
        n_grams = list(map(len, grams))
        columns = np.fromiter(
            map(self._char_vocab.get, itertools.chain.from_iterable(grams), itertools.repeat(-1)),
            np.int64,
            sum(n_grams),
        )
        owner = np.repeat(np.arange(len(chunks), dtype=np.int64), n_grams)
        known = columns >= 0
        return owner[known], columns[known]

    def _lemma_counts(self, batch: _Batch):
        """Unigram and bigram counts over the lemma forms (negated within 3 words after a negator), and the
        cue counts (positive, negative, contrast, any negated word) per statement."""
        rows, columns, cues = self._lemma_entries(batch)
        return self._lemma_matrix(batch.size, rows, columns), cues

    def _lemma_matrix(self, n: int, rows: np.ndarray, columns: np.ndarray) -> csr_matrix:
        # duplicates are summed by the conversion to CSR
        return csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(n, self._n_features))

    def _lemma_entries(self, batch: _Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(statement, column) of every unigram and bigram occurrence over the lemma forms (negated within
        3 words after a negator), and the cue counts (positive, negative, contrast, any negated word) per
        statement."""
        cache, chunks, n = batch.cache, batch.chunks, batch.size
        chunk_row = np.repeat(np.arange(n), np.diff(batch.indptr))
        starts = cache.chunk_token_start.values[chunks]
        counts = cache.chunk_token_count.values[chunks]
        tokens = _ranges(starts, starts + counts)
        total = len(tokens)
        token_row = np.repeat(chunk_row, counts)
        kind = cache.token_kind.values[tokens]
        is_word = kind == _WORD
        position = np.arange(total)
        first = np.ones(total, dtype=bool)
        first[1:] = token_row[1:] != token_row[:-1]
        # The last barrier before each token (just before a statement's first token, or on , . ; : ! ?),
        # the last negator strictly before it, and words counted so far: a word is negated when a negator
        # comes after the barrier and at most 3 words back.
        marks = np.where(first, position - 1, np.where(kind == _RESET, position, -1))
        barrier = np.maximum.accumulate(marks) if total else marks
        negator = np.where(is_word & (cache.token_negator.values[tokens] == 1), position, -1)
        last_negator = np.full(total, -1, dtype=np.int64)
        if total > 1:
            last_negator[1:] = np.maximum.accumulate(negator)[:-1]
        words_so_far = np.cumsum(is_word)
        distance = words_so_far - words_so_far[np.maximum(last_negator, 0)]
        negated = is_word & (last_negator > barrier) & (distance <= 3)
        forms = np.where(negated, cache.token_negated.values[tokens], cache.token_plain.values[tokens])[
            is_word
        ]
        word_row = token_row[is_word]
        unigram = cache.form_column.values[forms]
        same = word_row[1:] == word_row[:-1]
        keys = (forms[:-1] << _FORM_BITS | forms[1:])[same]
        found = np.minimum(np.searchsorted(cache.bigram_keys, keys), max(len(cache.bigram_keys) - 1, 0))
        hit = cache.bigram_keys[found] == keys if len(cache.bigram_keys) else np.zeros(len(keys), dtype=bool)
        rows = np.concatenate([word_row[unigram >= 0], word_row[1:][same][hit]])
        columns = np.concatenate([unigram[unigram >= 0], cache.bigram_columns[found[hit]]])
        cues = np.column_stack(
            [np.bincount(word_row, weights=column.values[forms], minlength=n) for column in cache.form_cues]
        )
        cues[:, 3] = cues[:, 3] > 0
        return rows, columns, cues

    def _section_columns(self, sections: Sequence[str | None]) -> np.ndarray:
        """The one-hot column of each statement's section; -1 for a section the model never saw."""
        return np.array([self._section_column.get(s or NO_SECTION, -1) for s in sections], dtype=np.int64)

    def _section_counts(self, sections: Sequence[str | None]) -> csr_matrix:
        columns = self._section_columns(sections)
        rows = np.flatnonzero(columns >= 0)
        return csr_matrix((np.ones(len(rows)), (rows, columns[rows])), shape=(len(columns), self._n_features))

    def _add(self, cache: _Cache, chunks: list[str]) -> None:
        """Analyse the chunks not seen before (distinct) and register them, all at once: tokens one chunk
        after another, the character n-grams of all of them counted by one `np.unique`, each array grown
        once."""
        with self._lock:
            chunks = [chunk for chunk in chunks if chunk not in cache.chunk_ids]  # another thread's batch
            if not chunks:
                return
            if len(cache.chunk_ids) >= MAX_CACHED_CHUNKS and cache is self._cache:
                self._cache = self._new_cache()  # later batches start afresh; this one goes on
            kinds: list[int] = []
            plain: list[int] = []
            negated: list[int] = []
            negators: list[int] = []
            token_counts = [0] * len(chunks)
            form, vocab = cache.form, self._lemma_vocab
            tokenizing = self.tokenizing()  # one tokenizer for the whole batch
            words = list(map(tokenizing.word_of, chunks))  # None: the tokenizer decides (`_Tokenizing`)
            others = [k for k, word in enumerate(words) if word is None]
            # The tokenizer alone, for the chunks it may split: the pipeline's lookup lemmatizer sets
            # `lemma_`, which no feature reads (`token_lemma` takes simplemma's lemma of the text), so it
            # is not run. One call over those chunks joined by single spaces: the tokenizer splits at
            # spaces first and tokenises each piece on its own, so the tokens are each chunk's tokens one
            # after the other (chunks hold no whitespace), without the cost of a Doc per chunk. `ends`:
            # where each chunk's separator ends.
            if others:
                ends = list(itertools.accumulate(len(chunks[k]) + 1 for k in others))
                j = 0
                for token in tokenizing.tokenizer(" ".join([chunks[k] for k in others])):
                    while token.idx >= ends[j]:
                        j += 1
                    token_counts[others[j]] += 1
                    if token.is_punct or token.is_space:
                        kinds.append(_RESET if token.text in WINDOW_ENDS else _SKIP)
                        plain.append(-1)
                        negated.append(-1)
                        negators.append(0)
                        continue
                    lemma = word_lemma(token.text, token.lower_, token.like_num)
                    if _WHITESPACE.search(lemma):
                        cache.irregular = True
                    kinds.append(_WORD)
                    plain.append(form(lemma, vocab))
                    negated.append(form("neg_" + lemma, vocab))
                    negators.append(int(token.lower_ in NEGATORS))
            # Their tokens first, then those of the other chunks: a word token, and its end mark.
            starts = [0] * len(chunks)
            position = cache.token_kind.size
            for k in others:
                starts[k] = position
                position += token_counts[k]
            like_num, known = tokenizing.like_num, cache.word_forms
            for k, word in enumerate(words):
                if word is None:
                    continue
                entry = known.get(word)
                if entry is None:
                    lower = word.lower()
                    lemma = word_lemma(word, lower, like_num(word))
                    if _WHITESPACE.search(lemma):
                        cache.irregular = True
                    entry = known[word] = (form(lemma, vocab), form("neg_" + lemma, vocab), lower in NEGATORS)
                kinds.append(_WORD)
                plain.append(entry[0])
                negated.append(entry[1])
                negators.append(entry[2])
                starts[k] = position
                if len(word) == len(chunks[k]):
                    token_counts[k] = 1
                else:
                    token_counts[k] = 2
                    kinds.append(_RESET)
                    plain.append(-1)
                    negated.append(-1)
                    negators.append(0)
                position += token_counts[k]
            # Character n-gram counts: one key per (chunk, column), sorted, so that each chunk's columns
            # come in ascending order, as a per-chunk `np.unique` gives them.
            owner, columns = self._char_columns(chunks)
            keys, counts = np.unique(owner * self._n_chars + columns, return_counts=True)
            owner, columns = keys // self._n_chars, (keys % self._n_chars + self._n_lemmas).astype(_INDEX)
            cache.char_columns.extend(columns)
            cache.char_counts.extend(counts)
            cache.char_indptr.extend(
                cache.char_indptr.values[cache.char_indptr.size - 1]
                + np.cumsum(np.bincount(owner, minlength=len(chunks)))
            )
            repeated = counts > 1
            phi = _sublinear(counts[repeated])
            cache.rare_columns.extend(columns[repeated])
            cache.rare_deltas.extend(np.column_stack([phi - counts[repeated], phi**2 - counts[repeated]]))
            cache.rare_indptr.extend(
                cache.rare_indptr.values[cache.rare_indptr.size - 1]
                + np.cumsum(np.bincount(owner[repeated], minlength=len(chunks)))
            )
            cache.chunk_token_start.extend(starts)
            cache.chunk_token_count.extend(token_counts)
            for column, values in zip(
                (cache.token_kind, cache.token_plain, cache.token_negated, cache.token_negator),
                (kinds, plain, negated, negators),
                strict=True,
            ):
                column.extend(values)
            cache.commit_forms(vocab)
            first = len(cache.chunk_ids)
            ids = cache.chunk_ids
            for i, chunk in enumerate(chunks, start=first):
                ids[chunk] = i  # published last: readers only see complete entries


def _sublinear(counts: np.ndarray) -> np.ndarray:
    """scikit-learn's sublinear term frequency (`sublinear_tf=True`): 1 + log count."""
    return 1.0 + np.log(counts)


def _sublinear_tfidf(counts: csr_matrix, idf: np.ndarray) -> csr_matrix:
    """(1 + log count) × idf, unnormalised."""
    out = counts.copy()
    out.data = _sublinear(out.data) * idf[out.indices]
    return out


def _row_sums(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Sums of `values` (numbers, or rows of numbers) per CSR row (rows may be empty)."""
    sums = np.zeros((len(indptr) - 1, *values.shape[1:]))
    values = values[: indptr[-1]] if len(indptr) else values
    nonempty = np.flatnonzero(indptr[1:] > indptr[:-1])
    if len(nonempty):
        sums[nonempty] = np.add.reduceat(values, indptr[nonempty])
    return sums


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The positions starts[0]..ends[0] - 1, then starts[1]..ends[1] - 1, and so on, as one array."""
    lengths = ends - starts
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))


def _indptr(rows: np.ndarray, n: int) -> np.ndarray:
    """Where each of n rows starts in `rows` (sorted) and where the last ends."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr


def _normalised(X: csr_matrix) -> csr_matrix:
    """Each row L2-normalised in place (empty rows stay zero), as `TfidfVectorizer` does."""
    X.data /= np.repeat(_norms(_row_sums(X.data**2, X.indptr)), np.diff(X.indptr))
    return X


def _norms(squares: np.ndarray) -> np.ndarray:
    """L2 norms from squared norms, 1 for empty rows (which stay zero, as scikit-learn leaves them)."""
    norms = np.sqrt(squares)
    norms[norms == 0] = 1.0
    return norms


def _append_columns(X: csr_matrix, dense: np.ndarray) -> csr_matrix:
    """[X | dense] as CSR without scipy's general `hstack`: the new columns go at each row's end."""
    n, k = dense.shape
    positions = np.repeat(X.indptr[1:], k)
    data = np.insert(X.data, positions, dense.ravel())
    indices = np.insert(X.indices, positions, np.tile(np.arange(X.shape[1], X.shape[1] + k), n))
    indptr = X.indptr + k * np.arange(n + 1)
    return csr_matrix((data, indices, indptr), shape=(n, X.shape[1] + k))
