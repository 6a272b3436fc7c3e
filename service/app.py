"""The FastAPI application: `create_app(settings)`. The model is loaded at startup, never at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from nlp.codebook import load_codebook
from nlp.storage.store import Store

from .errors import BodyLimitMiddleware, install_error_handlers
from .model_slot import ModelSlot
from .routes import aggregate, classify, health, model, reports
from .settings import Settings, get_settings

log = logging.getLogger(__name__)

DESCRIPTION = """\
Tags the statements of Kommunale Flüchtlingsdialoge reports (Steckbriefe) with themes and a sentiment
from the project's codebook, stores reports and aggregates their tags.

Every route under `/v1` needs `Authorization: Bearer <key>` (KFD_API_KEYS; deleting, retagging and
reloading need a key from KFD_ADMIN_KEYS). Without configured keys the service answers only on loopback.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app. Given settings replace `get_settings` for every route; otherwise the environment is read."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        codebook = load_codebook(settings.codebook)
        store = Store(settings.database_url)
        slot = ModelSlot(settings.model_dir, codebook)
        await run_in_threadpool(slot.load_at_start)
        if not settings.auth_enabled:
            log.warning(
                "no API keys configured (KFD_API_KEYS, KFD_ADMIN_KEYS): answering only on loopback, without keys"
            )
        app.state.codebook, app.state.store, app.state.models = codebook, store, slot
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="kfd-tagger",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )

    async def given_settings() -> Settings:  # async: no thread-pool hop per request (see deps)
        return settings

    app.dependency_overrides[get_settings] = given_settings
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)
    for module in (classify, reports, aggregate, model, health):
        app.include_router(module.router)
    return app
