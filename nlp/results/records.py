"""The tagged statement: one frozen type, and the one module that writes and reads it as JSON Lines or CSV.

Every edge hands out the same record: `kfd tag` (JSONL or CSV), `POST /v1/classify`, the statements of a
stored report; `kfd aggregate`, `kfd report`, `kfd suggest` and `kfd import-labels` read it back here.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from nlp.codebook import Codebook
from nlp.errors import KfdError
from nlp.model.features import StatementInput
from nlp.model.inference import Prediction
from nlp.reading.report import Report
from nlp.results.output import check_input_file
from nlp.results.spreadsheet import Cell, Number, csv_cells, restore_cell, write_xlsx

# The report's fields next to each statement (None for statements that come from no report file).
REPORT_FIELDS = ("kommune", "landkreis", "regierungsbezirk", "event_date")


class RecordFileError(KfdError):
    """A file of records or statements (.jsonl/.csv) that cannot be read."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a statement comes from: the report file's name and the report's facts. Landkreis (district)
    and Regierungsbezirk (administrative region) are those of the report's Kommune; `event_date` is the
    first Termin (ISO date)."""

    report: str | None = None
    kommune: str | None = None
    landkreis: str | None = None
    regierungsbezirk: str | None = None
    event_date: str | None = None

    @classmethod
    def of_report(cls, report: Report, filename: str | None) -> Origin:
        """The report facts every tagged statement of it carries."""
        k, termine = report.kommune, report.veranstaltung.termine
        return cls(filename, k.name, k.landkreis, k.regierungsbezirk, termine[0] if termine else None)


NO_ORIGIN = Origin()


@dataclass(frozen=True, slots=True)
class TaggedStatement:
    id: str
    text: str
    section: str | None
    themes: tuple[str, ...]
    sentiment: str
    theme_scores: Mapping[str, float]
    sentiment_scores: Mapping[str, float]
    model_version: str | None
    origin: Origin = NO_ORIGIN
    abstain_reason: str | None = None  # why the model assigned nothing: the statement has no content
    explanation: Mapping[str, Sequence[Mapping[str, Any]]] | None = None

    @classmethod
    def of(cls, statement: StatementInput, prediction: Prediction, id: str, origin: Origin = NO_ORIGIN):
        return cls(
            id,
            statement.text,
            statement.section,
            prediction.themes,
            prediction.sentiment,
            prediction.theme_scores,
            prediction.sentiment_scores,
            prediction.model_version,
            origin,
            prediction.abstained,
        )

    @property
    def abstained(self) -> bool:
        return self.abstain_reason is not None

    @property
    def confidence(self) -> float:
        """The weakest probability among the labels the model assigned: the sentiment and each theme."""
        assigned = [self.sentiment_scores.get(self.sentiment, 0.0)]
        assigned += [self.theme_scores.get(t, 0.0) for t in self.themes]
        return round(min(assigned), 4)

    @property
    def year(self) -> int | None:
        date = self.origin.event_date
        return int(date[:4]) if date and date[:4].isdigit() else None

    def to_json(self) -> dict[str, Any]:
        """The record as `kfd tag` writes one JSON line and the API answers it."""
        out: dict[str, Any] = {
            "id": self.id,
            "report": self.origin.report,
            "section": self.section,
            "text": self.text,
            "themes": list(self.themes),
            "sentiment": self.sentiment,
            "scores": {"themes": self.theme_scores, "sentiment": self.sentiment_scores},
            "model_version": self.model_version,
            "abstained": self.abstain_reason is not None,
            "abstain_reason": self.abstain_reason,
            "kommune": self.origin.kommune,
            "landkreis": self.origin.landkreis,
            "regierungsbezirk": self.origin.regierungsbezirk,
            "event_date": self.origin.event_date,
        }
        if self.explanation is not None:
            out["explanation"] = self.explanation
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: str) -> TaggedStatement:
        """A record read back from a JSON line; RecordFileError naming `where` when it is not one."""
        try:
            scores = data["scores"]
            return cls(
                id=str(data.get("id") or ""),
                text=_text(data["text"]),
                section=data.get("section") or None,
                themes=tuple(str(t) for t in _list(data.get("themes") or [])),
                sentiment=str(data["sentiment"]),
                theme_scores={str(k): float(v) for k, v in dict(scores["themes"]).items()},
                sentiment_scores={str(k): float(v) for k, v in dict(scores["sentiment"]).items()},
                model_version=_optional(data.get("model_version")),
                origin=Origin(*(_optional(data.get(k)) for k in ("report", *REPORT_FIELDS))),
                abstain_reason=_optional(data.get("abstain_reason"))
                or ("no content" if data.get("abstained") is True else None),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise RecordFileError(f"{where}: not a `kfd tag` record ({type(e).__name__}: {e})") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"text is {type(value).__name__}, not a string")
    return value


def _list(value: Any) -> list:
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return list(value)


def _optional(value: Any) -> str | None:
    """A text field: None or its string; a list or object where a text belongs is an error."""
    if value in (None, ""):
        return None
    if isinstance(value, list | dict):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return str(value)


# -- redaction ----------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone number: an optional +49 / 0 prefix, then digit groups with spaces, slashes, dashes or dots.
_PHONE = re.compile(r"(?<![\w.])(?:\+\d{2} ?|0)\d{2,5}(?:[ /.\-–]?(?:\(\d{2,}\)|\d{2,})){1,4}(?![\w])")


# Words before or in a name that are no part of it (they stay in the text).
_TITLES = frozenset(
    {"frau", "herr", "herrn", "prof", "bürgermeister", "bürgermeisterin", "oberbürgermeister"}
)


def contact_names(name: str | None) -> tuple[str, ...]:
    """What `redact` replaces for a contact person: the full name and its parts ("Dr. Katrin Musterfrau"
    → also "Katrin", "Musterfrau"), without titles."""
    if not name:
        return ()
    parts = [
        p
        for p in name.replace(",", " ").split()
        if len(p) >= 3 and not p.endswith(".") and p.casefold() not in _TITLES
    ]
    return (name.strip(), *parts)


def redact(record: TaggedStatement, names: Sequence[str] = ()) -> TaggedStatement:
    """The record with personal data removed from its text: e-mail addresses, phone numbers and the given
    names (the report's contact person) become "[E-Mail]", "[Telefon]", "[Name]". Tags stay as they are."""
    text = _EMAIL.sub("[E-Mail]", record.text)
    text = _PHONE.sub("[Telefon]", text)
    for name in sorted({n for n in names if len(n) >= 3}, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(name)}\b", "[Name]", text)
    return record if text == record.text else replace(record, text=text)


# -- reading files --------------------------------------------------------------------------------


def read_table_text(path: Path, error: type[KfdError] = RecordFileError) -> str:
    """A UTF-8 table file (a BOM from Excel is dropped), or `error` saying why not. Only a regular file
    of at most `output.MAX_INPUT_BYTES` is read (see `output.check_input_file`)."""
    check_input_file(path, error)  # missing files, folders, devices and FIFOs are refused there
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except OSError as e:  # removed or made unreadable since the check
        raise error(f"{path}: cannot be read ({e.strerror})") from None


def jsonl_objects(
    path: Path, raw: str, error: type[KfdError] = RecordFileError
) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line of a JSON Lines text; `error` for a bad line."""
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise error(f"{path}:{number}: not valid JSON ({e.msg})") from None
        if not isinstance(row, dict):
            raise error(f"{path}:{number}: expected a JSON object")
        yield number, row


def csv_reader(raw: str) -> csv.DictReader:
    """A reader over the whole text with the delimiter of the header line (`,`, `;` or tab, whichever it
    holds most of; `,` on a tie). Quotes are parsed by the csv module over the whole file, never guessed
    from a sample."""
    first_line = raw.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    return csv.DictReader(io.StringIO(raw, newline=""), delimiter=delimiter)


def csv_rows(
    raw: str, path: Path | str = "CSV", error: type[KfdError] = RecordFileError
) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, row dict) of a CSV with `,`, `;` or tab as delimiter; cell texts stripped
    and a formula guard written by us (a leading `'`, see `spreadsheet`) taken off. `error` for a CSV the
    csv module cannot parse (a NUL byte, a field over its size limit)."""
    reader = csv_reader(raw)
    try:
        for number, row in enumerate(reader, start=2):
            yield number, {k: restore_cell((v or "").strip()) for k, v in row.items() if k is not None}
    except csv.Error as e:
        raise error(f"{path}:{reader.line_num}: not a readable CSV ({e})") from None


def read_records(path: Path, codebook: Codebook) -> list[TaggedStatement]:
    """Records of a `kfd tag` output: JSON Lines, or CSV (plain or `--excel`) with the p_ columns."""
    raw = read_table_text(path)
    if path.suffix.lower() == ".jsonl":
        records = []
        for number, data in jsonl_objects(path, raw):
            if not {"text", "themes", "sentiment", "scores"} <= set(data):
                raise RecordFileError(f"{path}:{number}: not a `kfd tag` record")
            records.append(TaggedStatement.from_json(data, f"{path}:{number}"))
        return records
    rows = list(csv_rows(raw, path))
    if not rows or not {"text", "themes", "sentiment"} <= set(rows[0][1]):
        raise RecordFileError(f"{path}: not a `kfd tag` CSV (needs text, themes, sentiment columns)")
    return [_record_from_row(row, codebook, f"{path}:{number}") for number, row in rows]


def _float(text: str, where: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise RecordFileError(f"{where}: {text!r} is not a number") from None


def _record_from_row(row: dict[str, str], codebook: Codebook, where: str) -> TaggedStatement:
    return TaggedStatement(
        id=row.get("id") or "",
        text=row["text"],
        section=row.get("section") or None,
        themes=tuple(t for t in row["themes"].split("|") if t),
        sentiment=row["sentiment"],
        theme_scores={t: _float(row[f"p_{t}"], where) for t in codebook.theme_ids if row.get(f"p_{t}")},
        sentiment_scores={
            s: _float(row[f"p_{s}"], where) for s in codebook.sentiment_ids if row.get(f"p_{s}")
        },
        model_version=row.get("model_version") or None,
        origin=Origin(*(row.get(k) or None for k in ("report", *REPORT_FIELDS))),
        abstain_reason=row.get("abstain_reason") or None,
    )


# -- writing files --------------------------------------------------------------------------------


def csv_columns(codebook: Codebook) -> list[str]:
    columns = ["id", "report", *REPORT_FIELDS, "section", "text", "themes", "theme_names", "sentiment"]
    columns += ["confidence", "abstain_reason", "model_version"]
    return columns + [f"p_{t}" for t in codebook.theme_ids] + [f"p_{s}" for s in codebook.sentiment_ids]


def _cells(rec: TaggedStatement, codebook: Codebook) -> list[Cell]:
    """One CSV/xlsx row of a record, in `csv_columns` order: texts as str, probabilities as float."""
    origin = rec.origin
    row: list[Cell] = [rec.id, origin.report]
    row += [getattr(origin, key) for key in REPORT_FIELDS]
    row += [rec.section, rec.text, "|".join(rec.themes)]
    row += ["|".join(codebook.theme(t).name for t in rec.themes), rec.sentiment]
    row += [rec.confidence, rec.abstain_reason, rec.model_version]
    row += [_rounded(rec.theme_scores.get(t)) for t in codebook.theme_ids]
    row += [_rounded(rec.sentiment_scores.get(s)) for s in codebook.sentiment_ids]
    return row


def _rounded(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def write_records(
    records: Sequence[TaggedStatement],
    out: IO[str],
    fmt: str,
    codebook: Codebook,
    excel: bool = False,
) -> None:
    """JSON Lines, or CSV with the report's fields, German theme names and a confidence per statement.

    `excel`: `;` as delimiter and decimal commas, for German Excel (the caller writes the UTF-8 BOM). In
    the CSV a text cell that a spreadsheet would take for a formula gets a leading `'` (see
    `spreadsheet`); JSON Lines keep every text as it is."""
    if fmt == "jsonl":
        for rec in records:
            out.write(json.dumps(rec.to_json(), ensure_ascii=False) + "\n")
        return
    writer = csv.writer(out, delimiter=";" if excel else ",")
    writer.writerow(csv_columns(codebook))

    def number(cell: Cell) -> Cell:
        if not isinstance(cell, float):
            return cell
        text = f"{cell:.4f}"
        return Number(text.replace(".", ",") if excel else text)

    for rec in records:
        writer.writerow(csv_cells(number(cell) for cell in _cells(rec, codebook)))


def write_records_xlsx(records: Sequence[TaggedStatement], out: IO[bytes], codebook: Codebook) -> None:
    """The CSV's columns as one `.xlsx` worksheet: probabilities as numbers, every text as a string cell."""
    write_xlsx(csv_columns(codebook), (_cells(rec, codebook) for rec in records), out, "statements")
