"""nlp.review.figures: chart data equals the aggregate counts, and a bar's statements are exactly its count."""

from __future__ import annotations

import pytest
from conftest import SERVICE_REPORTS

from nlp import intake
from nlp.codebook import load_codebook
from nlp.reading.form import STATEMENT_SECTIONS
from nlp.results.aggregate import NONE, StatementRow, UnknownDimension, aggregate
from nlp.results.records import Origin, TaggedStatement
from nlp.review.figures import (
    BREAKDOWNS,
    NO_THEME,
    NO_VALUE,
    SECTION_NAMES,
    breakdown_chart,
    statements,
    stored_statements,
    theme_chart,
    value_label,
)
from nlp.storage.store import Store

CODEBOOK = load_codebook()


def _record(i, themes, sentiment, section, landkreis, bezirk, date):
    origin = Origin(f"r{i}.txt", f"Kommune {i}", landkreis, bezirk, date)
    return TaggedStatement(
        f"{i}:{section}:0", f"Aussage {i}", section, themes, sentiment, {}, {}, "m1", origin
    )


RECORDS = [
    _record(
        1, ("moderation", "organisation_zeit"), "positiv", "bewertung", "Esslingen", "Stuttgart", "2016-05-01"
    ),
    _record(2, ("moderation",), "negativ", "bewertung", "Esslingen", "Stuttgart", "2016-06-01"),
    _record(3, (), "neutral", "ergebnisse", "Rastatt", "Karlsruhe", "2017-01-10"),
    _record(4, ("wohnen",), "positiv", "ergebnisse", "Rastatt", "Karlsruhe", "2017-02-01"),
    _record(5, ("wohnen", "moderation"), "gemischt", "bewertung", None, None, None),
]
ROWS = [StatementRow.of(r) for r in RECORDS]


def _counts(chart):
    return {
        (k, s.sentiment): s.counts[i] for s in chart.series for i, k in enumerate(chart.keys) if s.counts[i]
    }


def test_theme_chart_counts_each_theme_of_a_statement():
    chart = theme_chart(ROWS, CODEBOOK)
    assert chart.keys == ("organisation_zeit", "moderation", "wohnen", NONE)  # codebook order, none last
    assert chart.labels[-1] == NO_THEME and chart.labels[1] == "Moderation & Begleitung"
    assert _counts(chart) == {
        ("organisation_zeit", "positiv"): 1,
        ("moderation", "positiv"): 1,
        ("moderation", "negativ"): 1,
        ("moderation", "gemischt"): 1,
        ("wohnen", "positiv"): 1,
        ("wohnen", "gemischt"): 1,
        (NONE, "neutral"): 1,
    }
    assert chart.total("moderation") == 3 and chart.n_statements == 5
    data = chart.to_chartjs()
    assert [d["sentiment"] for d in data["datasets"]] == list(CODEBOOK.sentiment_ids)
    assert data["keys"] == list(chart.keys)


@pytest.mark.parametrize("by", BREAKDOWNS)
def test_breakdown_chart_equals_the_aggregate_table(by):
    chart = breakdown_chart(ROWS, by, CODEBOOK, {"theme": ["moderation"]})
    table = aggregate(ROWS, (by, "sentiment"), {"theme": ["moderation"]}, CODEBOOK)
    assert _counts(chart) == {(str(r.group[0]), r.group[1]): r.count for r in table.rows}
    assert sum(chart.total(k) for k in chart.keys) == 3


def test_breakdown_chart_names_missing_values_and_years():
    chart = breakdown_chart(ROWS, "year", CODEBOOK)
    assert chart.keys == ("2016", "2017", NONE) and chart.labels == ("2016", "2017", NO_VALUE)
    assert breakdown_chart(ROWS, "section", CODEBOOK).labels == ("Bewertung", "Ergebnisse")
    with pytest.raises(UnknownDimension, match="unknown breakdown 'theme'"):
        breakdown_chart(ROWS, "theme", CODEBOOK)


def test_statements_behind_a_bar_are_its_count():
    chart = breakdown_chart(ROWS, "landkreis", CODEBOOK, {"theme": ["moderation"]})
    behind = statements(
        RECORDS, {"theme": ["moderation"], "sentiment": ["positiv"], "landkreis": ["Esslingen"]}
    )
    assert [r.id for r in behind] == ["1:bewertung:0"]
    i = chart.keys.index("Esslingen")
    assert len(behind) == next(s for s in chart.series if s.sentiment == "positiv").counts[i]
    none = statements(RECORDS, {"theme": [NONE]}, CODEBOOK)
    assert [r.id for r in none] == ["3:ergebnisse:0"]
    assert [r.id for r in statements(RECORDS, {"year": ["2017"]})] == ["3:ergebnisse:0", "4:ergebnisse:0"]
    with pytest.raises(UnknownDimension):
        statements(RECORDS, {"theme": ["gibtsnicht"]}, CODEBOOK)


def test_stored_statements_carry_their_report_origin(tmp_path, keyword_model):
    store = Store(f"sqlite:///{tmp_path / 'kfd.sqlite3'}")
    try:
        for name in ("lindenau.txt", "erlenbach.txt"):
            intake.add_report(
                store, (SERVICE_REPORTS / name).read_text("utf-8"), keyword_model(), filename=name
            )
        records = stored_statements(store)
        assert len(records) == sum(store.model_versions().values())
        assert {r.origin.report for r in records} == {"lindenau.txt", "erlenbach.txt"}
        # The same counts as the store's own rows (what /v1/aggregate counts).
        assert theme_chart([StatementRow.of(r) for r in records], CODEBOOK) == theme_chart(
            store.statement_rows(), CODEBOOK
        )
    finally:
        store.close()


def test_every_statement_section_has_a_short_name():
    assert set(SECTION_NAMES) == set(STATEMENT_SECTIONS)
    assert value_label("section", "konzept", CODEBOOK) == "Konzept"
