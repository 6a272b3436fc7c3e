"""Several workers (`kfd serve --workers N`, forked after the model is loaded: `service.prefork`): every
worker answers; a reload through any one of them reaches all, so that after the reload no worker answers
with the old version; a worker that dies is replaced and its live gauges leave /metrics. /metrics sums all
workers; KFD_LOG_FORMAT=json logs hold no personal data."""

from __future__ import annotations

import http.client
import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psutil
from live_service import service_env, start_service, wait_ready
from service_process import free_port, stop
from test_metrics import metric_values

N_WORKERS = 3
PEOPLE = ("Greta Probst", "Jonas Beispielmann", "greta.probst@example.org", "j.beispielmann@example.org")


def _post_report(port: int, headers: dict[str, str], text: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            "/v1/reports",
            body=json.dumps({"text": text}),
            headers={**headers, "Content-Type": "application/json"},
        )
        reply = conn.getresponse()
        assert reply.status == 201
        return json.loads(reply.read())
    finally:
        conn.close()


def _ask(
    port: int, method: str, path: str, headers: dict[str, str], parse: bool = True
) -> tuple[int, int, Any]:
    """One request on a new connection: (pid of the worker that answered, status, JSON body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, headers=headers)
        reply = conn.getresponse()
        raw = reply.read()
        body = json.loads(raw) if parse else raw.decode()
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


ASKED = {"n": 0}


def _workers_up(process, n: int, timeout: float = 90) -> set[int]:
    """The worker pids once there are `n` of them, each accepting connections."""
    deadline = time.monotonic() + timeout
    while True:
        workers = {child.pid for child in psutil.Process(process.pid).children()}
        if len(workers) == n or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(workers) == n, workers
    return workers


def _versions_by_worker(
    port: int, headers: dict[str, str], workers: set[int], tries: int = 400
) -> dict[int, set]:
    """Ask /v1/model on new connections, in parallel, until every worker has answered (or `tries`)."""
    seen: dict[int, set] = {}
    with ThreadPoolExecutor(8) as pool:
        for _ in range(tries // 8):
            for pid, status, body in pool.map(lambda _: _ask(port, "GET", "/v1/model", headers), range(8)):
                assert status == 200, body
                ASKED["n"] += 1
                seen.setdefault(pid, set()).add(body["version"])
            if set(seen) >= workers:
                break
    return seen


def test_a_reload_reaches_every_worker(
    tmp_path, models_dir, trained_model, install_model, keys, auth, service_report
):
    port = free_port()
    log = tmp_path / "service.log"
    env = service_env(
        port,
        f"sqlite:///{tmp_path / 'data' / 'kfd.sqlite3'}",
        models_dir,
        keys,
        KFD_WORKERS=str(N_WORKERS),
        KFD_LOG_FORMAT="json",
    )
    process = start_service(env, tmp_path, log)
    try:
        wait_ready(process, f"http://127.0.0.1:{port}", log)
        workers = _workers_up(process, N_WORKERS)
        # Loaded once, by the parent before it forked the workers, which share it.
        assert log.read_text().count(f"serving model {trained_model.name}") == 1, log.read_text()

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

        posted = _post_report(port, auth("read"), service_report("lindenau.txt"))
        _, status, text = _ask(port, "GET", "/metrics", {}, parse=False)
        values = metric_values(text)
        # Summed over all workers: every /v1/model request, whichever worker answered it.
        model_requests = sum(
            v
            for (name, labels), v in values.items()
            if name == "kfd_http_requests_total" and dict(labels).get("route") == "/v1/model"
        )
        assert model_requests == ASKED["n"]
        assert values[("kfd_model_info", (("version", new),))] == 1
        assert values[("kfd_model_info", (("version", old),))] == 0  # no live worker serves it
        assert values[("kfd_tagged_statements_total", (("route", "/v1/reports"),))] == len(
            posted["statements"]
        )
    finally:
        stop(process)

    # JSON logs: one object a line, access lines without the client address, nothing personal.
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    access = [e for e in entries if e["logger"] == "uvicorn.access"]
    assert access and all(
        set(e) >= {"time", "level", "message", "pid", "method", "path", "status"} for e in access
    )
    assert not any("127.0.0.1:" in e["message"] for e in access)
    assert any("stored report" in e["message"] for e in entries)
    for personal in PEOPLE:
        assert personal not in log.read_text()


def test_a_dead_worker_is_replaced_and_leaves_no_live_gauge(tmp_path, models_dir, trained_model, keys, auth):
    port = free_port()
    log = tmp_path / "service.log"
    env = service_env(
        port, f"sqlite:///{tmp_path / 'data' / 'kfd.sqlite3'}", models_dir, keys, KFD_WORKERS="2"
    )
    process = start_service(env, tmp_path, log)
    try:
        wait_ready(process, f"http://127.0.0.1:{port}", log)
        workers = _workers_up(process, 2)
        assert set(_versions_by_worker(port, auth("read"), workers)) == workers  # both answered
        victim = min(workers)
        # The worker's live gauge: a file it keeps open in the run's metrics folder.
        gauge = next(f.path for f in psutil.Process(victim).open_files() if "gauge_livemax_" in f.path)
        assert os.path.basename(gauge) == f"gauge_livemax_{victim}.db"
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while victim in (now := {c.pid for c in psutil.Process(process.pid).children()}) or len(now) < 2:
            assert time.monotonic() < deadline, now
            time.sleep(0.2)
        replaced = _workers_up(process, 2)
        assert victim not in replaced
        assert not os.path.exists(gauge)
        assert any(name.startswith("gauge_livemax_") for name in os.listdir(os.path.dirname(gauge)))
        # The new worker serves the parent's model (not loaded again) and counts in /metrics.
        assert set(_versions_by_worker(port, auth("read"), replaced)) == replaced
        _, status, text = _ask(port, "GET", "/metrics", {}, parse=False)
        assert status == 200
        assert metric_values(text)[("kfd_model_info", (("version", trained_model.name),))] == 1
        assert log.read_text().count(f"serving model {trained_model.name}") == 1
    finally:
        stop(process)
