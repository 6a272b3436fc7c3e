"""Fuzzed input for the parser and for /v1/classify: always a result or a clear error, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.errors import ReportParseError
from nlp.reading.report import Report, parse_report

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)

HEADINGS = [
    "Angaben zur Kommune",
    "Veranstaltungskonzept",
    "Beratung und Moderation",
    "Bewertung des Ablaufs und der Ergebnisse",
    "Kosten und Effizienz",
    "Name der Stadt oder Gemeinde",
    "Einwohnerzahl",
    "Telefon der Kontaktperson",
]
ARABIC = st.text(st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), max_size=80)
TIGRINYA = st.text(st.characters(min_codepoint=0x1200, max_codepoint=0x137F), max_size=80)  # Ge'ez
CONTROL = st.text(st.characters(min_codepoint=0, max_codepoint=31), max_size=20)
EMOJI = st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), min_size=1, max_size=20)
HUGE_LINE = st.integers(1_000, 200_000).map(lambda n: "Die Moderation war gut " * (n // 23))
PIECES = st.one_of(
    st.sampled_from(HEADINGS),
    st.text(max_size=200),
    ARABIC,
    TIGRINYA,
    CONTROL,
    EMOJI,
    st.sampled_from(["• ", "- ", "1. ", "4,160,00 €", "21. Januar 2017", "\r\n", "\n\n", "\ufeff", "\u00a0"]),
)
# Texts shaped like a report (form headings among junk), so the parser gets past its first check.
REPORTISH = st.lists(PIECES, max_size=40).map("\n".join)


def _parse(source, filename=None) -> Report | None:
    try:
        report = parse_report(source, filename)
    except ReportParseError as e:
        assert str(e)  # a message saying why
        return None
    assert isinstance(report, Report)
    report.to_dict()  # JSON-ready
    return report


@FUZZ
@given(text=st.text())
def test_parse_report_arbitrary_text(text):
    _parse(text)


@FUZZ
@given(text=REPORTISH)
def test_parse_report_reportlike_text(text):
    report = _parse(text)
    if report is not None:
        assert Report.from_dict(report.to_dict()) == report
        assert all(s.text.strip() for s in report.statements)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([None, "x.txt", "x.html", "x.docx", "x.htm"]))
def test_parse_report_arbitrary_bytes(data, suffix):
    _parse(data, suffix)


@FUZZ
@given(text=REPORTISH, encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
def test_parse_report_encoded_bytes(text, encoding):
    _parse(text.encode(encoding, errors="replace"), "bericht.txt")


@settings(max_examples=10, deadline=None, database=None)
@given(line=HUGE_LINE, heading=st.sampled_from(HEADINGS))
def test_parse_report_huge_lines(line, heading):
    _parse(f"{heading}\n{line}\nBewertung des Ablaufs und der Ergebnisse\n• {line}\n")


@pytest.mark.parametrize(
    "text",
    [
        "Angaben zur Kommune\nName der Stadt oder Gemeinde\nأسمرة\nBewertung des Ablaufs und der Ergebnisse\n• ጽቡቕ ነይሩ።",
        "Bewertung des Ablaufs und der Ergebnisse\n• " + "\x07" * 50 + "gut",
        "Bewertung des Ablaufs und der Ergebnisse\n• 👍🏽" * 100,
        "\ufeffBewertung des Ablaufs und der Ergebnisse\r\n•\r\n•\t\r\n",
    ],
)
def test_parse_report_edge_cases(text):
    _parse(text)


# -- /v1/classify ----------------------------------------------------------------------------------

STATEMENT_TEXT = st.one_of(
    st.just(""),
    st.text(" \t\n\r\u00a0\u2003", max_size=20),  # whitespace only
    st.text(max_size=300),
    EMOJI,
    ARABIC,
    TIGRINYA,
    st.integers(4_990, 5_010).map(lambda n: ("Zeit war knapp. " * 400)[:n]),  # around the 5,000 limit
)
STATEMENT = st.fixed_dictionaries(
    {"text": STATEMENT_TEXT},
    optional={
        "id": st.one_of(st.none(), st.text(max_size=10)),
        "section": st.one_of(st.none(), st.sampled_from(["bewertung", "ergebnisse", "fazit", ""])),
    },
)


@pytest.fixture(scope="module")
def classify_client(tmp_path_factory, trained_model, keys, make_settings):
    from fastapi.testclient import TestClient

    from service.app import create_app

    settings = make_settings(tmp_path_factory.mktemp("fuzz"), trained_model)
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {keys['read']}"
        yield client


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(statements=st.lists(STATEMENT, max_size=5))
def test_classify_fuzzed_statements(classify_client, statements):
    reply = classify_client.post("/v1/classify", json={"statements": statements})
    assert reply.status_code in (200, 413, 422), reply.text
    body = reply.json()
    if reply.status_code != 200:
        assert body["detail"]
        return
    assert len(body["statements"]) == len(statements)
    for sent, tagged in zip(statements, body["statements"], strict=True):
        assert sent["text"].strip() and len(sent["text"].strip()) <= 5000  # counted after trimming
        assert tagged["sentiment"] in tagged["scores"]["sentiment"]
        assert tagged["model_version"] == body["model_version"]


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(body=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_classify_fuzzed_raw_body(classify_client, body):
    reply = classify_client.post("/v1/classify", content=body, headers={"Content-Type": "application/json"})
    # 400: not UTF-8 at all (FastAPI cannot read the body); 422: not the expected JSON.
    assert reply.status_code in (200, 400, 413, 422), reply.text
    assert "detail" in reply.json() or reply.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"Infinity",
        b"NaN",
        b"-Infinity",
        b"[1e999]",
        b'{"statements": NaN}',
        b'{"statements": [{"text": Infinity}]}',
    ],
)
def test_classify_non_finite_numbers_are_a_422(classify_client, body):
    """JSON's non-standard Infinity/NaN parse to floats; the 422 that names them must still be JSON."""
    reply = classify_client.post("/v1/classify", content=body, headers={"Content-Type": "application/json"})
    assert reply.status_code == 422 and reply.json()["detail"]
