"""The FastAPI application: `create_app(settings)`. The model is loaded at startup, never at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from nlp import intake
from nlp.codebook import load_codebook
from nlp.storage.store import Store
from nlp.storage.workspace import Workspace

from .errors import BodyLimitMiddleware, install_error_handlers
from .local_only import LocalOnlyMiddleware
from .metrics import MetricsMiddleware, render
from .model_slot import ModelSlot
from .routes import aggregate, classify, health, model, reports
from .settings import Settings, get_settings
from .workspace import install as install_workspace
from .workspace.upload import UPLOAD_PATH

log = logging.getLogger(__name__)

# Swagger UI (swagger-ui-dist) and ReDoc, vendored from their npm packages with their licences: the
# documentation works offline, and no third party learns who opens it.
STATIC = Path(__file__).parent / "static"

DESCRIPTION = """\
Tags the statements of Kommunale Flüchtlingsdialoge reports (Steckbriefe) with themes and a sentiment
from the project's codebook, stores reports and aggregates their tags.

Every route under `/v1` needs `Authorization: Bearer <key>` (KFD_API_KEYS; deleting, retagging and
reloading need a key from KFD_ADMIN_KEYS). Without configured keys the service answers only on loopback,
only to the host names localhost, 127.0.0.1 and [::1], refuses writes from other web pages, and a
multipart upload needs an `X-Requested-With` or `X-KFD-Client` header.
"""


def create_app(settings: Settings | None = None, models: ModelSlot | None = None) -> FastAPI:
    """The app. Given settings are what every route reads; otherwise the environment is read.
    `models`: a model slot loaded already (by the parent of forked workers, `service.prefork`)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.database_url)
        await run_in_threadpool(intake.prepare)  # before the model's load, which freezes what lives long
        if models is None:
            codebook = load_codebook(settings.codebook)
            slot = ModelSlot(settings.model_dir, codebook, settings.reload_signal)
            await run_in_threadpool(slot.load_at_start)
        else:
            codebook, slot = models.codebook, models
            slot.serving_here()
        if not settings.auth_enabled:
            log.warning(
                "no API keys configured (KFD_API_KEYS, KFD_ADMIN_KEYS): answering only on loopback, without keys"
            )
        app.state.codebook, app.state.store, app.state.models = codebook, store, slot
        app.state.workspace = Workspace(store)
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="kfd-tagger",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _add_docs(app)

    # Routes read them with `Depends(deps.get_app_settings)`, as they read the store. (Not through
    # `dependency_overrides`: with any override set, FastAPI rebuilds every dependency's signature on
    # every request, about half a millisecond.)
    app.state.settings = settings
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        larger={UPLOAD_PATH: (settings.ui_upload_max_bytes, "KFD_UI_UPLOAD_MAX_BYTES")},
    )
    if not settings.auth_enabled:
        app.add_middleware(LocalOnlyMiddleware)
    app.add_middleware(MetricsMiddleware)  # added last, so it runs first: it counts every answer
    install_error_handlers(app)
    for module in (classify, reports, aggregate, model, health):
        app.include_router(module.router)
    install_workspace(app, settings)  # the browser workspace under /ui/ (its own sign-in, not API keys)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        """Prometheus' text format: requests, latencies, tagged statements, the served model."""
        body, media_type = render()
        return Response(body, media_type=media_type)

    return app


def _add_docs(app: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc from the vendored assets under /static, never from a CDN."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} – API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
            oauth2_redirect_url=oauth2_redirect,
            # validatorUrl: without it Swagger UI sends the whole API description to validator.swagger.io
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(oauth2_redirect, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} – API",
            redoc_js_url="/static/redoc/redoc.standalone.js",
            redoc_favicon_url="/static/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )
