"""Batch tagging: a folder (or list) of reports in, one record per statement out, past bad files.

Each input file is one job; jobs run in worker processes with `jobs > 1`, and results come back in input
order, so the output does not depend on how many cores were used. A file that cannot be read or tagged is
a `BatchFailure` with its reason; the other files are still tagged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nlp.errors import KfdError, ReportParseError
from nlp.model.features import StatementInput
from nlp.model.inference import Tagger
from nlp.model.pipeline import load_pipeline
from nlp.reading.ingest import SUPPORTED_SUFFIXES
from nlp.reading.report import parse_report
from nlp.results.output import check_input_file
from nlp.results.records import NO_ORIGIN, Origin, TaggedStatement
from nlp.results.records import redact as redact_record
from nlp.results.tagging import (
    STATEMENT_TABLE_SUFFIXES,
    StatementFileError,
    read_statement_table,
    report_statements,
    tag,
)


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
    records: tuple[TaggedStatement, ...] = ()
    failure: BatchFailure | None = None


@dataclass
class BatchResult:
    records: list[TaggedStatement] = field(default_factory=list)
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
        if not path.exists() and not path.is_symlink():
            raise StatementFileError(f"{path}: no such file or folder")
        # a FIFO, a device or a link to one would block or never end: refused before anything is read
        check_input_file(path, StatementFileError)
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


def tag_source(model: Tagger, source: Source, explain: bool = False, redact: bool = False) -> FileResult:
    """Tag one input file; a file that cannot be read or tagged is a failure with its reason. `redact`:
    e-mail addresses, phone numbers and the report's contact person are taken out of the texts."""
    statements: Sequence[StatementInput]
    contact: tuple[str, ...] = ()
    try:
        if source.statements is not None:
            statements, origin = source.statements, NO_ORIGIN
        else:
            report = parse_report(source.path)
            statements = report_statements(source.path, report)
            termine = report.veranstaltung.termine
            origin = Origin(
                source.path.name,
                report.kommune.name,
                report.kommune.landkreis,
                report.kommune.regierungsbezirk,
                termine[0] if termine else None,
            )
            contact = _names(report.kontakt.name)
        records = tag(model, statements, origin, explain=explain)
        if redact:
            records = [redact_record(r, contact) for r in records]
    except KfdError as e:
        return FileResult(source.path, failure=BatchFailure(source.path, str(e)))
    except Exception as e:  # noqa: BLE001 — one broken file (a corrupt .docx …) must not stop the batch
        return FileResult(source.path, failure=BatchFailure(source.path, f"{type(e).__name__}: {e}"))
    return FileResult(source.path, tuple(records))


def _names(name: str | None) -> tuple[str, ...]:
    """The contact person's full name and its parts ("Dr. Katrin Musterfrau" → also "Musterfrau")."""
    if not name:
        return ()
    parts = [
        p
        for p in name.replace(",", " ").split()
        if len(p) >= 3 and not p.endswith(".") and p.casefold() not in _TITLES
    ]
    return (name.strip(), *parts)


# Words before or in a name that are no part of it (they stay in the text).
_TITLES = frozenset(
    {"frau", "herr", "herrn", "prof", "bürgermeister", "bürgermeisterin", "oberbürgermeister"}
)


_worker_model: Tagger | None = None


def _init_worker(model: Tagger) -> None:
    global _worker_model
    _worker_model = model


def _tag_in_worker(source: Source, explain: bool, redact: bool) -> FileResult:
    assert _worker_model is not None
    return tag_source(_worker_model, source, explain, redact)


def tag_sources(
    model: Tagger,
    inputs: Sequence[Source],
    jobs: int = 1,
    explain: bool = False,
    redact: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
) -> BatchResult:
    """Tag every input, `jobs` files at a time in worker processes; records in input order.

    `on_result` is called once per file as it finishes (for a progress display)."""
    results: list[FileResult] = []
    if jobs <= 1 or len(inputs) <= 1:
        for source in inputs:
            results.append(tag_source(model, source, explain, redact))
            if on_result:
                on_result(results[-1])
    else:
        # Load spaCy once here: forked workers inherit it instead of each loading their own.
        load_pipeline(model.pipeline_name)
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(inputs)), initializer=_init_worker, initargs=(model,)
        ) as pool:
            futures = [pool.submit(_tag_in_worker, source, explain, redact) for source in inputs]
            for future in futures:  # in input order: deterministic output whatever finishes first
                results.append(future.result())
                if on_result:
                    on_result(results[-1])
    batch = BatchResult(n_files=len(inputs))
    for result in results:
        if result.failure:
            batch.failures.append(result.failure)
        batch.records += result.records
    return batch
