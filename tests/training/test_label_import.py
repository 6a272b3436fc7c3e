"""`kfd import-labels`: corrected tags back into the training data — all rows valid or nothing written —
and the accepted rows change what `kfd train` learns."""

import csv
import io
import json

import pytest
from click.testing import CliRunner
from conftest import DATA_DIR

from cli import main

REPORT = "steckbrief_title.txt"


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def exported(trained_model, tmp_path):
    """The Excel export of one report tagged by the small model: (path, header, rows)."""
    out = tmp_path / "results.csv"
    result = _run("tag", DATA_DIR / REPORT, "--model", trained_model, "--output", out, "--excel")
    assert result.exit_code == 0, result.output
    reader = csv.DictReader(io.StringIO(out.read_text("utf-8-sig")), delimiter=";")
    return out, reader.fieldnames, list(reader)


def _write(path, header, rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return path


def _snapshot(data_dir):
    return {p.relative_to(data_dir): p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file()}


def test_import_rejects_bad_rows_and_writes_nothing(exported, corpus_copy, trained_model, tmp_path):
    _, header, rows = exported
    rows[1]["themes"] = "moderatoin"
    rows[3]["sentiment"] = "begeistert"
    corrected = _write(tmp_path / "corrected.csv", header, rows)
    before = _snapshot(corpus_copy)
    result = _run(
        "import-labels", corrected, "--data", corpus_copy, "--reports", DATA_DIR, "--model", trained_model
    )
    assert result.exit_code == 2
    assert "corrected.csv:3: unknown theme 'moderatoin'" in result.stderr
    assert "corrected.csv:5: unknown sentiment 'begeistert'" in result.stderr
    assert "nothing written" in result.stderr
    assert _snapshot(corpus_copy) == before


def test_import_jsonl_lists_every_bad_line_and_writes_nothing(corpus_copy, tmp_path):
    corrected = tmp_path / "corrected.jsonl"
    corrected.write_text('[1, 2]\n{"text": \n"just a string"\n', encoding="utf-8")
    before = _snapshot(corpus_copy)
    result = _run("import-labels", corrected, "--data", corpus_copy)
    assert result.exit_code == 2
    assert "corrected.jsonl:1: expected a JSON object" in result.stderr
    assert "corrected.jsonl:2: not valid JSON" in result.stderr
    assert "corrected.jsonl:3: expected a JSON object" in result.stderr
    assert "Traceback" not in result.output
    assert _snapshot(corpus_copy) == before


def test_import_rejects_text_not_in_report(exported, corpus_copy, trained_model, tmp_path):
    _, header, rows = exported
    rows[0]["text"] = "Ein Satz, der im Bericht nicht vorkommt."
    corrected = _write(tmp_path / "corrected.csv", header, rows)
    before = _snapshot(corpus_copy)
    result = _run("import-labels", corrected, "--data", corpus_copy, "--reports", DATA_DIR)
    assert result.exit_code == 2 and "corrected.csv:2: text not found" in result.stderr
    assert _snapshot(corpus_copy) == before


def test_import_good_file_changes_what_train_learns(exported, corpus_copy, trained_model, tmp_path):
    from nlp.model.artifacts import load_model
    from nlp.model.features import StatementInput
    from nlp.training.corpus import check_corpus
    from nlp.training.train import train

    _, header, rows = exported
    # The evaluator says: every statement of this report is (also) about Sprache & Verständigung.
    for row in rows:
        themes = [t for t in row["themes"].split("|") if t and t != "sprache"]
        row["themes"] = "|".join([*themes, "Sprache & Verständigung"])
    rows[0]["sentiment"] = "gemischt"
    corrected = _write(tmp_path / "corrected.csv", header, rows)
    n_before = len((corpus_copy / "labels.jsonl").read_text("utf-8").splitlines())
    result = _run(
        "import-labels", corrected, "--data", corpus_copy, "--reports", DATA_DIR, "--model", trained_model
    )
    assert result.exit_code == 0, result.output
    assert "+sprache" in result.stdout and "sentiment" in result.stdout
    assert f"{len(rows)} rows to add" in result.stdout
    labels = [json.loads(line) for line in (corpus_copy / "labels.jsonl").read_text("utf-8").splitlines()]
    assert len(labels) == n_before + len(rows)
    assert labels[-1]["report"] == f"reports/{REPORT}" and "sprache" in labels[-1]["themes"]
    assert (corpus_copy / "reports" / REPORT).read_bytes() == (DATA_DIR / REPORT).read_bytes()
    assert check_corpus(corpus_copy).ok

    old, _ = load_model(trained_model)
    new, _ = load_model(train(corpus_copy, tmp_path / "models", folds=0, seed=0))
    statements = [StatementInput(r["text"], r["section"]) for r in rows]
    p_old = sum(p.theme_scores["sprache"] for p in old.tag(statements)) / len(rows)
    p_new = sum(p.theme_scores["sprache"] for p in new.tag(statements)) / len(rows)
    assert p_new > p_old + 0.2

    again = _run(
        "import-labels", corrected, "--data", corpus_copy, "--reports", DATA_DIR, "--model", trained_model
    )
    assert again.exit_code == 0 and "0 rows to add" in again.stdout  # already labelled: not twice


def test_import_excel_csv_round_trips_a_formula_statement(trained_model, corpus_copy, tmp_path):
    """A statement that looks like a formula is quoted in the Excel CSV and arrives unquoted in labels."""
    reports = tmp_path / "neu"
    reports.mkdir()
    formula = '=HYPERLINK("http://evil.example";"Der Ablauf")'
    text = (DATA_DIR / REPORT).read_text("utf-8").replace("Der Ablauf", formula, 1)
    (reports / "formel.txt").write_text(text, "utf-8")
    out = tmp_path / "formel.csv"
    result = _run("tag", reports / "formel.txt", "--model", trained_model, "--output", out, "--excel")
    assert result.exit_code == 0, result.output
    assert f"'{formula} war gut strukturiert." in {
        r["text"] for r in csv.DictReader(io.StringIO(out.read_text("utf-8-sig")), delimiter=";")
    }
    result = _run("import-labels", out, "--data", corpus_copy, "--reports", reports, "--model", trained_model)
    assert result.exit_code == 0, result.output
    labels = [json.loads(line) for line in (corpus_copy / "labels.jsonl").read_text("utf-8").splitlines()]
    assert f"{formula} war gut strukturiert." in {label["text"] for label in labels}
