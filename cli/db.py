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
    standard output), then the workspace: users, double-coding samples with their codings, and every
    review decision. The backup holds the reports' contact persons and the users' names and password
    hashes: keep it as safe as the database."""
    from nlp.storage.backup import export_db

    result = export_db(_store(database_url), out)
    click.echo(
        f"exported {result.n_reports} reports with {result.n_statements} statements, "
        f"{result.summary()} -> {out}",
        err=str(out) == "-",
    )


@main.command("import-db")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@database_option
@translate_errors
def import_db_cmd(source: Path, database_url: str | None) -> None:
    """Restore reports and their tags, users, samples and review decisions from a backup written by
    `kfd export-db`. Reports already stored (same content or external id) are skipped, and so are the
    decisions about them; a user or sample whose name exists is kept as it is. Importing twice changes
    nothing."""
    from nlp.storage.backup import import_db

    result = import_db(_store(database_url), source)
    click.echo(
        f"imported {result.n_reports} reports with {result.n_statements} statements "
        f"({result.n_skipped} already stored); {result.summary()}"
    )


@main.group("db")
def db_group() -> None:
    """The database's schema: `kfd db upgrade` after installing a new version."""


@db_group.command("upgrade")
@database_option
@translate_errors
def db_upgrade_cmd(database_url: str | None) -> None:
    """Bring the database's schema to this version's newest revision (a database of the first release,
    which has no version table, is recognised and upgraded too). Safe to run again; one transaction."""
    from nlp.storage import schema
    from nlp.storage.store import StoreError, _make_engine

    url = database_url or settings().database_url
    engine = _make_engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        before, after = schema.upgrade(engine)
    except schema.SchemaError:
        raise
    except Exception as e:
        raise StoreError(f"cannot upgrade the database {shown} ({e.__class__.__name__}: {e})") from None
    finally:
        engine.dispose()
    if before.current == after.current:
        click.echo(f"database {shown} is up to date (revision {after.current})")
    else:
        click.echo(f"database {shown}: upgraded from {before.describe()} to revision {after.current}")


@db_group.command("status")
@database_option
@translate_errors
def db_status_cmd(database_url: str | None) -> None:
    """Show the schema revision of the database and the one this version needs (exit code 1 if behind)."""
    from nlp.storage import schema
    from nlp.storage.store import _make_engine

    engine = _make_engine(database_url or settings().database_url)
    try:
        found = schema.state(engine)
    finally:
        engine.dispose()
    click.echo(f"database: {found.describe()}; this version needs revision {found.head}")
    if found.current != found.head:
        raise SystemExit(1)
