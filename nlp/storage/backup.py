"""Back up the store as JSON Lines and restore it: one line per report, with its parsed record and every
tagged statement (its current tags, and who reviewed them when a person did), then one line per
workspace user, double-coding sample (with its statements and codings) and review decision, so
`export_db` then `import_db` round-trips every report, tag, user, sample and the whole audit trail.

Statements are named in the backup by their report's id in the backup, section and index
(`{"report": 3, "section": "bewertung", "index": 2}`): their row ids change on import, and every
decision, sample item and coding is attached to the restored statement's new id.

The backup holds the contact persons of the reports (Kontakt), like the database itself, and the
workspace's user names with their argon2 password hashes (never a password).

Format `kfd-backup/2`; a `kfd-backup/1` backup (reports only, from before the workspace) still imports.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from nlp.errors import KfdError
from nlp.model.inference import Prediction
from nlp.reading.report import Report
from nlp.results.output import open_output
from nlp.results.records import jsonl_objects, read_table_text
from nlp.storage.store import Store, as_utc, statements
from nlp.storage.workspace import (
    ACTIONS,
    check_name,
    check_role,
    coding_sample_items,
    coding_samples,
    review_decisions,
    sample_codings,
    users,
)

FORMAT = "kfd-backup/2"
OLD_FORMATS = ("kfd-backup/1",)  # reports only: still imported
KINDS = ("report", "user", "sample", "decision")

# (report id, section, index): how a backup names a statement
StatementKey = tuple[int, str, int]


class BackupError(KfdError):
    """A backup file that cannot be read or does not fit the store."""


@dataclass(frozen=True)
class BackupResult:
    n_reports: int
    n_statements: int
    n_skipped: int = 0  # already stored (same content or external id)
    n_users: int = 0
    users_kept: tuple[str, ...] = ()  # a user of this name was in the database already: kept as it was
    n_samples: int = 0
    samples_kept: tuple[str, ...] = ()  # a sample of this name was in the database already
    n_codings: int = 0
    n_decisions: int = 0
    n_decisions_skipped: int = 0  # about a report that was stored already, or whose statement is gone
    n_reviewed: int = 0  # restored statements a person reviewed

    def summary(self) -> str:
        """What was exported or imported, in one line."""
        return "; ".join(self.parts())

    def parts(self) -> list[str]:
        out = [
            f"{self.n_users} users, {self.n_samples} double-coding samples with {self.n_codings} codings, "
            f"{self.n_decisions} review decisions ({self.n_reviewed} statements reviewed)"
        ]
        if self.users_kept:
            out.append(f"kept the existing users {', '.join(self.users_kept)} (not replaced by the backup's)")
        if self.samples_kept:
            out.append(f"kept the existing samples {', '.join(repr(s) for s in self.samples_kept)}")
        if self.n_decisions_skipped:
            out.append(
                f"{self.n_decisions_skipped} decisions not restored (their report was stored already, "
                "or their statement is no longer stored)"
            )
        return out


def _moment(value: dt.datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


# -- export ----------------------------------------------------------------------------------------


def _line(store: Store, report_id: int) -> dict[str, Any]:
    stored = store.get_report(report_id)
    with store.engine.connect() as conn:
        marks = {
            (r.section, r.position): (r.reviewed_by, r.reviewed_at)
            for r in conn.execute(
                sa.select(
                    statements.c.section,
                    statements.c.position,
                    statements.c.reviewed_by,
                    statements.c.reviewed_at,
                ).where(statements.c.report_id == report_id)
            )
        }

    def reviewed(section: str, index: int) -> dict[str, Any]:
        by, at = marks.get((section, index), (None, None))
        return {"reviewed_by": by, "reviewed_at": _moment(at)} if by is not None else {}

    return {
        "format": FORMAT,
        "kind": "report",
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
            | reviewed(statement.section, statement.index)
            for statement, s in zip(stored.report.statements, stored.statements, strict=True)
        ],
    }


def _workspace_lines(conn: Connection) -> Iterable[dict[str, Any]]:
    """Users, samples (with items and codings) and decisions, each statement named by its key."""
    keys: dict[int, dict[str, Any]] = {
        r.id: {"report": r.report_id, "section": r.section, "index": r.position}
        for r in conn.execute(
            sa.select(statements.c.id, statements.c.report_id, statements.c.section, statements.c.position)
        )
    }
    for r in conn.execute(sa.select(users).order_by(users.c.id)):
        yield {
            "format": FORMAT,
            "kind": "user",
            "name": r.name,
            "password_hash": r.password_hash,  # argon2: the password itself is never stored
            "role": r.role,
            "active": bool(r.active),
            "created_at": _moment(r.created_at),
        }
    for r in conn.execute(sa.select(coding_samples).order_by(coding_samples.c.id)):
        items = conn.execute(
            sa.select(coding_sample_items)
            .where(coding_sample_items.c.sample_id == r.id)
            .order_by(coding_sample_items.c.position)
        ).all()
        codings = conn.execute(
            sa.select(sample_codings).where(sample_codings.c.sample_id == r.id).order_by(sample_codings.c.id)
        ).all()
        yield {
            "format": FORMAT,
            "kind": "sample",
            "id": r.id,
            "name": r.name,
            "created_by": r.created_by,
            "created_at": _moment(r.created_at),
            "coder_a": r.coder_a,
            "coder_b": r.coder_b,
            # a statement no longer stored (its report deleted) is named by None
            "items": [{"statement": keys.get(i.statement_id), "position": i.position} for i in items],
            "codings": [
                {
                    "statement": keys.get(c.statement_id),
                    "user_name": c.user_name,
                    "themes": list(c.themes),
                    "sentiment": c.sentiment,
                    "created_at": _moment(c.created_at),
                }
                for c in codings
            ],
        }
    for r in conn.execute(sa.select(review_decisions).order_by(review_decisions.c.id)):
        yield {
            "format": FORMAT,
            "kind": "decision",
            "id": r.id,
            "statement": keys.get(r.statement_id),
            "report_id": r.report_id,
            "user_name": r.user_name,
            "action": r.action,
            "themes_before": list(r.themes_before),
            "sentiment_before": r.sentiment_before,
            "themes": list(r.themes),
            "sentiment": r.sentiment,
            "undoes": r.undoes,
            "sample_id": r.sample_id,
            "created_at": _moment(r.created_at),
        }


def export_db(store: Store, out: Path) -> BackupResult:
    """Write every stored report to `out` (JSON Lines), in id order, then the workspace's users, samples
    and decisions; a file appears only when complete (a device, a FIFO or "-" is written directly; see
    `nlp.results.output`). A decision made while the export runs, about a report stored after its
    report lines were written, is not restored from this backup."""
    n_reports = n_statements = n_reviewed = 0
    counts = dict.fromkeys(("user", "sample", "decision", "coding"), 0)
    with open_output(out) as f:
        for report_id in store.report_ids():
            line = _line(store, report_id)
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
            n_reports += 1
            n_statements += len(line["statements"])
            n_reviewed += sum(1 for s in line["statements"] if "reviewed_by" in s)
        with store.engine.connect() as conn:
            for line in _workspace_lines(conn):
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
                counts[line["kind"]] += 1
                counts["coding"] += len(line.get("codings", ()))
    return BackupResult(
        n_reports,
        n_statements,
        n_users=counts["user"],
        n_samples=counts["sample"],
        n_codings=counts["coding"],
        n_decisions=counts["decision"],
        n_reviewed=n_reviewed,
    )


# -- import ----------------------------------------------------------------------------------------


def _when(value: Any) -> dt.datetime:
    return as_utc(dt.datetime.fromisoformat(str(value)))


def _key(value: Any) -> StatementKey | None:
    if value is None:
        return None
    return (int(value["report"]), str(value["section"]), int(value["index"]))


def _labels(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValueError(f"themes must be a list of strings, not {value!r}")
    return list(value)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string, not {value!r}")
    return value


def _restorable(data: dict[str, Any], where: str) -> dict[str, Any]:
    """The arguments of `Store.add_report` for one backup line; BackupError when it is not one."""
    tagged = data["statements"]
    report = Report.from_dict(data["report"])
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
    reviews = [
        (_text(s["reviewed_by"], "reviewed_by"), _when(s["reviewed_at"])) if s.get("reviewed_by") else None
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
        "reviews": reviews,
    }


def _user(data: dict[str, Any]) -> dict[str, Any]:
    role = check_role(data["role"])
    password_hash = _text(data["password_hash"], "password_hash")
    if not password_hash.startswith("$argon2"):
        raise ValueError("password_hash is not an argon2 hash")
    return {
        "name": check_name(data["name"]),
        "password_hash": password_hash,
        "role": role,
        "active": bool(data["active"]),
        "created_at": _when(data["created_at"]),
    }


def _sample(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": int(data["id"]),
        "values": {
            "name": _text(data["name"], "name"),
            "created_by": _text(data["created_by"], "created_by"),
            "created_at": _when(data["created_at"]),
            "coder_a": _text(data["coder_a"], "coder_a"),
            "coder_b": _text(data["coder_b"], "coder_b"),
        },
        "items": [(_key(i["statement"]), int(i["position"])) for i in data["items"]],
        "codings": [
            (
                _key(c["statement"]),
                {
                    "user_name": _text(c["user_name"], "user_name"),
                    "themes": _labels(c["themes"]),
                    "sentiment": _text(c["sentiment"], "sentiment"),
                    "created_at": _when(c["created_at"]),
                },
            )
            for c in data["codings"]
        ],
    }


def _decision(data: dict[str, Any]) -> dict[str, Any]:
    action = data["action"]
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return {
        "id": int(data["id"]),
        "statement": _key(data["statement"]),
        "undoes": int(data["undoes"]) if data.get("undoes") is not None else None,
        "sample_id": int(data["sample_id"]) if data.get("sample_id") is not None else None,
        "values": {
            "user_name": _text(data["user_name"], "user_name"),
            "action": action,
            "themes_before": _labels(data["themes_before"]),
            "sentiment_before": _text(data["sentiment_before"], "sentiment_before"),
            "themes": _labels(data["themes"]),
            "sentiment": _text(data["sentiment"], "sentiment"),
            "created_at": _when(data["created_at"]),
        },
    }


_READERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "user": _user,
    "sample": _sample,
    "decision": _decision,
}


def _read_line(data: dict[str, Any], where: str) -> tuple[str, dict[str, Any]]:
    """(kind, what to restore) for one backup line; BackupError when it is not one."""
    found = data.get("format")
    if found != FORMAT and found not in OLD_FORMATS:
        raise BackupError(f"{where}: not a {FORMAT} (or {', '.join(OLD_FORMATS)}) line (format {found!r})")
    kind = data.get("kind", "report") if found == FORMAT else "report"
    if kind not in KINDS:
        raise BackupError(f"{where}: unknown kind {kind!r}; valid: {', '.join(KINDS)}")
    try:
        return kind, _restorable(data, where) if kind == "report" else _READERS[kind](data)
    except BackupError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise BackupError(
            f"{where}: not a valid backup record ({kind}; {e.__class__.__name__}: {e})"
        ) from None
    except KfdError as e:  # e.g. a user name the workspace does not take
        raise BackupError(f"{where}: not a valid backup record ({kind}; {e})") from None


def _statement_ids(conn: Connection, report_id: int, texts: dict[tuple[str, int], str]) -> dict:
    """{(section, index): row id} of a stored report's statements whose text is the backup's."""
    rows = conn.execute(
        sa.select(statements.c.id, statements.c.section, statements.c.position, statements.c.text).where(
            statements.c.report_id == report_id
        )
    )
    return {(r.section, r.position): r.id for r in rows if texts.get((r.section, r.position)) == r.text}


def import_db(store: Store, source: Path) -> BackupResult:
    """Store every report of a backup with its tags as they were (nothing is parsed or tagged again;
    reviewed statements keep their reviewer's tags and mark), then its users, samples and decisions.

    A report already stored (same content or external id) is skipped, and keeps its own tags and
    history: the backup's decisions about it are not restored (its samples still name its statements).
    Ids of reports are kept where free; statements, decisions, samples and codings get new ids, and
    every reference between them follows. A user or sample whose name exists already is kept as it is.
    Decisions are only ever inserted. Each report is written in one transaction with all its
    statements, then the whole workspace part in one more."""
    raw = read_table_text(source, BackupError)
    # every line is checked before anything is written
    lines = [_read_line(data, f"{source}:{n}") for n, data in jsonl_objects(source, raw, BackupError)]
    by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for kind, value in lines:
        by_kind[kind].append(value)

    n_reports = n_statements = n_skipped = n_reviewed = 0
    statement_ids: dict[StatementKey, int] = {}  # the backup's statement -> its row id here
    created: set[int] = set()  # backup report ids stored by this import
    for arguments in by_kind["report"]:
        old_id = arguments["report_id"]
        stored, was_created = store.add_report(**arguments)
        texts = {(s.section, s.index): s.text for s in arguments["report"].statements}
        with store.engine.connect() as conn:
            for (section, index), row_id in _statement_ids(conn, stored.id, texts).items():
                statement_ids[(old_id, section, index)] = row_id
        if not was_created:
            n_skipped += 1
            continue
        created.add(old_id)
        n_reports += 1
        n_statements += len(arguments["predictions"])
        n_reviewed += sum(1 for r in arguments["reviews"] if r is not None)
    try:
        workspace = _import_workspace(store, by_kind, statement_ids, created)
    except IntegrityError as e:  # a hand-edited backup, e.g. two sample items at one position
        raise BackupError(
            f"{source}: the workspace part does not fit the database, nothing of it was written "
            f"({n_reports} reports were restored; {str(e.orig).splitlines()[0]})"
        ) from None
    return BackupResult(n_reports, n_statements, n_skipped, n_reviewed=n_reviewed, **workspace)


@dataclass
class _Counts:
    n_users: int = 0
    users_kept: list[str] = field(default_factory=list)
    n_samples: int = 0
    samples_kept: list[str] = field(default_factory=list)
    n_codings: int = 0
    n_decisions: int = 0
    n_decisions_skipped: int = 0


def _import_workspace(
    store: Store,
    by_kind: dict[str, list[dict[str, Any]]],
    statement_ids: dict[StatementKey, int],
    created: set[int],
) -> dict[str, Any]:
    counts = _Counts()
    sample_ids: dict[int, int] = {}  # the backup's sample id -> its id here
    decision_ids: dict[int, int] = {}
    with store._write() as conn:
        for user in by_kind["user"]:
            if conn.execute(sa.select(users.c.id).where(users.c.name == user["name"])).first():
                counts.users_kept.append(user["name"])
                continue
            conn.execute(sa.insert(users).values(**user))
            counts.n_users += 1
        for sample in by_kind["sample"]:
            name = sample["values"]["name"]
            existing = conn.execute(
                sa.select(coding_samples.c.id).where(coding_samples.c.name == name)
            ).scalar()
            if existing is not None:
                sample_ids[sample["id"]] = existing
                counts.samples_kept.append(name)
                continue
            inserted = conn.execute(sa.insert(coding_samples).values(**sample["values"])).inserted_primary_key
            assert inserted is not None
            new_id = sample_ids[sample["id"]] = int(inserted[0])
            counts.n_samples += 1
            items = [
                {"sample_id": new_id, "statement_id": statement_ids[key], "position": position}
                for key, position in sample["items"]
                if key in statement_ids  # a statement deleted before the backup stays out
            ]
            if items:
                conn.execute(sa.insert(coding_sample_items), items)
            in_sample = {i["statement_id"] for i in items}
            codings = [
                {"sample_id": new_id, "statement_id": statement_ids[key]} | values
                for key, values in sample["codings"]
                if key in statement_ids and statement_ids[key] in in_sample
            ]
            if codings:
                conn.execute(sa.insert(sample_codings), codings)
            counts.n_codings += len(codings)
        for decision in by_kind["decision"]:  # in the backup's id order, so an undo follows what it undoes
            key = decision["statement"]
            undoes = decision["undoes"]
            if (
                key is None
                or key[0] not in created
                or key not in statement_ids
                or (undoes is not None and undoes not in decision_ids)
            ):
                counts.n_decisions_skipped += 1
                continue
            report_id = conn.execute(
                sa.select(statements.c.report_id).where(statements.c.id == statement_ids[key])
            ).scalar_one()
            inserted = conn.execute(
                sa.insert(review_decisions).values(
                    statement_id=statement_ids[key],
                    report_id=report_id,
                    undoes=decision_ids[undoes] if undoes is not None else None,
                    sample_id=sample_ids.get(decision["sample_id"]) if decision["sample_id"] else None,
                    **decision["values"],
                )
            ).inserted_primary_key
            assert inserted is not None
            decision_ids[decision["id"]] = int(inserted[0])
            counts.n_decisions += 1
    return {
        "n_users": counts.n_users,
        "users_kept": tuple(counts.users_kept),
        "n_samples": counts.n_samples,
        "samples_kept": tuple(counts.samples_kept),
        "n_codings": counts.n_codings,
        "n_decisions": counts.n_decisions,
        "n_decisions_skipped": counts.n_decisions_skipped,
    }
