"""nlp.model.names: places and persons' names are masked before the features, nothing else is."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.model.artifacts import load_model
from nlp.model.features import StatementInput, prepare
from nlp.model.names import PERSON, PLACE, mask_names, places

ONE_WORD_PLACES = sorted(places()[0])


@pytest.mark.parametrize(
    "text, masked",
    [
        ("Die Ehrenamtlichen aus Rottenburg und Tübingen.", f"Die Ehrenamtlichen aus {PLACE} und {PLACE}."),
        ("Stadthalle Ehingen, schlecht besucht", f"Stadthalle {PLACE}, schlecht besucht"),
        ("Im Zollernalbkreis und im Landkreis Biberach", f"Im {PLACE} und im {PLACE}"),
        ("des Landkreises Schwäbisch Hall.", f"des {PLACE}."),
        ("Jugendreferent Malte Oberholzer sprach", f"Jugendreferent {PERSON} sprach"),
        ("Die Integrationsmanagerin Selin Aydın gründet", f"Die Integrationsmanagerin {PERSON} gründet"),
        ("in Bad Urach, Schwäbisch Hall und Stuttgart-Vaihingen", f"in {PLACE}, {PLACE} und {PLACE}"),
        ("Landrat Dr. Jens Kessler-Brandt eröffnete.", f"Landrat {PERSON} eröffnete."),
        ("Bürgermeister Ömer Yıldırım blieb nur kurz.", f"Bürgermeister {PERSON} blieb nur kurz."),
        ("Bürgermeisterin Wendlinger blieb nur kurz.", f"Bürgermeisterin {PERSON} blieb nur kurz."),
        ("Frau Dr. Almut Rehberg vom Regierungspräsidium", f"Frau {PERSON} vom Regierungspräsidium"),
        ("Dank an Frau Müller.", f"Dank an Frau {PERSON}."),
        ("Herr Bürgermeister Wendlinger sprach", f"Herr Bürgermeister {PERSON} sprach"),
        # untouched: common words that are also places, nouns after "Frau" and after an office
        ("Kaffee und Kuchen, das Essen in der Halle war gut.", None),
        ("Einer jungen Frau Deutsch beizubringen dauert.", None),
        ("…, dass die Moderatorin Konflikte souverän auffing.", None),
        ("Bürgermeister Müller kam.", None),  # a surname that is also a word, after an office
        ("…, dass die Sozialarbeiter Familien Wohnungen vermitteln.", None),  # a plural, two nouns
        ("Der Kreis Sportvereine wuchs.", None),
        ("Die Moderation war gut, Zeit: knapp!", None),
        ("", None),
    ],
)
def test_mask_names(text, masked):
    assert mask_names(text) == (text if masked is None else masked)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ONE_WORD_PLACES), st.sampled_from(ONE_WORD_PLACES))
def test_any_two_places_give_the_same_features_text(a, b):
    template = "Die Veranstaltung in der Stadthalle {} war gut besucht, auch aus {} kamen viele."
    assert mask_names(template.format(a, b)) == mask_names(template.format(b, a))
    assert a not in mask_names(template.format(a, b)).split()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_text_without_names_is_returned_unchanged_and_masking_is_idempotent(text):
    masked = mask_names(text)
    assert mask_names(masked) == masked
    if masked != text:  # only capitalised words were replaced
        assert PLACE in masked or PERSON in masked


def test_training_and_tagging_features_see_the_masked_text():
    rows = prepare([StatementInput("Bürgermeister Klaus Wendlinger kam nach Nagold.", "bewertung")])
    assert "wendlinger" not in rows[0][0] and "nagold" not in rows[0][0]
    assert PERSON.lower() in rows[0][0] and PLACE.lower() in rows[0][0]


def test_a_trained_model_gives_the_same_labels_and_scores_whatever_the_names(trained_model):
    model, _ = load_model(trained_model)
    pairs = [
        (
            "Bürgermeister Klaus Wendlinger blieb leider nur zehn Minuten.",
            "Bürgermeister Ömer Yıldırım blieb leider nur zehn Minuten.",
        ),
        (
            "Die Ehrenamtlichen aus Rottenburg konnten sich endlich vernetzen.",
            "Die Ehrenamtlichen aus Bad Säckingen konnten sich endlich vernetzen.",
        ),
        (
            "Frau Dr. Almut Rehberg vom Landratsamt Calw hielt einen informativen Vortrag.",
            "Frau Ilse Kornmayer vom Landratsamt Ortenaukreis hielt einen informativen Vortrag.",
        ),
    ]
    for a, b in pairs:
        pa, pb = model.tag([StatementInput(a, "bewertung"), StatementInput(b, "bewertung")])
        assert (pa.themes, pa.sentiment) == (pb.themes, pb.sentiment)
        assert pa.theme_scores == pb.theme_scores and pa.sentiment_scores == pb.sentiment_scores
