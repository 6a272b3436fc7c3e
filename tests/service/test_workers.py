"""Several workers (`kfd serve --workers N`, uvicorn's process model): every worker answers, each with
its own model; a reload through any one of them reaches all, so that after the reload no worker answers
with the old version."""

from __future__ import annotations

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
from live_service import start_service, wait_ready
from service_process import free_port, stop

N_WORKERS = 3


def _ask(port: int, method: str, path: str, headers: dict[str, str]) -> tuple[int, int, dict]:
    """One request on a new connection: (pid of the worker that answered, status, JSON body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, headers=headers)
        reply = conn.getresponse()
        body = json.loads(reply.read())
        local_port = conn.sock.getsockname()[1]
        # The worker is the process holding the server end of this very connection.
        pid = next(
            c.pid
            for c in psutil.net_connections("tcp")
            if c.laddr and c.laddr.port == port and c.raddr and c.raddr.port == local_port and c.pid
        )
        return pid, reply.status, body
    finally:
        conn.close()


def _versions_by_worker(
    port: int, headers: dict[str, str], workers: set[int], tries: int = 400
) -> dict[int, set]:
    """Ask /v1/model on new connections, in parallel, until every worker has answered (or `tries`)."""
    seen: dict[int, set] = {}
    with ThreadPoolExecutor(8) as pool:
        for _ in range(tries // 8):
            for pid, status, body in pool.map(lambda _: _ask(port, "GET", "/v1/model", headers), range(8)):
                assert status == 200, body
                seen.setdefault(pid, set()).add(body["version"])
            if set(seen) >= workers:
                break
    return seen


def test_a_reload_reaches_every_worker(tmp_path, models_dir, trained_model, install_model, keys, auth):
    port = free_port()
    log = tmp_path / "service.log"
    env = {
        "KFD_HOST": "127.0.0.1",
        "KFD_PORT": str(port),
        "KFD_WORKERS": str(N_WORKERS),
        "KFD_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'kfd.sqlite3'}",
        "KFD_MODEL_DIR": str(models_dir),
        "KFD_API_KEYS": keys["read"],
        "KFD_ADMIN_KEYS": keys["admin"],
    }
    process = start_service(env, tmp_path, log)
    try:
        wait_ready(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + 90
        while True:  # every worker up: each has loaded the model once
            workers = {
                child.pid
                for child in psutil.Process(process.pid).children()
                if "resource_tracker" not in " ".join(child.cmdline())
            }
            loaded = log.read_text().count(f"serving model {trained_model.name}")
            if (len(workers), loaded) == (N_WORKERS, N_WORKERS) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert (len(workers), loaded) == (N_WORKERS, N_WORKERS), (workers, log.read_text())

        old, new = trained_model.name, "29990101-000000-workers"
        before = _versions_by_worker(port, auth("read"), workers)
        assert set(before) == workers, f"not every worker answered: {before}"
        assert all(versions == {old} for versions in before.values())

        install_model(trained_model, models_dir, version=new)  # `current` now points to the new one
        # Not yet reloaded: every worker still serves the old model (nothing switches by itself).
        assert all(v == {old} for v in _versions_by_worker(port, auth("read"), workers, tries=48).values())

        reloader, status, body = _ask(port, "POST", "/v1/model/reload", auth("admin"))
        assert status == 200 and body["version"] == new and body["previous_version"] == old, body
        after = _versions_by_worker(port, auth("read"), workers)
        assert set(after) == workers, f"not every worker answered after the reload: {after}"
        assert all(versions == {new} for versions in after.values()), after
        # The others caught up by loading the model themselves (the log names each load).
        assert log.read_text().count(f"serving model {new}") == N_WORKERS
    finally:
        stop(process)
