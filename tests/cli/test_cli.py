"""`kfd parse`: JSON with the documented keys, a short human summary, exit code 2 on a bad file."""

from __future__ import annotations

import json
import os
import re

import pytest
from click.testing import CliRunner

from cli import main

REPORT_KEYS = {
    "kommune", "kontakt", "veranstaltung", "themenfelder", "akteure", "kosten", "sections",
    "statements", "warnings",
}  # fmt: skip
NESTED_KEYS = {
    "kommune": {"name", "website", "einwohner", "einwohner_stand", "landkreis", "regierungsbezirk"},
    "kontakt": {"name", "adresse", "telefon", "email"},
    "veranstaltung": {"termine", "uhrzeit", "teilnehmende", "gefluechtete"},
    "kosten": {"posten", "gesamt_eur", "urteil"},
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def fixture_path(data_dir):
    """The path of a tests/data report as a command-line argument."""
    return lambda name: str(data_dir / name)


def test_parse_json_has_exactly_the_documented_keys(runner, fixture_path):
    result = runner.invoke(main, ["parse", fixture_path("steckbrief_title.txt"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == REPORT_KEYS
    for key, expected in NESTED_KEYS.items():
        assert set(data[key]) == expected, key
    assert {tuple(sorted(p)) for p in data["kosten"]["posten"]} == {
        ("betrag_eur", "bezeichnung", "ungefaehr")
    }
    assert {tuple(sorted(s)) for s in data["statements"]} == {("index", "section", "text")}


def test_parse_json_seed_done_when_values(runner, seed_path):
    result = runner.invoke(main, ["parse", str(seed_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kommune"]["einwohner"] == 130152
    assert data["kommune"]["einwohner_stand"] == "2015-09-30"
    assert data["kommune"]["landkreis"] == "Heidenheim"
    assert data["kommune"]["regierungsbezirk"] == "Stuttgart"
    assert data["kontakt"]["email"] == "k.musterfrau@example.org"
    assert data["veranstaltung"]["termine"] == ["2017-02-18"]
    assert data["veranstaltung"]["teilnehmende"] == 180
    assert data["veranstaltung"]["gefluechtete"] == 30
    assert data["kosten"]["gesamt_eur"] == 6660.0
    assert any("4,160,00" in w for w in data["warnings"])
    assert len(data["themenfelder"]) == 5
    assert sum(s["section"] == "bewertung" for s in data["statements"]) >= 4
    assert sum(s["section"] == "empfehlungen" for s in data["statements"]) >= 4


def test_parse_json_keeps_umlauts_unescaped(runner, fixture_path):
    result = runner.invoke(main, ["parse", fixture_path("report.txt"), "--json"])
    assert "Tübingen" in result.stdout
    assert "\\u00fc" not in result.stdout


def test_parse_json_several_files_gives_an_array(runner, fixture_path):
    files = [fixture_path("report.txt"), fixture_path("report.html")]
    result = runner.invoke(main, ["parse", *files, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["kommune"]["name"] for d in data] == ["Rottenburg am Neckar", "Rottenburg am Neckar"]


def test_parse_summary_names_kommune_and_counts_statements(runner, fixture_path):
    result = runner.invoke(main, ["parse", fixture_path("steckbrief_title.txt")])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Musterstadt" in out
    assert "Freiburg" in out
    assert "2016-10-12, 2016-10-13, 2016-10-14" in out
    assert re.search(r"Statements:\s+17\b", out)
    assert "bewertung 4" in out and "empfehlungen 2" in out
    assert "15.500,00 €" in out  # German money format
    assert not out.lstrip().startswith("{")  # not JSON


def test_parse_summary_lists_warnings(runner, fixture_path):
    result = runner.invoke(main, ["parse", fixture_path("unknown_bezirk.txt")])
    assert result.exit_code == 0, result.output
    assert "warning: unknown Regierungsbezirk 'Oberbayern'" in result.stdout
    assert "Regierungsbezirk ?" in result.stdout


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("leer.txt", b"", "empty"),
        ("bild.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("bericht.pdf", b"%PDF-1.4\n", "unsupported file type"),
        ("hallo.txt", b"Hallo Welt\n", "no section"),
    ],
)
def test_parse_bad_file_exits_2_with_one_line(runner, tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    for args in (["parse", str(path)], ["parse", str(path), "--json"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert words in lines[0] and name in lines[0]
        assert "Traceback" not in result.output


def test_parse_missing_file_exits_2(runner, tmp_path):
    result = runner.invoke(main, ["parse", str(tmp_path / "fehlt.txt")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_parse_one_bad_file_among_good_ones_exits_2(runner, fixture_path, tmp_path):
    bad = tmp_path / "leer.txt"
    bad.write_bytes(b"")
    result = runner.invoke(main, ["parse", fixture_path("report.txt"), str(bad), "--json"])
    assert result.exit_code == 2
    assert "leer.txt" in result.stderr


def test_parse_without_files_is_a_usage_error(runner):
    result = runner.invoke(main, ["parse"])
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_parse_help_describes_formats_and_json(runner):
    result = runner.invoke(main, ["parse", "--help"])
    assert result.exit_code == 0
    assert ".txt, .docx, .html" in result.stdout
    assert "--json" in result.stdout


def test_parse_fifo_exits_2_before_reading(runner, tmp_path):
    fifo = tmp_path / "bericht.txt"
    os.mkfifo(fifo)
    result = runner.invoke(main, ["parse", str(fifo)])
    assert result.exit_code == 2 and "bericht.txt: not a regular file" in result.output
