"""Alembic's environment: the connection comes from `nlp.storage.schema` (the store's engine, inside its
transaction and lock); given only a URL (`alembic -x url=…`), the store's engine is made from it."""

from __future__ import annotations

from alembic import context

from nlp.storage import workspace  # noqa: F401 — defines its tables on the store's metadata
from nlp.storage.store import _make_engine, metadata

config = context.config
connection = config.attributes.get("connection")

if connection is not None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database URL: run `kfd db upgrade` (or alembic -x url=…)")
    engine = _make_engine(url)
    try:
        with engine.connect() as conn:
            context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()
