"""nlp.model.bundle: the inference bundle a model is tagged from holds exactly the fitted model's numbers,
so a tagger made from the saved bundle predicts what one made from the scikit-learn objects predicts, and
tagging with it imports no scikit-learn."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import STATEMENTS
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.model.artifacts import load_model
from nlp.model.bundle import InferenceBundle, char_wb_grams
from nlp.model.features import StatementInput
from nlp.model.inference import Tagger

CORPUS = Path(__file__).resolve().parents[2] / "training_data" / "labels.jsonl"


def _corpus_statements(n: int = 2000) -> list[StatementInput]:
    rows = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line][:n]
    return [StatementInput(r["text"], r["section"]) for r in rows]


def test_saved_bundle_round_trips_every_number(trained_model):
    tagger, _ = load_model(trained_model)
    fresh = InferenceBundle.of(tagger.model)
    again = InferenceBundle.loads(fresh.dumps())
    for name in ("weights", "cue_weights", "bias", "head_weights"):
        np.testing.assert_array_equal(getattr(again.layout, name), getattr(fresh.layout, name))
    for a, b in zip(again.layout.theme_calibration, fresh.layout.theme_calibration, strict=True):
        np.testing.assert_array_equal(a, b)
    assert again.layout.widths == fresh.layout.widths
    for mine, theirs in zip((*again.heads, again.final), (*fresh.heads, fresh.final), strict=True):
        assert mine.n_classes == theirs.n_classes and len(mine.a) == len(theirs.a) == 3
        for x, y in zip(
            mine.a + mine.b + mine.positions, theirs.a + theirs.b + theirs.positions, strict=True
        ):
            np.testing.assert_array_equal(x, y)
    assert again.features.lemma_vocabulary == fresh.features.lemma_vocabulary
    assert again.features.char_vocabulary == fresh.features.char_vocabulary
    np.testing.assert_array_equal(again.thresholds, fresh.thresholds)
    assert (again.classes, again.theme_ids, again.head_weight) == (
        fresh.classes,
        fresh.theme_ids,
        fresh.head_weight,
    )


def test_tagger_from_the_saved_bundle_predicts_what_the_fitted_model_predicts(trained_model):
    """`load_model` tags from `inference.npz`; a Tagger made from the unpickled scikit-learn objects gives
    the same predictions, score for score, on a couple of thousand corpus statements."""
    from_bundle, manifest = load_model(trained_model)
    statements = _corpus_statements() + list(STATEMENTS)
    bundle_predictions = from_bundle.tag(statements)
    assert from_bundle._model is None  # tagging did not unpickle the artifact
    from_model = Tagger(from_bundle.model)
    assert from_bundle.version == from_model.version == manifest.version
    assert from_model.tag(statements) == bundle_predictions
    reference_themes, reference_sentiment = from_bundle.model.predict_proba(statements)
    themes, sentiment = from_bundle.probabilities_from(from_bundle.decisions(statements))
    np.testing.assert_allclose(themes, reference_themes, atol=1e-10)
    np.testing.assert_allclose(sentiment, reference_sentiment, atol=1e-10)


def test_tagging_imports_no_scikit_learn(trained_model):
    """Loading a model and tagging with it in a fresh process: scikit-learn is not imported (a second of
    every `kfd tag` start); `explain` unpickles the artifact and imports it then."""
    code = (
        "import sys\n"
        "from nlp.model.artifacts import load_model\n"
        "from nlp.model.features import StatementInput\n"
        f"tagger, _ = load_model({str(trained_model)!r})\n"
        "s = StatementInput('Die Moderation war gut, aber zu wenig Zeit.', 'bewertung')\n"
        "p = tagger.tag([s])[0]\n"
        "print(int('sklearn' in sys.modules))\n"
        "tagger.explain(s, p)\n"
        "print(int('sklearn' in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "1"], out.stderr


def test_a_statement_with_a_new_section_and_no_known_words_still_tags(trained_model):
    tagger, _ = load_model(trained_model)
    [p] = tagger.tag([StatementInput("Xqzv blorf", "nirgends")])
    assert p.themes == () and p.abstained is not None


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40), low=st.integers(1, 4), extra=st.integers(0, 3))
def test_char_wb_grams_equal_scikit_learn(text, low, extra):
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(low, low + extra)).build_analyzer()
    assert char_wb_grams(text.lower(), low, low + extra) == analyzer(text)


def test_calibrated_probabilities_where_folds_miss_classes():
    """Folds whose classifiers saw only some of the classes (their calibrators placed by `positions`):
    scikit-learn's `_CalibratedClassifier.predict_proba`, fold by fold, gives the same numbers as
    `calibrated_from_decisions`, which computes every fold's sigmoids at once."""
    from nlp.model.bundle import Calibration, calibrated_from_decisions

    rng = np.random.default_rng(0)
    positions = (np.array([0, 1, 2]), np.array([0, 1, 3]), np.array([1, 2, 3]))
    a = tuple(rng.normal(-2, 0.5, 3) for _ in positions)
    b = tuple(rng.normal(0, 0.5, 3) for _ in positions)
    calibration = Calibration(n_classes=4, a=a, b=b, positions=positions)
    decisions = rng.normal(0, 2, (50, 9))
    decisions[0, :] = 800.0  # every sigmoid 1: each fold splits its share over the classes it saw
    expected = np.zeros((50, 4))
    for k, (slope, offset, places) in enumerate(zip(a, b, positions, strict=True)):
        proba = np.zeros((50, 4))
        proba[:, places] = 1.0 / (1.0 + np.exp(decisions[:, 3 * k : 3 * k + 3] * slope + offset))
        denominator = proba.sum(axis=1, keepdims=True)
        proba = np.divide(proba, denominator, out=np.full_like(proba, 0.25), where=denominator != 0)
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        expected += proba
    expected /= 3
    got = calibrated_from_decisions(calibration, decisions)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(got[0], [2 / 9, 1 / 3, 2 / 9, 2 / 9])
    np.testing.assert_allclose(got.sum(axis=1), 1.0)
