"""Crash safety: uvicorn in a subprocess is killed with SIGKILL in the middle of a burst of reports,
started again, and the client retries everything. Afterwards every report is stored exactly once,
with all its statements, and none half-written."""

from __future__ import annotations

import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import sqlalchemy as sa
from live_service import service_env, start_service, wait_ready
from service_process import free_port

from nlp.reading.report import parse_report

N_REPORTS = 30
KILL_AFTER = 8  # stored reports before the SIGKILL: the rest of the burst is in flight or not sent
WORKERS = 4
PEOPLE = ("Greta Probst", "Jonas Beispielmann", "greta.probst@example.org", "j.beispielmann@example.org")


def _burst(service_report) -> list[tuple[str, str]]:
    """N distinct reports (external id, text): the three invented reports under numbered names."""
    names = ("lindenau.txt", "birkenfeld.txt", "erlenbach.txt")
    out = []
    for i in range(N_REPORTS):
        text = service_report(names[i % 3])
        first_line = text.split("\n")[3]  # the Kommune's name, under its label
        out.append((f"burst-{i:02d}", text.replace(first_line, f"{first_line} {i:02d}", 1)))
    return out


def test_sigkill_mid_burst_loses_and_duplicates_nothing(
    tmp_path, database_url, models_dir, keys, service_report
):
    """On SQLite and on PostgreSQL (`database_url`)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "service.log"
    env = service_env(port, database_url, models_dir, keys)
    burst = _burst(service_report)
    expected = {eid: len(parse_report(text).statements) for eid, text in burst}
    stored: dict[str, int] = {}  # external id -> report id, as the client saw it acknowledged
    failures = 0
    lock = threading.Lock()
    killed = threading.Event()

    process = start_service(env, tmp_path, log)
    try:
        wait_ready(process, base, log)

        def post(item: tuple[str, str], client: httpx.Client) -> bool:
            nonlocal failures
            eid, text = item
            try:
                reply = client.post("/v1/reports", json={"text": text, "external_id": eid})
            except httpx.TransportError:
                with lock:
                    failures += 1
                return False
            assert reply.status_code in (200, 201), reply.text
            with lock:
                previous = stored.setdefault(eid, reply.json()["id"])
                assert previous == reply.json()["id"]
                if len(stored) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    process.send_signal(signal.SIGKILL)  # the fault: no shutdown, no cleanup
            return True

        headers = {"Authorization": f"Bearer {keys['read']}"}
        with (
            httpx.Client(base_url=base, headers=headers, timeout=30) as client,
            ThreadPoolExecutor(WORKERS) as pool,
        ):
            first_round = list(pool.map(lambda item: post(item, client), burst))
        process.wait(timeout=15)
        assert killed.is_set() and process.returncode == -signal.SIGKILL
        assert not all(first_round), "the kill came after the whole burst: nothing was in flight"
        in_flight_lost = first_round.count(False)

        # Restart on the same database; the client retries everything, acknowledged or not.
        process = start_service(env, tmp_path, log)
        wait_ready(process, base, log)
        with (
            httpx.Client(base_url=base, headers=headers, timeout=30) as client,
            ThreadPoolExecutor(WORKERS) as pool,
        ):
            second_round = list(pool.map(lambda item: post(item, client), burst))
            assert all(second_round)
            listed = client.get("/v1/reports", params={"limit": 500}).json()
            full = {
                item["external_id"]: client.get(f"/v1/reports/{item['id']}").json()
                for item in listed["items"]
            }
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=15)

    lost = set(expected) - set(full)
    print(
        f"\ncrash safety: {N_REPORTS} reports, 1 SIGKILL after {KILL_AFTER} acknowledged, "
        f"{in_flight_lost} posts failed (cut off in flight or refused), {failures} transport errors in all, {len(lost)} reports lost"
    )
    assert not lost
    assert listed["total"] == N_REPORTS == len(listed["items"])  # exactly once
    assert {eid: stored[eid] for eid in expected} == {eid: full[eid]["id"] for eid in expected}
    for eid, report in full.items():
        # Complete: every statement of the report, each tagged.
        assert len(report["statements"]) == len(report["report"]["statements"]) == expected[eid], eid
        assert all(s["model_version"] for s in report["statements"])

    # The database itself: no statement without its report, no report without its statements.
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as db:
            if engine.dialect.name == "sqlite":
                assert db.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            orphans = db.exec_driver_sql(
                "SELECT count(*) FROM statements WHERE report_id NOT IN (SELECT id FROM reports)"
            ).scalar()
            empty = db.exec_driver_sql(
                "SELECT count(*) FROM reports WHERE id NOT IN (SELECT report_id FROM statements)"
            ).scalar()
            n_statements = db.exec_driver_sql("SELECT count(*) FROM statements").scalar()
    finally:
        engine.dispose()
    assert (orphans, empty) == (0, 0)
    assert n_statements == sum(expected.values())

    # Nothing personal in the service's log, across the crash and the restart.
    text = log.read_text(errors="replace")
    assert "stored report" in text
    for personal in PEOPLE:
        assert personal not in text
