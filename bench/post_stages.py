"""Where `POST /v1/reports` spends its CPU, stage by stage, in-process (no HTTP): the steps of
`nlp.intake.add_report` and the answer of the route, over N training reports (default 100) the served
model (models/) has not tagged in this process, into a new SQLite database.

    python -m bench.post_stages [N]

Prints milliseconds of CPU per report for each stage. The HTTP layers (uvicorn, middleware, the JSON
body) come on top: compare with `python -m bench.service_load reports N`, which reports the server's
CPU seconds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from nlp.model.artifacts import load_model
from nlp.model.features import StatementInput
from nlp.reading.ingest import read_text
from nlp.reading.report import parse_text
from nlp.storage.store import Store, content_hash
from service.schemas import report_out_content


def stages(n: int, data: str = "training_data", models: str = "models") -> dict[str, float]:
    """CPU milliseconds per report of each stage of the POST path."""
    model = load_model(models)[0]
    texts = [(p.name, read_text(p)) for p in sorted(Path(data, "reports").glob("*.txt"))]
    spent: dict[str, float] = defaultdict(float)

    def timed(stage: str, fn: Callable[..., Any], *args, **kwargs) -> Any:
        start = time.process_time()
        out = fn(*args, **kwargs)
        spent[stage] += time.process_time() - start
        return out

    warm = parse_text(texts[-1][1])  # the model's and the parser's first call, not a report's cost
    model.tag([StatementInput(s.text, s.section) for s in warm.statements])
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'kfd.sqlite3'}")
        try:
            for i in range(n):
                name, raw = texts[i % (len(texts) - 1)]
                text = timed("read", read_text, raw + "\n" * (i // (len(texts) - 1)), name)
                digest = timed("content hash", content_hash, text)
                timed("locate (idempotency lookup)", store.locate, digest, None)
                report = timed("parse", parse_text, text, name)
                inputs = [StatementInput(s.text, s.section) for s in report.statements]
                predictions = timed("tag", model.tag, inputs)
                stored, _ = timed(
                    "store", store.add_report, report, predictions, content_sha256=digest, filename=name
                )
                timed("answer (JSON)", lambda: orjson.dumps(report_out_content(stored)))  # noqa: B023
        finally:
            store.close()
    return {stage: round(seconds * 1000 / n, 2) for stage, seconds in spent.items()}


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    if not 1 <= n <= 299:
        sys.exit("N must be 1 to 299 (the training reports but the one that warms up; more would repeat)")
    figures = stages(n)
    for stage, ms in figures.items():
        print(f"{stage:30s} {ms:6.2f} ms")
    print(f"{'total':30s} {sum(figures.values()):6.2f} ms per report (CPU)")
