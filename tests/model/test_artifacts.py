"""Train → save → load round trip, determinism, and the checks that refuse a wrong or tampered model."""

import json
import shutil

import numpy as np
import pytest

from nlp.errors import ModelError, ModelMismatch
from nlp.model.artifacts import MANIFEST, ModelManifest, load_model
from nlp.model.estimators import ThresholdedMultiLabel
from nlp.model.features import StatementInput, prepare
from nlp.training.corpus import load_corpus
from nlp.training.evaluate import grouped_folds, to_examples
from nlp.training.train import train

STATEMENTS = [
    StatementInput("Die Moderation war hervorragend und hat alle zu Wort kommen lassen.", "bewertung"),
    StatementInput("Leider kamen kaum Geflüchtete, die Einladung hat sie nicht erreicht.", "bewertung"),
    StatementInput("Mehr Zeit für die Workshops einplanen", "empfehlungen"),
    StatementInput("Gutes Format, aber viel zu wenig Zeit für den Austausch.", "bewertung"),
]


def test_train_writes_verified_model_dir(trained_model_dir, small_corpus):
    manifest = ModelManifest.read(trained_model_dir)
    assert (trained_model_dir / manifest.artifact).is_file()
    assert (trained_model_dir.parent / "current").resolve() == trained_model_dir.resolve()
    assert manifest.pipeline == "blank:de+lookup" or manifest.pipeline == "de_core_news_sm"
    assert manifest.themes[0] == "gesamteindruck" and manifest.sentiments == [
        "positiv",
        "negativ",
        "gemischt",
        "neutral",
    ]
    assert set(manifest.thresholds) == set(manifest.themes)
    assert manifest.n_statements == len(load_corpus(small_corpus))
    assert len(manifest.artifact_sha256) == 64 and len(manifest.training_data_hash) == 64


def test_load_model_round_trip_identical_predictions(trained_model_dir):
    model, manifest = load_model(trained_model_dir)
    again, _ = load_model(trained_model_dir.parent)  # the folder: its `current` is used
    first, second = model.tag(STATEMENTS), again.tag(STATEMENTS)
    assert first == second
    assert all(p.model_version == manifest.version for p in first)
    for p in first:
        assert abs(sum(p.sentiment_scores.values()) - 1.0) < 0.01
        assert p.sentiment == max(p.sentiment_scores, key=p.sentiment_scores.get)
        assert all(0.0 <= s <= 1.0 for s in p.theme_scores.values())


def test_train_is_deterministic(small_corpus, tmp_path, trained_model_dir):
    other = train(small_corpus, tmp_path / "models", folds=0, seed=0)
    a, _ = load_model(trained_model_dir)
    b, _ = load_model(other)
    pa, pb = a.tag(STATEMENTS), b.tag(STATEMENTS)
    assert [(p.themes, p.sentiment, p.theme_scores, p.sentiment_scores) for p in pa] == [
        (p.themes, p.sentiment, p.theme_scores, p.sentiment_scores) for p in pb
    ]


@pytest.fixture
def model_copy(tmp_path, trained_model_dir):
    return shutil.copytree(trained_model_dir, tmp_path / "model")


def test_load_model_refuses_tampered_artifact(model_copy):
    artifact = model_copy / "model.joblib"
    artifact.write_bytes(artifact.read_bytes() + b"\0")
    with pytest.raises(ModelMismatch, match="sha256.*refusing to load"):
        load_model(model_copy)


def _edit_manifest(model_dir, **changes):
    path = model_dir / MANIFEST
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"codebook_hash": "0" * 64}, "another codebook"),
        ({"pipeline": "de_core_news_sm"}, "spaCy pipeline 'de_core_news_sm'"),
        ({"sklearn": "0.24.2"}, "scikit-learn 0.24.2"),
        ({"themes": ["gesamteindruck"]}, "labels differ"),
        ({"model_format": 1}, "model format 1"),
    ],
)
def test_load_model_refuses_mismatching_manifest(model_copy, changes, message):
    _edit_manifest(model_copy, **changes)
    with pytest.raises(ModelMismatch, match=message) as excinfo:
        load_model(model_copy)
    assert "Retrain with `kfd train`" in str(excinfo.value)


def test_load_model_missing_says_how_to_train(tmp_path):
    with pytest.raises(ModelError, match="kfd train"):
        load_model(tmp_path / "nowhere")


def test_grouped_folds_never_split_a_report(small_corpus):
    examples = to_examples(load_corpus(small_corpus))
    groups = np.array([e.group for e in examples])
    for train_idx, test_idx in grouped_folds(examples, 5):
        assert not set(groups[train_idx]) & set(groups[test_idx])


def test_thresholded_multilabel_tunes_thresholds_per_label():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    Y = np.column_stack([(X[:, 0] > 0.8).astype(int), (X[:, 1] > -0.5).astype(int)])
    model = ThresholdedMultiLabel(C=1.0, cv=3)
    model.fit(X, Y, groups=np.arange(120) // 4)
    assert model.thresholds_.shape == (2,)
    assert ((model.predict(X) == Y).mean(axis=0) > 0.85).all()


def test_explain_names_features_of_the_statement(trained_model_dir):
    model, _ = load_model(trained_model_dir)
    statement = StatementInput(
        "Die Moderation war sehr gut und hat alle Teilnehmenden einbezogen.", "bewertung"
    )
    prediction = model.tag([statement])[0]
    explanation = model.explain(statement, prediction)
    assert prediction.sentiment in explanation
    terms = [term for terms in explanation.values() for term, _ in terms]
    assert terms, explanation
    lemmas = set(prepare([statement])[0][1].replace("neg_", "").split())
    for term in terms:
        kind, _, feature = term.partition(": ")
        assert kind in {"lemma", "chars", "section", "cue", "judgement"}, term
        if kind == "lemma":
            assert set(feature.replace("neg_", "").split()) <= lemmas, term
        if kind == "chars":
            assert feature.strip("'") in f" {statement.text.lower()} ", term


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


def test_theme_probabilities_equal_each_svm_with_its_sigmoid(trained_model_dir):
    tagger, _ = load_model(trained_model_dir)
    model = tagger.model
    X, _ = model.transform(STATEMENTS)
    fast, _ = tagger.probabilities_from(tagger.decisions(STATEMENTS))
    for j, (svm, platt) in enumerate(zip(model.themes.estimators_, model.themes.calibrators_, strict=True)):
        if svm is not None:
            slow = platt.predict_proba(svm.decision_function(X).reshape(-1, 1))[:, 1]
            np.testing.assert_allclose(fast[:, j], slow, rtol=1e-9, atol=1e-12)


def test_sentiment_fast_path_equals_scikit_learn(trained_model_dir):
    from nlp.model.inference import calibrated_from_decisions, fold_weights

    def calibrated_proba(calibrated, X):
        weights, bias = fold_weights(calibrated)
        return calibrated_from_decisions(calibrated, np.asarray(X @ weights) + bias)

    tagger, _ = load_model(trained_model_dir)
    model = tagger.model
    _, X = model.transform(STATEMENTS)
    for head in model.sentiment.heads_:
        np.testing.assert_allclose(calibrated_proba(head, X), head.predict_proba(X), rtol=1e-9, atol=1e-12)
    p = np.column_stack([h.predict_proba(X)[:, 1] for h in model.sentiment.heads_])
    stacked = model.sentiment._with_heads(X, p)
    np.testing.assert_allclose(
        calibrated_proba(model.sentiment.final_, stacked),
        model.sentiment.final_.predict_proba(stacked),
        rtol=1e-9,
        atol=1e-12,
    )


def test_probabilities_equal_predict_proba_on_the_general_path(trained_model_dir):
    """`tag` goes through every linear model's decision values at once (`LinearLayout`); without the
    word-level fast path (as with de_core_news_sm) they come from the feature matrices."""
    tagger, _ = load_model(trained_model_dir)
    tagger.fast = None
    model = tagger.model
    theme_p, sentiment_p = tagger.probabilities_from(tagger.decisions(STATEMENTS))
    X, X_sentiment = model.transform(STATEMENTS)
    np.testing.assert_allclose(theme_p, model.themes.predict_proba(X), atol=1e-12)
    np.testing.assert_allclose(sentiment_p, model.sentiment.predict_proba(X_sentiment), atol=1e-12)
    predictions = tagger.tag(STATEMENTS)
    assert [p.sentiment for p in predictions] == list(model.sentiment.predict(X_sentiment))


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_paused_leaves_the_garbage_collector_as_it_found_it(trained_model_dir, enabled):
    import gc

    from service.runtime import collector_paused

    model, _ = load_model(trained_model_dir)
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        seen = []
        original = model.predictions

        def spy(*args):
            seen.append(gc.isenabled())
            return original(*args)

        model.predictions = spy
        with collector_paused():
            assert len(model.tag(STATEMENTS)) == len(STATEMENTS)
        assert seen == [False]  # paused while the results are built
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
