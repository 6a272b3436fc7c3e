"""Helpers of the browser tests of the review pages (double coding, retraining, figures): reports in the
live database through the API, and signing in as a user the conftest does not make."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page

from nlp.storage.workspace import Workspace

from .conftest import PASSWORD

REPORTS = ("lindenau.txt", "birkenfeld.txt", "erlenbach.txt")
SECOND_PRUEFER = "pit.pruefer"  # an invented second coder for the double-coding test


def post_reports(base_url: str, keys: dict[str, str], service_report) -> None:
    """The invented service reports in the live database (a report stored already is answered 200)."""
    for name in REPORTS:
        reply = httpx.post(
            f"{base_url}/v1/reports",
            json={"text": service_report(name), "filename": name},
            headers={"Authorization": f"Bearer {keys['read']}"},
            timeout=60,
        )
        assert reply.status_code in (200, 201), reply.text


def second_pruefer(workspace: Workspace) -> str:
    if workspace.find_user(SECOND_PRUEFER) is None:
        workspace.add_user(SECOND_PRUEFER, PASSWORD, "pruefer")
    return SECOND_PRUEFER


def sign_in_as(page: Page, base_url: str, name: str) -> None:
    page.goto(f"{base_url}/ui/anmelden")
    page.get_by_label("Benutzername").fill(name)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{base_url}/ui/")
