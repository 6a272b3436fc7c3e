"""The workspace's evaluator pages through the app (no browser): what the upload refuses per file, what
the review queue does with bad or stale decisions, and the error pages. The browser tests
(tests/browser/) work the same pages by hand."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from workspace_support import CHEAP_HASHER

from nlp import intake
from nlp.storage.store import Store
from nlp.storage.workspace import Workspace
from service.app import create_app
from service.workspace.upload import MAX_FILES

PASSWORD = "gutes-passwort-1"


@pytest.fixture
def setup(settings):
    store = Store(settings.database_url)
    workspace = Workspace(store, CHEAP_HASHER)
    for name, role in (("lea", "leser"), ("paul", "pruefer"), ("pia", "pruefer")):
        workspace.add_user(name, PASSWORD, role)
    yield settings.model_copy(update={"max_body_bytes": 30_000}), workspace
    store.close()


@contextlib.contextmanager
def _client(settings, name: str) -> Iterator[TestClient]:
    """A client of a fresh app, signed in as `name`."""
    with TestClient(create_app(settings), follow_redirects=False) as client:
        page = client.get("/ui/anmelden").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        reply = client.post("/ui/anmelden", data={"name": name, "password": PASSWORD, "csrf_token": token})
        assert reply.status_code == 303
        yield client


def _token(client: TestClient) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/ui/").text).group(1)


def _upload(client: TestClient, files: list[tuple[str, bytes]]):
    return client.post(
        "/ui/hochladen",
        data={"csrf_token": _token(client)},
        files=[("dateien", (name, data)) for name, data in files],
    )


def _results(html: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(
        r'<tr data-file="([^"]+)">\s*<td>[^<]*</td>\s*<td class="[^"]+">([^<]+)</td>\s*<td>(.*?)</td>',
        html,
        re.S,
    )
    return {name: (status, re.sub(r"<[^>]+>", "", rest).strip()) for name, status, rest in rows}


def test_upload_refuses_each_bad_file_with_its_reason_and_stores_the_good_ones(setup, service_report):
    settings, workspace = setup
    with _client(settings, "paul") as client:
        reply = _upload(
            client,
            [
                ("lindenau.txt", service_report("lindenau.txt").encode()),
                ("tabelle.xlsx", b"PK\x03\x04"),
                ("riesig.txt", b"x" * 30_001),
                ("leer.txt", b""),
            ],
        )
        assert reply.status_code == 200
        results = _results(reply.text)
        assert results["lindenau.txt"][0] == "neu"
        assert results["tabelle.xlsx"] == (
            "fehlgeschlagen",
            "Dateityp .xlsx wird nicht gelesen: .txt, .docx oder .html",
        )
        assert (
            results["riesig.txt"][0] == "fehlgeschlagen"
            and "größer als 30000 Bytes" in results["riesig.txt"][1]
        )
        assert results["leer.txt"][0] == "fehlgeschlagen"
        assert len(workspace.store.report_ids()) == 1
        again = _results(_upload(client, [("kopie.txt", service_report("lindenau.txt").encode())]).text)
        assert again["kopie.txt"][0] == "bereits gespeichert"
        assert len(workspace.store.report_ids()) == 1
        nothing = _upload(client, [])
        assert nothing.status_code == 422 and "Keine Datei gewählt" in nothing.text
        # htmx gets the result list alone
        partial = client.post(
            "/ui/hochladen",
            data={"csrf_token": _token(client)},
            files=[("dateien", ("b.txt", service_report("birkenfeld.txt").encode()))],
            headers={"HX-Request": "true"},
        )
        assert partial.text.lstrip().startswith('<section id="ergebnisse"') and "<html" not in partial.text


def test_a_leser_cannot_upload(setup, service_report):
    settings, workspace = setup
    with _client(settings, "lea") as client:
        reply = _upload(client, [("lindenau.txt", service_report("lindenau.txt").encode())])
        assert reply.status_code == 403 and "pruefer" in reply.text
    assert workspace.store.report_ids() == []


def _queue_statement(client: TestClient) -> int:
    return int(re.search(r'name="statement_id" value="(\d+)"', client.get("/ui/pruefen").text).group(1))


def test_review_refuses_unknown_labels_and_stale_decisions(setup, service_report):
    settings, workspace = setup
    with _client(settings, "paul") as paul, _client(settings, "pia") as pia:
        _upload(paul, [("lindenau.txt", service_report("lindenau.txt").encode())])
        first = _queue_statement(paul)
        assert _queue_statement(pia) == first  # both see the least certain one
        bad = paul.post(
            "/ui/pruefen",
            data={
                "csrf_token": _token(paul),
                "statement_id": first,
                "themen": ["erfunden"],
                "stimmung": "positiv",
            },
        )
        assert bad.status_code == 303
        page = paul.get("/ui/pruefen").text
        assert "Nicht gespeichert: unknown theme &#39;erfunden&#39;" in page
        assert workspace.history(first) == []

        ok = paul.post(
            "/ui/pruefen", data={"csrf_token": _token(paul), "statement_id": first, "stimmung": "gemischt"}
        )
        assert ok.status_code == 303 and workspace.statement(first).sentiment == "gemischt"
        late = pia.post(
            "/ui/pruefen", data={"csrf_token": _token(pia), "statement_id": first, "aktion": "ueberspringen"}
        )
        assert late.status_code == 303
        assert "reviewed meanwhile by paul" in pia.get("/ui/pruefen").text
        assert [d.user_name for d in workspace.history(first)] == ["paul"]
        assert _queue_statement(pia) != first

        nothing = pia.post("/ui/pruefen/rueckgaengig", data={"csrf_token": _token(pia)})
        assert nothing.status_code == 303 and "nothing to undo" in pia.get("/ui/pruefen").text


def test_unknown_pages_and_ids_get_html_error_pages(setup):
    settings, _ = setup
    with _client(settings, "lea") as client:
        missing = client.get("/ui/berichte/999")
        assert (
            missing.status_code == 404 and "no report with id 999" in missing.text and "<html" in missing.text
        )
        assert client.get("/ui/aussagen/999").status_code == 404
        assert client.get("/ui/gibt-es-nicht").status_code == 404
        invalid = client.get("/ui/berichte?seite=0")
        assert invalid.status_code == 422 and "seite" in invalid.text
    # the API's errors stay JSON
    with TestClient(create_app(settings)) as api:
        assert api.get("/v1/reports/999", headers={"Authorization": "Bearer admin-key-for-tests"}).json()[
            "detail"
        ]


def test_report_list_pages_keep_the_filters(setup, service_report, keyword_model):
    settings, workspace = setup
    text = service_report("lindenau.txt")
    for number in range(27):
        intake.add_report(workspace.store, text.replace("Lindenau", f"Linde{number:02d}"), keyword_model())
    with _client(settings, "lea") as client:
        first = client.get("/ui/berichte?regierungsbezirk=T%C3%BCbingen")
        assert first.status_code == 200 and "27 Berichte, Seite 1 von 2" in first.text
        assert first.text.count("<tr>") == 26  # header + 25
        assert 'href="/ui/berichte?regierungsbezirk=T%C3%BCbingen&amp;seite=2" rel="next"' in first.text
        second = client.get("/ui/berichte?regierungsbezirk=T%C3%BCbingen&seite=2")
        assert (
            second.text.count("<tr>") == 3 and 'rel="prev"' in second.text and 'rel="next"' not in second.text
        )
        assert "0 Berichte" in client.get("/ui/berichte?regierungsbezirk=Karlsruhe").text


def test_an_upload_of_too_many_files_stores_nothing(setup):
    settings, workspace = setup
    with _client(settings, "paul") as client:
        reply = _upload(client, [(f"r{i}.txt", b"x") for i in range(MAX_FILES + 1)])
        assert "201 Dateien auf einmal: höchstens 200. Nichts gespeichert." in reply.text
    assert workspace.store.report_ids() == []
