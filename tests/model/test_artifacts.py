"""nlp.model.artifacts: the model directory `kfd train` writes (artifact, manifest, `current`), the
save → load round trip, and the checks that refuse a wrong or tampered model."""

import hashlib
import json
import shutil

import pytest
from conftest import STATEMENTS

from nlp.errors import ModelError, ModelMismatch
from nlp.model.artifacts import BUNDLE, MANIFEST, MODEL_FORMAT, ModelManifest, load_model
from nlp.training.corpus import load_corpus


def test_train_writes_verified_model_dir(trained_model, small_corpus):
    manifest = ModelManifest.read(trained_model)
    assert (trained_model / manifest.artifact).is_file()
    assert (trained_model.parent / "current").resolve() == trained_model.resolve()
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


def test_load_model_round_trip_identical_predictions(trained_model):
    model, manifest = load_model(trained_model)
    again, _ = load_model(trained_model.parent)  # the folder: its `current` is used
    first, second = model.tag(STATEMENTS), again.tag(STATEMENTS)
    assert first == second
    assert all(p.model_version == manifest.version for p in first)
    for p in first:
        assert abs(sum(p.sentiment_scores.values()) - 1.0) < 0.01
        assert p.sentiment == max(p.sentiment_scores, key=p.sentiment_scores.get)
        assert all(0.0 <= s <= 1.0 for s in p.theme_scores.values())


@pytest.fixture
def model_copy(tmp_path, trained_model):
    return shutil.copytree(trained_model, tmp_path / "model")


def test_load_model_refuses_tampered_artifact(model_copy):
    artifact = model_copy / "model.pickle"
    artifact.write_bytes(artifact.read_bytes() + b"\0")
    with pytest.raises(ModelMismatch, match="sha256.*refusing to load"):
        load_model(model_copy)


def test_artifact_changed_after_loading_is_refused_before_it_is_unpickled(model_copy):
    """Tagging reads the inference bundle; the artifact is unpickled when first needed, and its sha256 is
    checked again then, before a byte of it is unpickled."""
    tagger, _ = load_model(model_copy)
    artifact = model_copy / "model.pickle"
    artifact.write_bytes(artifact.read_bytes() + b"\0")
    assert tagger.tag(STATEMENTS[:1])[0].model_version == tagger.version
    with pytest.raises(ModelMismatch, match="sha256.*refusing to load"):
        _ = tagger.model


def test_load_model_refuses_tampered_bundle(model_copy):
    bundle = model_copy / BUNDLE
    bundle.write_bytes(bundle.read_bytes() + b"\0")
    with pytest.raises(ModelMismatch, match="inference.npz: sha256.*refusing to load"):
        load_model(model_copy)


def test_load_model_refuses_a_bundle_that_is_not_one(model_copy):
    """A bundle whose sha256 matches (the manifest edited with it) but that is no bundle: a readable
    error that says to retrain, not a stack trace."""
    import hashlib

    bundle = model_copy / BUNDLE
    bundle.write_bytes(b"PK\x03\x04 not a zip")
    _edit_manifest(model_copy, bundle_sha256=hashlib.sha256(bundle.read_bytes()).hexdigest())
    with pytest.raises(ModelError, match="not an inference bundle.*retrain with `kfd train`"):
        load_model(model_copy)


def test_load_model_refuses_format_6_models_without_a_bundle(model_copy):
    """A model of the previous format (no inference bundle) is refused with the format named."""
    (model_copy / BUNDLE).unlink()
    data = json.loads((model_copy / MANIFEST).read_text())
    del data["bundle_sha256"]
    data["model_format"] = 6
    (model_copy / MANIFEST).write_text(json.dumps(data))
    with pytest.raises(
        ModelMismatch, match=f"model format 6, this kfd-tagger reads format {MODEL_FORMAT}.*Retrain"
    ):
        load_model(model_copy)


def test_load_model_refuses_format_7_models_with_a_lemma_table(model_copy):
    """A model of format 7 (with the lookup lemmatizer's table, `lemmas.json`, which no feature reads) is
    refused with the format named, its manifest's extra field notwithstanding."""
    (model_copy / "lemmas.json").write_text('{"cues": [], "lemma_lookup": {}}', encoding="utf-8")
    data = json.loads((model_copy / MANIFEST).read_text())
    data["model_format"] = 7
    data["lemmas_sha256"] = hashlib.sha256((model_copy / "lemmas.json").read_bytes()).hexdigest()
    (model_copy / MANIFEST).write_text(json.dumps(data))
    with pytest.raises(
        ModelMismatch, match=f"model format 7, this kfd-tagger reads format {MODEL_FORMAT}.*Retrain"
    ):
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


def test_load_model_refuses_format_8_models_whose_features_saw_names(model_copy):
    """A model of format 8 was trained on features with the names in them (`nlp.model.names` masks them
    since format 9): refused with the format named, not served with features it was not trained on."""
    _edit_manifest(model_copy, model_format=8)
    with pytest.raises(
        ModelMismatch, match=f"model format 8, this kfd-tagger reads format {MODEL_FORMAT}.*Retrain"
    ):
        load_model(model_copy)
