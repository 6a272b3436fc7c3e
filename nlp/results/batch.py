"""Batch tagging: a folder (or list) of reports in, one record per statement out, past bad files.

Each input file is one job; jobs run in worker processes with `jobs > 1`, and results come back in input
order, so the output does not depend on how many cores were used. A file that cannot be read or tagged is
a `BatchFailure` with its reason; the other files are still tagged.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from nlp.codebook import Codebook
from nlp.errors import KfdError, ReportParseError
from nlp.model.features import StatementInput
from nlp.model.inference import Tagger
from nlp.model.pipeline import load_pipeline
from nlp.reading.ingest import SUPPORTED_SUFFIXES
from nlp.reading.report import parse_report
from nlp.results.tagging import (
    STATEMENT_TABLE_SUFFIXES,
    StatementFileError,
    jsonl_objects,
    read_statement_table,
    read_table_text,
    report_statements,
    tag,
)

# The report's fields next to each statement; `StatementRow.from_record` reads them for `kfd aggregate`.
REPORT_KEYS = ("kommune", "landkreis", "regierungsbezirk", "event_date")


@dataclass(frozen=True)
class Source:
    """One input file: a report to parse, or a statement table already read (and so validated)."""

    path: Path
    statements: tuple[StatementInput, ...] | None = None  # set for statement tables


@dataclass(frozen=True)
class BatchFailure:
    path: Path
    reason: str


@dataclass(frozen=True)
class FileResult:
    path: Path
    records: tuple[dict[str, Any], ...] = ()
    failure: BatchFailure | None = None


@dataclass
class BatchResult:
    records: list[dict[str, Any]] = field(default_factory=list)
    failures: list[BatchFailure] = field(default_factory=list)
    n_files: int = 0


def sources(paths: Iterable[Path]) -> tuple[list[Source], list[Path]]:
    """The inputs as jobs: folders are walked (sorted) for reports; statement tables are read now, so a
    broken table is an input error (raised) rather than a failure of the batch. Also returns the files in
    folders that were skipped as not being reports."""
    out: list[Source] = []
    skipped: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
            out += [Source(p) for p in found if p.suffix.lower() in SUPPORTED_SUFFIXES]
            skipped += [p for p in found if p.suffix.lower() not in SUPPORTED_SUFFIXES]
            continue
        suffix = path.suffix.lower()
        if not path.exists():
            raise StatementFileError(f"{path}: no such file or folder")
        if suffix in STATEMENT_TABLE_SUFFIXES:
            out.append(Source(path, tuple(read_statement_table(path))))
        elif suffix in SUPPORTED_SUFFIXES:
            out.append(Source(path))
        else:
            raise ReportParseError(
                f"{path}: unsupported input {suffix or '(none)'!r}; use reports (.txt, .docx, .html) "
                "or statement tables (.jsonl, .csv)"
            )
    return out, skipped


def _hidden(path: Path, root: Path) -> bool:
    # Editor lock files ("~$bericht.docx") and dot files are never reports.
    return any(part.startswith((".", "~$")) for part in path.relative_to(root).parts)


def tag_source(model: Tagger, source: Source, explain: bool = False) -> FileResult:
    """Tag one input file. Statements without an id get id None; `tag_sources` numbers them."""
    statements: Sequence[StatementInput]
    try:
        if source.statements is not None:
            statements, name = source.statements, None
            fields: dict[str, Any] = dict.fromkeys(REPORT_KEYS)
        else:
            report = parse_report(source.path)
            statements, name = report_statements(source.path, report), source.path.name
            k = report.kommune
            termine = report.veranstaltung.termine
            fields = {
                "kommune": k.name,
                "landkreis": k.landkreis,
                "regierungsbezirk": k.regierungsbezirk,
                "event_date": termine[0] if termine else None,
            }
        records = tag(model, statements, name, explain=explain)
    except KfdError as e:
        return FileResult(source.path, failure=BatchFailure(source.path, str(e)))
    except Exception as e:  # noqa: BLE001 — one broken file (a corrupt .docx …) must not stop the batch
        return FileResult(source.path, failure=BatchFailure(source.path, f"{type(e).__name__}: {e}"))
    for statement, rec in zip(statements, records, strict=True):
        if statement.id is None:
            rec["id"] = None
        rec.update(fields)
    return FileResult(source.path, tuple(records))


_worker_model: Tagger | None = None


def _init_worker(model: Tagger) -> None:
    global _worker_model
    _worker_model = model


def _tag_in_worker(source: Source, explain: bool) -> FileResult:
    assert _worker_model is not None
    return tag_source(_worker_model, source, explain)


def tag_sources(
    model: Tagger,
    inputs: Sequence[Source],
    jobs: int = 1,
    explain: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
) -> BatchResult:
    """Tag every input, `jobs` files at a time in worker processes; records in input order.

    `on_result` is called once per file as it finishes (for a progress display)."""
    results: list[FileResult] = []
    if jobs <= 1 or len(inputs) <= 1:
        for source in inputs:
            results.append(tag_source(model, source, explain))
            if on_result:
                on_result(results[-1])
    else:
        # Load spaCy once here: forked workers inherit it instead of each loading their own.
        load_pipeline(model.pipeline_name)
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(inputs)), initializer=_init_worker, initargs=(model,)
        ) as pool:
            futures = [pool.submit(_tag_in_worker, source, explain) for source in inputs]
            for future in futures:  # in input order: deterministic output whatever finishes first
                results.append(future.result())
                if on_result:
                    on_result(results[-1])
    batch = BatchResult(n_files=len(inputs))
    for result in results:
        if result.failure:
            batch.failures.append(result.failure)
        batch.records += result.records
    for number, rec in enumerate(batch.records, start=1):
        if rec["id"] is None:
            rec["id"] = str(number)
    return batch


def confidence(record: dict[str, Any]) -> float:
    """The weakest probability among the labels the model assigned: the chosen sentiment and each theme."""
    scores = record["scores"]
    assigned = [scores["sentiment"][record["sentiment"]]]
    assigned += [scores["themes"][t] for t in record["themes"]]
    return round(min(assigned), 4)


def csv_columns(theme_ids: Sequence[str], sentiment_ids: Sequence[str]) -> list[str]:
    columns = ["id", "report", *REPORT_KEYS, "section", "text", "themes", "theme_names", "sentiment"]
    columns += ["confidence", "model_version"]
    return columns + [f"p_{t}" for t in theme_ids] + [f"p_{s}" for s in sentiment_ids]


def write_results(
    records: Sequence[dict[str, Any]],
    out: TextIO,
    fmt: str,
    codebook: Codebook,
    excel: bool = False,
) -> None:
    """JSON Lines, or CSV with the report's fields, German theme names and a confidence per statement.

    `excel`: `;` as delimiter and decimal commas, for German Excel (the caller writes the UTF-8 BOM)."""
    if fmt == "jsonl":
        for rec in records:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return
    theme_ids, sentiment_ids = codebook.theme_ids, codebook.sentiment_ids
    writer = csv.writer(out, delimiter=";" if excel else ",")
    writer.writerow(csv_columns(theme_ids, sentiment_ids))

    def number(x: float | None) -> str:
        if x is None:
            return ""
        text = f"{x:.4f}"
        return text.replace(".", ",") if excel else text

    for rec in records:
        row = [rec.get("id") or "", rec.get("report") or ""]
        row += [rec.get(key) or "" for key in REPORT_KEYS]
        row += [rec.get("section") or "", rec["text"], "|".join(rec["themes"])]
        row += ["|".join(codebook.theme(t).name for t in rec["themes"]), rec["sentiment"]]
        row += [number(confidence(rec)), rec.get("model_version") or ""]
        row += [number(rec["scores"]["themes"].get(t)) for t in theme_ids]
        row += [number(rec["scores"]["sentiment"].get(s)) for s in sentiment_ids]
        writer.writerow(row)


def read_results(path: Path, codebook: Codebook) -> list[dict[str, Any]]:
    """Records of a `kfd tag` output: JSON Lines, or CSV (plain or `--excel`) with the p_ columns."""
    raw = read_table_text(path)
    if path.suffix.lower() == ".jsonl":
        records = []
        for number, rec in jsonl_objects(path, raw):
            if not {"text", "themes", "sentiment", "scores"} <= set(rec):
                raise StatementFileError(f"{path}:{number}: not a `kfd tag` record")
            records.append(rec)
        return records
    rows = list(csv_rows(raw))
    if not rows or not {"text", "themes", "sentiment"} <= set(rows[0][1]):
        raise StatementFileError(f"{path}: not a `kfd tag` CSV (needs text, themes, sentiment columns)")
    return [_record_from_row(row, codebook, f"{path}:{number}") for number, row in rows]


def csv_rows(raw: str):
    """(spreadsheet row number, row dict) of a CSV with `,` or `;` as delimiter."""
    first_line = raw.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(raw), delimiter=delimiter)
    for number, row in enumerate(reader, start=2):
        yield number, {k: (v or "").strip() for k, v in row.items() if k is not None}


def _float(text: str, where: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise StatementFileError(f"{where}: {text!r} is not a number") from None


def _record_from_row(row: dict[str, str], codebook: Codebook, where: str) -> dict[str, Any]:
    themes = [t for t in row["themes"].split("|") if t]
    rec: dict[str, Any] = {
        "id": row.get("id") or None,
        "report": row.get("report") or None,
        "section": row.get("section") or None,
        "text": row["text"],
        "themes": themes,
        "sentiment": row["sentiment"],
        "model_version": row.get("model_version") or None,
    }
    rec |= {key: row.get(key) or None for key in REPORT_KEYS}
    rec["scores"] = {
        "themes": {t: _float(row[f"p_{t}"], where) for t in codebook.theme_ids if row.get(f"p_{t}")},
        "sentiment": {s: _float(row[f"p_{s}"], where) for s in codebook.sentiment_ids if row.get(f"p_{s}")},
    }
    return rec
