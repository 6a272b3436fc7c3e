"""nlp.model.inference: the contract of the fast scorer. `Tagger` computes every probability from the
linear models' decision values (weights folded, calibration applied by hand); the results must equal
what scikit-learn's `predict_proba` gives for the same fitted estimators. Also `Tagger.explain`."""

import numpy as np
from conftest import STATEMENTS

from nlp.model.artifacts import load_model
from nlp.model.features import StatementInput, prepare


def test_tagger_theme_probabilities_equal_each_svm_with_its_sigmoid_predict_proba(trained_model):
    tagger, _ = load_model(trained_model)
    model = tagger.model
    X, _ = model.transform(STATEMENTS)
    fast, _ = tagger.probabilities_from(tagger.decisions(STATEMENTS))
    for j, (svm, platt) in enumerate(zip(model.themes.estimators_, model.themes.calibrators_, strict=True)):
        if svm is not None:
            slow = platt.predict_proba(svm.decision_function(X).reshape(-1, 1))[:, 1]
            np.testing.assert_allclose(fast[:, j], slow, rtol=1e-9, atol=1e-12)


def test_folded_sentiment_calibration_equals_scikit_learn_predict_proba(trained_model):
    from nlp.model.bundle import Calibration, calibrated_from_decisions, fold_weights

    def calibrated_proba(calibrated, X):
        weights, bias = fold_weights(calibrated)
        return calibrated_from_decisions(Calibration.of(calibrated), np.asarray(X @ weights) + bias)

    tagger, _ = load_model(trained_model)
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


def test_tagger_probabilities_equal_predict_proba_on_the_general_path(trained_model):
    """`tag` goes through every linear model's decision values at once (`LinearLayout`); without the
    word-level fast path (as with de_core_news_sm) they come from the feature matrices."""
    tagger, _ = load_model(trained_model)
    tagger.fast = None
    model = tagger.model
    theme_p, sentiment_p = tagger.probabilities_from(tagger.decisions(STATEMENTS))
    X, X_sentiment = model.transform(STATEMENTS)
    np.testing.assert_allclose(theme_p, model.themes.predict_proba(X), atol=1e-12)
    np.testing.assert_allclose(sentiment_p, model.sentiment.predict_proba(X_sentiment), atol=1e-12)
    predictions = tagger.tag(STATEMENTS)
    assert [p.sentiment for p in predictions] == list(model.sentiment.predict(X_sentiment))


def test_explain_names_features_of_the_statement(trained_model):
    model, _ = load_model(trained_model)
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
