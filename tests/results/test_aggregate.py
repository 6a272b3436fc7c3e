"""nlp.results.aggregate: counts and shares checked by hand on five statements."""

from __future__ import annotations

import csv
import io

import pytest

from nlp.codebook import load_codebook
from nlp.errors import KfdError
from nlp.results.aggregate import (
    DIMENSIONS,
    NONE,
    StatementRow,
    UnknownDimension,
    aggregate,
    parse_dimensions,
    write_csv,
    write_xlsx_table,
)
from nlp.results.records import NO_ORIGIN, Origin, TaggedStatement

ROWS = [
    StatementRow(("moderation", "organisation_zeit"), "positiv", "bewertung", "Esslingen", "Stuttgart", 2016),
    StatementRow(("moderation",), "negativ", "bewertung", "Esslingen", "Stuttgart", 2016),
    StatementRow((), "neutral", "ergebnisse", "Rastatt", "Karlsruhe", 2017),
    StatementRow(("wohnen",), "positiv", "ergebnisse", "Rastatt", "Karlsruhe", 2017),
    StatementRow(("wohnen", "moderation"), "gemischt", "bewertung", None, None, None),
]


def counts(table) -> dict[tuple, tuple[int, int, float]]:
    return {row.group: (row.count, row.total, row.share) for row in table.rows}


def test_aggregate_theme_sentiment_counts_each_theme_once():
    table = aggregate(ROWS, "theme,sentiment")
    assert table.n_statements == 5
    assert counts(table) == {
        ("moderation", "positiv"): (1, 5, 0.2),
        ("moderation", "negativ"): (1, 5, 0.2),
        ("moderation", "gemischt"): (1, 5, 0.2),
        ("organisation_zeit", "positiv"): (1, 5, 0.2),
        ("wohnen", "positiv"): (1, 5, 0.2),
        ("wohnen", "gemischt"): (1, 5, 0.2),
        (NONE, "neutral"): (1, 5, 0.2),
    }


def test_aggregate_sentiment_counts_statements_not_themes():
    table = aggregate(ROWS, ["sentiment"])
    assert counts(table) == {
        ("positiv",): (2, 5, 0.4),
        ("negativ",): (1, 5, 0.2),
        ("neutral",): (1, 5, 0.2),
        ("gemischt",): (1, 5, 0.2),
    }
    assert sum(row.count for row in table.rows) == 5


def test_aggregate_theme_shares_can_exceed_one_in_sum():
    table = aggregate(ROWS, "theme")
    assert counts(table) == {
        ("moderation",): (3, 5, 0.6),
        ("organisation_zeit",): (1, 5, 0.2),
        ("wohnen",): (2, 5, 0.4),
        (NONE,): (1, 5, 0.2),
    }


def test_aggregate_share_base_is_the_non_label_group():
    table = aggregate(ROWS, "theme,regierungsbezirk")
    assert counts(table) == {
        ("moderation", "Stuttgart"): (2, 2, 1.0),
        ("organisation_zeit", "Stuttgart"): (1, 2, 0.5),
        (NONE, "Karlsruhe"): (1, 2, 0.5),
        ("wohnen", "Karlsruhe"): (1, 2, 0.5),
        ("wohnen", NONE): (1, 1, 1.0),
        ("moderation", NONE): (1, 1, 1.0),
    }


def test_aggregate_year_values_are_numbers():
    table = aggregate(ROWS, "year")
    assert counts(table) == {(2016,): (2, 5, 0.4), (2017,): (2, 5, 0.4), (NONE,): (1, 5, 0.2)}


@pytest.mark.parametrize(
    ("by", "filters", "expected"),
    [
        (
            "sentiment",
            {"section": ["bewertung"]},
            {("positiv",): (1, 3, 0.3333), ("negativ",): (1, 3, 0.3333), ("gemischt",): (1, 3, 0.3333)},
        ),
        ("theme", {"theme": ["wohnen"]}, {("wohnen",): (2, 2, 1.0)}),
        ("landkreis", {"year": ["2016"]}, {("Esslingen",): (2, 2, 1.0)}),
        (
            "section",
            {"regierungsbezirk": ["Karlsruhe", "Stuttgart"]},
            {("bewertung",): (2, 4, 0.5), ("ergebnisse",): (2, 4, 0.5)},
        ),
        ("sentiment", {"landkreis": [NONE]}, {("gemischt",): (1, 1, 1.0)}),
        (
            "sentiment",
            {"sentiment": ["positiv", "negativ"], "regierungsbezirk": ["Karlsruhe"]},
            {("positiv",): (1, 1, 1.0)},
        ),
    ],
)
def test_aggregate_filters(by, filters, expected):
    assert counts(aggregate(ROWS, by, filters)) == expected


def test_aggregate_sorts_labels_in_codebook_order():
    table = aggregate(ROWS, "theme", codebook=load_codebook())
    assert [row.group[0] for row in table.rows] == ["organisation_zeit", "moderation", "wohnen", NONE]


@pytest.mark.parametrize("by", ["theme,colour", ["kommune"], "theme,theme"])
def test_aggregate_unknown_dimension_names_the_valid_ones(by):
    with pytest.raises(UnknownDimension) as error:
        aggregate(ROWS, by)
    assert isinstance(error.value, KfdError)
    if "theme,theme" != by:
        assert ", ".join(DIMENSIONS) in str(error.value)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"kreis": ["Rastatt"]}, "unknown filter 'kreis'"),
        ({"section": ["fazit"]}, "unknown section 'fazit'"),
        ({"theme": ["wetter"]}, "unknown theme 'wetter'"),
        ({"sentiment": ["froh"]}, "unknown sentiment 'froh'"),
        ({"year": ["zwanzig"]}, "not a year"),
    ],
)
def test_aggregate_unknown_filter_is_an_error(filters, message):
    with pytest.raises(UnknownDimension, match=message):
        aggregate(ROWS, "theme", filters, codebook=load_codebook())


def test_parse_dimensions_defaults_and_normalises():
    assert parse_dimensions(None) == ("theme", "sentiment")
    assert parse_dimensions("") == ("theme", "sentiment")
    assert parse_dimensions(" Theme , landkreis ") == ("theme", "landkreis")
    assert parse_dimensions(["theme,sentiment", "year"]) == ("theme", "sentiment", "year")


def test_write_csv_has_a_column_per_dimension():
    out = io.StringIO()
    write_csv(aggregate(ROWS, "sentiment", {"section": ["bewertung"]}, load_codebook()), out)
    assert out.getvalue() == (
        "sentiment,count,total,share\npositiv,1,3,0.3333\nnegativ,1,3,0.3333\ngemischt,1,3,0.3333\n"
    )


def test_write_csv_for_german_excel():
    out = io.StringIO()
    write_csv(aggregate(ROWS, "theme", {"theme": ["wohnen"]}), out, delimiter=";", decimal=",")
    assert out.getvalue() == "theme;count;total;share\nwohnen;2;2;1,0000\n"


def _tagged(themes, sentiment, section=None, origin=NO_ORIGIN):
    return TaggedStatement("1", "…", section, tuple(themes), sentiment, {}, {}, "test", origin)


def test_statement_row_of_a_tagged_record():
    origin = Origin("r.txt", "Rastatt", "Rastatt", "Karlsruhe", "2017-01-21")
    assert StatementRow.of(_tagged(["wohnen"], "positiv", "bewertung", origin)) == StatementRow(
        ("wohnen",), "positiv", "bewertung", "Rastatt", "Karlsruhe", 2017
    )
    assert StatementRow.of(_tagged([], "neutral")).values("theme") == (NONE,)


def test_aggregate_table_as_dicts():
    table = aggregate(ROWS, "sentiment,section", {"sentiment": ["negativ"]})
    assert table.as_dicts() == [
        {"sentiment": "negativ", "section": "bewertung", "count": 1, "total": 1, "share": 1.0}
    ]


HOSTILE_ROWS = [
    StatementRow(
        ("moderation",), "positiv", "bewertung", '=HYPERLINK("http://evil.example";"x")', "-2+3", 2016
    ),
    StatementRow(("moderation",), "negativ", "bewertung", "@Kreis", "\tStuttgart", 2016),
]


@pytest.mark.parametrize(("delimiter", "decimal"), [(",", "."), (";", ","), ("\t", ".")])
def test_write_csv_quotes_formula_group_values_not_numbers(delimiter, decimal):
    out = io.StringIO()
    write_csv(aggregate(HOSTILE_ROWS, "landkreis,regierungsbezirk,year"), out, delimiter, decimal)
    rows = list(csv.reader(io.StringIO(out.getvalue()), delimiter=delimiter))
    assert rows[1:] == [
        ['\'=HYPERLINK("http://evil.example";"x")', "'-2+3", "2016", "1", "2", f"0{decimal}5000"],
        ["'@Kreis", "'\tStuttgart", "2016", "1", "2", f"0{decimal}5000"],
    ]


def test_write_xlsx_table_types_counts_as_numbers_and_groups_as_strings():
    from openpyxl import load_workbook

    out = io.BytesIO()
    write_xlsx_table(aggregate(HOSTILE_ROWS, "landkreis,year"), out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert [c.value for c in sheet[1]] == ["landkreis", "year", "count", "total", "share"]
    assert [(c.value, c.data_type) for c in sheet[2]] == [
        ('=HYPERLINK("http://evil.example";"x")', "s"),
        (2016, "n"),
        (1, "n"),
        (2, "n"),
        (0.5, "n"),
    ]


def test_filters_name_a_kreis_or_bezirk_as_records_spell_it():
    rows = [
        StatementRow(("wohnen",), "positiv", "bewertung", "Emmendingen", "Freiburg", 2017),
        StatementRow(
            ("sprache",), "negativ", "bewertung", "Stadtkreis Freiburg im Breisgau", "Freiburg", 2017
        ),
        StatementRow(("sprache",), "neutral", "bewertung", "Ortenaukreis", "Freiburg", 2016),
    ]
    table = aggregate(rows, "theme", {"landkreis": ["LK Emmendingen", "Stadtkreis Freiburg"]})
    assert {(r.group, r.count) for r in table.rows} == {(("wohnen",), 1), (("sprache",), 1)}
    assert aggregate(rows, "theme", {"regierungsbezirk": ["RP Freiburg"]}).n_statements == 3
