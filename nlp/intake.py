"""The intake use case: a report file in, parsed, tagged and stored; and retagging what is stored.

The API's `POST /v1/reports`, `kfd retag`, `POST /v1/reports/{id}/retag` and the backup restore all go
through here, so a report becomes stored rows in exactly one way. The store only stores.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path

from nlp.errors import KfdError
from nlp.model.features import StatementInput
from nlp.model.inference import Tagger
from nlp.model.pipeline import sentence_splitter
from nlp.reading.ingest import read_text
from nlp.reading.report import Report, parse_text
from nlp.storage.store import Located, RetagResult, Store, StoredReport, content_hash

FILENAME_MAX = 255  # the length of the database column
# Bidirectional controls: they make "gpj.exe" look like "exe.jpg" wherever the name is shown.
_BIDI_CONTROLS = frozenset({0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF})
NO_STATEMENTS = (
    "no statements found: no section the tagger reads (Veranstaltungskonzept, Anlass, Beratung, Bewertung, "
    "Ergebnisse, Kosten, Empfehlungen) holds a bullet point or a sentence, so nothing was tagged"
)


class ExternalIdConflict(KfdError):
    """The external id is stored with another content: a different report, or a changed one."""


def safe_filename(name: str | None) -> str | None:
    """A sender's file name as it may be stored and shown: control characters (NUL, line breaks) and
    bidirectional controls removed, only the last path component (of `/` and `\\` paths alike), at most
    FILENAME_MAX characters with its suffix kept. None when nothing is left."""
    if name is None:
        return None
    kept = "".join(c for c in name if unicodedata.category(c) != "Cc" and ord(c) not in _BIDI_CONTROLS)
    last = re.split(r"[/\\]", kept)[-1].strip()
    if last in ("", ".", ".."):
        return None
    if len(last) > FILENAME_MAX:
        suffix = Path(last).suffix if len(Path(last).suffix) <= 16 else ""
        last = last[: FILENAME_MAX - len(suffix)] + suffix
    return last


def report_warnings(report: Report) -> tuple[str, ...]:
    """What the parser doubted, and that nothing was tagged when the report has no statement."""
    return report.warnings if report.statements else (*report.warnings, NO_STATEMENTS)


def _check_same_content(found: Located, digest: str, external_id: str | None) -> None:
    """A known external id with another content is a conflict, never a silent 'already stored'."""
    if external_id is not None and found.external_id == external_id and found.content_sha256 != digest:
        raise ExternalIdConflict(
            f"external_id {external_id!r} is stored (report {found.id}) with content sha256 "
            f"{found.content_sha256}; this report has content sha256 {digest}. Send a changed report "
            "under a new external_id, or delete the stored one first"
        )


# Reading and parsing one upload holds up to the limits of nlp.reading.ingest in memory and CPU; at most
# this many run at once in the process, so that parallel hostile uploads cannot add up to exhaust memory.
PARSE_SLOTS = threading.BoundedSemaphore(os.cpu_count() or 1)


def prepare() -> None:
    """Make what parsing a report needs once per process (spaCy's sentence splitter, a tenth of a second),
    so that a service makes it at start rather than in the first report's request."""
    sentence_splitter()


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
    content under a new external id keeps the stored record as it is). Raises ExternalIdConflict when
    the external id is stored with another content, also when the other one was stored a moment ago.
    The file name is stored as `safe_filename` makes it. Reading and parsing take one of PARSE_SLOTS."""
    if isinstance(source, Path):
        filename = filename or source.name
    filename = safe_filename(filename)
    with PARSE_SLOTS:
        text = read_text(source, filename)
    digest = content_hash(text)
    found = store.locate(digest, external_id)
    if found is not None:
        _check_same_content(found, digest, external_id)
        return store.get_report(found.id), False
    with PARSE_SLOTS:
        # The text is read and checked already: parsed as it is, not decoded and checked a second time.
        report = parse_text(text, filename or "text")
    predictions = model.tag([StatementInput(s.text, s.section) for s in report.statements])
    stored, created = store.add_report(
        report, predictions, content_sha256=digest, filename=filename, external_id=external_id
    )
    if not created:  # another writer stored it between our lookup and our insert
        _check_same_content(
            Located(stored.id, stored.content_sha256, stored.external_id), digest, external_id
        )
    return stored, created


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
