"""Where `POST /v1/reports` spends its CPU, stage by stage, in-process (no HTTP): the steps of
`nlp.intake.add_report` and the answer of the route, over N training reports (default 100) the served
model (models/) has not tagged in this process, into a new SQLite database.

    python -m bench.post_stages [N]

Prints milliseconds of CPU per report for each stage, and for parsing and tagging the parts that cost
most ("of which"): splitting prose into sentences; the words a report brings that the model's word cache
does not hold yet (tokens, lemmas, character n-grams: `FastFeatures._batch`), and the polarity and cue
columns (`FastFeatures._cue_columns`). The HTTP layers (uvicorn, middleware, the JSON body) come on top:
compare with `python -m bench.service_load reports N`, which reports the server's CPU seconds.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from bench.cputime import CpuSpent
from nlp.model.artifacts import load_model
from nlp.model.features import StatementInput
from nlp.reading import report as report_module
from nlp.reading.ingest import read_text
from nlp.reading.report import parse_text
from nlp.storage.store import Store, content_hash
from service.schemas import report_out_content

# (stage, part): the parts timed inside a stage, each as "  of which <part>".
PARTS = {
    "parse": ("sentences and bullets (split_statements)",),
    "tag": ("new words (tokens, lemmas, n-grams)", "polarity and cue columns"),
}


def stages(n: int, data: str = "training_data", models: str = "models") -> dict[str, float]:
    """CPU milliseconds per report of each stage of the POST path, and of the parts in `PARTS`."""
    model = load_model(models)[0]
    texts = [(p.name, read_text(p)) for p in sorted(Path(data, "reports").glob("*.txt"))]
    spent = CpuSpent()
    timed, timing = spent.timed, spent.timing

    warm = parse_text(texts[-1][1])  # the model's and the parser's first call, not a report's cost
    model.tag([StatementInput(s.text, s.section) for s in warm.statements])
    split, (words, polarity) = PARTS["parse"][0], PARTS["tag"]
    fast = model.fast
    parts: list[tuple[Any, str, Any]] = [(report_module, "split_statements", split)]
    if fast is not None:  # the word-level path (blank pipeline)
        parts += [(fast, "_batch", words), (fast, "_cue_columns", polarity)]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in parts]
    for owner, name, part in parts:
        setattr(owner, name, timing(part, getattr(owner, name)))
    try:
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
    finally:
        for owner, name, original in originals:
            if owner is report_module:
                setattr(owner, name, original)
            else:
                delattr(owner, name)  # the instance attribute: the class's method shows again
    return {stage: round(seconds * 1000 / n, 2) for stage, seconds in spent.items()}


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    if not 1 <= n <= 299:
        sys.exit("N must be 1 to 299 (the training reports but the one that warms up; more would repeat)")
    figures = stages(n)
    inner = {part for parts in PARTS.values() for part in parts}
    for stage, ms in figures.items():
        if stage in inner:
            continue
        print(f"{stage:30s} {ms:6.2f} ms")
        for part in PARTS.get(stage, ()):
            if part in figures:
                print(f"  of which {part:42s} {figures[part]:6.2f} ms")
    total = sum(ms for stage, ms in figures.items() if stage not in inner)
    print(f"{'total':30s} {total:6.2f} ms per report (CPU)")
