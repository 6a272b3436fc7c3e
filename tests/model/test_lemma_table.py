"""nlp.model.lemma_table: a model's compact lemma table gives the same features as spacy-lookups-data's full
table, and loading checks it like the artifact."""

import hashlib
import json
import random
import shutil

import numpy as np
import pytest

from nlp.errors import ModelMismatch
from nlp.model import lemma_table
from nlp.model.artifacts import LEMMAS, MANIFEST, load_model
from nlp.model.features import StatementInput
from nlp.model.inference import Tagger
from nlp.model.pipeline import full_lemma_table


@pytest.fixture(scope="module")
def full_table():
    return full_lemma_table()


def _vocabulary(tagger):
    return {name: t for name, t, _ in tagger.model.features.transformers_}["lemmas"].vocabulary_


def test_compact_table_keeps_what_can_change_a_feature():
    full = {
        "Gespräche": "Gespräch",  # lemma in the vocabulary
        "Häuser": "Haus",  # neither form known: dropped
        "Gutes": "gut",  # a cue
        "besten": "gut",
        "Moderationen": "Moderation",  # via a bigram of the vocabulary
        "Stadtfest": "Stadtfest",
        "Gespräch": "Sprache",  # the word itself is known: without the entry it would stay "gespräch"
        "1.000": "1.000",  # numbers become <zahl>
        "zwei Wörter": "zwei Wörter",  # whitespace in a lemma: kept for the fast path's check
    }
    vocabulary = {"gespräch": 0, "neg_moderation stadt": 1, "<zahl>": 2}
    kept = lemma_table.compact_table(full, vocabulary)
    assert set(kept) == {"Gespräche", "Gutes", "besten", "Moderationen", "Gespräch", "1.000", "zwei Wörter"}


def test_the_loaded_model_uses_its_compact_table(blank_model, full_table, trained_model):
    table = blank_model.fast._components[0].lookups.get_table("lemma_lookup")
    assert 0 < len(table) < len(full_table) / 5
    assert (trained_model / LEMMAS).is_file()


def test_compact_and_full_table_give_the_same_decisions(blank_model, full_table):
    """Words of the full table that the compact one dropped, next to known words, negators and cues, in
    sentences: the same decision values as the full table's (and as scikit-learn's, in
    test_fastfeatures)."""
    compact = blank_model.fast._components[0].lookups.get_table("lemma_lookup")
    dropped = sorted(w for w in full_table if w not in compact)
    known = sorted(w for w in _vocabulary(blank_model) if " " not in w and not w.startswith("neg_"))
    rng = random.Random(0)
    glue = ["nicht", "kein", "aber", "gut", "leider", ",", ".", "Moderation", "12", "Workshops"]
    statements = [
        StatementInput(
            " ".join(rng.choice(dropped + known + glue) for _ in range(rng.randint(1, 14))),
            rng.choice([None, "bewertung", "ergebnisse"]),
        )
        for _ in range(600)
    ]
    full = Tagger(blank_model.model)  # the full table
    np.testing.assert_allclose(blank_model.decisions(statements), full.decisions(statements), atol=1e-12)
    assert blank_model.tag(statements) == full.tag(statements)


@pytest.fixture
def model_copy(tmp_path, trained_model):
    return shutil.copytree(trained_model, tmp_path / "model")


def test_a_changed_lemma_table_is_refused(model_copy):
    path = model_copy / LEMMAS
    data = json.loads(path.read_text(encoding="utf-8"))
    data["lemma_lookup"]["Häuser"] = "gut"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelMismatch, match=f"{LEMMAS}: sha256"):
        load_model(model_copy)


def test_a_table_cut_for_other_cues_falls_back_to_the_full_table(model_copy, full_table):
    path = model_copy / LEMMAS
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cues"] = data["cues"][1:]
    path.write_text(json.dumps(data), encoding="utf-8")
    manifest = json.loads((model_copy / MANIFEST).read_text(encoding="utf-8"))
    manifest["lemmas_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (model_copy / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    model, _ = load_model(model_copy)
    assert len(model.fast._components[0].lookups.get_table("lemma_lookup")) == len(full_table)
