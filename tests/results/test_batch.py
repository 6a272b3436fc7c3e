"""`kfd tag` over folders: report fields on every record, carrying on past bad files, --jobs, Excel CSV."""

import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import DATA_DIR

from cli import main
from nlp.codebook import load_codebook
from nlp.results.records import REPORT_FIELDS, read_records

GOOD = ("steckbrief_title.txt", "kurz_ohne_prompts.txt", "report.html")


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def reports_dir(tmp_path):
    """A folder of good reports, a text that is not a report, a corrupt .docx and a stray .pdf."""
    folder = tmp_path / "reports"
    (folder / "2017").mkdir(parents=True)
    shutil.copy(DATA_DIR / GOOD[0], folder / GOOD[0])
    shutil.copy(DATA_DIR / GOOD[1], folder / "2017" / GOOD[1])
    shutil.copy(DATA_DIR / GOOD[2], folder / GOOD[2])
    (folder / "einkaufsliste.txt").write_text("Milch\nBrot\n", "utf-8")
    (folder / "kaputt.docx").write_bytes(b"not a zip file")
    (folder / "notizen.pdf").write_bytes(b"%PDF-1.4")
    return folder


def test_tag_folder_lists_every_failure_and_exits_1(trained_model, reports_dir, tmp_path):
    out = tmp_path / "results.jsonl"
    result = _run("tag", reports_dir, "--model", trained_model, "--output", out)
    assert result.exit_code == 1, result.output
    assert "2 files failed:" in result.stderr
    failed = [line for line in result.stderr.splitlines() if line.startswith("  ")]
    assert [line.split(":")[0].strip() for line in failed] == [
        str(reports_dir / "einkaufsliste.txt"),
        str(reports_dir / "kaputt.docx"),
    ]
    assert all(len(line.split(": ", 1)[1]) > 5 for line in failed)  # each with its reason
    assert "skipped 1 files that are not reports" in result.stderr and "notizen.pdf" in result.stderr
    records = _jsonl(out.read_text("utf-8"))
    assert {r["report"] for r in records} == set(GOOD)
    assert "[3/5]" in result.stderr  # plain progress lines in a pipe


def test_tag_records_carry_the_reports_fields(trained_model):
    result = _run("tag", DATA_DIR / "steckbrief_title.txt", "--model", trained_model)
    assert result.exit_code == 0, result.output
    records = _jsonl(result.stdout)
    assert records and all(set(REPORT_FIELDS) <= set(r) for r in records)
    first = records[0]
    assert first["landkreis"] == "Breisgau-Hochschwarzwald" and first["regierungsbezirk"] == "Freiburg"
    assert first["event_date"] == "2016-10-12"


def test_tag_jobs_same_output_in_input_order(trained_model, reports_dir, tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first = _run("tag", reports_dir, "--model", trained_model, "--output", one, "--jobs", "1")
    result = _run("tag", reports_dir, "--model", trained_model, "--output", two, "--jobs", "3")
    assert result.exit_code == 1, result.output
    assert one.read_bytes() == two.read_bytes()
    failed = [line for line in result.stderr.splitlines() if line.startswith("  ")]
    assert (
        failed == [line for line in first.stderr.splitlines() if line.startswith("  ")] and len(failed) == 2
    )
    reports = list(dict.fromkeys(r["report"] for r in _jsonl(one.read_text("utf-8"))))
    assert reports == ["kurz_ohne_prompts.txt", "report.html", "steckbrief_title.txt"]  # sorted paths


def test_tag_excel_csv_round_trip(trained_model, tmp_path):
    out = tmp_path / "results.csv"
    report = DATA_DIR / "steckbrief_title.txt"
    result = _run("tag", report, "--model", trained_model, "--output", out, "--excel")
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    header = text.splitlines()[0].split(";")
    assert {"kommune", "landkreis", "event_date", "theme_names", "confidence", "p_neutral"} <= set(header)
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert "," in rows[0]["p_neutral"]  # decimal comma for German Excel
    assert any("ü" in r["text"] or "ä" in r["text"] for r in rows)
    expected = _jsonl(_run("tag", report, "--model", trained_model).stdout)
    back = read_records(out, load_codebook())
    assert [(r.text, list(r.themes), r.sentiment) for r in back] == [
        (r["text"], r["themes"], r["sentiment"]) for r in expected
    ]
    names = {t.id: t.name for t in load_codebook().themes}
    assert [r["theme_names"] for r in rows] == ["|".join(names[t] for t in r["themes"]) for r in expected]


def test_tag_empty_folder_is_a_usage_error(trained_model, tmp_path):
    (tmp_path / "leer").mkdir()
    result = _run("tag", tmp_path / "leer", "--model", trained_model)
    assert result.exit_code == 2 and "no reports" in result.output


def test_tag_missing_input_is_a_usage_error(trained_model, tmp_path):
    result = _run("tag", tmp_path / "fehlt.txt", "--model", trained_model)
    assert result.exit_code == 2 and "no such file" in result.output


def _many_reports(folder, n=12):
    """n copies of the good reports under distinct names, and one that is not a report, in the middle."""
    folder.mkdir()
    for i in range(n):
        name = GOOD[i % len(GOOD)]
        shutil.copy(DATA_DIR / name, folder / f"{i:02d}_{name}")
    (folder / "05_einkaufsliste.txt").write_text("Milch\nBrot\n", "utf-8")
    return folder


def test_tag_sources_in_worker_processes_equal_one_process_in_input_order(trained_model, tmp_path):
    """Workers forked after the model is loaded parse and tag a few files per job; records and failures
    come back in input order, identical to one process."""
    from nlp.model.artifacts import load_model
    from nlp.results.batch import sources, tag_sources

    inputs, _ = sources([_many_reports(tmp_path / "reports")])
    model, _ = load_model(trained_model)
    done: list[str] = []
    alone = tag_sources(model, inputs, jobs=1)
    shared = tag_sources(model, inputs, jobs=3, on_result=lambda r: done.append(r.path.name))
    assert done == [source.path.name for source in inputs]  # the progress display, in input order
    assert shared.records == alone.records and len(alone.records) > 12
    assert shared.failures == alone.failures and [f.path.name for f in alone.failures] == [
        "05_einkaufsliste.txt"
    ]
    assert shared.n_files == alone.n_files == 13


def test_tag_sources_redoes_the_jobs_of_a_worker_that_died(trained_model, tmp_path, monkeypatch):
    """A worker killed mid-batch (out of memory, a signal) loses no file: its jobs are done here."""
    import os

    from nlp.model.artifacts import load_model
    from nlp.results import batch

    inputs, _ = batch.sources([_many_reports(tmp_path / "reports")])
    model, _ = load_model(trained_model)
    alone = batch.tag_sources(model, inputs, jobs=1)
    parent, parse = os.getpid(), batch.parse_source

    def dies_in_a_worker(source):
        if os.getpid() != parent and source.path.name.startswith("03_"):
            os._exit(1)  # the worker process ends at once (the pool is broken for every later job)
        return parse(source)

    monkeypatch.setattr(batch, "parse_source", dies_in_a_worker)  # the forked workers inherit it
    shared = batch.tag_sources(model, inputs, jobs=2)
    assert shared.records == alone.records and shared.failures == alone.failures


def test_tag_sources_with_the_parsers_tokenizer_equal_the_models_own(trained_model, tmp_path):
    """`tag_sources` tokenises new words with the parser's tokenizer, whose cache holds them already:
    the records equal those of a tagger with its own tokenizer, tagging the parsed statements."""
    from nlp.model.artifacts import load_model
    from nlp.model.inference import Tagger
    from nlp.results.batch import parse_source, sources, tag_sources
    from nlp.results.tagging import tag

    inputs, _ = sources([_many_reports(tmp_path / "reports")])
    model, _ = load_model(trained_model)
    batch = tag_sources(model, inputs, jobs=1)
    own = Tagger(bundle=model.bundle, version=model.version)  # a fresh word cache, its own tokenizer
    parsed = [p for p in map(parse_source, inputs) if p.failure is None]
    assert batch.records == [r for p in parsed for r in tag(own, p.statements, p.origin)]
