"""In-process tagging throughput against spaCy's bare German tokenizer, with a per-stage breakdown
and a pyinstrument profile of one `TaggerModel.tag` call."""

from __future__ import annotations

import functools
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import spacy

from nlp.codebook import load_codebook
from nlp.model.artifacts import load_model
from nlp.model.features import StatementInput
from nlp.model.inference import Tagger
from nlp.model.pipeline import load_pipeline, word_pipeline
from nlp.training.corpus import read_labels
from service.runtime import collector_paused, freeze_long_lived

# Issue #14: tagging, warm or on never-seen statements, at least half as fast as the bare tokenizer.
TARGET_RATIO = 0.5


@functools.cache
def corpus_statements(data_dir: str | Path, n: int) -> list[StatementInput]:
    """The corpus' labelled statements, cycled to `n` (read without the slow validation of `load_corpus`;
    `make bench` depends on a trained model, so the corpus was validated already)."""
    records = read_labels(Path(data_dir) / "labels.jsonl", load_codebook(), [])
    source = [StatementInput(r.text, r.section) for r in records]
    return list(itertools.islice(itertools.cycle(source), n))


def _timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _tokenize_all(tokenizer, texts: list[str]) -> int:
    return sum(len(doc) for doc in tokenizer.pipe(texts, batch_size=256))


def stage_breakdown(model, statements: list[StatementInput]) -> dict[str, float]:
    """Seconds per stage of `tag`, measured by running the stages one after another (word caches warm)."""
    lang = load_pipeline(model.pipeline_name)
    texts = [" ".join(s.text.split()) for s in statements]
    model.tag(statements)  # warm the word cache and the per-word sums, as in the throughput runs
    out: dict[str, float] = {}
    out["decision values of every linear model (word-level fast path, caches warm)"], decisions = _timed(
        lambda: model.decisions(statements)
    )
    out["probabilities from the decision values"], (theme_p, sentiment_p) = _timed(
        lambda: model.probabilities_from(decisions)
    )
    with collector_paused():  # as the edges build them
        out["result objects (`Prediction` with score dicts)"], _ = _timed(
            lambda: model.predictions(theme_p, sentiment_p)
        )
    out["tag (all of the above in one call)"], _ = _timed(lambda: model.tag(statements))
    # For comparison: the feature matrices the decision values stand for (built by the word-level path,
    # used by `explain`), and the general path through spaCy's pipe and the fitted scikit-learn
    # transformers, which the fast path replaces (and `de_core_news_sm` models still use).
    out["feature matrices (word-level path; `tag` does not build them)"], _ = _timed(
        lambda: model.fast.transform([s.text for s in statements], [s.section for s in statements])
    )
    out["general path: spaCy pipe with lemmatizer"], _ = _timed(
        lambda: sum(len(d) for d in lang.pipe(texts, batch_size=256))
    )
    out["general path: prepare + ColumnTransformer"], _ = _timed(lambda: model.model.transform(statements))
    return {k: round(v, 4) for k, v in out.items()}


def cold_first_pass(model, statements: list[StatementInput]) -> dict[str, float]:
    """Throughput on words never seen before: a fresh word cache for ours and a fresh tokenizer
    (whose own chunk cache is empty too), one pass over the corpus' distinct statements."""
    unique = list({(s.text, s.section): s for s in statements}.values())
    texts = [s.text for s in unique]
    # A fresh word cache and a fresh tokenizer for ours, both made before the clock starts, as the bare
    # tokenizer is (a loaded model makes its tokenizer on the first new word: `FastFeatures.tokenizing`).
    model = Tagger(bundle=model.bundle, version=model.version, lang=word_pipeline())
    tokenizer = spacy.blank("de").tokenizer
    t_tok, _ = _timed(lambda: _tokenize_all(tokenizer, texts))
    t_ours, _ = _timed(lambda: _tag(model, unique))
    return {
        "statements": len(unique),
        "tokenizer_per_s": round(len(unique) / t_tok, 1),
        "ours_per_s": round(len(unique) / t_ours, 1),
        "ratio": round(t_tok / t_ours, 3),
    }


def _tag(model: Tagger, statements: list[StatementInput]):
    """`tag` as the edges call it: with the cyclic collector paused (`service.runtime`)."""
    with collector_paused():
        return model.tag(statements)


def profile_tag(model, statements: list[StatementInput], out_path: Path) -> list[dict]:
    """Profile one `tag` call with pyinstrument; write the text report, return the heaviest frames."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    model.tag(statements)
    profiler.stop()
    session = profiler.last_session
    out_path.write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
    # Self time per function over the call tree of `tag` (pyinstrument's synthetic frames skipped).
    totals: dict[str, float] = {}
    tag_total = 0.0

    def walk(frame):
        nonlocal tag_total
        if frame.function == "tag" and frame.file_path and frame.file_path.endswith("inference.py"):
            tag_total = max(tag_total, frame.time)
        if frame.file_path and not frame.file_path.startswith("<") and not frame.function.startswith("["):
            key = f"{frame.function} ({Path(frame.file_path).parent.name}/{Path(frame.file_path).name})"
            totals[key] = totals.get(key, 0.0) + frame.total_self_time
        for child in frame.children:
            walk(child)

    walk(session.root_frame())
    tag_total = tag_total or session.duration or 1.0
    top = sorted(totals.items(), key=lambda kv: -kv[1])[:12]
    return [{"function": k, "self_s": round(v, 3), "share_of_tag": round(v / tag_total, 3)} for k, v in top]


def probe(data_dir: str | Path, model_dir: str | Path, n: int) -> Callable[[], float]:
    """A function that measures the in-process throughput (statements/s of one `tag` over `n` corpus
    statements, word cache warm) each time it is called: what batches through the service are compared
    with, in the same seconds."""
    model, _ = load_model(model_dir)
    freeze_long_lived()  # as the service and `kfd tag` do after loading
    statements = corpus_statements(data_dir, n)
    model.tag(statements)

    def measure() -> float:
        seconds, _ = _timed(lambda: _tag(model, statements))
        return n / seconds

    return measure


def run(
    data_dir: str, model_dir: str, n: int, repeats: int, profile_path: Path, n_profile: int = 5000
) -> dict:
    load_times = []
    for _ in range(3):
        t, (model, _) = _timed(lambda: load_model(model_dir))
        load_times.append(t)
    freeze_long_lived()  # as the service and `kfd tag` do after loading
    first_tag, _ = _timed(lambda: model.tag([StatementInput("Die Veranstaltung war gut besucht.")]))
    statements = corpus_statements(data_dir, n)
    cold = cold_first_pass(model, statements)
    print(
        f"bench: first pass over {cold['statements']} never-seen statements: {cold['ratio']:.3f} × the "
        f"tokenizer (target ≥ {TARGET_RATIO})",
        file=sys.stderr,
        flush=True,
    )
    texts = [s.text for s in statements]
    tokenizer = spacy.blank("de").tokenizer
    # Warm both over every text first: spaCy's tokenizer caches each whitespace-separated chunk, and the
    # first pass over new words also fills the vocabulary, so an unwarmed first run would favour ours.
    _tokenize_all(tokenizer, texts)
    model.tag(statements)  # fills the word cache, as a running service has it

    runs = []
    for _ in range(repeats):
        t_tok, n_tokens = _timed(lambda: _tokenize_all(tokenizer, texts))
        t_ours, predictions = _timed(lambda: _tag(model, statements))
        assert len(predictions) == n
        runs.append(
            {
                "tokenizer_per_s": n / t_tok,
                "ours_per_s": n / t_ours,
                "ratio": t_tok / t_ours,
            }
        )
    warm = statistics.median(r["ratio"] for r in runs)
    print(
        f"bench: warm tag: {warm:.3f} × the tokenizer (target ≥ {TARGET_RATIO})", file=sys.stderr, flush=True
    )
    profiled = statements[:n_profile]
    breakdown = stage_breakdown(model, profiled)
    top = profile_tag(model, profiled, profile_path)
    # What the ratio could at most be if features and classifiers cost nothing: the tokenizer against
    # building the result objects alone (per statement, tokenizer time from the same run's median).
    tokenizer_s_per_statement = 1 / statistics.median(r["tokenizer_per_s"] for r in runs)
    objects_s_per_statement = breakdown["result objects (`Prediction` with score dicts)"] / len(profiled)
    return {
        "statements": n,
        "profiled_statements": min(n, n_profile),
        "tokens": n_tokens,
        "repeats": repeats,
        "runs": [{k: round(v, 3) for k, v in r.items()} for r in runs],
        "median": {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]},
        "model_load_s": {
            "median": round(statistics.median(load_times), 3),
            "all": [round(t, 3) for t in load_times],
        },
        "first_tag_s (loads the spaCy pipeline)": round(first_tag, 3),
        "cold_first_pass": cold,
        "ratio_bound_result_objects": round(
            tokenizer_s_per_statement / max(objects_s_per_statement, 1e-9), 3
        ),
        "stages_s": breakdown,
        "profile_top_self_time": top,
        "mean_chars_per_statement": round(float(np.mean([len(t) for t in texts])), 1),
    }
