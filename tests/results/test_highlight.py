"""nlp.results.highlight: the explained terms mapped back onto the statement's words."""

from __future__ import annotations

from conftest import STATEMENTS

from nlp.model.artifacts import load_model
from nlp.results.highlight import highlight


def _marked(result) -> dict[str, tuple[str, ...]]:
    return {s.text: s.labels for s in result.segments if s.labels}


def test_lemma_terms_mark_their_words_and_pairs_mark_both():
    text = "Die Moderation war hervorragend, aber keine Geflüchteten kamen."
    terms = {
        "moderation": [("lemma: der moderation", 0.2), ("section: bewertung", 0.1)],
        "negativ": [("lemma: neg_geflüchteter", 0.3), ("lemma: kommen", 0.1), ("judgement: negative", 1.2)],
    }
    result = highlight(text, terms)
    assert "".join(s.text for s in result.segments) == text
    marked = _marked(result)
    assert marked["Die"] == ("moderation",) and marked["Moderation"] == ("moderation",)
    assert marked["kamen"] == ("negativ",)
    assert "war" not in marked and "hervorragend" not in marked
    assert result.terms["negativ"] == ("nicht geflüchteter", "kommen", "judgement: negative")


def test_character_ngrams_mark_words_containing_them_but_short_ones_nothing():
    text = "Moderatorinnen und Moderatoren am Tisch"
    result = highlight(text, {"moderation": [("chars: 'derat'", 0.1), ("chars: ' am'", 0.1)]})
    marked = _marked(result)
    assert set(marked) == {"Moderatorinnen", "Moderatoren"}
    assert result.terms["moderation"] == ("…derat…", "…am…")


def test_explanations_with_the_cached_feature_names_equal_a_fresh_models(trained_model):
    tagger, _ = load_model(trained_model)
    predictions = tagger.tag(STATEMENTS)
    for statement, prediction in zip(STATEMENTS, predictions, strict=True):
        fresh, _ = load_model(trained_model)  # computes the feature names for this one explanation
        assert tagger.explain(statement, prediction) == fresh.explain(statement, prediction)
    # twice: the second uses the cached feature names
    fresh, _ = load_model(trained_model)
    assert tagger.explain(STATEMENTS[0], predictions[0]) == fresh.explain(STATEMENTS[0], predictions[0])
