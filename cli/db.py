"""`kfd retag`, `kfd export-db`, `kfd import-db`: the stored reports."""

from __future__ import annotations

from pathlib import Path

import click

from cli._util import database_option, load_model, main, model_option, settings, translate_errors


@main.command("retag")
@model_option("Model to tag with.")
@click.option("--report", "report_id", default=None, type=int, help="Only this stored report.")
@click.option(
    "--all", "retag_all", is_flag=True, help="Also statements already tagged by this model version."
)
@translate_errors
def retag_cmd(model_path: Path | None, report_id: int | None, retag_all: bool) -> None:
    """Tag stored reports again after retraining, so every stored tag records one model version."""
    from nlp.intake import retag

    model, _ = load_model(model_path)
    result = retag(_store(None), model, report_id, only_outdated=not retag_all)
    click.echo(
        f"retagged {result.n_statements} statements in {result.n_reports} reports with model {model.version}"
    )


def _store(database_url: str | None):
    from nlp.storage.store import Store

    return Store(database_url or settings().database_url)


@main.command("export-db")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True))
@database_option
@translate_errors
def export_db_cmd(out: Path, database_url: str | None) -> None:
    """Back up every stored report with its tagged statements to OUT (JSON Lines, one report a line; '-':
    standard output). The backup holds the reports' contact persons: keep it as safe as the database."""
    from nlp.storage.backup import export_db

    result = export_db(_store(database_url), out)
    click.echo(
        f"exported {result.n_reports} reports with {result.n_statements} statements -> {out}",
        err=str(out) == "-",
    )


@main.command("import-db")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@database_option
@translate_errors
def import_db_cmd(source: Path, database_url: str | None) -> None:
    """Restore reports and their tags from a backup written by `kfd export-db`. Reports already stored
    (same content or external id) are skipped, so importing twice changes nothing."""
    from nlp.storage.backup import import_db

    result = import_db(_store(database_url), source)
    click.echo(
        f"imported {result.n_reports} reports with {result.n_statements} statements "
        f"({result.n_skipped} already stored)"
    )
