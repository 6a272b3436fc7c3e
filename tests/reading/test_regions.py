"""Kreise and Regierungsbezirke: one spelling per Kreis, the Bezirk filled in and checked against it."""

from __future__ import annotations

from collections import Counter

import pytest

from nlp.reading.regions import find_kreis, kreise
from nlp.reading.report import parse_report


def kommune_report(name: str, *fields: str) -> str:
    return "\n".join(
        [
            "Angaben zur Kommune",
            "Name der Stadt oder Gemeinde",
            name,
            "",
            *fields,
            "",
            "Veranstaltungskonzept",
            "Ein Abend.",
            "",
        ]
    )


def test_kreise_are_the_44_of_baden_wuerttemberg():
    table = kreise()
    assert len(table) == 44
    assert Counter(k.art for k in table) == {"Landkreis": 35, "Stadtkreis": 9}
    assert Counter(k.regierungsbezirk for k in table) == {
        "Stuttgart": 13,
        "Karlsruhe": 12,
        "Freiburg": 10,
        "Tübingen": 9,
    }
    assert len({k.label for k in table}) == 44


@pytest.mark.parametrize(
    ("value", "kommune", "label", "bezirk"),
    [
        ("LK Emmendingen", "Kenzingen", "Emmendingen", "Freiburg"),
        ("Landkreis Emmendingen", "Kenzingen", "Emmendingen", "Freiburg"),
        ("Lkr. Emmendingen", "Kenzingen", "Emmendingen", "Freiburg"),
        ("Emmendingen", "Kenzingen", "Emmendingen", "Freiburg"),
        ("Stadtkreis Freiburg", "Freiburg", "Stadtkreis Freiburg im Breisgau", "Freiburg"),
        ("Freiburg im Breisgau", "Freiburg im Breisgau", "Stadtkreis Freiburg im Breisgau", "Freiburg"),
        ("kreisfreie Stadt / Stadtkreis Pforzheim", "Pforzheim", "Stadtkreis Pforzheim", "Karlsruhe"),
        ("Stadtkreis", "Heidelberg", "Stadtkreis Heidelberg", "Karlsruhe"),
        ("Heilbronn", "Obersulm", "Heilbronn", "Stuttgart"),  # the Landkreis
        ("Heilbronn", "Heilbronn", "Stadtkreis Heilbronn", "Stuttgart"),  # the city is its own Kreis
        ("Landkreis Karlsruhe", "Karlsruhe", "Karlsruhe", "Karlsruhe"),
        ("Rems-Murr", "Backnang", "Rems-Murr-Kreis", "Stuttgart"),
        ("Ortenau-Kreis", "Lahr", "Ortenaukreis", "Freiburg"),
        ("Schwarzwald Baar Kreis", "Villingen", "Schwarzwald-Baar-Kreis", "Freiburg"),
        ("Loerrach", "Weil am Rhein", "Lörrach", "Freiburg"),
    ],
)
def test_find_kreis_spellings(value, kommune, label, bezirk):
    match = find_kreis(value, kommune)
    assert match.kreis is not None
    assert (match.kreis.label, match.kreis.regierungsbezirk) == (label, bezirk)


@pytest.mark.parametrize(
    "value", ["LK Emmendingen", "Landkreis Emmendingen", "Lkr. Emmendingen", "Emmendingen"]
)
def test_parse_report_kreis_spellings_are_one_and_fill_bezirk(value):
    report = parse_report(kommune_report("Kenzingen", "Landkreis", value))
    assert (report.kommune.landkreis, report.kommune.regierungsbezirk) == ("Emmendingen", "Freiburg")
    assert any("missing Regierungsbezirk" in w and "Freiburg" in w for w in report.warnings)


def test_parse_report_stadtkreis_without_kreis_field():
    report = parse_report(kommune_report("Ulm", "Regierungsbezirk", "Tübingen"))
    assert (report.kommune.landkreis, report.kommune.regierungsbezirk) == ("Stadtkreis Ulm", "Tübingen")


def test_parse_report_bezirk_contradicting_kreis_warns():
    report = parse_report(
        kommune_report("Kenzingen", "Landkreis", "Emmendingen", "Regierungsbezirk", "Stuttgart")
    )
    assert report.kommune.regierungsbezirk == "Freiburg"
    assert any("'Stuttgart' contradicts the Kreis 'Emmendingen'" in w for w in report.warnings)


def test_parse_report_matching_bezirk_gives_no_region_warning():
    report = parse_report(
        kommune_report("Kenzingen", "Landkreis", "LK Emmendingen", "Regierungsbezirk", "RP Freiburg")
    )
    assert (report.kommune.landkreis, report.kommune.regierungsbezirk) == ("Emmendingen", "Freiburg")
    assert not any("Kreis" in w or "Regierungsbezirk" in w for w in report.warnings)


def test_parse_report_unknown_kreis_is_kept_with_warning():
    report = parse_report(
        kommune_report("Freising", "Landkreis", "Freising", "Regierungsbezirk", "Oberbayern")
    )
    assert (report.kommune.landkreis, report.kommune.regierungsbezirk) == ("Freising", None)
    assert any("unknown Landkreis 'Freising'" in w for w in report.warnings)


def test_parse_report_kreis_typo_is_read_with_warning():
    report = parse_report(kommune_report("Titisee", "Landkreis", "Breisgau-Hochschwarzwal"))
    assert report.kommune.landkreis == "Breisgau-Hochschwarzwald"
    assert any("read as 'Breisgau-Hochschwarzwald'" in w for w in report.warnings)
