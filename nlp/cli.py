"""The `kfd` command line: a thin edge over the library. Library errors become exit code 2 and one line."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from .errors import KfdError


class UserError(click.ClickException):
    """A problem with the user's input: one readable line on stderr, exit code 2."""

    exit_code = 2


def translate_errors(func):
    """Turn the library's typed errors into UserError, so no stack trace reaches the user."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KfdError as e:
            raise UserError(str(e)) from None

    return wrapper


data_option = click.option(
    "--data",
    "data_dir",
    default="training_data",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder with codebook.yaml, labels.jsonl, reports/.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kfd-tagger")
def main() -> None:
    """kfd-tagger: parse, tag and aggregate Kommunale Flüchtlingsdialoge reports."""


@main.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the parsed report(s) as JSON.")
@translate_errors
def parse_cmd(files: tuple[Path, ...], as_json: bool) -> None:
    """Parse report FILES (.txt, .docx, .html) into fields, sections and statements.

    With one file, --json prints one object; with several, a JSON array.
    """
    from .report import parse_report

    reports = [parse_report(path) for path in files]
    if as_json:
        data = [r.to_dict() for r in reports]
        json.dump(data[0] if len(data) == 1 else data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    for path, report in zip(files, reports, strict=True):
        click.echo(_summary(path, report))


@main.group("data")
def data_group() -> None:
    """Check the labelled training data."""


@data_group.command("check")
@data_option
@click.option(
    "--labels",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Check this labels file instead of DATA/labels.jsonl.",
)
@click.option("--show-near", default=15, show_default=True, help="How many near-duplicate pairs to list.")
@translate_errors
def data_check_cmd(data_dir: Path, labels: Path | None, show_near: int) -> None:
    """Validate the labels (ids, texts found in their reports, duplicates, coverage) and print the
    label distribution. Exit code 2 when anything is invalid, with one line per problem."""
    from .codebook import load_codebook
    from .corpus import check_corpus, distribution

    result = check_corpus(data_dir, labels)
    codebook = load_codebook(data_dir / "codebook.yaml")
    dist = distribution(result.statements, codebook)
    n_reports = len({r.report for r in result.statements if r.report})
    click.echo(f"{len(result.statements)} labelled statements from {n_reports} reports\n")
    click.echo(f"{'theme':<26}{'name':<30}{'n':>6}")
    for theme in codebook.themes:
        click.echo(f"{theme.id:<26}{theme.name:<30}{dist['themes'][theme.id]:>6}")
    no_theme = sum(1 for r in result.statements if not r.themes)
    click.echo(f"{'(no theme)':<56}{no_theme:>6}\n")
    click.echo(f"{'sentiment':<56}{'n':>6}")
    for sentiment in codebook.sentiment_ids:
        click.echo(f"{sentiment:<56}{dist['sentiments'][sentiment]:>6}")
    click.echo("\n" + "section".ljust(56) + "n".rjust(6))
    for section, n in sorted(dist["sections"].items()):
        click.echo(f"{section:<56}{n:>6}")
    if result.near_duplicates:
        click.echo(f"\n{len(result.near_duplicates)} near-duplicate pairs (character 4-gram Jaccard >= 0.8):")
        for score, a, b in result.near_duplicates[:show_near]:
            click.echo(f"  {score:.2f}  line {a.line} ~ line {b.line}: {a.text[:50]!r} ~ {b.text[:50]!r}")
    if result.problems:
        for problem in result.problems:
            click.echo(problem, err=True)
        raise SystemExit(2)
    click.echo("\nok: the labelled data is valid")


@main.command("train")
@data_option
@click.option(
    "--out",
    "out_dir",
    default="models",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Where models/<version>/ is written; models/current points to it.",
)
@click.option(
    "--folds",
    default=5,
    show_default=True,
    type=click.IntRange(0, 20),
    help="Grouped cross-validation folds for the metrics in the manifest (0: skip).",
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    help="Random seed; the same data and seed give the same model.",
)
@translate_errors
def train_cmd(data_dir: Path, out_dir: Path, folds: int, seed: int) -> None:
    """Train a theme and sentiment model from labelled data and save it as a versioned model directory."""
    from .artifacts import ModelManifest
    from .train import train

    click.echo(
        f"training from {data_dir} ({'cross-validating with ' + str(folds) + ' folds, ' if folds else ''}"
        "this takes a few minutes) ...",
        err=True,
    )
    model_dir = train(data_dir, out_dir, folds=folds, seed=seed)
    manifest = ModelManifest.read(model_dir)
    click.echo(
        f"model {manifest.version} written to {model_dir} ({manifest.n_statements} statements, "
        f"{manifest.n_reports} reports)"
    )
    if manifest.metrics:
        click.echo(_metrics_summary(manifest.metrics))


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
    type=click.Path(path_type=Path),
    default=None,
    help="Score this trained model on --data (a labelled .jsonl) instead of cross-validating.",
)
@click.option(
    "--baseline",
    type=click.Choice(["spacy"]),
    default=None,
    help="Also cross-validate spaCy's textcat on the same folds and print both side by side.",
)
@click.option("--seed", default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@translate_errors
def evaluate_cmd(
    data_path: Path,
    folds: int,
    model_path: Path | None,
    baseline: str | None,
    seed: int,
    as_json: bool,
) -> None:
    """Measure quality: grouped cross-validation (statements of one report never straddle train and
    test) or, with --model, a trained model on a held-out labelled file."""
    from .codebook import load_codebook
    from .corpus import load_corpus, read_labels
    from .errors import CorpusError
    from .evaluate import cross_validate, score_model, to_examples
    from .pipeline import available_pipeline

    codebook = load_codebook()
    if model_path is not None:
        from .artifacts import load_model

        model, _ = load_model(model_path, codebook)
        problems: list[str] = []
        records = read_labels(data_path, codebook, problems)
        if problems:
            raise CorpusError(
                "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
            )
        results = {"model": model.version, **score_model(model, to_examples(records), codebook)}
    else:
        examples = to_examples(load_corpus(data_path))
        pipeline = available_pipeline().name
        results = {"kfd": cross_validate(examples, codebook, pipeline, folds, seed)}
        if baseline == "spacy":
            from .baseline import spacy_textcat

            results["spacy"] = cross_validate(
                examples, codebook, pipeline, folds, seed, fit=spacy_textcat(codebook, seed)
            )
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


@main.command("tag")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--model",
    "model_path",
    default="models",
    show_default=True,
    type=click.Path(path_type=Path),
    help="A model directory, or a folder whose `current` is used.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write here instead of standard output.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    default=None,
    help="Output format (default: from --output's suffix, else jsonl).",
)
@click.option("--explain", is_flag=True, help="Add the terms that pushed each assigned label.")
@translate_errors
def tag_cmd(
    inputs: tuple[Path, ...], model_path: Path, output: Path | None, fmt: str | None, explain: bool
) -> None:
    """Tag every statement of report files (.txt, .docx, .html) or statement tables (.jsonl, .csv with a
    `text` column and optional `id`, `section`) with themes and a sentiment."""
    from .artifacts import load_model
    from .tagging import collect, tag, write_records

    model, _ = load_model(model_path)
    items = collect(inputs)
    records = tag(model, items, explain=explain)
    fmt = fmt or ("csv" if output and output.suffix.lower() == ".csv" else "jsonl")
    if output is None:
        write_records(records, sys.stdout, fmt, model.theme_ids, model.sentiment_ids)
        return
    tmp = output.with_name(f".{output.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        write_records(records, f, fmt, model.theme_ids, model.sentiment_ids)
    tmp.replace(output)
    click.echo(f"{len(records)} statements tagged with model {model.version} -> {output}", err=True)


@main.command("serve")
@click.option("--host", default=None, help="Address to bind (default: KFD_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default: KFD_PORT or 8000).")
@translate_errors
def serve_cmd(host: str | None, port: int | None) -> None:
    """Start the HTTP service (uvicorn) with the current model and the database of KFD_DATABASE_URL.

    Without KFD_API_KEYS/KFD_ADMIN_KEYS it serves only on loopback."""
    from service.main import serve
    from service.settings import get_settings

    updates = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    serve(get_settings().model_copy(update=updates))


@main.command("retag")
@click.option(
    "--model",
    "model_path",
    default=None,
    type=click.Path(path_type=Path),
    help="Model to tag with (default: KFD_MODEL_DIR, i.e. models/current).",
)
@click.option("--report", "report_id", default=None, type=int, help="Only this stored report.")
@click.option(
    "--all", "retag_all", is_flag=True, help="Also statements already tagged by this model version."
)
@translate_errors
def retag_cmd(model_path: Path | None, report_id: int | None, retag_all: bool) -> None:
    """Tag stored reports again after retraining, so every stored tag records one model version."""
    from service.settings import get_settings

    from .artifacts import load_model
    from .store import Store

    settings = get_settings()
    model, _ = load_model(model_path or settings.model_dir)
    result = Store(settings.database_url).retag(model, report_id, only_outdated=not retag_all)
    click.echo(
        f"retagged {result.n_statements} statements in {result.n_reports} reports with model {model.version}"
    )


def _summary(path: Path, report) -> str:
    k, v = report.kommune, report.veranstaltung
    by_section: dict[str, int] = {}
    for s in report.statements:
        by_section[s.section] = by_section.get(s.section, 0) + 1
    lines = [
        f"{path}",
        f"  Kommune:        {k.name or '?'} (Landkreis {k.landkreis or '?'}, "
        f"Regierungsbezirk {k.regierungsbezirk or '?'}, {k.einwohner or '?'} Einwohner)",
        f"  Termine:        {', '.join(v.termine) or '?'}{'  ' + v.uhrzeit if v.uhrzeit else ''}",
        f"  Teilnehmende:   {v.teilnehmende if v.teilnehmende is not None else '?'}"
        f" (davon Geflüchtete: {v.gefluechtete if v.gefluechtete is not None else '?'})",
        f"  Kosten gesamt:  {_euro(report.kosten.gesamt_eur)}",
        f"  Sections:       {', '.join(report.sections)}",
        f"  Statements:     {len(report.statements)} ("
        + ", ".join(f"{key} {n}" for key, n in by_section.items())
        + ")",
    ]
    lines += [f"  warning: {w}" for w in report.warnings]
    return "\n".join(lines)


def _euro(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,.2f} €".replace(",", "X").replace(".", ",").replace("X", ".")


if __name__ == "__main__":  # pragma: no cover
    main()
