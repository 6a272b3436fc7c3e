"""The intake use case: a report file in, parsed, tagged and stored; and retagging what is stored.

The API's `POST /v1/reports`, `kfd retag`, `POST /v1/reports/{id}/retag` and the backup restore all go
through here, so a report becomes stored rows in exactly one way. The store only stores.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from nlp.model.features import StatementInput
from nlp.model.inference import Tagger
from nlp.reading.ingest import read_text
from nlp.reading.report import parse_report
from nlp.storage.store import RetagResult, Store, StoredReport, content_hash

# Reading and parsing one upload holds up to the limits of nlp.reading.ingest in memory and CPU; at most
# this many run at once in the process, so that parallel hostile uploads cannot add up to exhaust memory.
PARSE_SLOTS = threading.BoundedSemaphore(os.cpu_count() or 1)


def add_report(
    store: Store,
    source: str | bytes | Path,
    model: Tagger,
    *,
    filename: str | None = None,
    external_id: str | None = None,
) -> tuple[StoredReport, bool]:
    """Read, parse, tag and store a report. Returns (report, created); created is False when the same
    external id or the same content was stored before — then nothing is parsed, tagged or written (a known
    content under a new external id keeps the stored record as it is)."""
    with PARSE_SLOTS:
        text = read_text(source, filename)
    if isinstance(source, Path):
        filename = filename or source.name
    digest = content_hash(text)
    existing = store.find(digest, external_id)
    if existing is not None:
        return store.get_report(existing), False
    with PARSE_SLOTS:
        report = parse_report(text, filename)
    predictions = model.tag([StatementInput(s.text, s.section) for s in report.statements])
    return store.add_report(
        report, predictions, content_sha256=digest, filename=filename, external_id=external_id
    )


def retag(
    store: Store,
    model: Tagger,
    report_id: int | None = None,
    *,
    only_outdated: bool = False,
    progress: Callable[[int], None] | None = None,
) -> RetagResult:
    """Tag stored statements again with `model` (one report, or all), so that every tag records the same
    model version. `only_outdated` skips statements already tagged by this version. `progress` is called
    with each report id once it is done."""
    ids = [store.check_report(report_id)] if report_id is not None else store.report_ids()
    n_reports = n_statements = 0
    for rid in ids:
        stored = store.statements_of(rid, unless_version=model.version if only_outdated else None)
        if stored:
            predictions = model.tag([StatementInput(s.text, s.section) for s in stored])
            store.update_tags([s.row_id for s in stored], predictions)
            n_reports += 1
            n_statements += len(stored)
        if progress:
            progress(rid)
    return RetagResult(model.version, n_reports, n_statements)
