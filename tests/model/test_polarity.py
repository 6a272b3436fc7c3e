"""Polarity features (`nlp.model.polarity`): valence shifters with a clause scope, contrast, wishes."""

import numpy as np
import pytest

from nlp.model.features import StatementInput, prepare
from nlp.model.polarity import FEATURE_NAMES, N_FEATURES, polarity_matrix, polarity_values
from nlp.model.transformers import PolarityFeatures


def features(text: str, section: str | None = "bewertung") -> dict[str, int]:
    values = polarity_values(" ".join(text.split()).lower(), section)
    names = [name.removeprefix("polarity: ") for name in FEATURE_NAMES]
    return {name: round(v * 3) for name, v in zip(names, values, strict=True) if v}


@pytest.mark.parametrize(
    "text",
    [
        "Das war gar nicht übel.",
        "Es gab keine Beschwerden.",
        "Keinerlei Probleme bei der Anmeldung",
        "Die Veranstaltung lief ohne Schwierigkeiten",
        # a fear or complaint that did not come true
        "Die befürchteten Proteste blieben zum Glück aus.",
        "Die Befürchtungen der Anwohner haben sich nicht bestätigt.",
        "Wir wurden an keiner Stelle allein gelassen.",
    ],
)
def test_a_negated_negative_word_is_positive(text):
    f = features(text)
    assert f.get("litotes (negated negative)") == 1 and f.get("verdict: positive") == 3, f
    assert "verdict: negative" not in f


@pytest.mark.parametrize(
    "text",
    ["Das hat sich keineswegs gelohnt", "Das lohnte sich nicht.", "Der Austausch war alles andere als gut"],
)
def test_a_negated_positive_word_is_negative(text):
    f = features(text)
    assert f.get("negated positive") == 1 and f.get("verdict: negative") == 3, f


def test_the_negation_scope_ends_with_its_clause():
    f = features("Es kamen nicht viele, aber die Stimmung war gut")
    assert "negated positive" not in f and f.get("positive") == 1


def test_not_only_is_no_negation():
    f = features("nicht nur informativ, sondern auch spannend")
    assert "bare negation" not in f and "verdict: positive" in f and "negative" not in f


def test_a_turn_at_a_contrast_marker_is_mixed():
    f = features("Sehr interessant, allerdings fehlte die Zeit für Fragen.")
    assert f.get("turn at a contrast marker") == 1 and f.get("verdict: mixed") == 3, f


def test_a_conceded_fact_takes_the_polarity_of_the_second_half():
    f = features("Zwar war es Samstag, aber kaum jemand kam")
    assert f.get("negative after contrast, nothing judged before") == 1 and f.get("verdict: negative") == 3


def test_too_little_and_wishes():
    assert features("Viel zu wenig Zeit für den Austausch").get("too (zu + adjective)") == 1
    wish = features("Mehr Zeit wäre wünschenswert gewesen", "bewertung")
    assert wish.get("wish in a verdict") == 1 and wish.get("wish for more") == 1
    assert features("Mehr Zeit wäre wünschenswert", "empfehlungen").get("wish elsewhere") == 1


def test_english_statements_get_polarity():
    assert features("The workshop wasn't helpful").get("verdict: negative") == 3
    assert features("Good discussions, but too little time").get("verdict: mixed") == 3


def test_a_statement_that_judges_nothing_has_no_polarity():
    assert features("Am 12. März trafen sich 40 Personen im Rathaus.") == {}
    assert polarity_matrix([], []).shape == (0, N_FEATURES)


def test_the_transformer_reads_the_prepared_rows():
    statements = [StatementInput("Gar nicht übel!", "bewertung"), StatementInput("Leider zu kurz", None)]
    rows = prepare(statements)
    X = PolarityFeatures().fit_transform(rows[:, [0, 2]]).toarray()
    expected = polarity_matrix([" ".join(s.text.split()).lower() for s in statements], ["bewertung", "-"])
    np.testing.assert_array_equal(X, expected)
    assert len(PolarityFeatures().get_feature_names_out()) == N_FEATURES


def test_conceded_words_after_trotz_judge_nothing():
    assert features("Trotz guter Werbung kamen nur wenige").get("verdict: negative") == 3
    assert features("Trotz des Regens war die Stimmung super").get("verdict: positive") == 3


@pytest.mark.parametrize(
    "text",
    [
        "Die Zeit reichte völlig.",
        "Die Plätze haben gereicht.",
        "Es gab ausreichend Zeit für Fragen.",
        "Wir haben pünktlich begonnen.",
        "Time was enough, nobody felt rushed.",
    ],
)
def test_enough_time_is_positive(text):
    assert features(text).get("verdict: positive") == 3, features(text)


@pytest.mark.parametrize(
    "text",
    [
        "Die Zeit reichte nicht.",
        "Die Zeit war knapp.",
        "Alles wirkte gehetzt.",
        "Der Zeitplan war viel zu ehrgeizig.",
        "Die Räume waren recht beengt.",
        "Die Jugendlichen waren für das Format schwer erreichbar.",
        "Die Helfer fühlten sich nicht ausreichend eingebunden.",
    ],
)
def test_too_little_time_and_room_is_negative(text):
    assert features(text).get("verdict: negative") == 3, features(text)


@pytest.mark.parametrize(
    "text", ["Knapp 3.000 Euro für Moderation und Raum.", "Für gut 40 Personen gedeckt."]
)
def test_a_judgement_word_before_a_number_is_a_quantity(text):
    assert features(text) == {}


@pytest.mark.parametrize(
    "text", ["teilweise unsachlich", "Die Moderation war unprofessionell.", "Sehr unfreundlich"]
)
def test_un_before_a_positive_word_is_negative(text):
    assert features(text).get("negative") == 1, features(text)


@pytest.mark.parametrize(
    "text",
    [
        "Seither sind die Beschwerden aus dem Wohngebiet spürbar zurückgegangen.",
        "Die Konflikte in der Unterkunft haben deutlich abgenommen.",
        "Complaints from neighbours have decreased.",
    ],
)
def test_fewer_bad_things_is_good_news(text):
    f = features(text, "ergebnisse")
    assert f.get("net positive") == 1 and "net negative" not in f, f


def test_a_decrease_of_something_good_is_bad_news_and_a_negated_decrease_stays_bad():
    assert (
        features("Die Begeisterung der ersten Monate hat nachgelassen.", "ergebnisse").get("net negative")
        == 1
    )
    assert features("Die Beschwerden sind nicht zurückgegangen.", "ergebnisse").get("net negative") == 1


def test_a_decrease_of_something_unjudged_judges_nothing():
    assert features("Die Wartezeiten wurden verringert.", "ergebnisse") == {}


@pytest.mark.parametrize(
    "text, feature",
    [
        ("nicht gut", "verdict of a short statement: negative"),
        ("Nicht gut.", "verdict of a short statement: negative"),
        ("Zu lang.", "verdict of a short statement: negative"),
        ("Nicht übel!", "verdict of a short statement: positive"),
        ("Sehr gelungen.", "verdict of a short statement: positive"),
    ],
)
def test_the_verdict_of_a_few_words_has_its_own_feature(text, feature):
    f = features(text)
    assert f.get(feature) == 3, f


@pytest.mark.parametrize(
    "text",
    ["Eher nicht.", "Die Moderation war wirklich nicht gut.", "Ja.", "Das Essen war gut, die Zeit zu knapp."],
)
def test_a_bare_negation_or_a_longer_statement_is_no_short_verdict(text):
    assert not any(name.startswith("verdict of a short statement") for name in features(text))


@pytest.mark.parametrize(
    "text",
    [
        "Zu Konflikten zwischen Anwohnern und Helfern kam es an dem Abend nicht.",
        "Streit zwischen Alteingesessenen und Neuen gab es nicht.",
        "Probleme bei der Anmeldung und beim Einlass gab es keine.",
    ],
)
def test_a_final_negator_after_und_negates_the_words_before_it(text):
    """ "und" splits clauses, but a clause after it that ends in its negator and judges nothing itself
    negates the clause before: the sentence-final "nicht" of German."""
    f = features(text)
    assert f.get("litotes (negated negative)", 0) >= 1 and f.get("verdict: positive") == 3, f
    assert "verdict: negative" not in f


@pytest.mark.parametrize(
    "text, verdict",
    [
        # the clause after "und" judges something of its own: each clause keeps its polarity
        ("Die Moderation war gut und die Zeit reichte nicht.", "verdict: mixed"),
        # the negator does not end the clause: it negates nothing before "und"
        ("Die Stimmung war schlecht und niemand kam.", "verdict: negative"),
    ],
)
def test_a_negation_after_und_reaches_back_only_when_it_ends_a_clause_that_judges_nothing(text, verdict):
    assert features(text).get(verdict) == 3, features(text)


@pytest.mark.parametrize(
    "text",
    [
        "Die Ehrenamtlichen aus Calw und Bad Liebenzell konnten sich kennenlernen.",
        "Bad Saulgau hat im März eingeladen.",
        "Die Veranstaltung fand im Kurhaus in Bad Wildbad statt.",
    ],
)
def test_bad_before_a_place_name_judges_nothing(text):
    assert features(text) == {}


@pytest.mark.parametrize(
    "text", ["The timing was bad.", "It was a bad start.", "Bad.", "Communication was bad at first."]
)
def test_the_english_bad_stays_negative(text):
    f = features(text)
    assert f.get("negative") == 1 and f.get("verdict: negative") == 3, f


@pytest.mark.parametrize(
    "text",
    ["Der erhoffte Zulauf ist ausgeblieben.", "Die Helfer fühlten sich vom Landratsamt allein gelassen."],
)
def test_staying_away_and_being_left_alone_are_negative(text):
    assert features(text).get("verdict: negative") == 3


def test_blieb_without_a_final_aus_negates_nothing():
    assert features("Die Ausstellung blieb bis Freitag im Rathaus.") == {}
    assert features("Die Türen blieben offen, aus Neugier kamen viele.").get("bare negation") is None


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("Die Erwartungen wurden übertroffen.", "positive"),
        ("Der Bürgermeister würdigte den Einsatz der Helfer.", "positive"),
        ("Nur mäßig besucht.", "negative"),
        ("Viele bemängelten die Akustik im Saal.", "negative"),
    ],
)
def test_judgement_words_of_the_domain(text, verdict):
    assert features(text).get(f"verdict: {verdict}") == 3


@pytest.mark.parametrize(
    "text",
    ["Eine Pause zwischen den Runden wäre hilfreich gewesen.", "A break would have been helpful."],
)
def test_praise_in_a_counterfactual_verdict_says_it_was_missing(text):
    f = features(text)
    assert f.get("negated positive") == 1 and f.get("verdict: negative") == 3, f


def test_a_counterfactual_recommendation_keeps_its_words():
    f = features("Eine Pause zwischen den Runden wäre hilfreich.", "empfehlungen")
    assert f.get("positive") == 1 and "negated positive" not in f and f.get("wish elsewhere") == 1, f
