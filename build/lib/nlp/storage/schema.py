"""The store's schema version, managed by Alembic (nlp/storage/migrations, shipped with the package).

- A brand-new database (no tables) is created at the newest revision when a store opens it.
- A database of the first release (tables made by `metadata.create_all`, no `alembic_version`) and one
  at an older revision are *behind*: opening it raises SchemaBehind, naming `kfd db upgrade`.
- `upgrade` stamps a first-release database as the baseline revision, then migrates to the newest.

Everything runs in one transaction holding the database's write lock (SQLite: BEGIN IMMEDIATE;
PostgreSQL: an advisory lock), so several processes opening a new database at once create it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from nlp.errors import KfdError

MIGRATIONS = Path(__file__).parent / "migrations"
BASELINE = "0001"  # the schema of the first release, which had no version table
VERSION_TABLE = "alembic_version"
_LOCK_KEY = 0x6B6664  # "kfd": the advisory lock that serialises schema changes on PostgreSQL


class SchemaError(KfdError):
    """The database's schema does not fit this version of the program."""


class SchemaBehind(SchemaError):
    """The schema is older than this program's: `kfd db upgrade` brings it up to date."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # None: no version table (new, or a first-release database)
    head: str
    has_tables: bool

    @property
    def is_new(self) -> bool:
        return self.current is None and not self.has_tables

    @property
    def is_release_1(self) -> bool:
        return self.current is None and self.has_tables

    def describe(self) -> str:
        if self.is_new:
            return "empty"
        if self.is_release_1:
            return "the first release's schema (no version table)"
        return f"revision {self.current}"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown or malformed revisions
        return False


def _state(conn: Connection) -> SchemaState:
    tables = set(sa.inspect(conn).get_table_names())
    current = MigrationContext.configure(conn).get_current_revision() if VERSION_TABLE in tables else None
    return SchemaState(current, head(), bool(tables & {"reports", "statements"}))


def _locked(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def state(engine: Engine) -> SchemaState:
    with engine.connect() as conn:
        return _state(conn)


def _behind_message(found: SchemaState, where: str) -> str:
    return (
        f"the database {where} has {found.describe()}, this version of kfd-tagger needs revision "
        f"{found.head}: run `kfd db upgrade` (back it up first with `kfd export-db`)"
    )


def prepare(engine: Engine, where: str) -> SchemaState:
    """Create a brand-new database at the newest revision; raise SchemaBehind when the schema is older
    and SchemaError when it is newer than this program knows. `where`: the database, as shown."""
    found = state(engine)
    if found.is_new:
        return upgrade(engine)[1]
    if found.current == found.head:
        return found
    if found.current is not None and not _known(found.current):
        raise SchemaError(
            f"the database {where} is at revision {found.current}, which this version of kfd-tagger "
            f"does not know (it knows up to {found.head}): it was upgraded by a newer version"
        )
    raise SchemaBehind(_behind_message(found, where))


def upgrade(engine: Engine) -> tuple[SchemaState, SchemaState]:
    """Bring the schema to the newest revision (a first-release database is stamped as the baseline
    first). Returns the states before and after. One transaction: on any error nothing changes."""
    with engine.connect() as conn:
        conn.execution_options(kfd_write=True)  # SQLite: BEGIN IMMEDIATE, the write lock from the start
        with conn.begin():
            _locked(conn)
            before = _state(conn)  # read under the lock: another process may have just done it
            if before.current is not None and not _known(before.current):
                raise SchemaError(
                    f"the database is at revision {before.current}, which this version of kfd-tagger "
                    f"does not know (it knows up to {before.head})"
                )
            config = alembic_config(conn)
            if before.is_release_1:
                command.stamp(config, BASELINE)
            command.upgrade(config, "head")
            after = _state(conn)
    return before, after
