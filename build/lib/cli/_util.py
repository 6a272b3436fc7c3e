"""What every `kfd` command shares: the group, error translation, common options, settings and model."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from nlp.errors import KfdError
from nlp.settings import Settings, get_settings


class UserError(click.ClickException):
    """A problem with the user's input: one readable line on stderr, exit code 2."""

    exit_code = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kfd-tagger")
def main() -> None:
    """kfd-tagger: parse, tag and aggregate Kommunale Flüchtlingsdialoge reports."""


def translate_errors(func):
    """Turn the library's typed errors into UserError, so no stack trace reaches the user."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KfdError as e:
            raise UserError(str(e)) from None

    return wrapper


def settings() -> Settings:
    """Model dir, codebook and database as the service resolves them (`KFD_*` variables)."""
    return get_settings()


def model_option(help: str):
    """--model: a model directory, or a folder whose `current` is used (default: KFD_MODEL_DIR, models)."""
    return click.option(
        "--model",
        "model_path",
        default=None,
        type=click.Path(path_type=Path),
        help=f"{help} [default: KFD_MODEL_DIR, else models]",
    )


def load_model(path: Path | None, codebook=None):
    """(model, manifest) for a command that tags many statements; `path` None: the settings' model dir.
    The heap is frozen after loading, as the service does (see `runtime.freeze_long_lived`)."""
    from nlp.model.artifacts import load_model as load
    from service.runtime import freeze_long_lived

    loaded = load(path or settings().model_dir, codebook or settings().load_codebook())
    freeze_long_lived()
    return loaded


excel_option = click.option(
    "--excel", is_flag=True, help="CSV for German Excel: BOM, ';' and decimal commas."
)

data_option = click.option(
    "--data",
    "data_dir",
    default="training_data",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder with labels.jsonl and reports/.",
)

seed_option = click.option(
    "--seed", default=0, show_default=True, help="Random seed; the same data and seed give the same model."
)

database_option = click.option(
    "--database",
    "database_url",
    default=None,
    help="SQLAlchemy URL of the database (default: KFD_DATABASE_URL, i.e. sqlite:///data/kfd.sqlite3).",
)


def names(paths, limit: int = 5) -> str:
    shown = ", ".join(str(p) for p in paths[:limit])
    return shown + (f" (and {len(paths) - limit} more)" if len(paths) > limit else "")


def echo_err(message: str) -> None:
    click.echo(message, err=True)
