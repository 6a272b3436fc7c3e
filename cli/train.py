"""`kfd train` and `kfd evaluate`: fit a versioned model, measure its quality."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cli._util import UserError, data_option, load_model, main, seed_option, settings, translate_errors


@main.command("train")
@data_option
@click.option(
    "--out",
    "out_dir",
    default="models",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Where models/<version>/ is written; models/current points to it. Must be a folder (or new).",
)
@click.option(
    "--folds",
    default=5,
    show_default=True,
    type=click.IntRange(0, 20),
    help="Grouped cross-validation folds for the metrics in the manifest (0: skip).",
)
@click.option(
    "--no-promote",
    is_flag=True,
    help="Leave models/current where it is: the new model is a candidate to compare (and promote) first.",
)
@seed_option
@translate_errors
def train_cmd(data_dir: Path, out_dir: Path, folds: int, seed: int, no_promote: bool) -> None:
    """Train a theme and sentiment model from labelled data and save it as a versioned model directory."""
    from nlp.model.artifacts import ModelManifest
    from nlp.results.output import check_output_dir
    from nlp.training.train import train

    check_output_dir(out_dir)
    click.echo(
        f"training from {data_dir} ({'cross-validating with ' + str(folds) + ' folds, ' if folds else ''}"
        "this takes a few minutes) ...",
        err=True,
    )
    model_dir = train(
        data_dir,
        out_dir,
        folds=folds,
        seed=seed,
        codebook_path=settings().codebook_path,
        promote=not no_promote,
    )
    manifest = ModelManifest.read(model_dir)
    click.echo(
        f"model {manifest.version} written to {model_dir} ({manifest.n_statements} statements, "
        f"{manifest.n_reports} reports)" + (f"; {out_dir / 'current'} left as it was" if no_promote else "")
    )
    if "themes" in manifest.metrics:
        click.echo(_metrics_summary(manifest.metrics))
    if "behaviour" in manifest.metrics:
        click.echo(_behaviour_summary(manifest.metrics["behaviour"]["overall"]))


@main.command("evaluate")
@click.option(
    "--data",
    "data_path",
    default="training_data",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Training data folder (cross-validation), or with --model a labels .jsonl file to score on.",
)
@click.option(
    "--folds",
    default=5,
    show_default=True,
    type=click.IntRange(2, 20),
    help="Cross-validation folds.",
)
@click.option(
    "--model",
    "model_path",
    default=None,
    type=click.Path(path_type=Path),
    help="Score this trained model on --data (a labelled .jsonl) instead of cross-validating.",
)
@click.option(
    "--baseline",
    type=click.Choice(["spacy"]),
    default=None,
    help="Also cross-validate spaCy's textcat on the same folds and print both side by side.",
)
@click.option(
    "--behaviour",
    is_flag=True,
    help="Score a trained model (--model, default KFD_MODEL_DIR) on the behaviour suite, per capability.",
)
@click.option(
    "--suite",
    "suite_path",
    default=str(Path("training_data") / "behaviour" / "suite.jsonl"),
    show_default=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="With --behaviour: the suite file.",
)
@click.option(
    "--show-failures",
    default=10,
    show_default=True,
    type=click.IntRange(0),
    help="With --behaviour: failing items (and broken pairs) listed per capability.",
)
@seed_option
@click.option(
    "--plot",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also draw the reliability diagram (stated probability against observed frequency) as a PNG.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@translate_errors
def evaluate_cmd(
    data_path: Path,
    folds: int,
    model_path: Path | None,
    baseline: str | None,
    behaviour: bool,
    suite_path: Path,
    show_failures: int,
    seed: int,
    plot: Path | None,
    as_json: bool,
) -> None:
    """Measure quality: grouped cross-validation (statements of one report never straddle train and
    test), with --model a trained model on a held-out labelled file, or with --behaviour a trained model
    on the behaviour suite (negation, contrast, typos, placeholders … per capability)."""
    from nlp.training.evaluate import evaluate

    codebook = settings().load_codebook()
    if behaviour:
        if baseline:
            raise UserError("--baseline cross-validates; it cannot be combined with --behaviour")
        from nlp.training.behaviour import evaluate_suite

        report = evaluate_suite(suite_path, load_model(model_path, codebook)[0], codebook)
        if as_json:
            click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            click.echo(_behaviour_table(report, suite_path, show_failures))
        return
    model = load_model(model_path, codebook)[0] if model_path is not None else None
    results = evaluate(data_path, codebook, model=model, folds=folds, seed=seed, baseline=baseline)
    if plot is not None:
        from nlp.results.output import write_output
        from nlp.training.calibration import reliability_png

        ours = results if model_path is not None else results["kfd"]
        what = f"Modell {results['model']}" if model_path is not None else "Kreuzvalidierung"
        write_output(plot, reliability_png(ours["calibration"], f"{what}: {data_path}"))
        click.echo(f"reliability diagram -> {plot}", err=True)
    if as_json:
        click.echo(json.dumps(results, indent=2, ensure_ascii=False))
        return
    if model_path is not None:
        click.echo(f"model {results['model']} on {data_path}:")
        click.echo(_metrics_table(results, codebook))
        return
    click.echo(_metrics_table(results["kfd"], codebook, results.get("spacy")))


def _metrics_summary(m: dict) -> str:
    return (
        f"cross-validated ({m.get('folds')} folds, grouped by report): themes micro-F1 {m['themes']['micro_f1']:.3f}, "
        f"macro-F1 {m['themes']['macro_f1']:.3f}; sentiment accuracy {m['sentiment']['accuracy']:.3f}, "
        f"macro-F1 {m['sentiment']['macro_f1']:.3f}"
    )


def _behaviour_summary(overall: dict) -> str:
    return (
        f"behaviour suite ({overall['n']} items): sentiment accuracy {overall['sentiment_accuracy']:.3f}, "
        f"themes F1 {overall['theme_f1']:.3f}, pairs broken {overall['pairs_broken']}/{overall['pairs']}"
    )


def _labels(labels) -> str:
    return f"{'|'.join(labels.themes) or '(none)'} / {labels.sentiment}"


def _shorten(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _behaviour_table(report, suite_path: Path, show_failures: int) -> str:
    lines = [f"model {report.model} on {suite_path} ({report.overall.n} items)", ""]
    lines.append(
        f"{'capability':<16}{'n':>5}{'sentiment acc':>15}{'theme F1':>10}{'pairs broken':>14}{'abstained':>11}"
    )

    def row(name, f) -> str:
        pairs = f"{f.pairs_broken}/{f.pairs}" if f.pairs else "-"
        abstained = f"{f.abstained:.2f}" if f.abstained is not None else "-"
        return f"{name:<16}{f.n:>5}{f.sentiment_accuracy:>15.2f}{f.theme_f1:>10.2f}{pairs:>14}{abstained:>11}"

    lines += [row(c.capability, c.figures) for c in report.capabilities]
    lines.append(row("overall", report.overall))
    if show_failures:
        lines += ["", f"failing items (gold → predicted; at most {show_failures} per capability):"]
        for c in report.capabilities:
            if not (c.failures or c.broken_pairs):
                continue
            lines += ["", f"{c.capability}: {len(c.failures)} of {c.figures.n} items wrong"]
            for f in c.failures[:show_failures]:
                lines.append(f"  {f.id:<9} {_shorten(f.text)}")
                lines.append(f"  {'':<9} {_labels(f.gold)} → {_labels(f.predicted)}")
            if len(c.failures) > show_failures:
                lines.append(f"  … and {len(c.failures) - show_failures} more")
            if c.broken_pairs:
                lines.append(f"  broken pairs ({len(c.broken_pairs)} of {c.figures.pairs}; base → edit):")
                for p in c.broken_pairs[:show_failures]:
                    lines.append(
                        f"  {p.id:<9} vs {p.pair_of} ({p.expect}): {_labels(p.base)} → {_labels(p.edited)}"
                    )
                if len(c.broken_pairs) > show_failures:
                    lines.append(f"  … and {len(c.broken_pairs) - show_failures} more")
    return "\n".join(lines)


def _metrics_table(m: dict, codebook, other: dict | None = None) -> str:
    lines = [f"{m['n_statements']} statements, {m['n_reports']} reports", ""]
    head = f"{'theme':<26}{'prec':>6}{'rec':>6}{'F1':>6}{'n':>6}"
    lines.append(head + (f"{'spaCy F1':>10}" if other else ""))
    for t in codebook.theme_ids:
        r = m["themes"]["per_label"][t]
        line = f"{t:<26}{r['precision']:>6.2f}{r['recall']:>6.2f}{r['f1']:>6.2f}{r['support']:>6}"
        if other:
            line += f"{other['themes']['per_label'][t]['f1']:>10.2f}"
        lines.append(line)
    rows = [
        ("themes micro-F1", m["themes"]["micro_f1"], other and other["themes"]["micro_f1"]),
        ("themes macro-F1", m["themes"]["macro_f1"], other and other["themes"]["macro_f1"]),
        (
            "sentiment accuracy",
            m["sentiment"]["accuracy"],
            other and other["sentiment"]["accuracy"],
        ),
        (
            "sentiment macro-F1",
            m["sentiment"]["macro_f1"],
            other and other["sentiment"]["macro_f1"],
        ),
        (
            "themes calibration (ECE)",
            m["calibration"]["themes"]["ece"],
            other and other["calibration"]["themes"]["ece"],
        ),
        (
            "sentiment calibration (ECE)",
            m["calibration"]["sentiment"]["ece"],
            other and other["calibration"]["sentiment"]["ece"],
        ),
    ]
    if "train_seconds" in m:
        rows += [
            ("training seconds (all folds)", m["train_seconds"], other and other["train_seconds"]),
            (
                "prediction seconds (all folds)",
                m["predict_seconds"],
                other and other["predict_seconds"],
            ),
        ]
    lines += ["", f"{'':<32}{'kfd':>10}" + (f"{'spaCy':>10}" if other else "")]
    for name, ours, theirs in rows:
        lines.append(f"{name:<32}{ours:>10.3f}" + (f"{theirs:>10.3f}" if other else ""))
    labels = m["sentiment"]["confusion"]["labels"]
    lines += [
        "",
        "sentiment confusion (rows: true, columns: predicted)",
        " " * 12 + "".join(f"{x:>10}" for x in labels),
    ]
    for label, row in zip(labels, m["sentiment"]["confusion"]["matrix"], strict=True):
        lines.append(f"{label:<12}" + "".join(f"{x:>10}" for x in row))
    return "\n".join(lines)
