"""`kfd users`: add (password asked twice or from stdin), list, passwd, role, disable; bad input is exit
code 2 with one line, and nothing is written."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli import main
from nlp.storage.store import Store
from nlp.storage.workspace import Workspace


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'kfd.sqlite3'}"


def kfd(db: str, *args: str, input: str | None = None):
    return CliRunner().invoke(main, [*args, "--database", db], input=input)


def _workspace(db: str) -> Workspace:
    return Workspace(Store(db))


def test_add_asks_twice_and_stores_a_hash(db):
    result = kfd(db, "users", "add", "anna", "--role", "pruefer", input="sehr-geheim\nsehr-geheim\n")
    assert result.exit_code == 0, result.output
    assert "added user anna with the role pruefer" in result.output
    assert "sehr-geheim" not in result.output
    workspace = _workspace(db)
    assert workspace.verify_password("anna", "sehr-geheim") is not None
    assert workspace.get_user("anna").role == "pruefer"


def test_add_with_password_stdin_then_list(db):
    for name, role in (("bernd", "leser"), ("chefin", "admin")):
        added = kfd(db, "users", "add", name, "--role", role, "--password-stdin", input="ein-passwort\n")
        assert added.exit_code == 0, added.output
    listed = kfd(db, "users", "list")
    assert listed.exit_code == 0
    rows = [line.split("\t")[:3] for line in listed.output.splitlines()]
    assert rows == [["bernd", "leser", "active"], ["chefin", "admin", "active"]]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["users", "add", "anna", "--role", "chef"], "ein-passwort\n", "unknown role 'chef'"),
        (["users", "add", "anna", "--role", "leser"], "\n", "the password is empty"),
        (["users", "add", "an na", "--role", "leser"], "ein-passwort\n", "is not valid"),
        (["users", "add", "dora", "--role", "leser"], "ein-passwort\n", "exists already"),
        (["users", "passwd", "niemand"], "ein-passwort\n", "no user named 'niemand'"),
        (["users", "disable", "niemand"], None, "no user named 'niemand'"),
        (["users", "role", "dora", "chef"], None, "unknown role 'chef'"),
    ],
)
def test_bad_input_is_exit_2_with_one_line(db, args, stdin, message):
    kfd(db, "users", "add", "dora", "--role", "leser", "--password-stdin", input="dora-passwort\n")
    result = (
        kfd(db, *args, "--password-stdin", input=stdin)
        if "add" in args or "passwd" in args
        else kfd(db, *args)
    )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output
    assert [u.name for u in _workspace(db).list_users()] == ["dora"]
    assert _workspace(db).get_user("dora").role == "leser"


def test_passwd_role_and_disable(db):
    kfd(db, "users", "add", "emil", "--role", "leser", "--password-stdin", input="altes-passwort\n")
    changed = kfd(db, "users", "passwd", "emil", input="neues-passwort\nneues-passwort\n")
    assert changed.exit_code == 0, changed.output
    workspace = _workspace(db)
    assert workspace.verify_password("emil", "altes-passwort") is None
    assert workspace.verify_password("emil", "neues-passwort") is not None
    assert kfd(db, "users", "role", "emil", "admin").exit_code == 0
    assert workspace.get_user("emil").role == "admin"
    disabled = kfd(db, "users", "disable", "emil")
    assert disabled.exit_code == 0 and "disabled" in disabled.output
    assert workspace.verify_password("emil", "neues-passwort") is None
    assert "emil\tadmin\tdisabled" in kfd(db, "users", "list").output
