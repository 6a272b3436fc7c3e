"""`make bench`: run every measurement, write bench/results.json and bench/RESULTS.md.

BENCH_QUICK=1 runs a reduced version (under a minute) and writes bench/results.quick.json and
bench/RESULTS.quick.md instead, so a smoke run never replaces the full figures; the spaCy-textcat
comparison then comes from the served model's manifest (our CV metrics only) instead of a fresh
`kfd evaluate --baseline spacy`. BENCH_BASELINE=skip runs everything else at full size and leaves out that
comparison the same way (about three minutes instead of an hour).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import endtoend, inprocess, offline, service_load
from bench.machine import machine_facts
from bench.report import markdown
from nlp.model.artifacts import ModelManifest, resolve_model_dir
from nlp.reading.ingest import read_text

HERE = Path(__file__).parent
DATA, MODELS = "training_data", "models"


def _report_texts(data_dir: str) -> list[tuple[str, str]]:
    return [(path.name, read_text(path)) for path in sorted(Path(data_dir, "reports").glob("*.txt"))]


def _step(name: str, fn):
    start = time.perf_counter()
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    out = fn()
    print(f"bench: {name} done in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    return out


def _write_json(results: dict) -> None:
    """Written after every step to results.partial.json, so a run stopped half-way still leaves what it
    measured, while results.json keeps the last complete run (which BENCH_REUSE_QUALITY reads)."""
    (HERE / "results.partial.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def _reusable_quality(manifest: ModelManifest) -> dict | None:
    """BENCH_REUSE_QUALITY=1: take the spaCy comparison (about an hour of textcat training) from the last
    full run, but only when it was measured on the same training data and our side of it still gives the
    cross-validated metrics the current model's manifest records (so the code did not change quality)."""
    try:
        previous = json.loads((HERE / "results.json").read_text(encoding="utf-8"))
        quality, model = previous["quality"], previous["model"]
    except (OSError, ValueError, KeyError):
        print("bench: no earlier full run to reuse the quality comparison from", file=sys.stderr)
        return None
    same_data = model.get("training_data_hash") == manifest.training_data_hash
    ours, now = quality.get("kfd", {}), manifest.metrics
    same_metrics = (
        ours.get("themes", {}).get("micro_f1") == now.get("themes", {}).get("micro_f1")
        and ours.get("themes", {}).get("macro_f1") == now.get("themes", {}).get("macro_f1")
        and ours.get("sentiment", {}).get("macro_f1") == now.get("sentiment", {}).get("macro_f1")
    )
    if previous.get("mode") != "full" or "spacy" not in quality or not (same_data and same_metrics):
        print(
            "bench: the earlier quality comparison does not match this data and model; measuring",
            file=sys.stderr,
        )
        return None
    measured = quality.get("measured", previous["date"])
    return {
        **quality,
        "measured": measured,
        "source": f"kfd evaluate --baseline spacy --json, reused from the full run of {measured}",
    }


def _behaviour_and_heldout(models: str) -> dict:
    """Quality on text the model never saw: the behaviour suite per capability and the held-out reports
    (the figures CV cannot give). Measured afresh every run: they take seconds."""
    from nlp.codebook import load_codebook
    from nlp.model.artifacts import load_model
    from nlp.training.behaviour import evaluate_suite
    from nlp.training.evaluate import evaluate

    codebook = load_codebook()
    model, _ = load_model(models, codebook)
    suite = evaluate_suite(Path(DATA, "behaviour", "suite.jsonl"), model, codebook).to_dict()
    heldout = evaluate(Path(DATA, "heldout", "labels.jsonl"), codebook, model=model)
    return {
        "capabilities": [{"capability": c["capability"], **c["figures"]} for c in suite["capabilities"]],
        "overall": suite["overall"],
        "heldout": {
            "n_statements": heldout["n_statements"],
            "themes_micro_f1": heldout["themes"]["micro_f1"],
            "themes_macro_f1": heldout["themes"]["macro_f1"],
            "sentiment_accuracy": heldout["sentiment"]["accuracy"],
            "sentiment_macro_f1": heldout["sentiment"]["macro_f1"],
            "themes_ece": heldout["calibration"]["themes"]["ece"],
            "sentiment_ece": heldout["calibration"]["sentiment"]["ece"],
        },
    }


def main() -> None:
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    # Every speed and memory figure at full size, without the hour of spaCy textcat training; the quality
    # section then shows our CV metrics from the manifest, as quick mode does.
    skip_baseline = os.environ.get("BENCH_BASELINE", "") == "skip"
    started = time.perf_counter()
    results: dict = {
        "mode": "quick" if quick else "full",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_facts(),
    }
    model_dir = resolve_model_dir(MODELS)
    manifest = ModelManifest.read(model_dir)
    results["model"] = {
        "version": manifest.version,
        "pipeline": manifest.pipeline,
        "n_statements": manifest.n_statements,
        "training_data_hash": manifest.training_data_hash,
    }
    reused_quality = _reusable_quality(manifest) if os.environ.get("BENCH_REUSE_QUALITY") else None
    with tempfile.TemporaryDirectory(prefix="kfd-bench-") as tmp:
        work = Path(tmp)
        # First, while nothing of ours is warm anywhere: the whole path on reports the model never saw.
        results["end_to_end"] = _step(
            "end to end on unseen reports (kfd tag, parsing, tokenizer; cold)",
            lambda: endtoend.run(DATA, MODELS, work, quick),
        )
        _write_json(results)
        n = 2000 if quick else 20000  # the issue asks for at least 20,000; quick mode a tenth
        results["throughput"] = _step(
            "in-process throughput",
            lambda: inprocess.run(
                DATA,
                MODELS,
                n=n,
                repeats=3 if quick else 5,
                profile_path=HERE / ("profile.quick.txt" if quick else "profile.txt"),
                n_profile=1000 if quick else 5000,
            ),
        )
        _write_json(results)
        statements = inprocess.corpus_statements(DATA, 5000)
        in_process = inprocess.probe(DATA, MODELS, n)
        results["service"] = _step(
            "service",
            lambda: service_load.run(MODELS, statements, _report_texts(DATA), work, quick, in_process),
        )
        service = results["service"]
        service["batch_vs_in_process"] = service["batch"]["ratio"]  # paired: see batch_throughput
        service["first_pass_batch_vs_in_process"] = round(
            service["batch"]["first_pass_statements_per_s"]
            / results["throughput"]["cold_first_pass"]["ours_per_s"],
            3,
        )
        _write_json(results)
        results["deployment"] = _step(
            "service: 1 and 2 workers on SQLite and PostgreSQL",
            lambda: service_load.deployment(MODELS, statements, _report_texts(DATA), work, quick),
        )
        _write_json(results)
        results["memory"] = {
            "service_peak_rss_mb": service["peak_rss_mb"],
            "kfd_tag": _step(
                "kfd tag", lambda: offline.tag_reports(DATA, MODELS, 10 if quick else 500, work)
            ),
        }
        fractions = [] if quick else [0.25, 0.5, 1.0]  # quick mode: no training (25 % alone takes ~25 s)
        results["training"] = {
            "kfd_train_folds0": _step("kfd train", lambda: offline.training_times(DATA, fractions, work)),
            "model_load_s": results["throughput"]["model_load_s"],
        }
        _write_json(results)
        if quick or skip_baseline:
            why = "quick mode" if quick else "BENCH_BASELINE=skip"
            results["quality"] = {
                "source": f"manifest ({why}: spaCy textcat not run)",
                "kfd": manifest.metrics,
            }
        elif reused_quality is not None:
            results["quality"] = reused_quality
        else:
            results["quality"] = {
                "source": "kfd evaluate --baseline spacy --json",
                **_step("kfd evaluate --baseline spacy", lambda: offline.quality(DATA)),
            }
    results["behaviour"] = _step(
        "behaviour suite and held-out reports", lambda: _behaviour_and_heldout(MODELS)
    )
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    suffix = ".quick" if quick else ""
    (HERE / f"results{suffix}.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (HERE / f"RESULTS{suffix}.md").write_text(markdown(results), encoding="utf-8")
    (HERE / "results.partial.json").unlink(missing_ok=True)
    print((HERE / f"RESULTS{suffix}.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
