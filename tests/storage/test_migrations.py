"""Schema migrations (Alembic, nlp/storage/migrations): a database of the first release is upgraded by
`kfd db upgrade` without losing a row; a behind schema is refused with one line naming the command; a
new database is created at the newest revision. On SQLite and on PostgreSQL (`database_url`)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner

from cli import main
from nlp import intake
from nlp.model.features import StatementInput
from nlp.storage import schema
from nlp.storage.store import Store, _make_engine, metadata
from nlp.storage.workspace import Workspace

# The schema of the first release exactly as its `metadata.create_all` made it (frozen here on
# purpose: the store's tables may change, this must not).
RELEASE_1 = sa.MetaData()
sa.Table(
    "reports",
    RELEASE_1,
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
    sa.Column("report", sa.JSON, nullable=False),
)
sa.Table(
    "statements",
    RELEASE_1,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("report_id", sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("section", sa.String(32), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("themes", sa.JSON, nullable=False),
    sa.Column("sentiment", sa.String(32), nullable=False),
    sa.Column("scores", sa.JSON, nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False, index=True),
    sa.UniqueConstraint("report_id", "section", "position"),
)


@pytest.fixture
def source(another_database, service_report, keyword_model):
    """A store with three reports, one deleted (a gap in the ids), of the same backend."""
    store = Store(another_database("source"))
    for number, name in enumerate(("lindenau.txt", "birkenfeld.txt", "erlenbach.txt", "extra")):
        text = (
            service_report(name)
            if name != "extra"
            else service_report("lindenau.txt").replace("Linden", "Ahorn")
        )
        intake.add_report(
            store, text, keyword_model(f"kw-{number}"), filename=name, external_id=f"e-{number}"
        )
    store.delete_report(2)
    yield store
    store.close()


def _rows(engine, table: str) -> list[dict]:
    with engine.connect() as conn:
        columns = (
            RELEASE_1.tables[table]
            if table in RELEASE_1.tables
            else sa.table(table, sa.column("version_num"))
        )
        query = sa.select(columns).order_by(*([columns.c.id] if "id" in columns.c else []))
        return [dict(r._mapping) for r in conn.execute(query)]


def _release_1_database(url: str, source: Store) -> None:
    """`url` as the first release left it: its tables (no version table) holding the source's rows."""
    engine = _make_engine(url)
    try:
        RELEASE_1.create_all(engine)
        with engine.begin() as conn:
            for name in ("reports", "statements"):
                conn.execute(RELEASE_1.tables[name].insert(), _rows(source.engine, name))
            if conn.dialect.name == "postgresql":  # as if the rows had been inserted one by one
                for name in ("reports", "statements"):
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                        )
                    )
        assert schema.state(engine).is_release_1
    finally:
        engine.dispose()


def _everything(store: Store) -> list:
    return [store.get_report(i) for i in store.report_ids()]


def test_a_release_1_database_is_upgraded_and_keeps_every_row(
    database_url, source, service_report, keyword_model
):
    _release_1_database(database_url, source)
    with pytest.raises(schema.SchemaBehind, match=r"first release's schema.*run `kfd db upgrade`"):
        Store(database_url)

    upgraded = CliRunner().invoke(main, ["db", "upgrade", "--database", database_url])
    assert upgraded.exit_code == 0, upgraded.output
    assert "upgraded from the first release's schema (no version table) to revision" in upgraded.output
    again = CliRunner().invoke(main, ["db", "upgrade", "--database", database_url])
    assert again.exit_code == 0 and "is up to date" in again.output

    store = Store(database_url)
    try:
        assert schema.state(store.engine).current == schema.head()
        # Nothing lost: every row as it was, and every report as the store reads it.
        for name in ("reports", "statements"):
            assert _rows(store.engine, name) == _rows(source.engine, name)
        assert _everything(store) == _everything(source)
        # The upgraded database works on: a new report, and (PostgreSQL: BIGINT now) a 64-bit id.
        stored, created = intake.add_report(
            store, service_report("birkenfeld.txt").replace("Birken", "Eichen"), keyword_model()
        )
        assert created and stored.id == max(source.report_ids()) + 1
        predictions = keyword_model().tag(
            [StatementInput(s.text, s.section) for s in stored.report.statements]
        )
        big, _ = store.add_report(stored.report, predictions, content_sha256="b" * 64, report_id=2**40)
        assert store.get_report(2**40).id == big.id == 2**40
    finally:
        store.close()


def test_migrations_make_exactly_the_schema_the_store_uses(database_url):
    store = Store(database_url)  # brand new: created at the newest revision
    try:
        with store.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == schema.head()
            differences = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), metadata
            )
        assert differences == []
    finally:
        store.close()


def test_an_older_revision_is_refused_then_upgraded(database_url):
    engine = _make_engine(database_url)
    try:
        with engine.begin() as conn:
            command.upgrade(schema.alembic_config(conn), schema.BASELINE)
        with pytest.raises(schema.SchemaBehind) as refused:
            Store(database_url)
        message = str(refused.value)
        assert "\n" not in message and "revision 0001" in message and "kfd db upgrade" in message
        before, after = schema.upgrade(engine)
        assert (before.current, after.current) == (schema.BASELINE, schema.head())
        Store(database_url).close()
    finally:
        engine.dispose()


def test_a_revision_from_a_newer_version_is_refused(database_url):
    Store(database_url).close()
    engine = _make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(
            schema.SchemaError, match="revision 9999, which this version of kfd-tagger does not know"
        ):
            Store(database_url)
        reply = CliRunner().invoke(main, ["db", "upgrade", "--database", database_url])
        assert reply.exit_code == 2 and "9999" in reply.output
    finally:
        engine.dispose()


def test_several_processes_opening_a_new_database_create_it_once(database_url):
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def open_store() -> None:
        try:
            barrier.wait(timeout=10)
            Store(database_url).close()
        except BaseException as e:  # noqa: BLE001 — reported below
            errors.append(e)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    engine = _make_engine(database_url)
    try:
        assert _rows(engine, "alembic_version") == [{"version_num": schema.head()}]
    finally:
        engine.dispose()


def test_the_service_refuses_to_start_on_a_behind_schema(tmp_path, database_url, source, models_dir):
    _release_1_database(database_url, source)
    env = {**os.environ, "KFD_DATABASE_URL": database_url, "KFD_MODEL_DIR": str(models_dir)}
    env.pop("KFD_API_KEYS", None)
    env.pop("KFD_ADMIN_KEYS", None)
    done = subprocess.run(
        [sys.executable, "-m", "service"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "run `kfd db upgrade`" in lines[0], (
        done.stderr
    )


WORKSPACE_TABLES = {"users", "review_decisions", "coding_samples", "coding_sample_items", "sample_codings"}


def test_a_revision_0002_database_upgrades_to_the_workspace_schema_keeping_every_row(
    database_url, source, service_report, keyword_model
):
    engine = _make_engine(database_url)
    try:
        with engine.begin() as conn:
            command.upgrade(schema.alembic_config(conn), "0002")
            assert not WORKSPACE_TABLES & set(sa.inspect(conn).get_table_names())
            for name in ("reports", "statements"):
                conn.execute(RELEASE_1.tables[name].insert(), _rows(source.engine, name))
            if conn.dialect.name == "postgresql":
                for name in ("reports", "statements"):
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                        )
                    )
        with pytest.raises(schema.SchemaBehind, match="revision 0002"):
            Store(database_url)
        before, after = schema.upgrade(engine)
        assert (before.current, after.current) == ("0002", schema.head())
        with engine.connect() as conn:
            assert WORKSPACE_TABLES <= set(sa.inspect(conn).get_table_names())
            reviewed = conn.execute(sa.text("SELECT reviewed_by, reviewed_at FROM statements")).all()
        assert reviewed and set(reviewed) == {(None, None)}
    finally:
        engine.dispose()
    store = Store(database_url)
    try:
        for name in ("reports", "statements"):
            assert _rows(store.engine, name) == _rows(source.engine, name)
        assert _everything(store) == _everything(source)
        # The new tables work on the upgraded rows.
        workspace = Workspace(store)
        workspace.add_user("pia", "ein-passwort", "pruefer")
        statement_id = store.statements_of(store.report_ids()[0])[0].row_id
        workspace.decide(statement_id, "pia", "accept")
        assert workspace.statement(statement_id).reviewed_by == "pia"
    finally:
        store.close()
