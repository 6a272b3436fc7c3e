"""Retraining in chromium: an admin starts a job on a small corpus, watches it, compares the candidate with
the served model, promotes it, and the API serves the new version."""

from __future__ import annotations

import re
import shutil
import uuid

import httpx
from conftest import TRAINING_DATA
from playwright.sync_api import Page, expect

from nlp.review import retrain

from .conftest import USERS
from .review_helpers import post_reports


def test_retrain_compare_promote_and_the_api_serves_it(
    page: Page, base_url, sign_in, live_folder, small_corpus, workspace, keys, service_report, screenshot
):
    # The live service runs in live_folder, so its KFD_TRAINING_DATA default `training_data` is this one.
    data = live_folder / "training_data"
    if not data.exists():
        shutil.copytree(small_corpus, data)
        for name in ("heldout/labels.jsonl", "behaviour/suite.jsonl"):
            (data / name).parent.mkdir(exist_ok=True)
            shutil.copy(TRAINING_DATA / name, data / name)
    api = {"Authorization": f"Bearer {keys['read']}"}
    # A statement a person corrected in the workspace goes into the training as an extra label.
    post_reports(base_url, keys, service_report)
    corrected = workspace.sample_items(
        workspace.create_sample(
            f"Retrain {uuid.uuid4().hex[:6]}", "test", USERS["pruefer"], USERS["admin"], n=1
        ).id
    )[0]
    workspace.decide(corrected.statement_id, USERS["pruefer"], "correct", ["sprache"], "positiv")
    served = httpx.get(f"{base_url}/v1/model", headers=api).json()["version"]

    sign_in(page, "admin")
    page.goto(f"{base_url}/ui/training")
    screenshot(page, "training")
    page.get_by_role("button", name="Neu trainieren").click()
    page.wait_for_url(re.compile(r"/ui/training/[\w-]+$"))
    job_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#job-state")).to_contain_text(re.compile("wartet|läuft"))
    # A second start while this one runs is refused.
    page.goto(f"{base_url}/ui/training")
    expect(page.get_by_role("button", name="Neu trainieren")).to_have_count(0)
    expect(page.get_by_text("Es läuft schon ein Training")).to_be_visible()
    page.goto(f"{base_url}/ui/training/{job_id}")

    # htmx polls the status until the job is done; then the comparison and the two buttons appear.
    expect(page.get_by_role("button", name="Übernehmen")).to_be_visible(timeout=600_000)
    comparison = page.locator("#comparison")
    expect(comparison).to_contain_text("Held-out-Berichte")
    expect(comparison).to_contain_text("Kreuzvalidierung")
    expect(comparison).to_contain_text("negation: Stimmung")
    screenshot(page, "training-vergleich")
    status = retrain.get_job(live_folder / "models", job_id).status
    candidate = status.candidate
    assert status.reviewed >= 1 and status.replaced + status.added == status.reviewed
    assert candidate and candidate != served
    expect(comparison).to_contain_text(candidate)

    page.get_by_role("button", name="Übernehmen").click()
    expect(page.locator("#promoted")).to_contain_text(candidate)
    assert httpx.get(f"{base_url}/v1/model", headers=api).json()["version"] == candidate
