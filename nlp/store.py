"""Stored reports with their tagged statements: SQLite by default (WAL), any SQLAlchemy URL works.

A report is stored with all its tagged statements in one transaction. Storing is idempotent: the same
content (sha256 of the decoded text) or the same `external_id` again returns the existing report, also
when two identical posts race (unique constraints decide, the loser reads the winner's row).
The report JSON holds the contact person (Kontakt): it is stored and returned, never logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .aggregate import StatementRow
from .classifier import Prediction, TaggerModel
from .errors import KfdError
from .features import StatementInput
from .ingest import read_text
from .report import Report, parse_report
from .tagging import record

DEFAULT_DATABASE_URL = "sqlite:///data/kfd.sqlite3"
log = logging.getLogger(__name__)


class StoreError(KfdError):
    """The database cannot be opened or reached."""


class ReportNotFound(KfdError):
    """No stored report with this id."""


metadata = sa.MetaData()

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("content_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("external_id", sa.String(200), nullable=True, unique=True),
    sa.Column("filename", sa.String(255)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("kommune_name", sa.String(255)),
    sa.Column("landkreis", sa.String(255), index=True),
    sa.Column("regierungsbezirk", sa.String(64), index=True),
    sa.Column("first_event_date", sa.Date, index=True),
    sa.Column("year", sa.Integer, index=True),
    sa.Column("report", sa.JSON, nullable=False),  # Report.to_dict(), warnings included
)

statements = sa.Table(
    "statements",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("report_id", sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("section", sa.String(32), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),  # Statement.index: its place within the section
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("themes", sa.JSON, nullable=False),
    sa.Column("sentiment", sa.String(32), nullable=False),
    sa.Column("scores", sa.JSON, nullable=False),  # {"themes": {id: p}, "sentiment": {id: p}}
    sa.Column("model_version", sa.String(64), nullable=False, index=True),
    sa.UniqueConstraint("report_id", "section", "position"),
)


@dataclass(frozen=True)
class StoredStatement:
    section: str
    index: int
    text: str
    prediction: Prediction


@dataclass(frozen=True)
class StoredReport:
    id: int
    content_sha256: str
    external_id: str | None
    filename: str | None
    created_at: dt.datetime
    report: Report
    statements: tuple[StoredStatement, ...]

    def records(self) -> list[dict[str, Any]]:
        """Tagged statements in the shape of `kfd tag` records; ids are `<report id>:<section>:<index>`."""
        return [
            record(
                StatementInput(s.text, s.section, f"{self.id}:{s.section}:{s.index}"),
                self.filename,
                s.prediction,
                number,
            )
            for number, s in enumerate(self.statements, start=1)
        ]


@dataclass(frozen=True)
class ReportSummary:
    id: int
    external_id: str | None
    filename: str | None
    created_at: dt.datetime
    kommune_name: str | None
    landkreis: str | None
    regierungsbezirk: str | None
    first_event_date: dt.date | None
    n_statements: int


@dataclass(frozen=True)
class ReportPage:
    items: tuple[ReportSummary, ...]
    total: int  # reports matching the filters, over all pages
    limit: int
    offset: int


@dataclass(frozen=True)
class RetagResult:
    model_version: str
    n_reports: int
    n_statements: int


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def _prediction(row) -> Prediction:
    return Prediction(
        themes=tuple(row.themes),
        sentiment=row.sentiment,
        theme_scores=dict(row.scores["themes"]),
        sentiment_scores=dict(row.scores["sentiment"]),
        model_version=row.model_version,
    )


def _tag_values(prediction: Prediction) -> dict[str, Any]:
    return {
        "themes": list(prediction.themes),
        "sentiment": prediction.sentiment,
        "scores": {"themes": prediction.theme_scores, "sentiment": prediction.sentiment_scores},
        "model_version": prediction.model_version,
    }


# New tags for one statement, by id (bind names differ from the column names, as SQLAlchemy requires).
_RETAG = (
    sa.update(statements)
    .where(statements.c.id == sa.bindparam("statement_id"))
    .values({k: sa.bindparam(f"new_{k}") for k in ("themes", "sentiment", "scores", "model_version")})
)


def _make_engine(url: str) -> Engine:
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as e:
        raise StoreError(f"database URL {url!r} is not a valid SQLAlchemy URL ({e})") from None
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if in_memory:
        engine = sa.create_engine(
            parsed, connect_args={"check_same_thread": False}, poolclass=sa.pool.StaticPool
        )
    else:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        # SQLAlchemy emits BEGIN itself (see `_begin`), so the driver must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")  # readers never block the one writer
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A writing transaction takes the write lock at BEGIN: a deferred one that reads first and
        # then writes can fail with "database is locked" at once, without waiting for the lock.
        immediate = conn.get_execution_options().get("kfd_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Store:
    """The database of reports and tags. Thread-safe: every call uses its own connection."""

    def __init__(self, url: str = DEFAULT_DATABASE_URL):
        self.url = url
        self.engine = _make_engine(url)
        try:
            metadata.create_all(self.engine)
        except SQLAlchemyError as e:
            self.engine.dispose()
            raise StoreError(
                f"cannot open the database {self._safe_url()} ({e.__class__.__name__}: {e})"
            ) from None

    def _safe_url(self) -> str:
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        """Raise StoreError when the database cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except SQLAlchemyError as e:
            raise StoreError(
                f"database {self._safe_url()} is not reachable ({e.__class__.__name__})"
            ) from None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(kfd_write=True)
            with conn.begin():
                yield conn

    # -- reports ---------------------------------------------------------------------------------

    def find(self, content_sha256: str | None = None, external_id: str | None = None) -> int | None:
        """Id of the report with this external id or, failing that, this content hash."""
        with self.engine.connect() as conn:
            for column, value in (
                (reports.c.external_id, external_id),
                (reports.c.content_sha256, content_sha256),
            ):
                if value is not None:
                    found = conn.execute(sa.select(reports.c.id).where(column == value)).scalar()
                    if found is not None:
                        return found
        return None

    def add_report(
        self,
        source: str | bytes | Path,
        model: TaggerModel,
        *,
        filename: str | None = None,
        external_id: str | None = None,
    ) -> tuple[StoredReport, bool]:
        """Parse, tag and store a report. Returns (report, created); created is False when the same
        external id or the same content was stored before — then nothing is parsed, tagged or written
        (a known content under a new external id keeps the stored record as it is)."""
        text = read_text(source, filename)
        if isinstance(source, Path):
            filename = filename or source.name
        digest = content_hash(text)
        existing = self.find(digest, external_id)
        if existing is not None:
            return self.get_report(existing), False
        report = parse_report(text, filename)
        predictions = model.tag([StatementInput(s.text, s.section) for s in report.statements])
        dates = report.veranstaltung.termine
        first_date = dt.date.fromisoformat(dates[0]) if dates else None
        try:
            with self._write() as conn:
                report_id = conn.execute(
                    sa.insert(reports).values(
                        content_sha256=digest,
                        external_id=external_id,
                        filename=filename,
                        created_at=dt.datetime.now(dt.UTC),
                        kommune_name=report.kommune.name,
                        landkreis=report.kommune.landkreis,
                        regierungsbezirk=report.kommune.regierungsbezirk,
                        first_event_date=first_date,
                        year=first_date.year if first_date else None,
                        report=report.to_dict(),
                    )
                ).inserted_primary_key[0]
                rows = [
                    {"report_id": report_id, "section": s.section, "position": s.index, "text": s.text}
                    | _tag_values(p)
                    for s, p in zip(report.statements, predictions, strict=True)
                ]
                if rows:
                    conn.execute(sa.insert(statements), rows)
        except IntegrityError:
            # Another request stored the same report between our lookup and our insert.
            existing = self.find(digest, external_id)
            if existing is None:
                raise
            return self.get_report(existing), False
        log.info("stored report %d (%s, %d statements)", report_id, report.kommune.name, len(predictions))
        return self.get_report(report_id), True

    def get_report(self, report_id: int) -> StoredReport:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(reports).where(reports.c.id == report_id)).first()
            if row is None:
                raise ReportNotFound(f"no report with id {report_id}")
            tagged = conn.execute(
                sa.select(statements).where(statements.c.report_id == report_id).order_by(statements.c.id)
            ).all()
        return StoredReport(
            id=row.id,
            content_sha256=row.content_sha256,
            external_id=row.external_id,
            filename=row.filename,
            created_at=_utc(row.created_at),
            report=Report.from_dict(row.report),
            statements=tuple(StoredStatement(s.section, s.position, s.text, _prediction(s)) for s in tagged),
        )

    def list_reports(
        self,
        *,
        landkreis: str | None = None,
        regierungsbezirk: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> ReportPage:
        """Reports in the order they were stored. Landkreis and Regierungsbezirk match ignoring case;
        the date range applies to the first event date (reports without one are left out)."""
        conditions = []
        if landkreis:
            conditions.append(sa.func.lower(reports.c.landkreis) == landkreis.strip().lower())
        if regierungsbezirk:
            conditions.append(sa.func.lower(reports.c.regierungsbezirk) == regierungsbezirk.strip().lower())
        if date_from:
            conditions.append(reports.c.first_event_date >= date_from)
        if date_to:
            conditions.append(reports.c.first_event_date <= date_to)
        counts = (
            sa.select(statements.c.report_id, sa.func.count().label("n"))
            .group_by(statements.c.report_id)
            .subquery()
        )
        query = (
            sa.select(
                reports.c.id,
                reports.c.external_id,
                reports.c.filename,
                reports.c.created_at,
                reports.c.kommune_name,
                reports.c.landkreis,
                reports.c.regierungsbezirk,
                reports.c.first_event_date,
                sa.func.coalesce(counts.c.n, 0).label("n_statements"),
            )
            .outerjoin(counts, counts.c.report_id == reports.c.id)
            .where(*conditions)
            .order_by(reports.c.id)
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(reports).where(*conditions)
            ).scalar_one()
            rows = conn.execute(query).all()
        items = tuple(ReportSummary(**{**row._asdict(), "created_at": _utc(row.created_at)}) for row in rows)
        return ReportPage(items, total, limit, offset)

    def delete_report(self, report_id: int) -> None:
        with self._write() as conn:
            # Statements go first: not every database enforces ON DELETE CASCADE.
            conn.execute(sa.delete(statements).where(statements.c.report_id == report_id))
            deleted = conn.execute(sa.delete(reports).where(reports.c.id == report_id)).rowcount
            if not deleted:
                raise ReportNotFound(f"no report with id {report_id}")
        log.info("deleted report %d", report_id)

    # -- tags ------------------------------------------------------------------------------------

    def report_ids(self) -> list[int]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(reports.c.id).order_by(reports.c.id)).scalars())

    def retag(
        self,
        model: TaggerModel,
        report_id: int | None = None,
        *,
        only_outdated: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> RetagResult:
        """Tag stored statements again with `model` (one report, or all), so that every tag records
        the same model version. `only_outdated` skips statements already tagged by this version.
        `progress` is called with each report id once it is done."""
        if report_id is not None:
            with self.engine.connect() as conn:
                if conn.execute(sa.select(reports.c.id).where(reports.c.id == report_id)).scalar() is None:
                    raise ReportNotFound(f"no report with id {report_id}")
        ids = [report_id] if report_id is not None else self.report_ids()
        n_reports = n_statements = 0
        for rid in ids:
            query = sa.select(statements.c.id, statements.c.section, statements.c.text).where(
                statements.c.report_id == rid
            )
            if only_outdated:
                query = query.where(statements.c.model_version != model.version)
            with self.engine.connect() as conn:
                rows = conn.execute(query.order_by(statements.c.id)).all()
            if rows:
                predictions = model.tag([StatementInput(r.text, r.section) for r in rows])
                with self._write() as conn:  # one executemany for the report's statements
                    conn.execute(
                        _RETAG,
                        [
                            {"statement_id": r.id, **{f"new_{k}": v for k, v in _tag_values(p).items()}}
                            for r, p in zip(rows, predictions, strict=True)
                        ],
                    )
                n_reports += 1
                n_statements += len(rows)
            if progress:
                progress(rid)
        log.info("retagged %d statements of %d reports with model %s", n_statements, n_reports, model.version)
        return RetagResult(model.version, n_reports, n_statements)

    def model_versions(self) -> dict[str, int]:
        """How many stored statements each model version tagged."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(statements.c.model_version, sa.func.count()).group_by(statements.c.model_version)
            ).all()
        return {version: n for version, n in rows}

    def statement_rows(self) -> list[StatementRow]:
        """Every stored statement as a row for `nlp.aggregate.aggregate`."""
        query = sa.select(
            statements.c.themes,
            statements.c.sentiment,
            statements.c.section,
            reports.c.landkreis,
            reports.c.regierungsbezirk,
            reports.c.year,
        ).join(reports, reports.c.id == statements.c.report_id)
        with self.engine.connect() as conn:
            return [
                StatementRow(tuple(r.themes), r.sentiment, r.section, r.landkreis, r.regierungsbezirk, r.year)
                for r in conn.execute(query)
            ]
