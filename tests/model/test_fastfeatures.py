"""The word-level feature path (`nlp.model.fastfeatures`) computes exactly what the scikit-learn transformers
compute, on the whole corpus and on arbitrary text, with a bounded cache."""

import copy
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.model import fastfeatures
from nlp.model.features import WINDOW_ENDS, StatementInput
from nlp.model.inference import Tagger
from nlp.model.pipeline import BLANK_PIPELINE, TRAINED_PIPELINE

CORPUS = Path(__file__).resolve().parents[2] / "training_data" / "labels.jsonl"
pytestmark = pytest.mark.skipif(
    not fastfeatures.supported(BLANK_PIPELINE), reason="the fast path serves the blank pipeline only"
)


def _general_decisions(model, statements):
    """Every decision value from the scikit-learn feature matrices: X @ W + cues @ W + bias."""
    layout = model.layout
    X, X_sentiment = model.model.transform(statements)
    cues = X_sentiment[:, X.shape[1] :].toarray()
    return np.asarray(X @ layout.weights) + cues @ layout.cue_weights + layout.bias


def _assert_same(model, statements):
    """The fast path's feature matrices and its decision values (computed without those matrices) equal
    the general path's; so do the probabilities and the predictions."""
    fast = model.fast.transform([s.text for s in statements], [s.section for s in statements])
    general = model.model.transform(statements)
    for a, b in zip(fast, general, strict=True):
        assert a.shape == b.shape
        difference = abs(a - b)
        assert (difference.max() if difference.nnz else 0.0) <= 1e-12
    np.testing.assert_allclose(model.decisions(statements), _general_decisions(model, statements), atol=1e-10)
    theme_p, sentiment_p = model.probabilities_from(model.decisions(statements))
    reference_themes, reference_sentiment = model.model.predict_proba(statements)
    np.testing.assert_allclose(theme_p, reference_themes, atol=1e-10)
    np.testing.assert_allclose(sentiment_p, reference_sentiment, atol=1e-10)


def test_fast_features_equal_scikit_learn_on_the_whole_corpus(blank_model):
    rows = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line]
    statements = [StatementInput(r["text"], r["section"]) for r in rows]
    assert blank_model.fast is not None
    _assert_same(blank_model, statements)


def test_fast_features_edge_cases(blank_model):
    _assert_same(
        blank_model,
        [
            StatementInput("", "bewertung"),
            StatementInput("   \t\n ", None),
            StatementInput("nicht gut, aber kein Problem. Nie wieder!!! 12.000 € ", "kosten"),
            StatementInput("Kein wirklich gutes Ergebnis; nicht nicht schlecht", "unbekannt"),
            StatementInput(
                "gemeinde\u00adübergreifend\u00a0und „Markt der Möglichkeiten“ z.B. ggf. insg. 6-800 TN",
                "konzept",
            ),
            StatementInput("ΣΑΣ İstanbul ǅ straße STRASSE Straße", "anlass"),
            StatementInput("Gar  nicht übel, allerdings zu  wenig Zeit; keinerlei Beschwerden", "bewertung"),
            StatementInput("The volunteers didn't like it, but the housing WAS good", None),
        ],
    )


def test_decisions_where_chunks_share_character_ngrams(blank_model):
    """Sublinear tf is not additive: an n-gram that two chunks share (or one chunk repeats) counts
    1 + log(c1 + c2), and the per-chunk sums are corrected for it."""
    statements = [
        StatementInput("gut gut gut", "bewertung"),  # one chunk three times
        StatementInput("Bananenananas", "ergebnisse"),  # n-grams repeated inside one chunk
        StatementInput("Bananenananas Ananas anan Bananenananas, nicht gut.", "bewertung"),
        StatementInput("Integration Integrationskurse integrativ Integrationsbeauftragte", "themen"),
        StatementInput("Flüchtlinge Geflüchtete flüchten Flucht", None),
    ]
    _assert_same(blank_model, statements)
    counts = blank_model.fast._cache  # the repeated n-grams were registered as such
    assert counts.rare_indptr.size > 1 and counts.rare_columns.size > 0


def test_decisions_from_threads_equal_one_call(blank_model):
    """Callers share the word cache: concurrent batches of new words get the same numbers."""
    from concurrent.futures import ThreadPoolExecutor

    fresh = Tagger(blank_model.model)  # a fresh word cache
    batches = [
        [
            StatementInput(f"Neuwort{i}x{j} Stadtteilfest{j} nicht gut, aber Thema{i}", "bewertung")
            for j in range(40)
        ]
        for i in range(8)
    ]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(fresh.decisions, batches))
    for batch, result in zip(batches, results, strict=True):
        np.testing.assert_allclose(result, _general_decisions(blank_model, batch), atol=1e-10)


@pytest.mark.parametrize("size", [1, 2, 30, 500])
def test_decisions_in_batches_equal_scikit_learn_on_the_corpus(blank_model, size):
    """Batches of up to `SMALL_BATCH` statements take numpy's gathers, larger ones scipy's products: both
    give the general path's decision values, whatever the batch size (statements of a report, or a
    folder's at once), on a sample of the corpus that starts with empty word caches."""
    rows = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line]
    sample = [StatementInput(r["text"], r["section"]) for r in rows[:: max(1, len(rows) // 1000)]]
    if size == 1:
        sample = sample[:200]  # a call per statement
    fresh = Tagger(blank_model.model)  # empty word caches: each batch brings new chunks
    decisions = np.vstack([fresh.decisions(sample[i : i + size]) for i in range(0, len(sample), size)])
    np.testing.assert_allclose(decisions, _general_decisions(blank_model, sample), atol=1e-9)


def test_small_batch_path_equals_the_sparse_path(blank_model, monkeypatch):
    """The same batch through both ways of `FastFeatures.decisions`: the same numbers, cue columns too."""
    rows = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line]
    texts, sections = [r["text"] for r in rows[:60]], [r["section"] for r in rows[:60]]
    fast = blank_model.fast
    assert len(texts) <= fastfeatures.SMALL_BATCH
    small, small_cues = fast.decisions(texts, sections)
    monkeypatch.setattr(fastfeatures, "SMALL_BATCH", 0)
    sparse, sparse_cues = fast.decisions(texts, sections)
    np.testing.assert_allclose(small, sparse, atol=1e-12)
    np.testing.assert_array_equal(small_cues, sparse_cues)
    assert np.abs(small).max() > 0.01  # real statements: real decision values


WORDS = st.sampled_from(
    "nicht kein keine kaum ohne gut leider aber Moderation Workshops TN insg. ggf. z.B. 12.000 € , . ; ! ? "
    "( ) „ “ - – / Wohnraummangel Sprachmittler neg_gut <zahl> 2016. 18.02.2017 ca. 6-800 keinerlei "
    "allerdings zwar wäre übel Beschwerden zu wenig didn't volunteers Housing teils".split()
)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(
        st.one_of(
            st.lists(WORDS, max_size=12).map(" ".join),
            st.text(max_size=40),
        ),
        min_size=1,
        max_size=6,
    ),
    section=st.sampled_from([None, "bewertung", "ergebnisse", "kosten", "nirgends"]),
)
def test_fast_features_equal_scikit_learn_on_arbitrary_text(blank_model, texts, section):
    _assert_same(blank_model, [StatementInput(t, section) for t in texts])


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(
        st.one_of(st.lists(WORDS, max_size=12).map(" ".join), st.text(max_size=40)), min_size=1, max_size=40
    ),
    section=st.sampled_from([None, "bewertung", "kosten", "nirgends"]),
)
def test_small_and_sparse_decisions_equal_on_arbitrary_text(blank_model, texts, section):
    """Arbitrary text in a batch of up to 40 statements: numpy's gathers and scipy's products agree (both
    sides also match scikit-learn, above and in `test_decisions_in_batches_equal_scikit_learn_on_the_corpus`)."""
    fast = blank_model.fast
    sections = [section] * len(texts)
    small = fast.decisions(texts, sections)
    original = fastfeatures.SMALL_BATCH
    fastfeatures.SMALL_BATCH = 0  # hypothesis runs the body many times: no monkeypatch fixture here
    try:
        sparse = fast.decisions(texts, sections)
    finally:
        fastfeatures.SMALL_BATCH = original
    np.testing.assert_allclose(small[0], sparse[0], atol=1e-12)
    np.testing.assert_array_equal(small[1], sparse[1])


def test_cache_is_bounded_and_results_stay_exact(blank_model, monkeypatch):
    fast = blank_model.fast
    monkeypatch.setattr(fastfeatures, "MAX_CACHED_CHUNKS", 5)
    statements = [StatementInput(f"Wort{i} Nummer{i} nicht gut {i}", "bewertung") for i in range(20)]
    for statement in statements:  # one at a time: each call may start a fresh cache
        _assert_same(blank_model, [statement])
        assert fast.cached_chunks <= 5 + 5  # full: replaced before the next chunk is added
    _assert_same(blank_model, statements)


def test_the_artifact_holds_no_caches_and_predictions_survive(blank_model):
    statements = [StatementInput("Die Moderation war gut, aber zu wenig Zeit.", "bewertung")]
    before = blank_model.tag(statements)
    assert blank_model.fast.cached_chunks > 0  # tag built the word cache
    again = Tagger(pickle.loads(pickle.dumps(blank_model.model)))  # what model.pickle holds
    assert again.fast.cached_chunks == 0
    assert again.tag(statements) == before


def test_trained_pipeline_keeps_the_general_path(blank_model):
    other = copy.copy(blank_model.model)
    other.pipeline_name = TRAINED_PIPELINE
    assert not fastfeatures.supported(TRAINED_PIPELINE)
    assert Tagger(other).fast is None


def test_new_chunks_tokenised_together_equal_each_on_its_own(blank_model):
    """`_add` tokenises all new chunks of a batch in one call (joined by spaces): the decision values
    equal those of fresh taggers that see one statement at a time, and the general path's."""
    statements = [
        StatementInput("„Markt der Möglichkeiten“ (ca. 70 TN), z.B. Ggf. insg.", "anlass"),
        StatementInput("usw.) 6-800 €/Monat 18.02.2017. 10:00-12:00 Uhr", "kosten"),
        StatementInput("Sprach-Café's nicht-gut... ?!Toll! e-mail@example.org", "bewertung"),
        StatementInput("don't „Ja“-Sager—Teilnehmer:innen Bürger*innen", None),
    ]
    together = Tagger(blank_model.model).decisions(statements)
    for i, statement in enumerate(statements):
        np.testing.assert_allclose(
            together[i : i + 1], Tagger(blank_model.model).decisions([statement]), atol=1e-12
        )
    np.testing.assert_allclose(together, _general_decisions(blank_model, statements), atol=1e-10)


def _skipped_chunks_agree(tokenizer, chunks):
    """Each chunk `_Tokenizing` lets skip the tokenizer gives the tokens it says (its word, and its end mark
    if any), with the attributes `_add` reads taken as it takes them; returns how many chunks skip."""
    tokenizing = fastfeatures._Tokenizing.of(tokenizer)
    skipped = 0
    for chunk in dict.fromkeys(chunks):
        word = tokenizing.word_of(chunk)
        if word is None:
            continue
        skipped += 1
        doc = tokenizer(chunk)
        assert [t.text for t in doc] == ([chunk] if word == chunk else [word, chunk[-1]])
        token = doc[0]
        assert not token.is_punct and not token.is_space
        assert (token.lower_, token.like_num) == (word.lower(), tokenizing.like_num(word))
        assert all(t.is_punct and t.text in WINDOW_ENDS for t in doc[1:])
    return skipped


def test_chunks_that_skip_the_tokenizer_in_the_corpus_and_reports(blank_model):
    from nlp.model.pipeline import sentence_splitter

    texts = [json.loads(line)["text"] for line in CORPUS.read_text("utf-8").splitlines() if line]
    reports = CORPUS.parent / "reports"
    texts += [path.read_text("utf-8") for path in sorted(reports.glob("*.txt"))]
    chunks = [chunk for text in texts for chunk in text.split()]
    # the tokenizer `tag` uses, and the parser's (`FastFeatures.tokenizing_with`)
    for tokenizer in (blank_model.fast.tokenizing().tokenizer, sentence_splitter().tokenizer):
        assert _skipped_chunks_agree(tokenizer, chunks) > 10_000


def test_every_unicode_letter_skips_the_tokenizer_exactly(blank_model):
    """Every Unicode letter, alone, inside a word and before each end mark: where `_Tokenizing` says a
    chunk skips the tokenizer, the tokenizer gives exactly the tokens it says."""
    import sys

    tokenizer = blank_model.fast.tokenizing().tokenizer
    tokenizing = fastfeatures._Tokenizing.of(tokenizer)
    letters = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isalpha()]
    patterns = ["{}", "a{}", "{}a", "Ä{}ß"] + [p + end for p in ("{}", "a{}", "{}a") for end in ",;:!?."]
    for pattern in patterns:
        chunks, expected = [], []
        for chunk in (pattern.format(c) for c in letters):
            word = tokenizing.word_of(chunk)
            if word is not None:
                chunks.append(chunk)
                expected += [chunk] if word == chunk else [word, chunk[-1]]
        assert len(chunks) > len(letters) // 3
        assert [t.text for t in tokenizer(" ".join(chunks))] == expected


LETTERS = st.text(st.characters(categories=("L",)), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(LETTERS, st.sampled_from(["", "", ",", ";", ":", "!", "?", "."])).map("".join),
        min_size=1,
        max_size=8,
    )
)
def test_letter_strings_skip_the_tokenizer_exactly(blank_model, chunks):
    tokenizing = blank_model.fast.tokenizing()
    assert _skipped_chunks_agree(tokenizing.tokenizer, chunks) == len(
        {c for c in chunks if tokenizing.word_of(c) is not None}
    )
    _assert_same(blank_model, [StatementInput(" ".join(chunks), "bewertung")])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=15)
        | st.sampled_from(["\ud800x", "é😀ab", "gut,", "teilnehmer:innen", "ab"]),
        min_size=1,
        max_size=10,
    )
)
def test_packed_character_ngrams_equal_the_string_lookup(blank_model, words):
    """`_GramIndex` finds the vocabulary columns of exactly the n-grams `word_wb_grams` gives, each as often,
    for any characters (outside the vocabulary's alphabet, lone surrogates, emoji)."""
    from nlp.model.bundle import word_wb_grams

    words = [w.lower() for w in words if not any(c.isspace() for c in w)]
    fast = blank_model.fast
    low, high = fast._char_range
    owner, columns = fast._grams.columns(words)
    expected = sorted(
        (i, fast._char_vocab[g])
        for i, word in enumerate(words)
        for g in word_wb_grams(word, low, high)
        if g in fast._char_vocab
    )
    assert sorted(zip(owner.tolist(), columns.tolist(), strict=True)) == expected


def test_a_loaded_model_makes_its_tokenizer_only_when_a_new_chunk_needs_one(trained_model):
    """Loading builds no spaCy pipeline; a lent tokenizer (the parser's) spares making one at all; else
    the first new chunk makes the model's own."""
    from nlp.model.artifacts import load_model
    from nlp.model.pipeline import sentence_splitter

    model, _ = load_model(trained_model)
    assert model.fast is not None and model.fast._own is None
    lent = sentence_splitter().tokenizer
    with model.fast.tokenizing_with(lent):
        model.tag([StatementInput("Neue Wörter (z.B. hier), 12 TN.", "anlass")])
        assert model.fast.tokenizing().tokenizer is lent
    assert model.fast._own is None
    model.tag([StatementInput("Noch (andere) Wörter: 3-4 mal", None)])
    assert model.fast._own is not None and model.fast.tokenizing().tokenizer is not lent
