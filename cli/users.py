"""`kfd users add|list|passwd|role|disable`: the people who sign in to the browser workspace (/ui/)."""

from __future__ import annotations

import sys

import click

from cli._util import UserError, database_option, main, settings, translate_errors


def _workspace(database_url: str | None):
    from nlp.storage.store import Store
    from nlp.storage.workspace import Workspace

    return Workspace(Store(database_url or settings().database_url))


def _read_password(from_stdin: bool) -> str:
    """One line of standard input (`--password-stdin`, for scripts), or asked twice without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    return click.prompt(
        "Passwort",
        hide_input=True,
        confirmation_prompt="Passwort wiederholen",
        default="",
        show_default=False,
    )


password_stdin_option = click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)


@main.group("users")
def users_group() -> None:
    """Users of the browser workspace, with their role: leser (read), pruefer (also upload, review,
    double-code) or admin (also samples, adjudication, retraining, users)."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", required=True, help="leser, pruefer or admin.")
@password_stdin_option
@database_option
@translate_errors
def add_cmd(name: str, role: str, password_stdin: bool, database_url: str | None) -> None:
    """Add the user NAME; the password is asked twice (stored as an argon2id hash, never shown)."""
    from nlp.storage.workspace import check_name, check_role

    check_name(name)
    check_role(role)
    workspace = _workspace(database_url)
    if workspace.find_user(name) is not None:
        raise UserError(f"a user named {name!r} exists already")
    user = workspace.add_user(name, _read_password(password_stdin), role)
    click.echo(f"added user {user.name} with the role {user.role}")


@users_group.command("list")
@database_option
@translate_errors
def list_cmd(database_url: str | None) -> None:
    """Every user with role, state and creation date."""
    found = _workspace(database_url).list_users()
    if not found:
        click.echo("no users yet: add one with `kfd users add NAME --role admin`")
    for user in found:
        state = "active" if user.active else "disabled"
        click.echo(f"{user.name}\t{user.role}\t{state}\t{user.created_at:%Y-%m-%d}")


@users_group.command("passwd")
@click.argument("name")
@password_stdin_option
@database_option
@translate_errors
def passwd_cmd(name: str, password_stdin: bool, database_url: str | None) -> None:
    """Set a new password for NAME; the user's open browser sessions end."""
    workspace = _workspace(database_url)
    workspace.get_user(name)
    workspace.set_password(name, _read_password(password_stdin))
    click.echo(f"password of {name} changed")


@users_group.command("role")
@click.argument("name")
@click.argument("role")
@database_option
@translate_errors
def role_cmd(name: str, role: str, database_url: str | None) -> None:
    """Give NAME another role (leser, pruefer or admin)."""
    user = _workspace(database_url).set_role(name, role)
    click.echo(f"{user.name} now has the role {user.role}")


@users_group.command("disable")
@click.argument("name")
@database_option
@translate_errors
def disable_cmd(name: str, database_url: str | None) -> None:
    """Disable NAME: no more sign-ins, open sessions end; their decisions stay in the audit trail."""
    _workspace(database_url).deactivate(name)
    click.echo(f"user {name} disabled")
