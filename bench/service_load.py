"""The HTTP service under load: a real `kfd serve` (uvicorn) on 127.0.0.1, bounded request counts."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import psutil

from nlp.model.features import StatementInput
from tests import service_process as child
from tests.service_process import free_port


def _percentiles(latencies_s: list[float]) -> dict[str, float]:
    ms = np.array(latencies_s) * 1000
    return {
        "requests": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "max_ms": round(float(ms.max()), 2),
    }


class Server:
    """`kfd serve` in a child process with `workers` workers and its own database (a new SQLite file
    unless `database_url` names one); stopped on exit."""

    def __init__(self, model_dir: str, workdir: Path, workers: int = 1, database_url: str | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.workers = workers
        self.env = {
            **os.environ,
            "KFD_DATABASE_URL": database_url or f"sqlite:///{workdir / f'bench-{self.port}.sqlite3'}",
            "KFD_MODEL_DIR": str(Path(model_dir).resolve()),
            "KFD_WORKERS": str(workers),
            "KFD_API_KEYS": "",
            "KFD_ADMIN_KEYS": "",
        }

    def __enter__(self) -> Server:
        kfd = Path(sys.executable).with_name("kfd")
        self.log = (self.workdir / "server.log").open("w")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(kfd), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            child.wait_ready(self.proc, self.base, timeout=120)
            deadline = time.monotonic() + 120
            while self.workers > 1 and len(psutil.Process(self.proc.pid).children()) < self.workers:
                if time.monotonic() > deadline:
                    raise child.ServiceNotReady(f"fewer than {self.workers} workers started")
                time.sleep(0.1)
        except child.ServiceNotReady as e:
            raise RuntimeError(f"kfd serve: {e}; see {self.workdir / 'server.log'}") from None
        self.startup_s = time.perf_counter() - started
        self.ps = psutil.Process(self.proc.pid)
        self.rss_ready_mb = self.ps.memory_info().rss / 2**20
        return self

    def peak_rss_mb(self) -> float:
        """VmHWM: the peak resident set of the server process so far."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def __exit__(self, *exc) -> None:
        child.stop(self.proc, timeout=10)
        self.log.close()


JSON = {"Content-Type": "application/json"}


def _body(statements: list[StatementInput]) -> dict:
    return {"statements": [{"text": s.text, "section": s.section} for s in statements]}


def latency_serial(base: str, statements: list[StatementInput], n: int) -> dict:
    latencies = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for s in statements[:20]:  # warm up the connection and the model
            client.post("/v1/classify", json=_body([s])).raise_for_status()
        for i in range(n):
            body = _body([statements[i % len(statements)]])
            start = time.perf_counter()
            client.post("/v1/classify", json=body).raise_for_status()
            latencies.append(time.perf_counter() - start)
    return _percentiles(latencies)


async def _latency_concurrent(base: str, statements: list[StatementInput], n: int, concurrency: int) -> dict:
    latencies: list[float] = []
    failures: list[str] = []
    counter = iter(range(n))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def worker():
            for i in counter:
                body = _body([statements[i % len(statements)]])
                start = time.perf_counter()
                try:
                    r = await client.post("/v1/classify", json=body)
                except httpx.TransportError as e:  # counted and reported, as the intake system would retry
                    failures.append(type(e).__name__)
                    continue
                r.raise_for_status()
                latencies.append(time.perf_counter() - start)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    out = _percentiles(latencies)
    out["requests_per_s"] = round(len(latencies) / wall, 1)
    out["transport_errors"] = len(failures)
    if failures:
        print(
            f"bench: {len(failures)} of {n} requests failed in transport: {sorted(set(failures))}",
            file=sys.stderr,
        )
    return out


def latency_concurrent(base: str, statements: list[StatementInput], n: int, concurrency: int) -> dict:
    return asyncio.run(_latency_concurrent(base, statements, n, concurrency))


def batch_throughput(
    base: str,
    statements: list[StatementInput],
    batches: int,
    rounds: int,
    in_process: Callable[[], float],
    size: int = 1000,
) -> dict:
    """Statements per second in batches of `size`: a first pass over texts the server has not seen, then
    `rounds` rounds of the same batches with its word cache warm, each followed by `in_process()` (the
    in-process throughput, statements/s), so that each ratio compares figures taken in the same seconds
    on this noisy machine."""

    def rates(client: httpx.Client, bodies: list[bytes]) -> list[float]:
        out = []
        for body in bodies:
            start = time.perf_counter()
            client.post("/v1/classify", content=body, headers=JSON).raise_for_status()
            out.append(size / (time.perf_counter() - start))
        return out

    # Encoded before the clock starts: the client's own JSON encoding is not the service's time.
    chunks = [
        json.dumps(_body([statements[(b * size + i) % len(statements)] for i in range(size)])).encode()
        for b in range(batches)
    ]
    warm, paired = [], []
    with httpx.Client(base_url=base, timeout=120) as client:
        client.post("/v1/classify", json=_body(statements[:100])).raise_for_status()  # warm-up
        first = rates(client, chunks)
        for _ in range(rounds):
            batch = statistics.median(rates(client, chunks))
            warm.append(batch)
            paired.append((batch, in_process()))
    return {
        "batch_size": size,
        "batches": batches,
        "rounds": rounds,
        "statements_per_s": round(statistics.median(warm), 1),
        "all": [round(x, 1) for x in warm],
        "in_process_per_s": round(statistics.median(p for _, p in paired), 1),
        "ratio": round(statistics.median(b / p for b, p in paired), 3),
        "ratios": [round(b / p, 3) for b, p in paired],
        "first_pass_statements_per_s": round(statistics.median(first), 1),
        "first_pass_all": [round(x, 1) for x in first],
    }


def _cpu_s(process: psutil.Process | None) -> float:
    if process is None:
        return 0.0
    times = process.cpu_times()
    return times.user + times.system


def report_ingest(
    base: str,
    report_texts: list[tuple[str, str]],
    n: int,
    server: psutil.Process | None = None,
    start: int = 0,
) -> dict:
    """POST n reports as JSON, one after the other, as the intake system sends them. Report i (counted
    from `start`) is report_texts[i % len] with i // len trailing newlines: its content hash differs from
    every earlier post's, so each is parsed, tagged and stored (201), never answered from the store.
    `seen_before` counts the posts whose text (but for those newlines) this run sent earlier, which the
    server's word caches already hold: from a fresh server with start=0 and n <= len(report_texts), none.
    With the `server` process (one worker), also the CPU seconds it spent: a figure the other jobs on a
    shared machine disturb less."""
    created = 0
    statements = 0
    with httpx.Client(base_url=base, timeout=120) as client:
        begin, cpu = time.perf_counter(), _cpu_s(server)
        for i in range(start, start + n):
            name, text = report_texts[i % len(report_texts)]
            r = client.post(
                "/v1/reports", json={"text": text + "\n" * (i // len(report_texts)), "filename": name}
            )
            r.raise_for_status()
            created += r.status_code == 201
            data = r.json()
            statements += len(data.get("statements", []))
        wall, cpu = time.perf_counter() - begin, _cpu_s(server) - cpu
    sent = [report_texts[i % len(report_texts)][1] for i in range(start, start + n)]
    out = {
        "reports": n,
        "created": created,
        "seen_before": max(0, min(n, start + n - len(report_texts))),
        "statements": statements,
        "chars_per_report": round(statistics.mean(map(len, sent))),
        "seconds": round(wall, 2),
        "reports_per_s": round(n / wall, 2),
    }
    if server is not None:
        out |= {"server_cpu_s": round(cpu, 2), "reports_per_server_cpu_s": round(n / max(cpu, 1e-9), 2)}
    return out


def report_intake(model_dir: str, report_texts: list[tuple[str, str]], workdir: Path, n: int) -> dict:
    """Issue #14's `POST /v1/reports` figure: a fresh one-worker `kfd serve` on SQLite, n reports it had
    not seen (`new`: nothing of them in its word caches), then the same n again with a newline more
    (`seen`: new content hashes, so stored again, but every statement's words cached), for comparison."""
    with Server(model_dir, workdir) as server:
        new = report_ingest(server.base, report_texts, n, server.ps)
        seen = report_ingest(server.base, report_texts, n, server.ps, start=len(report_texts))
    return {"new": new, "seen": seen}


def run(
    model_dir: str,
    statements: list[StatementInput],
    report_texts: list[tuple[str, str]],
    workdir: Path,
    quick: bool,
    in_process: Callable[[], float],
) -> dict:
    """Every service figure; `in_process()` measures the in-process throughput the batches are compared
    with."""
    n_serial, n_conc, batches, rounds, n_reports = (100, 96, 2, 2, 100) if quick else (1000, 1600, 5, 7, 300)
    # First, on a server of its own: the reports' statements are among `statements`, which the figures
    # below send, so this server would tag them from its word caches (what an earlier bench measured).
    reports = report_intake(model_dir, report_texts, workdir, min(n_reports, len(report_texts)))
    with Server(model_dir, workdir) as server:
        out = {
            "startup_s": round(server.startup_s, 2),
            "rss_ready_mb": round(server.rss_ready_mb, 1),
            "classify_c1": latency_serial(server.base, statements, n_serial),
            "classify_c32": latency_concurrent(server.base, statements, n_conc, 32),
            "batch": batch_throughput(server.base, statements, batches, rounds, in_process),
            "reports": reports["new"],
            "reports_seen": reports["seen"],
        }
        out["peak_rss_mb"] = round(server.peak_rss_mb(), 1)
    return out


def _postgres() -> tuple[object, str | None]:
    """(a context manager giving a throwaway PostgreSQL cluster, None), or (None, why not)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import pg_cluster

    reason = pg_cluster.skip_reason()
    return (None, reason) if reason else (pg_cluster.cluster(), None)


def deployment(
    model_dir: str,
    statements: list[StatementInput],
    report_texts: list[tuple[str, str]],
    workdir: Path,
    quick: bool,
) -> dict:
    """Issue #16's figures: `/v1/classify` at concurrency 32 and `POST /v1/reports` (sequential, reports
    the server had not seen) with 1 and 2 workers, on SQLite and on a throwaway PostgreSQL cluster."""
    n_conc, n_reports = (192, 60) if quick else (1600, 300)
    rows = []

    def measure(backend: str, url_for) -> None:
        for workers in (1, 2):
            with Server(model_dir, workdir, workers=workers, database_url=url_for()) as server:
                latency_serial(server.base, statements, 20)  # warm every worker's word cache a little
                rows.append(
                    {
                        "database": backend,
                        "workers": workers,
                        "classify_c32": latency_concurrent(server.base, statements, n_conc, 32),
                        "reports": report_ingest(server.base, report_texts, n_reports),
                    }
                )

    measure("sqlite", lambda: None)
    cluster, reason = _postgres()
    if cluster is None:
        return {"rows": rows, "postgresql": f"not measured: {reason}"}
    with cluster as running:  # type: ignore[attr-defined]
        measure("postgresql", lambda: running.new_database("bench"))
    return {"rows": rows}


if __name__ == "__main__":
    # `python -m bench.service_load reports [N]`: only the POST /v1/reports figure (`report_intake`), from a
    # fresh one-worker `kfd serve` on SQLite with the served model (models/): N (default 100, at most the
    # 300 training reports) reports it had not seen, then the same N with their words in its caches.
    import tempfile

    from bench.run import DATA, MODELS, _report_texts

    if sys.argv[1:2] != ["reports"]:
        sys.exit("usage: python -m bench.service_load reports [N]")
    texts = _report_texts(DATA)
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    if not 1 <= n <= len(texts):
        sys.exit(f"N must be 1 to {len(texts)} (the training reports; more would repeat their words)")
    with tempfile.TemporaryDirectory() as tmp:
        figures = report_intake(MODELS, texts, Path(tmp), n)
    print(json.dumps(figures["new"]))
    print(json.dumps(figures["seen"]))
