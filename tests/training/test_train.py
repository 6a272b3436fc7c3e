"""nlp.training.train, nlp.training.evaluate and nlp.training.baseline: training is deterministic, the
cross-validation folds are grouped by report, and the spaCy baseline predicts every label."""

import numpy as np
from conftest import STATEMENTS

from nlp.model.artifacts import load_model
from nlp.training.corpus import load_corpus
from nlp.training.evaluate import grouped_folds, to_examples
from nlp.training.train import train


def test_train_is_deterministic(small_corpus, tmp_path, trained_model):
    other = train(small_corpus, tmp_path / "models", folds=0, seed=0)
    a, _ = load_model(trained_model)
    b, _ = load_model(other)
    pa, pb = a.tag(STATEMENTS), b.tag(STATEMENTS)
    assert [(p.themes, p.sentiment, p.theme_scores, p.sentiment_scores) for p in pa] == [
        (p.themes, p.sentiment, p.theme_scores, p.sentiment_scores) for p in pb
    ]


def test_grouped_folds_never_split_a_report(small_corpus):
    examples = to_examples(load_corpus(small_corpus))
    groups = np.array([e.group for e in examples])
    for train_idx, test_idx in grouped_folds(examples, 5):
        assert not set(groups[train_idx]) & set(groups[test_idx])


def test_spacy_baseline_trains_and_predicts_every_label(small_corpus):
    from nlp.codebook import load_codebook
    from nlp.training.baseline import spacy_textcat

    codebook = load_codebook()
    examples = to_examples(load_corpus(small_corpus))[:120]
    predict = spacy_textcat(codebook, seed=0, epochs=2)(examples)
    predictions = predict([e.statement for e in examples[:10]])
    assert len(predictions) == 10
    for p in predictions:
        assert set(p.theme_scores) == set(codebook.theme_ids)
        assert p.sentiment in codebook.sentiment_ids
        assert set(p.themes) == {t for t, s in p.theme_scores.items() if s >= 0.5}
