"""nlp.results.records: the tagged record, its JSON Lines and CSV forms, and redaction."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import replace

import pytest

from nlp.codebook import load_codebook
from nlp.model.features import StatementInput
from nlp.model.inference import Prediction
from nlp.results.output import MAX_INPUT_BYTES
from nlp.results.records import (
    Origin,
    RecordFileError,
    TaggedStatement,
    csv_columns,
    read_records,
    redact,
    write_records,
    write_records_xlsx,
)

CODEBOOK = load_codebook()
ORIGIN = Origin("lindenau.txt", "Lindenau am Neckar", "Musterkreis", "Tübingen", "2016-11-05")


def _record(text="Die Moderation war gut, aber zu wenig Zeit.", abstained=None, origin=ORIGIN):
    themes = {t: 0.1 for t in CODEBOOK.theme_ids} | {"moderation": 0.91, "organisation_zeit": 0.62}
    sentiments = {"positiv": 0.2, "negativ": 0.1, "gemischt": 0.6512, "neutral": 0.0388}
    prediction = Prediction(
        ("moderation", "organisation_zeit"), "gemischt", themes, sentiments, "m-1", abstained
    )
    return TaggedStatement.of(StatementInput(text, "bewertung"), prediction, "lindenau:bewertung:0", origin)


def test_record_json_round_trip():
    record = _record()
    data = json.loads(json.dumps(record.to_json()))
    assert TaggedStatement.from_json(data, "x") == record
    assert (
        data["event_date"] == "2016-11-05" and data["abstained"] is False and data["abstain_reason"] is None
    )
    assert record.year == 2016
    assert record.confidence == 0.62  # the weakest assigned label


@pytest.mark.parametrize("excel", [False, True])
def test_write_and_read_csv_keep_every_field(tmp_path, excel):
    records = [_record(), _record("entfällt", abstained="placeholder", origin=Origin())]
    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="") as f:
        write_records(records, f, "csv", CODEBOOK, excel=excel)
    back = read_records(path, CODEBOOK)
    assert back == records  # scores are written with four decimals, as the model rounds them


def test_write_and_read_jsonl(tmp_path):
    records = [_record(), _record("???", abstained="no letters")]
    out = io.StringIO()
    write_records(records, out, "jsonl", CODEBOOK)
    path = tmp_path / "r.jsonl"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert read_records(path, CODEBOOK) == records
    assert [json.loads(line)["abstained"] for line in out.getvalue().splitlines()] == [False, True]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"landkreis": ["Rastatt"]}, "expected text"),  # a list where a Landkreis belongs
        ({"text": 5}, "text is int"),
        ({"themes": "moderation"}, "expected a list"),
        ({"scores": {"themes": []}}, "not a `kfd tag` record"),
    ],
)
def test_read_records_names_the_bad_line(tmp_path, change, message):
    good = _record().to_json()
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(good | change) + "\n", encoding="utf-8")
    with pytest.raises(RecordFileError, match=rf"r.jsonl:2: .*{message}"):
        read_records(path, CODEBOOK)


def test_redact_removes_mail_phone_and_names_only():
    record = _record(
        "Rückfragen an Dr. Katrin Musterfrau (k.musterfrau@example.org, 07321 555-0160 oder +49 7321 5550160)."
        " Musterfraus Team tagte 2016 im Raum 12."
    )
    clean = redact(record, ["Katrin Musterfrau", "Katrin", "Musterfrau"])
    assert clean.text == (
        "Rückfragen an Dr. [Name] ([E-Mail], [Telefon] oder [Telefon]). Musterfraus Team tagte 2016 im Raum 12."
    )
    assert (clean.themes, clean.sentiment, clean.id) == (record.themes, record.sentiment, record.id)
    untouched = _record()
    assert redact(untouched, ["Katrin Musterfrau"]) is untouched


HOSTILE_ORIGIN = Origin("x.txt", '=HYPERLINK("http://evil.example";"Kommune")', "+Landkreis", "@Bezirk", None)
HOSTILE_TEXT = "=1+1 war ein Erfolg"


@pytest.mark.parametrize("excel", [False, True])
def test_write_records_csv_quotes_formula_texts_not_numbers(excel):
    record = replace(_record(HOSTILE_TEXT, origin=HOSTILE_ORIGIN), id="-7", section=None)
    out = io.StringIO()
    write_records([record], out, "csv", CODEBOOK, excel=excel)
    row = next(csv.DictReader(io.StringIO(out.getvalue()), delimiter=";" if excel else ","))
    assert row["text"] == "'" + HOSTILE_TEXT
    assert (row["id"], row["kommune"], row["landkreis"], row["regierungsbezirk"]) == (
        "'-7",
        "'" + HOSTILE_ORIGIN.kommune,
        "'+Landkreis",
        "'@Bezirk",
    )
    assert row["p_moderation"] == ("0,9100" if excel else "0.9100")
    assert row["confidence"] == ("0,6200" if excel else "0.6200")


def test_write_records_jsonl_keeps_formula_texts_as_they_are():
    record = _record(HOSTILE_TEXT, origin=HOSTILE_ORIGIN)
    out = io.StringIO()
    write_records([record], out, "jsonl", CODEBOOK)
    data = json.loads(out.getvalue())
    assert (data["text"], data["landkreis"]) == (HOSTILE_TEXT, "+Landkreis")


@pytest.mark.parametrize("excel", [False, True])
@pytest.mark.parametrize("text", [HOSTILE_TEXT, "\t=A1", "-", "'=schon zitiert", "@alle"])
def test_write_and_read_csv_round_trip_formula_texts(tmp_path, excel, text):
    records = [replace(_record(text, origin=HOSTILE_ORIGIN), id="-1")]
    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="") as f:
        write_records(records, f, "csv", CODEBOOK, excel=excel)
    assert read_records(path, CODEBOOK) == records


def test_write_records_xlsx_types_every_cell(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "r.xlsx"
    with path.open("wb") as f:
        write_records_xlsx([_record(HOSTILE_TEXT, origin=HOSTILE_ORIGIN)], f, CODEBOOK)
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert header == csv_columns(CODEBOOK)
    assert (row["text"].value, row["text"].data_type) == (HOSTILE_TEXT, "s")
    assert (row["kommune"].value, row["kommune"].data_type) == (HOSTILE_ORIGIN.kommune, "s")
    assert (row["p_moderation"].value, row["p_moderation"].data_type) == (0.91, "n")
    assert row["event_date"].value is None


def test_read_records_unreadable_csv_is_a_record_file_error(tmp_path):
    path = tmp_path / "r.csv"
    # a field over the csv module's size limit (an unclosed quote swallows the rest of a file just so)
    path.write_bytes(b'text,themes,sentiment\n"' + b"x" * 200_000 + b'",moderation,positiv\n')
    with pytest.raises(RecordFileError, match=r"r.csv:\d+: not a readable CSV"):
        read_records(path, CODEBOOK)


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero", "folder"])
def test_read_records_refuses_a_special_file_before_reading(tmp_path, kind):
    path = tmp_path / "r.jsonl"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    with pytest.raises(RecordFileError, match="not a regular file|is a folder"):
        read_records(path, CODEBOOK)


def test_read_records_refuses_a_file_over_the_size_cap(tmp_path):
    path = tmp_path / "r.jsonl"
    with path.open("wb") as f:
        f.truncate(MAX_INPUT_BYTES + 1)  # sparse: nothing is written to the disk
    with pytest.raises(RecordFileError, match="larger than 200 MB"):
        read_records(path, CODEBOOK)
