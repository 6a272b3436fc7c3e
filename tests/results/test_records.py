"""nlp.results.records: the tagged record, its JSON Lines and CSV forms, and redaction."""

from __future__ import annotations

import io
import json

import pytest

from nlp.codebook import load_codebook
from nlp.model.features import StatementInput
from nlp.model.inference import Prediction
from nlp.results.records import (
    Origin,
    RecordFileError,
    TaggedStatement,
    read_records,
    redact,
    write_records,
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
