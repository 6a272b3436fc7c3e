"""bench/RESULTS.md from the results dictionary."""

from __future__ import annotations


def _row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _ok(value: float, target: float, higher: bool = True) -> str:
    return "✅" if (value >= target if higher else value <= target) else "❌"


def _target_row(label: str, shown: object, value: float, target: float) -> str:
    """A row whose figure must reach `target` (at least)."""
    return _row(label, shown, f"≥ {target:g}", _ok(value, target))


def _quality_rows(q: dict) -> list[str]:
    ours, theirs = q.get("kfd") or {}, q.get("spacy") or {}
    rows = [_row("metric", "kfd (ours)", "spaCy textcat"), _row("---", "---:", "---:")]
    for label, path in (
        ("themes micro F1", ("themes", "micro_f1")),
        ("themes macro F1", ("themes", "macro_f1")),
        ("sentiment accuracy", ("sentiment", "accuracy")),
        ("sentiment macro F1", ("sentiment", "macro_f1")),
    ):

        def get(m, path=path):
            for key in path:
                m = m.get(key, {}) if isinstance(m, dict) else {}
            return m if m != {} else "–"

        rows.append(_row(label, get(ours), get(theirs)))
    rows.append(
        _row(
            "CV train / predict s",
            f"{ours.get('train_seconds', '–')} / {ours.get('predict_seconds', '–')}",
            f"{theirs.get('train_seconds', '–')} / {theirs.get('predict_seconds', '–')}",
        )
    )
    return rows


def _behaviour_rows(b: dict | None) -> list[str]:
    """Per capability of the behaviour suite, against issue #18's targets (0.85 each; 0.95 abstained)."""
    if not b:
        return ["(not measured in this run)"]
    rows = [
        _row("capability", "n", "sentiment acc", "theme F1", "pairs broken", "abstained", "target met"),
        _row("---", "---:", "---:", "---:", "---:", "---:", ":---:"),
    ]
    for c in [*b["capabilities"], {"capability": "overall", **b["overall"]}]:
        met = c["sentiment_accuracy"] >= 0.85 and c["theme_f1"] >= 0.85
        if c.get("abstained") is not None:
            met = met and c["abstained"] >= 0.95
        rows.append(
            _row(
                c["capability"],
                c["n"],
                f"{c['sentiment_accuracy']:.3f}",
                f"{c['theme_f1']:.3f}",
                f"{c['pairs_broken']}/{c['pairs']}" if c["pairs"] else "–",
                f"{c['abstained']:.2f}" if c.get("abstained") is not None else "–",
                "✅" if met else "❌",
            )
        )
    h = b["heldout"]
    rows += [
        "",
        f"Held-out reports ({h['n_statements']} statements, a writer of none of the training reports): themes "
        f"micro-F1 {h['themes_micro_f1']:.3f}, macro-F1 {h['themes_macro_f1']:.3f}; sentiment accuracy "
        f"{h['sentiment_accuracy']:.3f}, macro-F1 {h['sentiment_macro_f1']:.3f}; calibration error (ECE) "
        f"themes {h['themes_ece']:.3f}, sentiment {h['sentiment_ece']:.3f}.",
    ]
    return rows


def _end_to_end_rows(e: dict | None) -> list[str]:
    """The whole path on reports the model never saw, cold (bench/endtoend.py): the headline figures."""
    if not e:
        return ["(not measured in this run)"]
    rows = [
        _row("corpus (cold, fresh processes)", "files / statements", "tokenizer s", "parse s",
             "`kfd tag` s (wall − interpreter start)", "parse ÷ tokenizer", "`kfd tag` ÷ tokenizer",
             "`--jobs 1`: s; ÷ tokenizer"),
        _row("---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"),
    ]  # fmt: skip
    labels = {
        "training_reports_unseen_model": "training reports, model trained on the held-out data only",
        "heldout_reports": "held-out reports, served model",
    }
    for key, label in labels.items():
        x = e.get(key)
        if not x:
            continue
        m = x["median"]
        rows.append(
            _row(
                label,
                f"{x['files']} / {x['statements']}",
                m["tokenizer_s"],
                m["parse_s"],
                f"{m['kfd_tag_s']} ({m['kfd_tag_wall_s']} − {m['interpreter_start_s']})",
                f"{m['parse_ratio']:.3f}",
                f"{m['end_to_end_ratio']:.3f}",
                f"{m['kfd_tag_jobs1_s']}; {m['end_to_end_jobs1_ratio']:.3f}"
                if "kfd_tag_jobs1_s" in m
                else "–",
            )
        )
    return rows


def _end_to_end_targets(e: dict | None) -> list[str]:
    x = (e or {}).get("training_reports_unseen_model")
    if not x:
        return []
    m = x["median"]
    return [
        _row("headline (training reports, unseen model)", "result", "target", ""),
        _row("---", "---:", "---:", ":-:"),
        _target_row(
            "`kfd tag DIR` end to end ÷ tokenizer", f"{m['end_to_end_ratio']:.3f}", m["end_to_end_ratio"], 0.5
        ),
        _target_row("parsing alone ÷ tokenizer", f"{m['parse_ratio']:.3f}", m["parse_ratio"], 1),
    ]


def _deployment_rows(d: dict | None) -> list[str]:
    """Issue #16: workers × databases (bench/service_load.py `deployment`)."""
    if not d:
        return ["(not measured in this run)"]
    rows = [
        _row("database", "workers", "`/v1/classify` c=32 p50 / p99 ms (requests)", "c=32 requests/s",
             "`POST /v1/reports` reports/s (reports, sequential)"),
        _row("---", "---:", "---:", "---:", "---:"),
    ]  # fmt: skip
    for x in d["rows"]:
        c, rep = x["classify_c32"], x["reports"]
        rows.append(
            _row(
                x["database"],
                x["workers"],
                f"{c['p50_ms']} / {c['p99_ms']} ({c['requests']})",
                c["requests_per_s"],
                f"{rep['reports_per_s']} ({rep['reports']})",
            )
        )
    if d.get("postgresql"):
        rows += ["", f"PostgreSQL: {d['postgresql']}."]
    return rows


def markdown(r: dict) -> str:
    m, t, s = r["machine"], r["throughput"], r["service"]
    libs = ", ".join(f"{k} {v}" for k, v in m["libraries"].items() if v)
    c1, c32, batch, reports = s["classify_c1"], s["classify_c32"], s["batch"], s["reports"]
    lines = [
        "# kfd-tagger benchmark",
        "",
        f"`make bench` ({r['mode']} mode, {r['date']}, {r['bench_seconds']} s). "
        f"Model {r['model']['version']} ({r['model']['pipeline']}, {r['model']['n_statements']} statements).",
        "",
        f"Machine: {m['cpu_model']}, {m['logical_cores']} logical / {m['physical_cores']} physical cores "
        f"({m['usable_cores']} usable), {m['memory_gb']} GB, load {m['load_average_1m']} at start; "
        f"Python {m['python']}; {libs}.",
        "",
        "Throughput numbers are medians of repeated runs; each ratio is taken within one run (both "
        "systems over the same texts back to back) and its median reported.",
        "",
        "## End to end on reports the model never saw (what users wait for)",
        "",
        "Each figure from a fresh process, so every cache starts empty: the bare tokenizer "
        "(`spacy.blank('de')` made, then each raw file read and tokenised), `parse_report` over the same "
        "files, and `kfd tag DIR` as users run it (default `--jobs`, the usable cores; model load included; a "
        "bare interpreter's start, measured in the same run, subtracted). Ratios: the tokenizer's seconds ÷ ours, median over the repeats.",
        "",
        *_end_to_end_rows(r.get("end_to_end")),
        "",
        *_end_to_end_targets(r.get("end_to_end")),
        "",
        "## Speed and memory",
        "",
        _row("what", "result", "target", ""),
        _row("---", "---:", "---:", ":-:"),
        _row(
            f"in-process `tag`, statements/s ({t['statements']} statements, {t['repeats']} runs)",
            f"{t['median']['ours_per_s']:.0f}",
            "",
            "",
        ),
        _row(
            "bare `spacy.blank('de').tokenizer.pipe`, statements/s",
            f"{t['median']['tokenizer_per_s']:.0f}",
            "",
            "",
        ),
        _target_row("ratio ours ÷ tokenizer-only", f"{t['median']['ratio']:.3f}", t["median"]["ratio"], 0.5),
        _row(
            f"first pass over {t['cold_first_pass']['statements']} never-seen statements (fresh word cache "
            "and fresh tokenizer): ours / tokenizer statements/s",
            f"{t['cold_first_pass']['ours_per_s']:.0f} / {t['cold_first_pass']['tokenizer_per_s']:.0f}",
            "",
            "",
        ),
        _target_row(
            "first pass: ratio ours ÷ tokenizer-only",
            f"{t['cold_first_pass']['ratio']:.3f}",
            t["cold_first_pass"]["ratio"],
            0.5,
        ),
        _row(
            "bound: tokenizer ÷ building the result objects alone (as if features and classifiers were free)",
            f"{t.get('ratio_bound_result_objects', float('nan')):.3f}",
            "",
            "",
        ),
        _row(
            f"`/v1/classify` 1 statement, concurrency 1: p50 / p95 / p99 ms ({c1['requests']} req)",
            f"{c1['p50_ms']} / {c1['p95_ms']} / {c1['p99_ms']}",
            "p99 ≤ 25",
            _ok(c1["p99_ms"], 25, higher=False),
        ),
        _row(
            f"`/v1/classify` 1 statement, concurrency 32: p50 / p95 / p99 ms ({c32['requests']} req)",
            f"{c32['p50_ms']} / {c32['p95_ms']} / {c32['p99_ms']}",
            "",
            "",
        ),
        _row(
            "concurrency 32, requests/s (requests lost in transport)",
            f"{c32['requests_per_s']} ({c32.get('transport_errors', 0)})",
            "",
            "",
        ),
        _row(
            f"`/v1/classify` batches of {batch['batch_size']}, statements/s (median of {batch.get('rounds', 1)} "
            f"rounds of {batch['batches']}, word cache warm); in-process, measured after each round",
            f"{batch['statements_per_s']}; {batch.get('in_process_per_s', '–')}",
            "",
            "",
        ),
        _target_row(
            "batch ÷ in-process (median of the rounds' ratios"
            + (f": {', '.join(f'{r:.2f}' for r in batch['ratios'])})" if batch.get("ratios") else ")"),
            s["batch_vs_in_process"],
            s["batch_vs_in_process"],
            0.5,
        ),
        _row(
            "first pass (texts the server had not seen): batch statements/s; ÷ in-process first pass",
            f"{batch.get('first_pass_statements_per_s', float('nan'))}; "
            f"{s.get('first_pass_batch_vs_in_process', float('nan'))}",
            "",
            "",
        ),
        _target_row(
            f"`POST /v1/reports` into SQLite, one worker, sequential, reports/s ({reports['reports']} "
            f"reports a fresh server had not seen, {reports['statements']} statements)",
            reports["reports_per_s"],
            reports["reports_per_s"],
            100,
        ),
        *(
            [
                _row(
                    "the same reports again, their words in the server's caches (new content hashes), "
                    "reports/s",
                    s["reports_seen"]["reports_per_s"],
                    "",
                    "",
                )
            ]
            if s.get("reports_seen")
            else []
        ),
        _row("service: startup to ready, s", s["startup_s"], "", ""),
        _row("service: RSS when ready / peak, MB", f"{s['rss_ready_mb']} / {s['peak_rss_mb']}", "", ""),
        _row(
            f"`kfd tag` over {r['memory']['kfd_tag']['reports']} reports "
            f"({r['memory']['kfd_tag']['statements']} statements): wall s / peak RSS MB",
            f"{r['memory']['kfd_tag']['wall_s']} / {r['memory']['kfd_tag']['peak_rss_mb']}",
            "",
            "",
        ),
        _row("model load (`load_model`), s, median of 3", t["model_load_s"]["median"], "", ""),
        _row(
            "first `tag` after load (loads the spaCy pipeline), s",
            t["first_tag_s (loads the spaCy pipeline)"],
            "",
            "",
        ),
        "",
        "## Deployment: workers and databases (`kfd serve --workers N`, one run each)",
        "",
        *_deployment_rows(r.get("deployment")),
        "",
        "## Training (`kfd train --folds 0`: fit only, process start included)",
        "",
        _row("corpus", "statements", "wall s", "peak RSS MB"),
        _row("---", "---:", "---:", "---:"),
        *(
            [
                _row(f"{int(x['fraction'] * 100)} %", x["statements"], x["wall_s"], x["peak_rss_mb"])
                for x in r["training"]["kfd_train_folds0"]
            ]
            or [_row("(not run in quick mode)", "", "", "")]
        ),
        "",
        f"## Quality (grouped 5-fold CV; source: {r['quality']['source']})",
        "",
        *_quality_rows(r["quality"]),
        "",
        "## Text the model never saw: behaviour suite per capability, held-out reports",
        "",
        *_behaviour_rows(r.get("behaviour")),
        "",
        f"## Where `tag` spends its time ({t['profiled_statements']} statements, one pass per stage)",
        "",
        _row("stage", "s"),
        _row("---", "---:"),
        *[_row(k, v) for k, v in t["stages_s"].items()],
        "",
        "Heaviest functions by self time (pyinstrument, full tree in `bench/profile.txt`):",
        "",
        _row("function", "self s", "share of `tag`"),
        _row("---", "---:", "---:"),
        *[_row(f"`{p['function']}`", p["self_s"], p["share_of_tag"]) for p in t["profile_top_self_time"]],
        "",
    ]
    return "\n".join(lines)
