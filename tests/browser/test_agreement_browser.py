"""Double coding in chromium: an admin draws a sample, two pruefer code it blind with the keyboard, the
agreement page shows the figures the library computes for those codings, and an adjudication is stored."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from nlp.codebook import load_codebook
from nlp.review.samples import sample_agreement
from service.workspace.review import SENTIMENT_KEYS, THEME_KEYS

from .conftest import USERS
from .review_helpers import post_reports, second_pruefer, sign_in_as

CODEBOOK = load_codebook()
KEY_OF = dict(zip(CODEBOOK.theme_ids, THEME_KEYS, strict=False))  # the coding screen's keys


def _code(page: Page, base_url: str, sample_id: int, plan: list[tuple[list[str], str]]) -> None:
    """Code every statement of the sample with the keyboard only: theme letters, sentiment digit, Enter."""
    page.goto(f"{base_url}/ui/stichproben/{sample_id}/codieren")
    for themes, sentiment in plan:
        expect(page.locator("#statement-text")).to_be_visible()
        expect(page.locator("input[name=themes]:checked")).to_have_count(0)  # blind: nothing pre-filled
        for theme in themes:
            page.keyboard.press(KEY_OF[theme])
        page.keyboard.press(SENTIMENT_KEYS[sentiment])
        with page.expect_navigation():
            page.keyboard.press("Enter")
    expect(page.locator("#coding-done")).to_be_visible()


def test_two_pruefer_code_blind_and_the_agreement_is_the_librarys(
    page: Page, base_url, sign_in, workspace, keys, service_report, screenshot
):
    post_reports(base_url, keys, service_report)
    coder_a, coder_b = USERS["pruefer"], second_pruefer(workspace)

    sign_in(page, "admin")
    page.goto(f"{base_url}/ui/stichproben")
    name = f"Browser-Stichprobe {uuid.uuid4().hex[:6]}"
    page.get_by_label("Name").fill(name)
    page.get_by_label("Anzahl Aussagen").fill("4")
    page.get_by_label("Prüfer A").select_option(coder_a)
    page.get_by_label("Prüfer B").select_option(coder_b)
    screenshot(page, "doppelcodierung")
    page.get_by_role("button", name="Ziehen").click()
    page.wait_for_url(re.compile(r"/ui/stichproben/\d+$"))
    sample_id = int(page.url.rsplit("/", 1)[1])

    plan_a = [
        (["moderation"], "positiv"),
        (["moderation", "wohnen"], "negativ"),
        ([], "neutral"),
        (["wohnen"], "positiv"),
    ]
    plan_b = [
        (["moderation"], "positiv"),
        (["moderation"], "negativ"),
        (["moderation"], "neutral"),
        (["wohnen"], "gemischt"),
    ]
    sign_in_as(page, base_url, coder_a)
    page.goto(f"{base_url}/ui/stichproben/{sample_id}/codieren")
    expect(page.get_by_text("Modell")).to_have_count(0)
    screenshot(page, "doppelcodierung-codieren")
    _code(page, base_url, sample_id, plan_a)
    sign_in_as(page, base_url, coder_b)
    _code(page, base_url, sample_id, plan_b)

    codings = {
        (c.statement_id, c.user_name): (set(c.themes), c.sentiment) for c in workspace.codings(sample_id)
    }
    items = workspace.sample_items(sample_id)
    assert [codings[(i.statement_id, coder_a)] for i in items] == [(set(t), s) for t, s in plan_a]

    sign_in(page, "admin")
    page.goto(f"{base_url}/ui/stichproben/{sample_id}")
    expect(page.locator("#n-complete")).to_have_text("4")
    report = sample_agreement(workspace, sample_id, None, CODEBOOK)
    for label, row in (
        ("moderation", report.themes[CODEBOOK.theme_ids.index("moderation")]),
        ("sentiment", report.sentiment),
    ):
        shown = page.locator(f"#row-{label} td.alpha").inner_text().strip()
        assert row.coders.alpha.value is not None
        assert shown == f"{row.coders.alpha.value:.3f}".replace(".", ","), (label, shown)
        assert page.locator(
            f"#row-{label} td.kappa"
        ).inner_text().strip() == f"{row.coders.kappa.value:.3f}".replace(".", ",")
    # A theme nobody used says so instead of a number.
    expect(page.locator("#row-sprache td.alpha")).to_have_text("n.\u00a0b.")
    expect(page.locator("#row-sprache td.alpha abbr")).to_have_attribute(
        "title", re.compile("^nicht bestimmbar")
    )
    screenshot(page, "doppelcodierung-uebereinstimmung")

    # Adjudicate the second statement (A: moderation+wohnen/negativ, B: moderation/negativ).
    second = items[1].statement_id
    card = page.locator(f"#d-{second}")
    card.get_by_label("Wohnen").uncheck()
    card.get_by_role("button", name="Entscheidung speichern").click()
    page.wait_for_url(re.compile(rf"/ui/stichproben/{sample_id}"))
    decision = workspace.history(second)[-1]
    assert (decision.action, decision.themes, decision.sentiment, decision.sample_id) == (
        "adjudicate",
        ("moderation",),
        "negativ",
        sample_id,
    )
    expect(page.locator(f"#d-{second}")).to_contain_text("Entschieden")
    assert workspace.statement(second).reviewed_by == USERS["admin"]
