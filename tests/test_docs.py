"""The README stays true: every `kfd` command it shows exists, and its examples run."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(set(re.findall(r"kfd ((?:data )?[a-z-]+)", README)))


def test_readme_names_the_two_commands():
    assert "make run" in README and "make test" in README


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_exists_with_help(command):
    result = CliRunner().invoke(main, [*command.split(), "--help"])
    assert result.exit_code == 0, f"`kfd {command}` from the README: {result.output}"
    assert "Usage:" in result.output


def test_every_cli_command_is_in_the_readme():
    names = {name for name, cmd in main.commands.items()}
    missing = {n for n in names if f"kfd {n}" not in README}
    assert not missing, f"commands missing from the README: {missing}"


def test_readme_parse_example_runs(tmp_path):
    report = Path(__file__).parent / "data" / "steckbrief_title.txt"
    result = CliRunner().invoke(main, ["parse", str(report), "--json"])
    assert result.exit_code == 0
    assert '"statements"' in result.output
