"""`kfd aggregate` and `kfd report` on a small hand-made results file whose numbers are counted by hand."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from cli import main

SENTIMENTS = ("positiv", "negativ", "gemischt", "neutral")


def _record(n, themes, sentiment, section, landkreis, bezirk, date, text=None, p=0.9):
    return {
        "id": str(n),
        "report": f"{landkreis.lower()}.txt",
        "section": section,
        "text": text or f"Aussage {n}",
        "themes": themes,
        "sentiment": sentiment,
        "scores": {
            "themes": {t: p for t in themes},
            "sentiment": {s: (p if s == sentiment else (1 - p) / 3) for s in SENTIMENTS},
        },
        "model_version": "test",
        "kommune": landkreis,
        "landkreis": landkreis,
        "regierungsbezirk": bezirk,
        "event_date": date,
    }


# Six statements: two Landkreise, two sections, one with two themes, one without a theme.
RECORDS = [
    _record(1, ["moderation"], "positiv", "bewertung", "Ulm", "Tübingen", "2016-11-05"),
    _record(2, ["moderation", "organisation_zeit"], "negativ", "bewertung", "Ulm", "Tübingen", "2016-11-05"),
    _record(3, [], "neutral", "konzept", "Ulm", "Tübingen", "2016-11-05"),
    _record(4, ["organisation_zeit"], "negativ", "bewertung", "Calw", "Karlsruhe", "2017-03-01"),
    _record(5, ["moderation"], "positiv", "bewertung", "Calw", "Karlsruhe", "2017-03-01", p=0.99),
    _record(
        6,
        ["sprache"],
        "gemischt",
        "empfehlungen",
        "Calw",
        "Karlsruhe",
        "2017-03-01",
        text="<b>Dolmetscher</b> & mehr",
    ),
]


@pytest.fixture
def results(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS), "utf-8")
    return path


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _table(path, delimiter=","):
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig")), delimiter=delimiter))


def test_aggregate_theme_sentiment_counts_by_hand(results, tmp_path):
    out = tmp_path / "table.csv"
    result = _run("aggregate", results, "--by", "theme,sentiment", "--output", out)
    assert result.exit_code == 0, result.output
    got = {(r["theme"], r["sentiment"]): (int(r["count"]), int(r["total"]), r["share"]) for r in _table(out)}
    assert got == {
        ("moderation", "positiv"): (2, 6, "0.3333"),
        ("moderation", "negativ"): (1, 6, "0.1667"),
        ("organisation_zeit", "negativ"): (2, 6, "0.3333"),
        ("sprache", "gemischt"): (1, 6, "0.1667"),
        ("(none)", "neutral"): (1, 6, "0.1667"),
    }


def test_aggregate_by_landkreis_with_section_filter(results, tmp_path):
    out = tmp_path / "table.csv"
    result = _run(
        "aggregate", results, "--by", "theme", "--by", "landkreis", "--section", "bewertung", "--output", out,
        "--excel",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    got = {(r["theme"], r["landkreis"]): (r["count"], r["total"], r["share"]) for r in _table(out, ";")}
    # bewertung: Ulm has statements 1 and 2, Calw 4 and 5.
    assert got == {
        ("moderation", "Calw"): ("1", "2", "0,5000"),
        ("moderation", "Ulm"): ("2", "2", "1,0000"),
        ("organisation_zeit", "Calw"): ("1", "2", "0,5000"),
        ("organisation_zeit", "Ulm"): ("1", "2", "0,5000"),
    }


def test_aggregate_by_year_from_event_date(results):
    result = _run("aggregate", results, "--by", "year")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter="\t"))
    assert {r["year"]: r["count"] for r in rows} == {"2016": "3", "2017": "3"}


def test_aggregate_unknown_dimension_exit_2(results):
    result = _run("aggregate", results, "--by", "kommune")
    assert result.exit_code == 2 and "valid: theme, sentiment" in result.output


def test_report_html_is_self_contained_and_escaped(results, tmp_path):
    page_path = tmp_path / "report.html"
    result = _run("report", results, "--html", page_path)
    assert result.exit_code == 0, result.output
    page = page_path.read_text("utf-8")
    assert '<img alt="' in page and 'src="data:image/png;base64,' in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "&lt;b&gt;Dolmetscher&lt;/b&gt; &amp; mehr" in page and "<b>Dolmetscher" not in page
    assert "Moderation &amp; Begleitung" in page  # German theme names
    # The most confident example of moderation (p=0.99) comes first.
    section = page.split("<h3>Moderation &amp; Begleitung</h3>")[1].split("<h3>")[0]
    assert section.index("Aussage 5") < section.index("Aussage 1")
