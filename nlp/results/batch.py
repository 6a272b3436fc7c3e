"""Batch tagging: a folder (or list) of reports in, one record per statement out, past bad files.

With `jobs > 1` the files are parsed and tagged in `jobs` worker processes, forked after the model is
loaded so that they share it (its arrays, the spaCy pipeline and simplemma's dictionary stay the parent's
pages until written; loading takes a few tenths of a second, see `nlp.model.artifacts`), a few files per
job. Results come back in input order, so the output does not depend on how many processes were used. A
file that cannot be read or tagged is a `BatchFailure` with its reason; the other files are still tagged.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nlp.errors import KfdError, ReportParseError
from nlp.model.features import StatementInput
from nlp.model.inference import Tagger
from nlp.model.pipeline import sentence_splitter
from nlp.reading.ingest import SUPPORTED_SUFFIXES
from nlp.reading.report import parse_report
from nlp.results.output import check_input_file
from nlp.results.records import NO_ORIGIN, Origin, TaggedStatement, contact_names
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


@dataclass(frozen=True)
class Parsed:
    """One input file read and parsed, ready to tag: its statements with their origin, or why not."""

    path: Path
    statements: tuple[StatementInput, ...] = ()
    origin: Origin = NO_ORIGIN
    contact: tuple[str, ...] = ()
    failure: BatchFailure | None = None


def parse_source(source: Source) -> Parsed:
    """Read and parse one input file (a statement table is read already); a file that cannot be read is
    a failure with its reason."""
    try:
        if source.statements is not None:
            return Parsed(source.path, source.statements)
        report = parse_report(source.path)
        return Parsed(
            source.path,
            tuple(report_statements(source.path, report)),
            Origin.of_report(report, source.path.name),
            contact_names(report.kontakt.name),
        )
    except KfdError as e:
        return Parsed(source.path, failure=BatchFailure(source.path, str(e)))
    except Exception as e:  # noqa: BLE001 — one broken file (a corrupt .docx …) must not stop the batch
        return Parsed(source.path, failure=BatchFailure(source.path, f"{type(e).__name__}: {e}"))


def _records(model: Tagger, parsed: Parsed, predictions, explain: bool, redact: bool) -> FileResult:
    try:
        records = tag(model, parsed.statements, parsed.origin, explain=explain, predictions=predictions)
        if redact:
            records = [redact_record(r, parsed.contact) for r in records]
    except KfdError as e:
        return FileResult(parsed.path, failure=BatchFailure(parsed.path, str(e)))
    except Exception as e:  # noqa: BLE001
        return FileResult(parsed.path, failure=BatchFailure(parsed.path, f"{type(e).__name__}: {e}"))
    return FileResult(parsed.path, tuple(records))


def tag_parsed(
    model: Tagger, group: Sequence[Parsed], explain: bool = False, redact: bool = False
) -> list[FileResult]:
    """Tag the statements of several parsed files with one call of the model (a call has a fixed cost,
    and a report has only a few dozen statements); records per file. When that call fails, each file is
    tagged on its own, so that the failure is the broken file's only."""
    ok = [p for p in group if p.failure is None]
    try:
        predictions = model.tag([s for p in ok for s in p.statements])
    except Exception:  # noqa: BLE001 — tagged again file by file below, which names the file
        predictions = None
    out: dict[int, FileResult] = {}
    offset = 0
    for p in ok:
        n = len(p.statements)
        mine = predictions[offset : offset + n] if predictions is not None else None
        out[id(p)] = _records(model, p, mine, explain, redact)
        offset += n
    return [FileResult(p.path, failure=p.failure) if p.failure is not None else out[id(p)] for p in group]


# Statements tagged with one call of the model at most (a few dozen reports): large enough that the
# call's fixed cost is spread, small enough that the progress display moves.
TAG_BATCH_STATEMENTS = 1000


def default_jobs() -> int:
    """`kfd tag`'s default: one process per usable core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# Files per job of a worker process at most: small jobs balance the workers and move the progress display,
# and each job is one call of the model over a few hundred statements.
MAX_FILES_PER_JOB = 25
JOBS_PER_WORKER = 8

# The model of the worker processes: set in the parent just before they are forked, so each has it (the
# parent's pages, shared until written) without pickling it.
_worker_model: Tagger | None = None


@contextlib.contextmanager
def _parser_tokenizer(model: Tagger) -> Iterator[None]:
    """Meanwhile, the model's word-level features tokenise with the parser's tokenizer (the same rules,
    so the same tokens): its cache holds the words of the reports just parsed, which a first pass over new
    text would otherwise tokenise again (spaCy's lexemes and affix rules: half of that pass). In a process
    that parses and tags one file after the other, never in threads."""
    if model.fast is None:
        yield
        return
    with model.fast.tokenizing_with(sentence_splitter().tokenizer):
        yield


def _parse_and_tag(
    group: Sequence[Source], explain: bool, redact: bool, model: Tagger | None = None
) -> list[FileResult]:
    """A job: parse and tag a few files, with `model` or, in a worker, the model it was forked with."""
    model = model or _worker_model
    assert model is not None, "worker process started without a model"
    with _parser_tokenizer(model):
        return tag_parsed(model, [parse_source(source) for source in group], explain, redact)


def _jobs(inputs: Sequence[Source], workers: int) -> list[list[Source]]:
    """The inputs cut into consecutive groups, some `JOBS_PER_WORKER` per worker."""
    size = max(1, min(MAX_FILES_PER_JOB, -(-len(inputs) // (workers * JOBS_PER_WORKER))))
    return [list(inputs[i : i + size]) for i in range(0, len(inputs), size)]


def _in_this_process(
    model: Tagger, inputs: Sequence[Source], explain: bool, redact: bool
) -> Iterator[FileResult]:
    """Parse the files one after the other and tag them several files per call of the model."""
    group: list[Parsed] = []
    n_statements = 0
    with _parser_tokenizer(model):
        for source in inputs:
            parsed = parse_source(source)
            group.append(parsed)
            n_statements += len(parsed.statements)
            if n_statements >= TAG_BATCH_STATEMENTS:
                yield from tag_parsed(model, group, explain, redact)
                group, n_statements = [], 0
        if group:
            yield from tag_parsed(model, group, explain, redact)


def _in_workers(
    model: Tagger, inputs: Sequence[Source], workers: int, explain: bool, redact: bool
) -> Iterator[FileResult]:
    """Parse and tag in `workers` processes forked now, after the model was loaded, so that they share it
    (its arrays, the spaCy pipeline, simplemma's dictionary); results in input order. A job whose worker
    died is done here instead."""
    global _worker_model
    if explain:
        _ = model.model  # the fitted model that `explain` reads: unpickled once, before the fork, and shared
    _worker_model = model
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            jobs = _jobs(inputs, workers)
            futures = [pool.submit(_parse_and_tag, group, explain, redact) for group in jobs]
            for group, future in zip(jobs, futures, strict=True):
                try:
                    results = future.result()
                except Exception:  # noqa: BLE001 — a worker that died (killed, out of memory): redo it here
                    results = _parse_and_tag(group, explain, redact, model)
                yield from results
    finally:
        _worker_model = None


def tag_sources(
    model: Tagger,
    inputs: Sequence[Source],
    jobs: int = 1,
    explain: bool = False,
    redact: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
) -> BatchResult:
    """Parse and tag every input: here with `jobs` 1, else in `jobs` worker processes forked now (call it
    with the model loaded: the workers share it). Records in input order, whatever the number of processes.

    A file that cannot be read or tagged is a failure with its reason. `redact`: e-mail addresses, phone
    numbers and the report's contact person are taken out of the texts. `on_result` is called once per
    file as it finishes (for a progress display)."""
    workers = min(jobs, len(inputs)) if jobs > 1 and len(inputs) > 1 else 0
    results = (
        _in_workers(model, inputs, workers, explain, redact)
        if workers
        else _in_this_process(model, inputs, explain, redact)
    )
    batch = BatchResult(n_files=len(inputs))
    for result in results:
        if on_result:
            on_result(result)
        if result.failure:
            batch.failures.append(result.failure)
        batch.records += result.records
    return batch
