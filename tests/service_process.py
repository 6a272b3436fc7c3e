"""The service as a child process on loopback: a free port, waiting until it is ready, stopping it.
For the tests that play the intake system over HTTP and for `make bench`, which start it themselves."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request

# Straight to loopback, whatever proxy the environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServiceNotReady(RuntimeError):
    """The child exited, or did not answer /readyz with 200 in time."""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(process: subprocess.Popen, base: str, timeout: float) -> None:
    """Poll `base`/readyz until it answers 200; ServiceNotReady if the process exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceNotReady(f"the service exited with {process.returncode}")
        try:
            with _OPENER.open(f"{base}/readyz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # not listening yet, or 503 while the model loads
        time.sleep(0.1)
    raise ServiceNotReady(f"the service was not ready after {timeout} s")


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM (uvicorn shuts down gracefully), SIGKILL if it has not exited within `timeout`."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
