"""A real service in a subprocess, for the tests that play the intake system over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import service_process as child


def service_env(port: int, database_url: str, models_dir: Path, keys: dict[str, str], **more: str) -> dict:
    """The `KFD_*` environment of a keyed service on loopback; `more` adds settings (KFD_WORKERS=…)."""
    return {
        "KFD_HOST": "127.0.0.1",
        "KFD_PORT": str(port),
        "KFD_DATABASE_URL": database_url,
        "KFD_MODEL_DIR": str(models_dir),
        "KFD_API_KEYS": keys["read"],
        "KFD_ADMIN_KEYS": keys["admin"],
        **more,
    }


def start_service(env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
    """`python -m service` as a subprocess; its output is appended to `log` (restarts keep it)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "service"],
            env={**os.environ, **env},
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_ready(process: subprocess.Popen, base: str, log: Path, timeout: float = 90) -> None:
    try:
        child.wait_ready(process, base, timeout)
    except child.ServiceNotReady as e:
        pytest.fail(f"{e}:\n{log.read_text()}")
