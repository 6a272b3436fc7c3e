"""Stored reports with their tagged statements: SQLite by default (WAL), PostgreSQL through
`postgresql+psycopg://…` (both tested); other SQLAlchemy URLs may work but are not tested.

A report is stored with all its tagged statements in one transaction. Storing is idempotent: the same
content (sha256 of the decoded text) or the same `external_id` again returns the existing report, also
when two identical posts race (unique constraints decide, the loser reads the winner's row).
The report JSON holds the contact person (Kontakt): it is stored and returned, never logged.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import math
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from nlp.errors import KfdError
from nlp.model.inference import Prediction
from nlp.reading.report import Report
from nlp.results.aggregate import StatementRow
from nlp.results.records import Origin, TaggedStatement
from nlp.settings import DEFAULT_DATABASE_URL
from nlp.storage import schema

log = logging.getLogger(__name__)


class _DriverStatements:
    """What `Store` sends to the SQLite driver itself, made from the tables and the engine's dialect: the
    INSERTs of a report and of its statements (every column but the id) with each value through its
    column type's bind processor (the JSON columns through the engine's serializer), as SQLAlchemy's own
    inserts write them, and `locate`'s two queries compiled from `_BY_EXTERNAL_ID` and `_BY_CONTENT`."""

    def __init__(self, dialect: sa.engine.Dialect):
        self.insert_report, self._report_binds = self._insert(reports, dialect)
        self.insert_statements, self._statement_binds = self._insert(statements, dialect)
        self.located = tuple(str(query.compile(dialect=dialect)) for query in (_BY_EXTERNAL_ID, _BY_CONTENT))

    @staticmethod
    def _insert(table: sa.Table, dialect: sa.engine.Dialect) -> tuple[str, tuple[tuple[str, Any], ...]]:
        columns = [c for c in table.columns if not c.primary_key]
        sql = (
            f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        return sql, tuple((c.name, c.type.dialect_impl(dialect).bind_processor(dialect)) for c in columns)

    @staticmethod
    def _row(values: Mapping[str, Any], binds: tuple[tuple[str, Any], ...]) -> tuple:
        return tuple(
            values.get(name) if process is None else process(values.get(name)) for name, process in binds
        )

    def report_row(self, values: Mapping[str, Any]) -> tuple:
        return self._row(values, self._report_binds)

    def statement_row(self, values: Mapping[str, Any]) -> tuple:
        return self._row(values, self._statement_binds)


class StoreError(KfdError):
    """The database cannot be opened or reached."""


class ReportNotFound(KfdError):
    """No stored report with this id."""


metadata = sa.MetaData()
# Ids are 64-bit: BIGINT (BIGSERIAL) on PostgreSQL; SQLite's INTEGER PRIMARY KEY is 64-bit already (and
# only INTEGER makes it the rowid).
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", Id, primary_key=True),
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
    sa.Column("id", Id, primary_key=True),
    sa.Column("report_id", Id, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("section", sa.String(32), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),  # Statement.index: its place within the section
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("themes", sa.JSON, nullable=False),
    sa.Column("sentiment", sa.String(32), nullable=False),
    sa.Column("scores", sa.JSON, nullable=False),  # {"themes": {id: p}, "sentiment": {id: p}}
    sa.Column("model_version", sa.String(64), nullable=False, index=True),
    # Set when a person accepted or corrected the tags in the workspace (nlp/storage/workspace.py):
    # such tags are a person's, and retagging leaves them alone.
    sa.Column("reviewed_by", sa.String(64), nullable=True),
    sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("report_id", "section", "position"),
)


@dataclass(frozen=True)
class StoredReport:
    id: int
    content_sha256: str
    external_id: str | None
    filename: str | None
    created_at: dt.datetime
    report: Report
    statements: tuple[TaggedStatement, ...]  # ids `<report id>:<section>:<index>`


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
class ReportFacets:
    landkreise: tuple[str, ...]
    regierungsbezirke: tuple[str, ...]
    years: tuple[int, ...]


@dataclass(frozen=True)
class RetagResult:
    model_version: str
    n_reports: int
    n_statements: int


@dataclass(frozen=True)
class Located:
    """Where a stored report is, and what it holds: found by external id or by content hash."""

    id: int
    content_sha256: str
    external_id: str | None


@dataclass(frozen=True)
class StatementRef:
    """A stored statement to tag again: its row id, section and text."""

    row_id: int
    section: str
    text: str


def report_columns(report: Report) -> dict[str, Any]:
    """The columns of the reports table that are read off the parsed report (for filters and listing)."""
    dates = report.veranstaltung.termine
    first_date = dt.date.fromisoformat(dates[0]) if dates else None
    return {
        "kommune_name": report.kommune.name,
        "landkreis": report.kommune.landkreis,
        "regierungsbezirk": report.kommune.regierungsbezirk,
        "first_event_date": first_date,
        "year": first_date.year if first_date else None,
        "report": report.to_dict(),
    }


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def as_utc(value: dt.datetime) -> dt.datetime:
    """`value` with its time zone; SQLite hands back naive datetimes of what was stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def _tagged(report_id: int, row: Mapping[Any, Any], origin: Origin) -> TaggedStatement:
    """The record of a statement row (its columns by name)."""
    scores = row["scores"]
    return TaggedStatement(
        id=f"{report_id}:{row['section']}:{row['position']}",
        text=row["text"],
        section=row["section"],
        themes=tuple(row["themes"]),
        sentiment=row["sentiment"],
        theme_scores=dict(scores["themes"]),
        sentiment_scores=dict(scores["sentiment"]),
        model_version=row["model_version"],
        origin=origin,
        abstain_reason=scores.get("abstained"),
    )


def _tag_values(prediction: Prediction) -> dict[str, Any]:
    return {
        "themes": list(prediction.themes),
        "sentiment": prediction.sentiment,
        # The abstain reason rides in the scores (the model's output about the statement): no new column.
        "scores": {"themes": prediction.theme_scores, "sentiment": prediction.sentiment_scores}
        | ({"abstained": prediction.abstained} if prediction.abstained else {}),
        "model_version": prediction.model_version,
    }


# New tags for one statement, by id (bind names differ from the column names, as SQLAlchemy requires).
_RETAG = (
    sa.update(statements)
    .where(statements.c.id == sa.bindparam("statement_id"))
    .values({k: sa.bindparam(f"new_{k}") for k in ("themes", "sentiment", "scores", "model_version")})
)


# Built once: a statement made per call costs SQLAlchemy a new cache key and coercing every value.
_INSERT_REPORT = sa.insert(reports)
_INSERT_STATEMENTS = sa.insert(statements)


def _statement_rows(
    report_id: int,
    report: Report,
    predictions: Sequence[Prediction],
    reviews: Sequence[tuple[str, dt.datetime] | None] | None,
) -> list[dict[str, Any]]:
    marks = list(reviews) if reviews is not None else [None] * len(predictions)
    return [
        {"report_id": report_id, "section": s.section, "position": s.index, "text": s.text}
        | _tag_values(p)
        | {"reviewed_by": m[0] if m else None, "reviewed_at": m[1] if m else None}
        for s, p, m in zip(report.statements, predictions, marks, strict=True)
    ]


_LOCATED = sa.select(reports.c.id, reports.c.content_sha256, reports.c.external_id)
_BY_EXTERNAL_ID = _LOCATED.where(reports.c.external_id == sa.bindparam("value"))
_BY_CONTENT = _LOCATED.where(reports.c.content_sha256 == sa.bindparam("value"))

_ADVANCE_REPORT_IDS = sa.text(
    "SELECT setval(pg_get_serial_sequence('reports', 'id'), (SELECT max(id) FROM reports))"
)


def _json_text(value: Any) -> str:
    """A JSON column's text, by orjson: a tenth of the standard library's time for a report's statement
    rows, the same values when read back. Where orjson would write another text than the standard
    library's encoder did before — it refuses an integer beyond 64 bits and writes a float that is not
    finite as null, and a report's number fields can hold either ("Einwohnerzahl" or an amount of 400
    digits) — that encoder writes it, as before."""
    try:
        text = orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value)
    if b"null" in text and _holds_non_finite(value):
        return json.dumps(value)
    return text.decode()


def _holds_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_holds_non_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_non_finite(v) for v in value)
    return False


def _make_engine(url: str) -> Engine:
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as e:
        raise StoreError(f"database URL {url!r} is not a valid SQLAlchemy URL ({e})") from None
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, pool_pre_ping=True, json_serializer=_json_text)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if in_memory:
        options: dict[str, Any] = {
            "connect_args": {"check_same_thread": False},
            "poolclass": sa.pool.StaticPool,
        }
    else:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        options = {"connect_args": {"timeout": 30, "check_same_thread": False}}
    engine = sa.create_engine(parsed, json_serializer=_json_text, **options)

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        # SQLAlchemy emits BEGIN itself (see `_begin`), so the driver must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # SQLite's own lower() folds ASCII only ("Überlingen" stays "Überlingen"): the filters compare in
        # lower case, so it gets Python's, as PostgreSQL's lower() already does.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")  # readers never block the one writer
            # A commit is written to the WAL but not fsynced (the WAL is synced at checkpoints): 6 ms
            # less per stored report on the bench machine. A killed process loses nothing committed; a
            # power failure or OS crash may lose the last commits, never the database (README: Betrieb).
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A writing transaction takes the write lock at BEGIN: a deferred one that reads first and
        # then writes can fail with "database is locked" at once, without waiting for the lock.
        immediate = conn.get_execution_options().get("kfd_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Store:
    """The database of reports and tags. Thread-safe: every call uses its own connection.
    Opening a brand-new database creates its schema; an older schema raises `schema.SchemaBehind`."""

    def __init__(self, url: str = DEFAULT_DATABASE_URL):
        self.url = url
        self.engine = _make_engine(url)
        try:
            # A new database is created at the newest schema revision; an older schema is refused
            # (SchemaBehind, naming `kfd db upgrade`), so no code runs against columns it does not know.
            self._prepare_schema()
        except KfdError:
            self.engine.dispose()
            raise
        except SQLAlchemyError as e:
            self.engine.dispose()
            raise StoreError(
                f"cannot open the database {self._safe_url()} ({e.__class__.__name__}: {e})"
            ) from None

    def _prepare_schema(self) -> None:
        # SQLite: a connection switching a brand-new file to WAL while another process creates the
        # tables can be told "database is locked" at once, without waiting: try again shortly.
        for attempt in range(6):
            try:
                schema.prepare(self.engine, self._safe_url())
                return
            except OperationalError as e:
                if self.engine.dialect.name != "sqlite" or "locked" not in str(e) or attempt == 5:
                    raise
                time.sleep(0.1 * (attempt + 1))

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

    def locate(self, content_sha256: str | None = None, external_id: str | None = None) -> Located | None:
        """The report with this external id or, failing that, this content hash: its id, content hash and
        external id (so a caller can tell a retry from another content under a known external id)."""
        if self.engine.dialect.name == "sqlite":  # the same queries by the driver: a tenth of the time
            with self._driver() as driver:
                for sql, value in zip(self._sqlite.located, (external_id, content_sha256), strict=True):
                    if value is not None:
                        found = driver.execute(sql, (value,)).fetchone()
                        if found is not None:
                            return Located(*found)
            return None
        with self.engine.connect() as conn:
            for query, value in ((_BY_EXTERNAL_ID, external_id), (_BY_CONTENT, content_sha256)):
                if value is not None:
                    row = conn.execute(query, {"value": value}).first()
                    if row is not None:
                        return Located(row.id, row.content_sha256, row.external_id)
        return None

    def find(self, content_sha256: str | None = None, external_id: str | None = None) -> int | None:
        """Id of the report with this external id or, failing that, this content hash."""
        located = self.locate(content_sha256, external_id)
        return located.id if located else None

    def add_report(
        self,
        report: Report,
        predictions: Sequence[Prediction],
        *,
        content_sha256: str,
        filename: str | None = None,
        external_id: str | None = None,
        created_at: dt.datetime | None = None,
        report_id: int | None = None,
        reviews: Sequence[tuple[str, dt.datetime] | None] | None = None,
    ) -> tuple[StoredReport, bool]:
        """Store a parsed report with the predictions of its statements (in `report.statements` order).
        Returns (report, created); created is False when a report with the same content or external id
        is stored already (also when another writer stored it a moment ago) — then nothing is written.
        `report_id` is kept where it is free (a restored backup keeps its ids). The unique constraints on
        content and external id decide; callers look up first (`locate`) only when they must tell why.
        `reviews` (a restored backup): per statement, who reviewed its tags and when, or None."""
        values = {
            "content_sha256": content_sha256,
            "external_id": external_id,
            "filename": filename,
            "created_at": created_at or dt.datetime.now(dt.UTC),
            **report_columns(report),
        }
        try:
            if report_id is None and self.engine.dialect.name == "sqlite":
                report_id, rows = self._add_on_sqlite(values, report, predictions, reviews)
            else:
                report_id, rows = self._add(values, report, predictions, report_id, reviews)
        except IntegrityError:
            # The same content or external id is stored already (perhaps by a writer a moment ago).
            existing = self.find(content_sha256, external_id)
            if existing is None:
                raise
            return self.get_report(existing), False
        log.info("stored report %d (%s, %d statements)", report_id, report.kommune.name, len(predictions))
        # What was just written, as `get_report` would read it back (a test holds the two equal).
        origin = Origin.of_report(report, filename)
        stored = tuple(_tagged(report_id, row, origin) for row in rows)
        return StoredReport(
            id=report_id,
            content_sha256=content_sha256,
            external_id=external_id,
            filename=filename,
            created_at=as_utc(values["created_at"]),
            report=report,
            statements=stored,
        ), True

    def _add(
        self,
        values: dict[str, Any],
        report: Report,
        predictions: Sequence[Prediction],
        report_id: int | None,
        reviews: Sequence[tuple[str, dt.datetime] | None] | None,
    ) -> tuple[int, list[dict[str, Any]]]:
        """`add_report`'s transaction through SQLAlchemy: (the new report's id, its statement rows)."""
        with self._write() as conn:
            if (
                report_id is not None
                and conn.execute(sa.select(reports.c.id).where(reports.c.id == report_id)).first() is None
            ):
                values["id"] = report_id
            inserted = conn.execute(_INSERT_REPORT, values).inserted_primary_key
            assert inserted is not None
            report_id = inserted[0]
            if "id" in values and conn.dialect.name == "postgresql":
                # An id given explicitly does not move PostgreSQL's sequence: move it past the
                # largest id, or the next new report would be handed a restored one's id.
                conn.execute(_ADVANCE_REPORT_IDS)
            rows = _statement_rows(report_id, report, predictions, reviews)
            if rows:
                conn.execute(_INSERT_STATEMENTS, rows)
        return report_id, rows

    def _add_on_sqlite(
        self,
        values: dict[str, Any],
        report: Report,
        predictions: Sequence[Prediction],
        reviews: Sequence[tuple[str, dt.datetime] | None] | None,
    ) -> tuple[int, list[dict[str, Any]]]:
        """`_add` for a new report on SQLite, through the driver (`_driver`, `_DriverStatements`): the same
        rows in one BEGIN IMMEDIATE ... COMMIT, without the execution of a compiled statement per insert
        (half of storing a report)."""
        sqlite = self._sqlite
        with self._driver() as driver:
            driver.execute("BEGIN IMMEDIATE")
            try:
                report_id = driver.execute(sqlite.insert_report, sqlite.report_row(values)).lastrowid
                assert report_id is not None
                rows = _statement_rows(report_id, report, predictions, reviews)
                driver.executemany(sqlite.insert_statements, map(sqlite.statement_row, rows))
                driver.execute("COMMIT")
            finally:
                if driver.in_transaction:
                    driver.execute("ROLLBACK")
        return report_id, rows

    @functools.cached_property
    def _sqlite(self) -> _DriverStatements:
        return _DriverStatements(self.engine.dialect)

    @contextmanager
    def _driver(self) -> Iterator[sqlite3.Connection]:
        """A pooled SQLite connection's driver connection (outside any transaction: the driver is in
        autocommit mode, see `_make_engine`); a driver error is raised as SQLAlchemy raises it
        (IntegrityError, OperationalError ...)."""
        with self.engine.connect() as conn:
            driver = conn.connection.dbapi_connection
            assert isinstance(driver, sqlite3.Connection)
            try:
                yield driver
            except sqlite3.Error as e:
                raise sa.exc.DBAPIError.instance(None, None, e, sqlite3.Error) from e

    def get_report(self, report_id: int) -> StoredReport:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(reports).where(reports.c.id == report_id)).first()
            if row is None:
                raise ReportNotFound(f"no report with id {report_id}")
            tagged = conn.execute(
                sa.select(statements).where(statements.c.report_id == report_id).order_by(statements.c.id)
            ).all()
        report = Report.from_dict(row.report)
        origin = Origin.of_report(report, row.filename)
        return StoredReport(
            id=row.id,
            content_sha256=row.content_sha256,
            external_id=row.external_id,
            filename=row.filename,
            created_at=as_utc(row.created_at),
            report=report,
            statements=tuple(_tagged(row.id, s._mapping, origin) for s in tagged),
        )

    def list_reports(
        self,
        *,
        landkreis: str | None = None,
        regierungsbezirk: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        year: int | None = None,
        text: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> ReportPage:
        """Reports in the order they were stored. Landkreis and Regierungsbezirk match ignoring case;
        the date range and the year apply to the first event date (reports without one are left out);
        `text` is found, ignoring case, in the Kommune, the file name or any statement of the report."""
        conditions: list[Any] = []
        if year is not None:
            conditions.append(reports.c.year == year)
        if text and text.strip():
            needle = text.strip()
            conditions.append(
                sa.or_(
                    reports.c.kommune_name.icontains(needle, autoescape=True),
                    reports.c.filename.icontains(needle, autoescape=True),
                    sa.exists().where(
                        statements.c.report_id == reports.c.id,
                        statements.c.text.icontains(needle, autoescape=True),
                    ),
                )
            )
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
        items = tuple(
            ReportSummary(**{**row._asdict(), "created_at": as_utc(row.created_at)}) for row in rows
        )
        return ReportPage(items, total, limit, offset)

    def report_facets(self) -> ReportFacets:
        """The Landkreise, Regierungsbezirke and years of the stored reports (for filter choices)."""
        with self.engine.connect() as conn:

            def distinct(column) -> tuple:
                query = sa.select(column).where(column.is_not(None)).distinct().order_by(column)
                return tuple(conn.execute(query).scalars())

            return ReportFacets(
                distinct(reports.c.landkreis), distinct(reports.c.regierungsbezirk), distinct(reports.c.year)
            )

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

    def check_report(self, report_id: int) -> int:
        """`report_id` if such a report is stored, else ReportNotFound."""
        with self.engine.connect() as conn:
            if conn.execute(sa.select(reports.c.id).where(reports.c.id == report_id)).scalar() is None:
                raise ReportNotFound(f"no report with id {report_id}")
        return report_id

    def statements_of(self, report_id: int, unless_version: str | None = None) -> list[StatementRef]:
        """The model-tagged statements of a report in order, without those tagged by `unless_version`.
        Statements a person reviewed (accepted or corrected in the workspace) are left out: their tags
        are the reviewer's, and retagging must not overwrite them."""
        query = sa.select(statements.c.id, statements.c.section, statements.c.text).where(
            statements.c.report_id == report_id, statements.c.reviewed_by.is_(None)
        )
        if unless_version is not None:
            query = query.where(statements.c.model_version != unless_version)
        with self.engine.connect() as conn:
            return [
                StatementRef(r.id, r.section, r.text) for r in conn.execute(query.order_by(statements.c.id))
            ]

    def update_tags(self, statement_ids: Sequence[int], predictions: Sequence[Prediction]) -> None:
        """Replace the tags of stored statements (one executemany)."""
        with self._write() as conn:
            conn.execute(
                _RETAG,
                [
                    {"statement_id": sid, **{f"new_{k}": v for k, v in _tag_values(p).items()}}
                    for sid, p in zip(statement_ids, predictions, strict=True)
                ],
            )

    def model_versions(self) -> dict[str, int]:
        """How many stored statements each model version tagged."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(statements.c.model_version, sa.func.count()).group_by(statements.c.model_version)
            ).all()
        return {version: n for version, n in rows}

    def statement_rows(self) -> list[StatementRow]:
        """Every stored statement as a row for `nlp.results.aggregate.aggregate`."""
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
