"""Tag statements from report files or statement tables, and write the results as JSON Lines or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from nlp.errors import KfdError
from nlp.model.features import StatementInput
from nlp.model.inference import Prediction, Tagger
from nlp.reading.form import STATEMENT_SECTIONS

STATEMENT_TABLE_SUFFIXES = (".jsonl", ".csv")
MAX_STATEMENT_CHARS = 5000


class StatementFileError(KfdError):
    """A statement table (.jsonl/.csv) that cannot be read."""


def _check_section(section: Any, where: str) -> str | None:
    if section in (None, ""):
        return None
    if section not in STATEMENT_SECTIONS:
        raise StatementFileError(
            f"{where}: unknown section {section!r}; valid: {', '.join(STATEMENT_SECTIONS)}"
        )
    return section


def _statement(row: dict, where: str) -> StatementInput:
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise StatementFileError(f"{where}: 'text' is missing or empty")
    if len(text) > MAX_STATEMENT_CHARS:
        raise StatementFileError(f"{where}: statement longer than {MAX_STATEMENT_CHARS} characters")
    raw_id = row.get("id")
    return StatementInput(
        text.strip(),
        _check_section(row.get("section"), where),
        None if raw_id in (None, "") else str(raw_id),
    )


def read_table_text(path: Path, error: type[KfdError] = StatementFileError) -> str:
    """A UTF-8 table file (a BOM from Excel is dropped), or `error` saying why not."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None


def jsonl_objects(
    path: Path, raw: str, error: type[KfdError] = StatementFileError
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


def read_statement_table(path: Path) -> list[StatementInput]:
    """Statements from a .jsonl (one object per line) or .csv (header row; ',' or ';') with `text` and
    optional `id`, `section`."""
    raw = read_table_text(path)
    if path.suffix.lower() == ".jsonl":
        return [_statement(row, f"{path}:{number}") for number, row in jsonl_objects(path, raw)]
    statements = []
    try:
        dialect = csv.Sniffer().sniff(raw[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(raw), dialect=dialect)
    if not reader.fieldnames or "text" not in reader.fieldnames:
        raise StatementFileError(f"{path}: CSV needs a header row with a 'text' column")
    for number, row in enumerate(reader, start=2):
        statements.append(_statement(row, f"{path}:{number}"))
    return statements


def report_statements(path: Path, report) -> list[StatementInput]:
    """The statements of a parsed report file, with ids "<file stem>:<section>:<index>"."""
    return [
        StatementInput(s.text, s.section, f"{path.stem}:{s.section}:{s.index}") for s in report.statements
    ]


def record(
    statement: StatementInput, report: str | None, prediction: Prediction, number: int
) -> dict[str, Any]:
    """One output record per statement: the same shape for the CLI and the HTTP API."""
    return {
        "id": statement.id if statement.id is not None else str(number),
        "report": report,
        "section": statement.section,
        "text": statement.text,
        "themes": list(prediction.themes),
        "sentiment": prediction.sentiment,
        "scores": {"themes": prediction.theme_scores, "sentiment": prediction.sentiment_scores},
        "model_version": prediction.model_version,
    }


def tag(
    model: Tagger,
    statements: Sequence[StatementInput],
    report: str | None = None,
    explain: bool = False,
) -> list[dict[str, Any]]:
    """Records of the statements of one report (`report`: its file name), or of statements from a table
    or posted to the API (None)."""
    predictions = model.tag(statements)
    records = [
        record(statement, report, p, n)
        for n, (statement, p) in enumerate(zip(statements, predictions, strict=True), 1)
    ]
    if explain:
        for rec, statement, prediction in zip(records, statements, predictions, strict=True):
            rec["explanation"] = {
                label: [{"term": term, "weight": weight} for term, weight in terms]
                for label, terms in model.explain(statement, prediction).items()
            }
    return records
