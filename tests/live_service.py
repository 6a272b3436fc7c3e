"""A real service in a subprocess, for the tests that play the intake system over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import service_process as child


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
