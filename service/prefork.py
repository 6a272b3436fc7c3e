"""Several workers that share one loaded model: the parent process loads the model, then forks the workers,
which serve the same listening socket with uvicorn (gunicorn's `preload_app`, without gunicorn).

After the fork the workers' pages are the parent's until one writes to them: the model's arrays, the spaCy
pipeline and the libraries stay shared (the heap was frozen after loading, so the cyclic collector does not
touch them). uvicorn's own `--workers` spawns fresh interpreters instead, each loading everything again. The
parent only supervises: a worker that dies is replaced (and its live gauges are removed from the Prometheus
folder); SIGTERM or SIGINT stop every worker gracefully.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import time
from pathlib import Path

import uvicorn
from fastapi import FastAPI

log = logging.getLogger("service.prefork")
# A worker whose server did not start (uvicorn returned without serving, e.g. the lifespan failed).
_NOT_STARTED = 3
_PR_SET_PDEATHSIG = 1


def _stop_with_parent(parent: int) -> None:
    """Linux: the kernel sends this worker SIGTERM when the parent dies (even by SIGKILL), so no worker
    goes on serving the port without its supervisor."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux
        return
    if os.getppid() != parent:  # the parent died before prctl
        os.kill(os.getpid(), signal.SIGTERM)


def _worker(config: uvicorn.Config, sock, parent: int) -> None:
    """The child: reset the parent's signal handlers (uvicorn installs its own) and serve until told to
    stop. Never returns."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _stop_with_parent(parent)
        server = uvicorn.Server(config)
        server.run(sockets=[sock])
        code = 0 if server.started else _NOT_STARTED
    finally:
        os._exit(code)


def run(app: FastAPI, workers: int, metrics_dir: Path | None, **config) -> None:
    """Serve `app` (its model already loaded) with `workers` forked processes until SIGTERM/SIGINT. When
    a worker cannot start its server, the others are stopped and the process exits with code 1."""
    uv_config = uvicorn.Config(app, **config)
    sock = uv_config.bind_socket()
    children: dict[int, float] = {}  # pid → start time
    stopping = False
    failed = False

    def spawn() -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            _worker(uv_config, sock, parent)
        children[pid] = time.monotonic()

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for _ in range(workers):
            spawn()
        log.info("started %d workers sharing the loaded model (parent pid %d)", workers, os.getpid())
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            children.pop(pid, None)
            if metrics_dir is not None:
                from prometheus_client import multiprocess

                multiprocess.mark_process_dead(pid, str(metrics_dir))
            if stopping:
                continue
            if os.waitstatus_to_exitcode(status) == _NOT_STARTED:
                log.error("worker %d could not start; stopping the others", pid)
                failed = True
                stop(signal.SIGTERM, None)
                continue
            log.warning(
                "worker %d exited (status %d); starting another", pid, os.waitstatus_to_exitcode(status)
            )
            spawn()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        sock.close()
    if failed:
        # Exit code 1, not 2: the cause (a database not reachable yet …) may pass, and systemd's
        # Restart=on-failure should try again; 2 means a setting that must be changed first.
        raise SystemExit(1)
