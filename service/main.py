"""Run the service with uvicorn: `serve(settings)`, used by `kfd serve` and `python -m service`."""

from __future__ import annotations

import logging.config
import os
import shutil
import tempfile
from pathlib import Path

import uvicorn

from nlp.storage.store import Store

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
        from .app import create_app

        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_config=logging_config,
            log_level="info",
        )
        return
    # Several workers: the model is loaded here once, then the workers are forked and share it
    # (`service.prefork`). A model reload in one reaches the others through a file in this run's private
    # folder; the Prometheus metrics of all workers are collected in another (multiprocess mode, chosen
    # by prometheus-client when it is first imported: so before `create_app` is).
    run_dir = Path(tempfile.mkdtemp(prefix="kfd-serve-"))
    metrics_dir = run_dir / "metrics"
    metrics_dir.mkdir()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    try:
        from prometheus_client import multiprocess

        from nlp import intake
        from nlp.codebook import load_codebook

        from .app import create_app
        from .model_slot import ModelSlot
        from .prefork import run

        settings = settings.model_copy(update={"reload_signal": run_dir / "model-version"})
        logging.config.dictConfig(logging_config)
        intake.prepare()  # made once here, shared by the forked workers as the model is
        slot = ModelSlot(settings.model_dir, load_codebook(settings.codebook), settings.reload_signal)
        slot.load_at_start()
        multiprocess.mark_process_dead(os.getpid())  # the parent answers nothing: its gauge is no worker's
        run(
            create_app(settings, models=slot),
            settings.workers,
            metrics_dir,
            host=settings.host,
            port=settings.port,
            log_config=logging_config,
            log_level="info",
        )
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
