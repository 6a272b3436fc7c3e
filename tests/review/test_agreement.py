"""Agreement figures of double-coded samples, checked against published worked examples."""

from __future__ import annotations

import pytest

from nlp.codebook import load_codebook
from nlp.review.agreement import (
    ONE_VALUE,
    SENTIMENT,
    TOO_FEW,
    UNDETERMINED,
    Coding,
    Unit,
    agreement,
    cohen_kappa,
    nominal_alpha,
)

CODEBOOK = load_codebook()


def test_nominal_alpha_krippendorff_2011_example_with_missing_values():
    # Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
    # Communication, University of Pennsylvania, section C ("Nominal data, any number of observers,
    # missing data"): 4 observers × 12 units, values 1–5, blanks missing; nominal alpha = 0.743.
    # (The same matrix is the "C" example of R's DescTools::KrippAlpha / irr::kripp.alpha.)
    n = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    alpha = nominal_alpha(data)
    assert alpha.value == pytest.approx(0.743, abs=0.0005)
    assert alpha.display() == "0.743"


def test_nominal_alpha_krippendorff_2011_binary_two_observers():
    # Same source, section A ("Binary data, two observers, no missing data"): alpha = 0.095.
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert nominal_alpha(data).value == pytest.approx(0.095, abs=0.0005)


def test_cohen_kappa_fifty_applications_example():
    # The textbook example of Wikipedia's "Cohen's kappa" (Worked example): 50 grant applications read
    # by A and B; both yes 20, A yes B no 5, A no B yes 10, both no 15 → p_o = 0.7, p_e = 0.5, kappa = 0.4.
    a = ["ja"] * 20 + ["ja"] * 5 + ["nein"] * 10 + ["nein"] * 15
    b = ["ja"] * 20 + ["nein"] * 5 + ["ja"] * 10 + ["nein"] * 15
    assert cohen_kappa(a, b).value == pytest.approx(0.4)


@pytest.mark.parametrize(
    "x, y, reason",
    [
        ([False, False, False], [False, False, False], ONE_VALUE),  # a theme nobody used
        (["positiv"], ["negativ"], TOO_FEW),
        ([], [], TOO_FEW),
    ],
)
def test_coefficients_undetermined_carry_a_reason_not_nan(x, y, reason):
    kappa, alpha = cohen_kappa(x, y), nominal_alpha([x, y])
    for c in (kappa, alpha):
        assert c.value is None and c.reason == reason
        assert c.display() == UNDETERMINED


def _unit(i, a, b, model=None, adjudicated=None):
    coding = lambda spec: None if spec is None else Coding.of(*spec)  # noqa: E731
    return Unit(i, f"Aussage {i}", coding(a), coding(b), coding(model), coding(adjudicated))


def test_agreement_report_per_theme_and_sentiment():
    m, w = ["moderation"], ["wohnen"]
    units = [
        _unit(1, (m, "positiv"), (m, "positiv"), model=(m, "positiv")),
        _unit(2, (m, "negativ"), ([], "negativ"), model=(m, "negativ")),
        _unit(3, ([], "neutral"), ([], "neutral"), model=(w, "neutral")),
        _unit(4, (w, "gemischt"), (w, "negativ"), model=(w, "negativ"), adjudicated=(w, "negativ")),
        _unit(5, ([], "positiv"), None),  # coder B has not coded it yet
    ]
    report = agreement(units, CODEBOOK)
    assert (report.n_units, report.n_complete, report.missing_a, report.missing_b) == (5, 4, 0, 1)
    assert report.exact.value == pytest.approx(2 / 4)

    moderation = next(t for t in report.themes if t.label == "moderation")
    # A: 1,1,0,0  B: 1,0,0,0 → p_o 0.75, p_e 0.5·0.25 + 0.5·0.75 = 0.5 → kappa 0.5
    assert moderation.coders.n == 4
    assert moderation.used == 2
    assert moderation.coders.percent.value == pytest.approx(0.75)
    assert moderation.coders.kappa.value == pytest.approx(0.5)
    assert moderation.coders.alpha.value == pytest.approx(
        nominal_alpha([[True, True, False, False], [True, False, False, False]]).value
    )
    # The model gave moderation where A did: full agreement with A.
    assert moderation.model_vs_a.kappa.value == pytest.approx(1.0)
    # Reference: 1 (agreed), 3 (agreed), 4 (adjudicated); unit 2 has none yet.
    assert moderation.model_vs_reference.n == 3

    wohnen = next(t for t in report.themes if t.label == "wohnen")
    assert wohnen.model_vs_reference.percent.value == pytest.approx(2 / 3)  # the model added it to 3

    unused = next(t for t in report.themes if t.label == "sprache")
    assert unused.used == 0
    assert unused.coders.alpha.reason == ONE_VALUE and unused.coders.kappa.reason == ONE_VALUE
    assert unused.coders.percent.value == 1.0

    sentiment = report.sentiment
    assert sentiment.label == SENTIMENT and sentiment.coders.n == 4
    assert sentiment.coders.percent.value == pytest.approx(0.75)
    assert sentiment.model_vs_b.percent.value == pytest.approx(1.0)
    assert sentiment.coders.alpha.value == pytest.approx(
        nominal_alpha(
            [["positiv", "negativ", "neutral", "gemischt"], ["positiv", "negativ", "neutral", "negativ"]]
        ).value
    )

    assert [d.statement_id for d in report.disagreements] == [2, 4]
    two, four = report.disagreements
    assert two.themes == ("moderation",) and not two.sentiment
    assert four.themes == () and four.sentiment and four.adjudicated is not None
    assert [d.statement_id for d in report.open_disagreements] == [2]


def test_agreement_report_of_a_sample_nobody_coded_yet():
    report = agreement([_unit(1, None, None), _unit(2, ([], "positiv"), None)], CODEBOOK)
    assert report.n_complete == 0 and report.disagreements == ()
    assert report.exact.display() == UNDETERMINED
    assert report.sentiment.coders.kappa.reason == TOO_FEW
    assert all(t.coders.alpha.value is None for t in report.themes)
