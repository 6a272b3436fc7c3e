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


def test_train_no_promote_leaves_current_and_reports_stages(small_corpus, models_dir):
    """`kfd train --no-promote` writes a candidate beside the served model; `current` stays."""
    from click.testing import CliRunner

    from cli import main

    served = (models_dir / "current").resolve()
    result = CliRunner().invoke(
        main, ["train", "--data", str(small_corpus), "--out", str(models_dir), "--folds", "0", "--no-promote"]
    )
    assert result.exit_code == 0, result.output
    assert "left as it was" in result.stdout
    assert (models_dir / "current").resolve() == served
    candidates = [p for p in models_dir.iterdir() if p.is_dir() and not p.is_symlink() and p != served]
    assert len(candidates) == 1 and (candidates[0] / "manifest.json").is_file()

    stages: list[tuple[str, float]] = []
    train(
        small_corpus,
        models_dir / "more",
        folds=2,
        seed=0,
        promote=False,
        on_stage=lambda s, f: stages.append((s, f)),
    )
    # The cross-validation reports its start and each of its two folds.
    assert [s for s, _ in stages] == [
        "validate",
        "cross-validate",
        "cross-validate",
        "cross-validate",
        "fit",
        "save",
    ]
    assert [f for _, f in stages] == sorted(f for _, f in stages)
    assert not (models_dir / "more" / "current").exists()
