"""Run the service with uvicorn: `serve(settings)`, used by `kfd serve` and `python -m service`."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import uvicorn

from nlp.storage.store import Store

from .app import create_app
from .logs import log_config
from .settings import Settings, check_bind, get_settings


def serve(settings: Settings | None = None) -> None:
    """Start uvicorn on settings.host:settings.port with settings.workers processes. Raises InsecureBind
    (a KfdError) instead of serving beyond loopback without API keys, and SchemaBehind when the database
    needs `kfd db upgrade`."""
    settings = settings or get_settings()
    check_bind(settings)
    # Before any worker starts: a brand-new database is created at the newest schema revision (once),
    # and a schema that is behind stops the start with one line naming `kfd db upgrade`.
    Store(settings.database_url).close()
    logging_config = log_config(settings.log_format)
    if settings.workers == 1:
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_config=logging_config,
            log_level="info",
        )
        return
    # Several workers: uvicorn starts each as a new process that builds the app from the KFD_*
    # environment (`create_app` as a factory), loads the model once and answers on the shared socket.
    # A model reload in one reaches the others through a file in this run's private folder; the
    # Prometheus metrics of all workers are collected in another (multiprocess mode).
    run_dir = Path(tempfile.mkdtemp(prefix="kfd-serve-"))
    metrics_dir = run_dir / "metrics"
    metrics_dir.mkdir()
    os.environ.update(
        {
            "KFD_HOST": settings.host,
            "KFD_PORT": str(settings.port),
            "KFD_WORKERS": str(settings.workers),
            "KFD_RELOAD_SIGNAL": str(run_dir / "model-version"),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        }
    )
    get_settings.cache_clear()
    try:
        uvicorn.run(
            "service.app:create_app",
            factory=True,
            workers=settings.workers,
            host=settings.host,
            port=settings.port,
            log_config=logging_config,
            log_level="info",
        )
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
