"""Bounded work per upload: zip bombs, deep HTML, overlong statements and texts are refused with a
ReportParseError naming the limit, before the costly step; parses in the intake path are capped."""

from __future__ import annotations

import io
import threading
import time
import zipfile

import pytest
from click.testing import CliRunner
from conftest import SEED_PATH

from cli import main
from nlp import intake
from nlp.errors import ReportParseError
from nlp.reading import ingest, statements
from nlp.reading.ingest import html_to_text, read_text
from nlp.reading.report import parse_report

BEWERTUNG = "Bewertung des Ablaufs und der Ergebnisse"


def seed_with_bewertung(text: str) -> str:
    return SEED_PATH.read_text(encoding="utf-8").replace(BEWERTUNG, f"{BEWERTUNG}\n{text}\n", 1)


def rezip(docx: bytes, document_xml: bytes | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """The .docx with its document.xml replaced and extra members added."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml" and document_xml is not None:
                data = document_xml
            target.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return buf.getvalue()


def padded_document(docx: bytes, n_bytes: int) -> bytes:
    """document.xml with `n_bytes` of whitespace in the body: valid XML that compresses ~1000:1."""
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")
    head, tail = xml.split(b"<w:body>", 1)
    return head + b"<w:body>" + b" " * n_bytes + tail


@pytest.fixture(scope="module")
def seed_docx(make_docx) -> bytes:
    return make_docx(SEED_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def no_unpacking(monkeypatch):
    """Fail the test if python-docx gets to open the package."""
    import docx

    def refuse(*args, **kwargs):
        raise AssertionError("python-docx unpacked a .docx that should have been refused")

    monkeypatch.setattr(docx, "Document", refuse)


def test_read_text_refuses_docx_bomb_before_unpacking(seed_docx, no_unpacking):
    # 30 MB of whitespace in document.xml: an upload of about 60 KB (the probe: 1.1 MB -> 1.15 GB).
    bomb = rezip(seed_docx, padded_document(seed_docx, 30_000_000))
    assert len(bomb) < 200_000
    with pytest.raises(ReportParseError, match=r"word/document\.xml.*unpacks to 30,0\d\d,\d{3} bytes.*limit"):
        read_text(bomb, "bomb.docx")


@pytest.mark.parametrize(
    ("limit", "value", "extra", "message"),
    [
        (
            "MAX_DOCX_MEMBERS",
            20,
            {f"customXml/kfd{i}.xml": b"<a/>" for i in range(30)},
            r"zip members \(limit 20\)",
        ),
        (
            "MAX_DOCX_TOTAL_BYTES",
            200_000,
            {"word/media/a.bin": bytes(range(256)) * 1000},
            r"limit for all members",
        ),
        (
            "MAX_DOCX_RATIO",
            100,
            {"word/media/zeros.bin": bytes(3_000_000)},
            r"compressed [\d,]+:1 \(limit 100:1\)",
        ),
    ],
)
def test_read_text_refuses_docx_over_each_limit(
    monkeypatch, seed_docx, no_unpacking, limit, value, extra, message
):
    monkeypatch.setattr(ingest, limit, value)
    with pytest.raises(ReportParseError, match=message):
        read_text(rezip(seed_docx, extra=extra), "report.docx")


def test_read_text_reads_docx_within_limits(seed_docx):
    assert "Heidenheim" in read_text(seed_docx, "report.docx")


def nested(html: str, depth: int) -> str:
    return "<div>" * depth + html + "</div>" * depth


def test_html_to_text_refuses_deep_nesting():
    # 3,000 levels: today's BeautifulSoup path takes seconds (the cost grows with the square of the depth)
    # and reads it; libxml2 would silently drop everything below 256 levels, so it is refused.
    report = nested("<p>Angaben zur Kommune</p><p>Veranstaltungskonzept</p><p>Ein Abend.</p>", 3_000)
    with pytest.raises(ReportParseError, match=r"nested deeper than 200 elements"):
        parse_report(report.encode(), "deep.html")


def test_html_to_text_moderate_nesting_reads_like_flat(make_html):
    page = make_html(SEED_PATH.read_text(encoding="utf-8"))
    body_start, body_end = page.index("<body>") + len("<body>"), page.index("</body>")
    deep = page[:body_start] + nested(page[body_start:body_end], 150) + page[body_end:]
    assert html_to_text(deep) == html_to_text(page)


@pytest.mark.parametrize(
    "page",
    [
        "<!--" * 50_000,  # Python's html.parser rescans unclosed comments: quadratic
        "<p>x" * 100_000,  # unclosed paragraphs: 100,000 levels deep for html.parser
        "<div>" * 150 + "</span>" * 100_000,  # stray end tags deep inside
    ],
)
def test_html_to_text_malformed_markup_is_read_or_refused(page):
    try:
        text = html_to_text(page)
    except ReportParseError as e:
        assert "limit" in str(e) or "not a readable HTML" in str(e)
    else:
        assert len(text) <= len(page)


def test_html_to_text_unclosed_head_keeps_body():
    assert (
        html_to_text("<html><head><title>T</title><body><p>Hallo &amp; tsch&uuml;ss</p>")
        == "Hallo & tschüss\n"
    )


def test_parse_report_refuses_huge_statement_not_spacy_valueerror():
    # The probe: one statement of 1.9 MB (spaCy's own limit is 1,000,000 characters).
    text = seed_with_bewertung("Die Moderation war gut und " * 73_000)
    with pytest.raises(ReportParseError, match=r"limit 500,000"):
        parse_report(text.encode(), "long.txt")


def test_split_statements_refuses_statement_over_limit():
    text = seed_with_bewertung("Die Moderation war gut und " * 800)  # 21,600 characters, no sentence end
    with pytest.raises(
        ReportParseError,
        match=r"long\.txt: section 'bewertung' has a statement of 21,599 characters \(limit 10,000\)",
    ):
        parse_report(text.encode(), "long.txt")


def test_split_statements_refuses_paragraph_before_spacy(monkeypatch):
    def no_spacy():
        raise AssertionError("the paragraph reached spaCy")

    monkeypatch.setattr(statements, "sentence_splitter", no_spacy)
    with pytest.raises(ReportParseError, match=r"paragraph of .*limit 100,000"):
        statements.split_statements("bewertung", "Die Moderation war gut. " * 5_000)


def test_split_statements_long_sentences_within_limit_are_kept():
    sentence = "Die Moderation war gut und " * 300 + "hilfreich."
    found = statements.split_statements("bewertung", f"{sentence} Danke.")
    assert [s.text for s in found] == [sentence, "Danke."]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x\n" * 12_000, r"12,\d{3} lines \(limit 10,000"),
        ("Ein Satz. " * 60_000, r"characters \(limit 500,000"),
    ],
)
def test_read_text_refuses_text_over_limits(text, message):
    with pytest.raises(ReportParseError, match=message):
        read_text(seed_with_bewertung(text))


def test_parse_cli_huge_statement_exits_2_with_one_line(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(seed_with_bewertung("Die Moderation war gut und " * 73_000), encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "limit" in result.output


def test_add_report_caps_concurrent_parses(monkeypatch, keyword_model, tmp_path):
    from nlp.storage.store import Store

    monkeypatch.setattr(intake, "PARSE_SLOTS", threading.BoundedSemaphore(2))
    lock, release = threading.Lock(), threading.Event()
    active = peak = 0

    def slow_read(source, filename=None):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        release.wait(10)
        with lock:
            active -= 1
        raise ReportParseError(f"{filename}: refused")

    monkeypatch.setattr(intake, "read_text", slow_read)
    store = Store(f"sqlite:///{tmp_path / 'kfd.sqlite3'}")
    errors: list[Exception] = []

    def upload(i: int) -> None:
        try:
            intake.add_report(store, b"x", keyword_model(), filename=f"{i}.txt")
        except ReportParseError as e:
            errors.append(e)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for _ in range(100):
        if active == 2:
            break
        time.sleep(0.02)
    time.sleep(0.1)  # give the other four the chance to (wrongly) enter
    assert active == 2
    release.set()
    for thread in threads:
        thread.join(10)
    assert peak == 2 and len(errors) == 6
