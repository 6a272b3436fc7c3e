"""`kfd suggest` and `kfd import-labels`: the loop that turns corrections into training data."""

from __future__ import annotations

from pathlib import Path

import click

from cli._util import data_option, excel_option, load_model, main, model_option, settings, translate_errors


@main.command("suggest")
@click.argument("results", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--n", "n", default=50, show_default=True, type=click.IntRange(1), help="How many statements.")
@model_option("The model whose thresholds decide (the one that tagged RESULTS).")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the suggested records here (.csv or .jsonl) to correct and `kfd import-labels` "
    "(.xlsx: to read in Excel).",
)
@excel_option
@translate_errors
def suggest_cmd(results: Path, n: int, model_path: Path | None, output: Path | None, excel: bool):
    """List the statements the model is least sure about — a theme probability near its threshold, or two
    sentiments nearly tied — to label next."""
    from nlp.model.artifacts import ModelManifest, resolve_model_dir
    from nlp.results.output import open_output, output_target
    from nlp.results.records import read_records, write_records, write_records_xlsx
    from nlp.training.suggest import least_certain

    if output is not None:
        output_target(output)
    codebook = settings().load_codebook()
    manifest = ModelManifest.read(resolve_model_dir(model_path or settings().model_dir))
    records = read_records(results, codebook)
    others = {r.model_version for r in records if r.model_version not in (manifest.version, None)}
    if others:
        click.echo(
            f"note: RESULTS were tagged by {', '.join(sorted(others))}, not {manifest.version}", err=True
        )
    chosen = least_certain(records, manifest.thresholds, n)
    if output:
        suffix = output.suffix.lower()
        if suffix == ".xlsx" and not excel:
            with open_output(output, binary=True) as b:
                write_records_xlsx([rec for _, rec in chosen], b, codebook)
        else:
            fmt = "csv" if excel or suffix == ".csv" else "jsonl"
            with open_output(output, encoding="utf-8-sig" if excel else "utf-8") as f:
                write_records([rec for _, rec in chosen], f, fmt, codebook, excel=excel)
        click.echo(f"{len(chosen)} statements -> {output}", err=True)
        return
    click.echo(f"{'margin':>7}  {'closest call':<48}  statement")
    for u, rec in chosen:
        where = f"[{rec.origin.report or rec.id}]"
        click.echo(f"{u.margin:>7.3f}  {u.detail:<48}  {rec.text[:70]!r} {where}")


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
    corrected: Path, data_dir: Path, report_dirs: tuple[Path, ...], model_path: Path | None, dry_run: bool
) -> None:
    """Append corrected tags to the training data: CORRECTED is a `kfd tag` output (.csv or .jsonl) whose
    `themes` (ids or German names, joined with '|') and `sentiment` columns were edited.

    Every row is checked against the codebook and its report; with any invalid row nothing is written
    (exit code 2, one line per problem). Then `kfd data check` and `kfd train` pick the rows up."""
    from nlp.model.features import StatementInput
    from nlp.training.label_import import apply_import, describe_changes, plan_import

    codebook = settings().load_codebook()
    plan = plan_import(corrected, data_dir, codebook, report_dirs)
    if not plan.ok:
        for problem in plan.problems:
            click.echo(problem, err=True)
        click.echo(f"{len(plan.problems)} problems; nothing written", err=True)
        raise SystemExit(2)
    model, _ = load_model(model_path, codebook)
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
