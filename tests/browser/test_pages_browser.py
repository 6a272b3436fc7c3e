"""The evaluator pages in chromium: uploading many reports (one broken), the report list and a report's
page, and the review queue worked by keyboard alone, checked against the database."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from .conftest import VIEWPORT


@pytest.fixture(scope="session")
def api_reports(base_url, keys, service_report) -> dict[str, int]:
    """The three invented service reports, stored through the JSON API (its keys work as before)."""
    ids = {}
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {keys['admin']}"}) as client:
        for name in ("lindenau.txt", "birkenfeld.txt", "erlenbach.txt"):
            reply = client.post("/v1/reports", json={"text": service_report(name), "filename": name})
            assert reply.status_code in (200, 201), reply.text
            ids[name] = reply.json()["id"]
    return ids


def _rows(page: Page) -> dict[str, tuple[str, str]]:
    """The upload result table: file → (status, Kommune or reason)."""
    out = {}
    for row in page.locator("#ergebnisse tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        out[cells[0]] = (cells[1], cells[2])
    return out


def _renamed(text: str, old: str, new: str) -> str:
    return text.replace(old, new)


def test_upload_many_reports_one_broken(
    page: Page, base_url, sign_in, screenshot, tmp_path, service_report, make_docx
):
    files = tmp_path / "upload"
    files.mkdir()
    (files / "ahornfeld.txt").write_text(
        _renamed(service_report("lindenau.txt"), "Lindenau", "Ahornfeld"), "utf-8"
    )
    (files / "buchenau.docx").write_bytes(
        make_docx(_renamed(service_report("birkenfeld.txt"), "Birkenfeld", "Buchenau"))
    )
    (files / "kaputt.docx").write_bytes(b"this is no Word file at all")
    sign_in(page, "pruefer")
    page.goto(f"{base_url}/ui/hochladen")
    page.get_by_label("Berichtsdateien").set_input_files(
        [files / n for n in ("ahornfeld.txt", "buchenau.docx", "kaputt.docx")]
    )
    page.get_by_role("button", name="Hochladen und taggen").click()
    expect(page.locator("#ergebnisse tbody tr")).to_have_count(3)
    rows = _rows(page)
    assert (
        rows["ahornfeld.txt"] == ("neu", rows["ahornfeld.txt"][1]) and "Ahornfeld" in rows["ahornfeld.txt"][1]
    )
    assert rows["buchenau.docx"][0] == "neu" and "Buchenau" in rows["buchenau.docx"][1]
    status, reason = rows["kaputt.docx"]
    assert status == "fehlgeschlagen" and "kaputt.docx" in reason  # the parser's own message
    expect(page.get_by_text("2 neu, 0 bereits gespeichert, 1 fehlgeschlagen.")).to_be_visible()
    screenshot(page, "hochladen")

    # The same content again, dropped on the drop zone: stored already, nothing doubled.
    text = (files / "ahornfeld.txt").read_text("utf-8")
    page.locator("#dropzone").evaluate(
        """(zone, text) => {
            const data = new DataTransfer();
            data.items.add(new File([text], "ahornfeld-nochmal.txt", {type: "text/plain"}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
        }""",
        text,
    )
    expect(page.locator("#ergebnisse tbody tr")).to_have_count(1)
    assert _rows(page)["ahornfeld-nochmal.txt"][0] == "bereits gespeichert"


def test_upload_works_as_a_plain_form_without_javascript(
    browser, base_url, sign_in, tmp_path, service_report
):
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORT, locale="de-DE")
    try:
        page = context.new_page()
        sign_in(page, "admin")
        page.goto(f"{base_url}/ui/hochladen")
        path = tmp_path / "eichstetten.txt"
        path.write_text(_renamed(service_report("erlenbach.txt"), "Erlenbach", "Eichstetten"), "utf-8")
        page.get_by_label("Berichtsdateien").set_input_files(path)
        page.get_by_role("button", name="Hochladen und taggen").click()
        expect(page.get_by_role("heading", name="Berichte hochladen")).to_be_visible()  # the whole page
        assert _rows(page)["eichstetten.txt"][0] == "neu"
    finally:
        context.close()


def test_report_list_filters_and_a_report_page(page: Page, base_url, sign_in, screenshot, api_reports):
    sign_in(page, "leser")
    page.goto(f"{base_url}/ui/berichte")
    expect(page.get_by_role("link", name="Lindenau am Neckar")).to_be_visible()
    screenshot(page, "berichte")
    page.get_by_label("Landkreis").select_option("Tübingen")
    page.get_by_role("button", name="Filtern").click()
    expect(page).to_have_url(re.compile(r"landkreis=T%C3%BCbingen"))
    names = page.locator("tbody tr td:first-child").all_inner_texts()
    assert "Lindenau am Neckar" in names and not any("Birkenfeld" in n for n in names)
    page.get_by_label("Landkreis").select_option("")
    page.get_by_label("Freitext").fill("Birkenfeld")
    page.get_by_role("button", name="Filtern").click()
    names = page.locator("tbody tr td:first-child").all_inner_texts()
    assert names and all("Birkenfeld" in n for n in names)

    page.goto(f"{base_url}/ui/berichte/{api_reports['lindenau.txt']}")
    expect(page.get_by_role("heading", name="Lindenau am Neckar", level=1)).to_be_visible()
    expect(page.locator("table.statements mark").first).to_be_visible()  # the words that pushed a label
    assert page.locator("table.statements tbody tr").count() >= 5
    expect(page.get_by_text("nur für die Rollen pruefer und admin sichtbar")).to_be_visible()
    assert "greta.probst@example.org" not in page.content()  # a leser never sees the contact
    screenshot(page, "bericht")


def test_a_pruefer_sees_the_contact_person(page: Page, base_url, sign_in, api_reports):
    sign_in(page, "pruefer")
    page.goto(f"{base_url}/ui/berichte/{api_reports['lindenau.txt']}")
    expect(page.get_by_text("greta.probst@example.org")).to_be_visible()


def test_a_leser_may_not_review_or_upload(page: Page, base_url, sign_in):
    sign_in(page, "leser")
    for path in ("/ui/pruefen", "/ui/hochladen"):
        page.goto(f"{base_url}{path}")
        expect(page.get_by_role("heading", name="Keine Berechtigung")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Prüfen")
    ).to_have_count(0)


def _current_id(page: Page) -> int:
    return int(page.locator("#pruefen input[name=statement_id]").input_value())


def test_review_ten_statements_by_keyboard_alone_then_undo(
    page: Page, base_url, sign_in, screenshot, workspace, api_reports
):
    name = sign_in(page, "pruefer")
    before = {d.id for d in workspace.decisions_by(name, limit=10_000)}
    page.goto(f"{base_url}/ui/pruefen")
    expect(page.get_by_role("heading", name=re.compile("^Prüfen"))).to_be_visible()
    screenshot(page, "pruefen")
    seen = []
    corrected_id, corrected_before = None, None
    for step in range(10):
        current = _current_id(page)
        assert current not in seen  # least certain first, each once
        seen.append(current)
        if step == 9:  # the last one is corrected: toggle the first theme, set negativ
            corrected_id, corrected_before = current, workspace.statement(current)
            page.keyboard.press("1")
            page.keyboard.press("n")
            expect(page.locator("#pruefen input[data-key='n']")).to_be_checked()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#meldung")).to_contain_text(f"Aussage {current}")

    made = [d for d in workspace.decisions_by(name, limit=10_000) if d.id not in before]
    assert len(made) == 10 and {d.user_name for d in made} == {name}
    assert sorted(d.statement_id for d in made) == sorted(seen)
    assert {d.action for d in made[1:]} == {"accept"} and made[0].action == "correct"  # newest first
    after = workspace.statement(corrected_id)
    first_theme = workspace_theme_ids()[0]
    assert (first_theme in after.themes) != (first_theme in corrected_before.themes)
    assert after.sentiment == "negativ" and after.reviewed_by == name
    for statement_id in seen[:9]:
        assert workspace.statement(statement_id).reviewed_by == name

    # z undoes the correction: the model's tags are back, and the statement is in the queue again.
    with page.expect_navigation():
        page.keyboard.press("z")
    expect(page.locator("#meldung")).to_contain_text(f"Rückgängig gemacht: Aussage {corrected_id}")
    restored = workspace.statement(corrected_id)
    assert (restored.themes, restored.sentiment) == (corrected_before.themes, corrected_before.sentiment)
    assert restored.reviewed_by is None
    assert _current_id(page) == corrected_id

    page.goto(f"{base_url}/ui/aussagen/{corrected_id}")
    rows = page.locator("tbody tr").all_inner_texts()
    assert len(rows) == 2 and "korrigiert" in rows[0] and "rückgängig" in rows[1] and name in rows[1]
    screenshot(page, "verlauf")


def workspace_theme_ids() -> list[str]:
    from nlp.codebook import load_codebook

    return list(load_codebook().theme_ids)
