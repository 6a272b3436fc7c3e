"""Signing in and out of the workspace in chromium; pages refused without a session; a form without its
CSRF token refused."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def test_sign_in_and_out(page: Page, base_url, sign_in, screenshot):
    page.goto(f"{base_url}/ui/anmelden")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    expect(page.get_by_label("Benutzername")).to_be_focused()
    screenshot(page, "anmelden")

    name = sign_in(page, "pruefer")
    expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()
    expect(page.locator("header")).to_contain_text(name)
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()
    screenshot(page, "uebersicht")

    page.get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(re.compile(r"/ui/anmelden$"))
    page.goto(f"{base_url}/ui/")
    expect(page).to_have_url(re.compile(r"/ui/anmelden$"))


def test_a_wrong_password_shows_a_message(page: Page, base_url):
    page.goto(f"{base_url}/ui/anmelden")
    page.get_by_label("Benutzername").fill("niemand")
    page.get_by_label("Passwort").fill("falsches-passwort")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_contain_text("Anmeldung fehlgeschlagen")


def test_a_page_without_a_session_goes_to_the_sign_in(page: Page, base_url, sign_in):
    page.goto(f"{base_url}/ui/")
    expect(page).to_have_url(re.compile(r"/ui/anmelden$"))
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()


def test_a_form_without_its_csrf_token_is_refused(page: Page, base_url, sign_in):
    sign_in(page, "leser")
    page.locator("form.signout input[name=csrf_token]").evaluate("input => input.remove()")
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("heading", name="Formular abgelehnt")).to_be_visible()
    # still signed in: the refused post changed nothing
    page.goto(f"{base_url}/ui/")
    expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()


def test_the_keyboard_reaches_every_control_with_a_visible_focus(page: Page, base_url, sign_in):
    sign_in(page, "admin")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Zum Inhalt springen"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
