"""`kfd tag` and `kfd evaluate` as a user runs them: reports and statement tables in, records out."""

import csv
import io
import json

import pytest
from click.testing import CliRunner
from conftest import DATA_DIR, RECORD_KEYS, TRAINING_DATA

from cli import main
from nlp.results.tagging import read_statement_table


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_tag_report_file_tags_every_statement(trained_model):
    report = DATA_DIR / "steckbrief_title.txt"
    result = _run("tag", report, "--model", trained_model)
    assert result.exit_code == 0, result.output
    records = _jsonl(result.stdout)
    from nlp import parse_report

    statements = parse_report(report).statements
    assert [r["text"] for r in records] == [s.text for s in statements]
    assert all(list(r) == RECORD_KEYS for r in records)
    first = records[0]
    assert first["report"] == "steckbrief_title.txt"
    assert first["id"] == f"steckbrief_title:{statements[0].section}:0"
    assert first["sentiment"] in first["scores"]["sentiment"]
    assert set(first["themes"]) <= set(first["scores"]["themes"])


def test_tag_jsonl_and_csv_statement_tables(trained_model, tmp_path):
    jsonl = tmp_path / "s.jsonl"
    jsonl.write_text(
        '{"id": "a1", "text": "Die Moderation war souverän.", "section": "bewertung"}\n'
        '{"text": "Mehr Zeit für Workshops"}\n',
        "utf-8",
    )
    semicolon_csv = tmp_path / "s.csv"
    semicolon_csv.write_text(
        "\ufeffid;text;section\nb7;Zu wenig Geflüchtete erreicht, schade.;bewertung\n", "utf-8"
    )
    result = _run("tag", jsonl, semicolon_csv, "--model", trained_model)
    assert result.exit_code == 0, result.output
    records = _jsonl(result.stdout)
    assert [r["id"] for r in records] == ["a1", "s:2", "b7"]  # without an id: "<file stem>:<line>"
    assert [r["section"] for r in records] == ["bewertung", None, "bewertung"]
    assert records[2]["text"] == "Zu wenig Geflüchtete erreicht, schade."


def test_tag_csv_output_for_spreadsheets(trained_model, tmp_path):
    out = tmp_path / "out.csv"
    result = _run("tag", DATA_DIR / "kurz_ohne_prompts.txt", "--model", trained_model, "--output", out)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert rows and {"id", "text", "themes", "sentiment", "p_gesamteindruck", "p_neutral"} <= set(rows[0])
    assert all(0.0 <= float(r["p_neutral"]) <= 1.0 for r in rows)


def test_tag_explain_adds_terms(trained_model, tmp_path):
    table = tmp_path / "s.jsonl"
    table.write_text(
        '{"text": "Die Moderation war hervorragend vorbereitet.", "section": "bewertung"}\n', "utf-8"
    )
    records = _jsonl(_run("tag", table, "--model", trained_model, "--explain").stdout)
    explanation = records[0]["explanation"]
    assert records[0]["sentiment"] in explanation
    assert all({"term", "weight"} == set(t) for terms in explanation.values() for t in terms)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("s.csv", "satz\nHallo\n", "needs a header row with a 'text' column"),
        ("s.jsonl", '{"text": "Gut.", "section": "fazit"}\n', "unknown section 'fazit'"),
        ("s.jsonl", "kein json\n", "s.jsonl:1: not valid JSON"),
        ("s.pdf", "%PDF", "unsupported input '.pdf'"),
    ],
)
def test_tag_bad_input_exit_2_one_line(trained_model, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, "utf-8")
    result = _run("tag", path, "--model", trained_model)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_tag_without_model_says_how_to_train(tmp_path):
    table = tmp_path / "s.jsonl"
    table.write_text('{"text": "Gut."}\n', "utf-8")
    result = _run("tag", table, "--model", tmp_path / "models")
    assert result.exit_code == 2 and "kfd train" in result.output


def test_evaluate_trained_model_on_heldout_file(trained_model, tmp_path):
    rows = [
        json.loads(line) for line in (TRAINING_DATA / "labels.jsonl").read_text("utf-8").splitlines()[-40:]
    ]
    heldout = tmp_path / "heldout.jsonl"
    heldout.write_text(
        "".join(json.dumps({**r, "report": None}, ensure_ascii=False) + "\n" for r in rows), "utf-8"
    )
    result = _run("evaluate", "--model", trained_model, "--data", heldout, "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["n_statements"] == 40
    assert 0.0 <= metrics["themes"]["micro_f1"] <= 1.0
    assert sum(map(sum, metrics["sentiment"]["confusion"]["matrix"])) == 40
    table = _run("evaluate", "--model", trained_model, "--data", heldout)
    assert "themes micro-F1" in table.output and "sentiment confusion" in table.output


def _long_table(path):
    """A valid CSV whose only doubled quote ("") comes after its first 4 KB."""
    rows = [["text", "section"]] + [
        [f"Aussage {n}: die Moderation war gut.", "bewertung"] for n in range(200)
    ]
    rows.append(['Der "Runde Tisch", die zum Teil "offene" Runde, war gut.', "bewertung"])
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    assert '""' not in buffer.getvalue()[:4096] and '""' in buffer.getvalue()
    path.write_text(buffer.getvalue(), "utf-8")
    return path


def test_read_statement_table_parses_quotes_after_the_first_4kb(tmp_path):
    statements = read_statement_table(_long_table(tmp_path / "s.csv"))
    assert len(statements) == 201
    assert statements[-1].text == 'Der "Runde Tisch", die zum Teil "offene" Runde, war gut.'
    assert statements[-1].section == "bewertung"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_read_statement_table_takes_the_delimiter_from_the_header(tmp_path, delimiter):
    path = tmp_path / "s.csv"
    path.write_text(f'id{delimiter}text\nx1{delimiter}"Gut, sehr gut; danke"\n', "utf-8")
    assert [(s.id, s.text) for s in read_statement_table(path)] == [("x1", "Gut, sehr gut; danke")]


def test_tag_statement_table_with_a_nul_character_names_the_line(trained_model, tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"text": "Gut."}\n{"text": "Die Moderation\\u0000 war gut."}\n', "utf-8")
    result = _run("tag", path, "--model", trained_model)
    assert f"{path}:2: 'text' holds a NUL character (U+0000)" in result.output
    assert "UnicodeDecodeError" not in result.output and "SystemError" not in result.output


def test_tag_csv_with_doubled_quotes_after_4kb(trained_model, tmp_path):
    result = _run("tag", _long_table(tmp_path / "s.csv"), "--model", trained_model)
    assert result.exit_code == 0, result.output
    assert _jsonl(result.stdout)[-1]["text"].startswith('Der "Runde Tisch"')
