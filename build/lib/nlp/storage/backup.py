"""Back up the store as JSON Lines and restore it: one line per report, with its parsed record and every
tagged statement, so `export_db` then `import_db` round-trips every report and tag.

The backup holds the contact persons of the reports (Kontakt), like the database itself.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.errors import KfdError
from nlp.model.inference import Prediction
from nlp.reading.report import Report
from nlp.results.output import open_output
from nlp.results.records import jsonl_objects, read_table_text
from nlp.storage.store import Store

FORMAT = "kfd-backup/1"


class BackupError(KfdError):
    """A backup file that cannot be read or does not fit the store."""


@dataclass(frozen=True)
class BackupResult:
    n_reports: int
    n_statements: int
    n_skipped: int = 0  # already stored (same content or external id)


def _line(store: Store, report_id: int) -> dict[str, Any]:
    stored = store.get_report(report_id)
    return {
        "format": FORMAT,
        "id": stored.id,
        "content_sha256": stored.content_sha256,
        "external_id": stored.external_id,
        "filename": stored.filename,
        "created_at": stored.created_at.isoformat(),
        "report": stored.report.to_dict(),
        "statements": [
            {
                "section": s.section,
                "index": statement.index,
                "text": s.text,
                "themes": list(s.themes),
                "sentiment": s.sentiment,
                "scores": {"themes": s.theme_scores, "sentiment": s.sentiment_scores},
                "model_version": s.model_version,
            }
            | ({"abstain_reason": s.abstain_reason} if s.abstain_reason else {})
            for statement, s in zip(stored.report.statements, stored.statements, strict=True)
        ],
    }


def export_db(store: Store, out: Path) -> BackupResult:
    """Write every stored report to `out` (JSON Lines), in id order; a file appears only when complete
    (a device, a FIFO or "-" is written directly; see `nlp.results.output`)."""
    n_reports = n_statements = 0
    with open_output(out) as f:
        for report_id in store.report_ids():
            line = _line(store, report_id)
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
            n_reports += 1
            n_statements += len(line["statements"])
    return BackupResult(n_reports, n_statements)


def _restorable(data: dict[str, Any], where: str) -> dict[str, Any]:
    """The arguments of `Store.add_report` for one backup line; BackupError when it is not one."""
    try:
        if data.get("format") != FORMAT:
            raise BackupError(f"{where}: not a {FORMAT} line (format {data.get('format')!r})")
        report = Report.from_dict(data["report"])
        tagged = data["statements"]
        if [(s["section"], int(s["index"]), s["text"]) for s in tagged] != [
            (s.section, s.index, s.text) for s in report.statements
        ]:
            raise BackupError(f"{where}: the tagged statements are not those of the report")
        predictions = [
            Prediction(
                tuple(s["themes"]),
                s["sentiment"],
                dict(s["scores"]["themes"]),
                dict(s["scores"]["sentiment"]),
                s["model_version"],
                s.get("abstain_reason"),
            )
            for s in tagged
        ]
        return {
            "report": report,
            "predictions": predictions,
            "content_sha256": str(data["content_sha256"]),
            "external_id": data["external_id"],
            "filename": data["filename"],
            "created_at": dt.datetime.fromisoformat(data["created_at"]),
            "report_id": int(data["id"]),
        }
    except BackupError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise BackupError(f"{where}: not a valid backup record ({e.__class__.__name__}: {e})") from None


def import_db(store: Store, source: Path) -> BackupResult:
    """Store every report of a backup with its tags as they were (nothing is parsed or tagged again).
    A report already stored (same content or external id) is skipped; ids are kept where free. Each
    report is written in one transaction with all its statements."""
    raw = read_table_text(source, BackupError)
    # every line is checked before anything is written
    restorable = [
        _restorable(data, f"{source}:{number}") for number, data in jsonl_objects(source, raw, BackupError)
    ]
    n_reports = n_statements = n_skipped = 0
    for arguments in restorable:
        _, created = store.add_report(**arguments)
        if not created:
            n_skipped += 1
            continue
        n_reports += 1
        n_statements += len(arguments["predictions"])
    return BackupResult(n_reports, n_statements, n_skipped)
