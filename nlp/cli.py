"""The `kfd` command line: a thin edge over the library. Library errors become exit code 2 and one line."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from pathlib import Path

import click

from .errors import KfdError


class UserError(click.ClickException):
    """A problem with the user's input: one readable line on stderr, exit code 2."""

    exit_code = 2


def model_option(help: str, default: str | None = "models"):
    """--model: a model directory, or a folder whose `current` is used."""
    return click.option(
        "--model",
        "model_path",
        default=default,
        show_default=default is not None,
        type=click.Path(path_type=Path),
        help=help,
    )


excel_option = click.option(
    "--excel", is_flag=True, help="CSV for German Excel: BOM, ';' and decimal commas."
)


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


seed_option = click.option(
    "--seed", default=0, show_default=True, help="Random seed; the same data and seed give the same model."
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
@seed_option
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


def _load_model(path: Path, codebook=None):
    """The model for a command that tags many statements, its heap frozen as the service does (see
    `freeze_long_lived`)."""
    from .artifacts import load_model
    from .classifier import freeze_long_lived

    loaded = load_model(path, codebook)
    freeze_long_lived()
    return loaded


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
@model_option(
    "Score this trained model on --data (a labelled .jsonl) instead of cross-validating.", default=None
)
@click.option(
    "--baseline",
    type=click.Choice(["spacy"]),
    default=None,
    help="Also cross-validate spaCy's textcat on the same folds and print both side by side.",
)
@seed_option
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
        model, _ = _load_model(model_path, codebook)
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
@model_option("A model directory, or a folder whose `current` is used.")
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
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for German Excel: UTF-8 with BOM, ';' as delimiter, decimal commas (implies --format csv).",
)
@click.option(
    "--jobs",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Tag this many files at once, in separate processes.",
)
@click.option("--explain", is_flag=True, help="Add the terms that pushed each assigned label.")
@click.option("--redact", is_flag=True, help="Leave out the contact person (`kontakt`) of every record.")
@translate_errors
def tag_cmd(
    inputs: tuple[Path, ...],
    model_path: Path,
    output: Path | None,
    fmt: str | None,
    excel: bool,
    jobs: int,
    explain: bool,
    redact: bool = False,
) -> None:
    """Tag every statement of report files (.txt, .docx, .html), folders of reports, or statement tables
    (.jsonl, .csv with a `text` column and optional `id`, `section`) with themes and a sentiment.

    Each record carries the report's kommune, landkreis, regierungsbezirk and first event date. A report
    that cannot be read is skipped and listed at the end; the exit code is then 1."""
    from .batch import sources, tag_sources, write_results
    from .codebook import load_codebook

    codebook = load_codebook()
    model, _ = _load_model(model_path, codebook)
    inputs_, skipped = sources(inputs)
    if not inputs_:
        raise UserError(f"no reports (.txt, .docx, .html) found in {', '.join(map(str, inputs))}")
    with _progress(len(inputs_), "tagging") as on_result:
        batch = tag_sources(model, inputs_, jobs=jobs, explain=explain, on_result=on_result)
    if redact:
        batch.records = [{k: v for k, v in rec.items() if k != "kontakt"} for rec in batch.records]
    fmt = "csv" if excel else fmt or ("csv" if output and output.suffix.lower() == ".csv" else "jsonl")
    if output is None:
        write_results(batch.records, sys.stdout, fmt, codebook, excel=excel)
    else:
        tmp = output.with_name(f".{output.name}.tmp")
        with tmp.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="") as f:
            write_results(batch.records, f, fmt, codebook, excel=excel)
        tmp.replace(output)
    n_ok = batch.n_files - len(batch.failures)
    where = f" -> {output}" if output else ""
    click.echo(
        f"{len(batch.records)} statements from {n_ok} of {batch.n_files} files tagged with model "
        f"{model.version}{where}",
        err=True,
    )
    if skipped:
        click.echo(f"skipped {len(skipped)} files that are not reports: {_names(skipped)}", err=True)
    if batch.failures:
        click.echo(f"{len(batch.failures)} files failed:", err=True)
        for failure in batch.failures:
            click.echo(f"  {failure.path}: {failure.reason}", err=True)
        raise SystemExit(1)


def _names(paths, limit: int = 5) -> str:
    shown = ", ".join(str(p) for p in paths[:limit])
    return shown + (f" (and {len(paths) - limit} more)" if len(paths) > limit else "")


@contextlib.contextmanager
def _progress(total: int, what: str):
    """A per-file callback: a progress bar on a terminal, one plain line per file in a pipe."""
    done = 0
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        # No refresh thread (auto_refresh=False): the worker processes of --jobs are forked meanwhile.
        with Progress(
            f"[bold]{what}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),  # standard output may carry the records
            transient=True,
            auto_refresh=False,
        ) as bar:
            task = bar.add_task(what, total=total)
            bar.refresh()

            def advance(result) -> None:
                bar.advance(task)
                bar.refresh()

            yield advance
        return

    def line(result) -> None:
        nonlocal done
        done += 1
        status = f"failed: {result.failure.reason}" if result.failure else f"{len(result.records)} statements"
        click.echo(f"[{done}/{total}] {result.path}: {status}", err=True)

    yield line


def _filter_options(func):
    """--theme, --sentiment, --section, --landkreis, --regierungsbezirk, --year: keep matching statements."""
    for dimension in reversed(("theme", "sentiment", "section", "landkreis", "regierungsbezirk", "year")):
        func = click.option(
            f"--{dimension}",
            f"filter_{dimension}",
            multiple=True,
            help=f"Keep statements with this {dimension} (repeat or comma-separate for several).",
        )(func)
    return func


def _filters(kwargs: dict) -> dict[str, list[str]]:
    filters = {}
    for key in [k for k in kwargs if k.startswith("filter_")]:
        values = [v.strip() for item in kwargs.pop(key) for v in item.split(",") if v.strip()]
        if values:
            filters[key.removeprefix("filter_")] = values
    return filters


@main.command("aggregate")
@click.argument("results", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--by",
    multiple=True,
    help="Dimensions, comma-separated or repeated: theme, sentiment, section, landkreis, regierungsbezirk, "
    "year (default: theme,sentiment).",
)
@_filter_options
@click.option(
    "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the table as CSV here."
)
@excel_option
@click.option(
    "--plot",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also draw themes × sentiment of the (filtered) statements as a PNG chart.",
)
@translate_errors
def aggregate_cmd(
    results: Path, by: tuple[str, ...], output: Path | None, excel: bool, plot: Path | None, **kw
):
    """Counts and shares of the statements in a `kfd tag` output (.jsonl or .csv), grouped by dimensions.

    A statement with several themes counts once per theme; `share = count / total`, where total counts the
    statements in the same section/landkreis/regierungsbezirk/year group. The HTTP route /v1/aggregate
    computes the same table."""
    from .aggregate import StatementRow, aggregate, write_csv
    from .batch import read_results
    from .codebook import load_codebook

    codebook = load_codebook()
    filters = _filters(kw)
    rows = [StatementRow.from_record(r) for r in read_results(results, codebook)]
    table = aggregate(rows, list(by) or None, filters, codebook)
    if output:
        with output.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="") as f:
            write_csv(table, f, *((";", ",") if excel else (",", ".")))
        click.echo(f"{len(table.rows)} groups of {table.n_statements} statements -> {output}", err=True)
    else:
        write_csv(table, sys.stdout, "\t")
    if plot:
        from .charts import theme_sentiment_png

        # a table already grouped by theme and sentiment serves (the chart sums over other dimensions)
        chart = (
            table
            if {"theme", "sentiment"} <= set(table.by)
            else aggregate(rows, ("theme", "sentiment"), filters, codebook)
        )
        plot.write_bytes(theme_sentiment_png(chart, codebook))
        click.echo(f"chart -> {plot}", err=True)


@main.command("report")
@click.argument("results", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--html",
    "html_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Page to write.",
)
@_filter_options
@click.option(
    "--examples", default=3, show_default=True, type=click.IntRange(0, 50), help="Examples per label."
)
@click.option("--title", default="Kommunale Flüchtlingsdialoge: Auswertung", show_default=True)
@translate_errors
def report_cmd(results: Path, html_path: Path, examples: int, title: str, **kw):
    """One self-contained HTML page of a `kfd tag` output: tables, the chart (embedded), and the most
    confident example statements per theme and sentiment — ready to mail."""
    from .batch import read_results
    from .codebook import load_codebook
    from .html_report import render

    codebook = load_codebook()
    page = render(read_results(results, codebook), codebook, _filters(kw), title, examples)
    html_path.write_text(page, encoding="utf-8")
    click.echo(f"report -> {html_path}", err=True)


@main.command("suggest")
@click.argument("results", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--n", "n", default=50, show_default=True, type=click.IntRange(1), help="How many statements.")
@model_option("The model whose thresholds decide (the one that tagged RESULTS).")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the suggested records here (.csv or .jsonl) to correct and `kfd import-labels`.",
)
@excel_option
@translate_errors
def suggest_cmd(results: Path, n: int, model_path: Path, output: Path | None, excel: bool):
    """List the statements the model is least sure about — a theme probability near its threshold, or two
    sentiments nearly tied — to label next."""
    from .artifacts import ModelManifest, resolve_model_dir
    from .batch import read_results, write_results
    from .codebook import load_codebook
    from .suggest import least_certain

    codebook = load_codebook()
    manifest = ModelManifest.read(resolve_model_dir(model_path))
    records = read_results(results, codebook)
    others = {r.get("model_version") for r in records} - {manifest.version, None}
    if others:
        click.echo(
            f"note: RESULTS were tagged by {', '.join(sorted(others))}, not {manifest.version}", err=True
        )
    chosen = least_certain(records, manifest.thresholds, n)
    if output:
        fmt = "csv" if excel or output.suffix.lower() == ".csv" else "jsonl"
        with output.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="") as f:
            write_results([dict(rec) for _, rec in chosen], f, fmt, codebook, excel=excel)
        click.echo(f"{len(chosen)} statements -> {output}", err=True)
        return
    click.echo(f"{'margin':>7}  {'closest call':<48}  statement")
    for u, rec in chosen:
        where = f"[{rec.get('report') or rec.get('id')}]"
        click.echo(f"{u.margin:>7.3f}  {u.detail:<48}  {rec['text'][:70]!r} {where}")


@main.command("import-labels")
@click.argument("corrected", type=click.Path(path_type=Path, dir_okay=False))
@data_option
@click.option(
    "--reports",
    "report_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder with the report files the rows come from (repeatable); they are copied into DATA/reports/.",
)
@model_option("The model whose tags the corrections are compared with.")
@click.option("--dry-run", is_flag=True, help="Validate and show the changes, but write nothing.")
@translate_errors
def import_labels_cmd(
    corrected: Path, data_dir: Path, report_dirs: tuple[Path, ...], model_path: Path, dry_run: bool
) -> None:
    """Append corrected tags to the training data: CORRECTED is a `kfd tag` output (.csv or .jsonl) whose
    `themes` (ids or German names, joined with '|') and `sentiment` columns were edited.

    Every row is checked against the codebook and its report; with any invalid row nothing is written
    (exit code 2, one line per problem). Then `kfd data check` and `kfd train` pick the rows up."""
    from .codebook import load_codebook
    from .features import StatementInput
    from .label_import import apply_import, describe_changes, plan_import

    codebook = load_codebook(data_dir / "codebook.yaml")
    plan = plan_import(corrected, data_dir, codebook, report_dirs)
    if not plan.ok:
        for problem in plan.problems:
            click.echo(problem, err=True)
        click.echo(f"{len(plan.problems)} problems; nothing written", err=True)
        raise SystemExit(2)
    model, _ = _load_model(model_path, codebook)
    predictions = model.tag([StatementInput(r.text, r.section) for r in plan.rows])
    changes = describe_changes(plan.rows, predictions)
    click.echo(f"changes relative to model {model.version}:")
    for line in changes:
        click.echo(f"  {line}")
    click.echo(
        f"{len(plan.rows)} rows to add ({len(changes)} differ from the model's tags), {plan.unchanged} already "
        f"labelled, {len(plan.copies)} reports to copy"
    )
    if dry_run:
        click.echo("dry run: nothing written")
        return
    apply_import(plan, data_dir)
    click.echo(f"appended to {data_dir / 'labels.jsonl'}; next: kfd data check --data {data_dir}, kfd train")


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
@model_option("Model to tag with (default: KFD_MODEL_DIR, i.e. models/current).", default=None)
@click.option("--report", "report_id", default=None, type=int, help="Only this stored report.")
@click.option(
    "--all", "retag_all", is_flag=True, help="Also statements already tagged by this model version."
)
@translate_errors
def retag_cmd(model_path: Path | None, report_id: int | None, retag_all: bool) -> None:
    """Tag stored reports again after retraining, so every stored tag records one model version."""
    from service.settings import get_settings

    from .store import Store

    settings = get_settings()
    model, _ = _load_model(model_path or settings.model_dir)
    result = Store(settings.database_url).retag(model, report_id, only_outdated=not retag_all)
    click.echo(
        f"retagged {result.n_statements} statements in {result.n_reports} reports with model {model.version}"
    )


database_option = click.option(
    "--database",
    "database_url",
    default=None,
    help="SQLAlchemy URL of the database (default: KFD_DATABASE_URL, i.e. sqlite:///data/kfd.sqlite3).",
)


def _store(database_url: str | None):
    from .store import Store

    if database_url is None:
        from service.settings import get_settings

        database_url = get_settings().database_url
    return Store(database_url)


@main.command("export-db")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@database_option
@translate_errors
def export_db_cmd(out: Path, database_url: str | None) -> None:
    """Back up every stored report with its tagged statements to OUT (JSON Lines, one report a line).
    The backup holds the reports' contact persons: keep it as safe as the database."""
    from .backup import export_db

    result = export_db(_store(database_url), out)
    click.echo(f"exported {result.n_reports} reports with {result.n_statements} statements -> {out}")


@main.command("import-db")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@database_option
@translate_errors
def import_db_cmd(source: Path, database_url: str | None) -> None:
    """Restore reports and their tags from a backup written by `kfd export-db`. Reports already stored
    (same content or external id) are skipped, so importing twice changes nothing."""
    from .backup import import_db

    result = import_db(_store(database_url), source)
    click.echo(
        f"imported {result.n_reports} reports with {result.n_statements} statements "
        f"({result.n_skipped} already stored)"
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
