"""Alembic migrations of the store's schema: `nlp.storage.schema` runs them (`kfd db upgrade`)."""
