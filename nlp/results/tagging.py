"""Tag statements from report files or statement tables, and write the results as JSON Lines or CSV."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from nlp.model.features import StatementInput
from nlp.model.inference import Prediction, Tagger
from nlp.reading.form import STATEMENT_SECTIONS
from nlp.results.records import (
    NO_ORIGIN,
    Origin,
    RecordFileError,
    TaggedStatement,
    csv_reader,
    csv_rows,
    jsonl_objects,
    read_table_text,
)

STATEMENT_TABLE_SUFFIXES = (".jsonl", ".csv")
MAX_STATEMENT_CHARS = 5000


class StatementFileError(RecordFileError):
    """A statement table (.jsonl/.csv) that cannot be read."""


def _check_section(section: Any, where: str) -> str | None:
    if section in (None, ""):
        return None
    if section not in STATEMENT_SECTIONS:
        raise StatementFileError(
            f"{where}: unknown section {section!r}; valid: {', '.join(STATEMENT_SECTIONS)}"
        )
    return section


def _statement(row: dict, where: str, default_id: str) -> StatementInput:
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise StatementFileError(f"{where}: 'text' is missing or empty")
    if len(text) > MAX_STATEMENT_CHARS:
        raise StatementFileError(f"{where}: statement longer than {MAX_STATEMENT_CHARS} characters")
    if "\x00" in text:  # no statement holds one; the lemmatizer's dictionary cannot look it up
        raise StatementFileError(f"{where}: 'text' holds a NUL character (U+0000)")
    raw_id = row.get("id")
    return StatementInput(
        text.strip(),
        _check_section(row.get("section"), where),
        default_id if raw_id in (None, "") else str(raw_id),
    )


def read_statement_table(path: Path) -> list[StatementInput]:
    """Statements from a .jsonl (one object per line) or .csv (header row; ',', ';' or tab, decided by the
    header line) with `text` and optional `id`, `section`. A row without an id is named by its place:
    "<file stem>:<line or row>"."""
    raw = read_table_text(path, StatementFileError)
    if path.suffix.lower() == ".jsonl":
        return [
            _statement(row, f"{path}:{number}", f"{path.stem}:{number}")
            for number, row in jsonl_objects(path, raw, StatementFileError)
        ]
    try:
        header = csv_reader(raw).fieldnames
    except csv.Error as e:
        raise StatementFileError(f"{path}:1: not a readable CSV ({e})") from None
    if not header or "text" not in header:
        raise StatementFileError(f"{path}: CSV needs a header row with a 'text' column")
    return [
        _statement(row, f"{path}:{number}", f"{path.stem}:{number}")
        for number, row in csv_rows(raw, path, StatementFileError)
    ]


def report_statements(path: Path, report) -> list[StatementInput]:
    """The statements of a parsed report file, with ids "<file stem>:<section>:<index>"."""
    return [
        StatementInput(s.text, s.section, f"{path.stem}:{s.section}:{s.index}") for s in report.statements
    ]


def tag(
    model: Tagger,
    statements: Sequence[StatementInput],
    origin: Origin = NO_ORIGIN,
    explain: bool = False,
    predictions: Sequence[Prediction] | None = None,
) -> list[TaggedStatement]:
    """Tagged records of statements: those of one report (`origin`: its file name and facts), or from a
    table or posted to the API. Every statement needs its id (`report_statements`, `read_statement_table`
    and the API give them one). `predictions`: the model's for these statements, when tagged already
    (together with other files' statements, in one call)."""
    if predictions is None:
        predictions = model.tag(statements)
    records = [
        TaggedStatement.of(s, p, s.id if s.id is not None else str(n), origin)
        for n, (s, p) in enumerate(zip(statements, predictions, strict=True), 1)
    ]
    if explain:
        records = [
            replace(
                rec,
                explanation={
                    label: [{"term": term, "weight": weight} for term, weight in terms]
                    for label, terms in model.explain(statement, prediction).items()
                },
            )
            for rec, statement, prediction in zip(records, statements, predictions, strict=True)
        ]
    return records
