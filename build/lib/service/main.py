"""Run the service with uvicorn: `serve(settings)`, used by `kfd serve` and `python -m service`."""

from __future__ import annotations

import logging

import uvicorn

from nlp.storage.store import Store

from .app import create_app
from .settings import Settings, check_bind, get_settings


def serve(settings: Settings | None = None) -> None:
    """Start uvicorn on settings.host:settings.port. Raises InsecureBind (a KfdError) instead of
    serving beyond loopback without API keys."""
    settings = settings or get_settings()
    check_bind(settings)
    # Before any worker starts: a brand-new database is created at the newest schema revision (once),
    # and a schema that is behind stops the start with one line naming `kfd db upgrade`.
    Store(settings.database_url).close()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
