"""Prometheus metrics (prometheus-client): requests, latencies, tagged statements, the served model.

With several workers, `serve` sets PROMETHEUS_MULTIPROC_DIR before the workers start: every worker
writes its values to files there and `GET /metrics` (answered by any worker) adds them up. One worker
keeps them in memory. Labels hold route templates (`/v1/reports/{report_id}`), never ids or contents.
"""

from __future__ import annotations

import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("kfd_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "kfd_http_request_duration_seconds",
    "Time from request to the end of the answer",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TAGGED = Counter("kfd_tagged_statements_total", "Statements tagged, by route", ["route"])
MODEL = Gauge(
    "kfd_model_info",
    "1 for the model version a worker serves (the largest over live workers: 1 while any serves it)",
    ["version"],
    multiprocess_mode="livemax",
)


def model_served(version: str, previous: str | None) -> None:
    if previous and previous != version:
        MODEL.labels(previous).set(0)
    MODEL.labels(version).set(1)


def render() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, of every worker when there are several."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Counts every HTTP answer and its latency by method, route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(unmatched)"
            method = scope.get("method", "")
            REQUESTS.labels(method, template, str(status)).inc()
            LATENCY.labels(method, template).observe(time.perf_counter() - start)
