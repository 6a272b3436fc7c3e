"""`kfd serve`: the HTTP service."""

from __future__ import annotations

import click

from cli._util import main, translate_errors


@main.command("serve")
@click.option("--host", default=None, help="Address to bind (default: KFD_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default: KFD_PORT or 8000).")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Worker processes, each with the model loaded once (default: KFD_WORKERS or 1).",
)
@translate_errors
def serve_cmd(host: str | None, port: int | None, workers: int | None) -> None:
    """Start the HTTP service (uvicorn) with the current model and the database of KFD_DATABASE_URL.

    Without KFD_API_KEYS/KFD_ADMIN_KEYS it serves only on loopback. A database whose schema is behind
    is refused: run `kfd db upgrade` first."""
    from service.main import serve
    from service.settings import get_settings

    updates = {k: v for k, v in {"host": host, "port": port, "workers": workers}.items() if v is not None}
    serve(get_settings().model_copy(update=updates))
