"""The HTML report's place table: each Kreis once, under its Regierungsbezirk."""

from __future__ import annotations

import re

from nlp.codebook import load_codebook
from nlp.model.features import StatementInput
from nlp.model.inference import Prediction
from nlp.reading.report import parse_report
from nlp.results.html_report import render
from nlp.results.records import Origin, TaggedStatement


def kommune_report(name: str, *fields: str) -> str:
    return "\n".join(
        ["Angaben zur Kommune", "Name der Stadt oder Gemeinde", name, "", *fields, "", "Veranstaltungskonzept",
         "Ein Abend im Rathaus.", ""]
    )  # fmt: skip


def records_of(text: str, name: str) -> list[TaggedStatement]:
    report = parse_report(text)
    k = report.kommune
    origin = Origin(name, k.name, k.landkreis, k.regierungsbezirk, None)
    prediction = Prediction((), "neutral", {}, {"neutral": 1.0}, "test")
    return [
        TaggedStatement.of(StatementInput(s.text, s.section), prediction, f"{name}:{i}", origin)
        for i, s in enumerate(report.statements)
    ]


def place_rows(page: str) -> list[tuple[str, str, str]]:
    table = page.split("Aussagen nach Regierungsbezirk und Landkreis")[1].split("<h2>")[0]
    return re.findall(r'<tr><td>(.*?)</td><td>(.*?)</td><td class="n">(\d+)</td></tr>', table)


def test_render_place_table_shows_each_kreis_once():
    records = [
        *records_of(
            kommune_report("Kenzingen", "Landkreis", "Emmendingen", "Regierungsbezirk", "Freiburg"), "a"
        ),
        *records_of(kommune_report("Endingen", "Landkreis", "Lkr. Emmendingen"), "b"),  # no Bezirk
        *records_of(
            kommune_report("Teningen", "Landkreis", "LK Emmendingen", "Regierungsbezirk", "RP Freiburg"), "c"
        ),
        *records_of(kommune_report("Heilbronn", "Landkreis", "Stadtkreis Heilbronn"), "d"),
        *records_of(kommune_report("Obersulm", "Landkreis", "Landkreis Heilbronn"), "e"),
    ]
    rows = place_rows(render(records, load_codebook()))
    assert rows == [
        ("Freiburg", "Emmendingen", "3"),
        ("Stuttgart", "Heilbronn", "1"),
        ("Stuttgart", "Stadtkreis Heilbronn", "1"),
    ]
