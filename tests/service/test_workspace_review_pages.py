"""The workspace pages of nlp.review (service/workspace: dashboard, agreement, retraining) through the app:
roles, blind coding, the figures equal the library's, downloads, adjudication, and promote/discard of a
retraining candidate with the served model following."""

from __future__ import annotations

import fcntl
import io
import json
import re
import shutil

import pytest
from conftest import SERVICE_REPORTS
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from workspace_support import CHEAP_HASHER

from nlp import intake
from nlp.codebook import load_codebook
from nlp.model.artifacts import MANIFEST, load_model
from nlp.results.aggregate import aggregate
from nlp.review import retrain
from nlp.review.figures import stored_statements, theme_chart
from nlp.review.samples import sample_agreement
from nlp.storage.store import Store
from nlp.storage.workspace import Workspace
from service.app import create_app

PASSWORD = "gutes-passwort-1"
CODEBOOK = load_codebook()
USERS = (("lea", "leser"), ("paul", "pruefer"), ("pia", "pruefer"), ("ada", "admin"))


@pytest.fixture
def setup(settings, keyword_model, tmp_path):
    """The app over a database with three reports (tagged by the keyword model) and four users."""
    training = tmp_path / "training"
    training.mkdir()
    settings = settings.model_copy(update={"training_data": training})
    store = Store(settings.database_url)
    workspace = Workspace(store, CHEAP_HASHER)
    for name, role in USERS:
        workspace.add_user(name, PASSWORD, role)
    for name in ("lindenau.txt", "birkenfeld.txt", "erlenbach.txt"):
        intake.add_report(store, (SERVICE_REPORTS / name).read_text("utf-8"), keyword_model(), filename=name)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client, workspace, settings
    store.close()


def _token(client: TestClient, path: str = "/ui/anmelden") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def _as(client: TestClient, name: str) -> str:
    """Sign the client in as `name`; returns the session's CSRF token."""
    client.cookies.clear()
    reply = client.post(
        "/ui/anmelden", data={"name": name, "password": PASSWORD, "csrf_token": _token(client)}
    )
    assert reply.status_code == 303, reply.text
    return _token(client, "/ui/")


# -- Zahlen --------------------------------------------------------------------------------------


def test_dashboard_counts_drilldown_and_downloads(setup):
    client, workspace, _ = setup
    _as(client, "lea")
    page = client.get("/ui/zahlen?by=landkreis")
    assert page.status_code == 200
    records = stored_statements(workspace.store)
    chart = theme_chart(workspace.store.statement_rows(), CODEBOOK)
    data = json.loads(
        re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page.text, re.S)[1]
    )
    assert data["themes"] == chart.to_chartjs()

    # The statements behind the bar "Moderation & Begleitung / neutral": as many as the bar counts.
    i = chart.keys.index("moderation")
    count = next(s for s in chart.series if s.sentiment == "neutral").counts[i]
    fragment = client.get(
        "/ui/zahlen/aussagen?by=landkreis&theme=moderation&sentiment=neutral", headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.count("<tr><td>") == count > 0
    expected = [r for r in records if "moderation" in r.themes and r.sentiment == "neutral"]
    assert all(r.text.replace('"', "&#34;") in fragment.text or r.text in fragment.text for r in expected)
    assert "<html" in client.get("/ui/zahlen/aussagen?theme=moderation").text  # opened directly: a page

    book = client.get("/ui/zahlen/tabelle.xlsx?by=regierungsbezirk")
    assert book.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(book.content)).active.iter_rows(values_only=True))
    table = aggregate(
        workspace.store.statement_rows(), ("theme", "sentiment", "regierungsbezirk"), None, CODEBOOK
    )
    assert rows[0] == ("theme", "sentiment", "regierungsbezirk", "count", "total", "share")
    assert [r[:4] for r in rows[1:]] == [(*g.group, g.count) for g in table.rows]

    report = client.get("/ui/zahlen/bericht.html?theme=moderation")
    assert report.status_code == 200 and report.text.startswith("<!DOCTYPE html>")
    assert "attachment" in report.headers["content-disposition"]

    assert client.get("/ui/zahlen?theme=gibtsnicht").status_code == 422


def test_dashboard_needs_a_session(setup):
    client, _, _ = setup
    assert client.get("/ui/zahlen").status_code == 303
    assert client.get("/ui/zahlen/tabelle.xlsx").status_code == 303


# -- Doppelcodierung -----------------------------------------------------------------------------


def test_double_coding_blind_then_agreement_and_adjudication(setup):
    client, workspace, _ = setup
    token = _as(client, "lea")
    assert client.get("/ui/stichproben").status_code == 403
    token = _as(client, "paul")
    drawn = client.post(
        "/ui/stichproben",
        data={"name": "P1", "n": 4, "coder_a": "paul", "coder_b": "pia", "csrf_token": token},
    )
    assert drawn.status_code == 403  # only an admin draws

    token = _as(client, "ada")
    drawn = client.post(
        "/ui/stichproben",
        data={"name": "P1", "n": 4, "coder_a": "paul", "coder_b": "pia", "csrf_token": token},
    )
    assert drawn.status_code == 303
    sample_id = int(drawn.headers["location"].rsplit("/", 1)[1])
    items = workspace.sample_items(sample_id)

    answers = {"paul": (["moderation"], "positiv"), "pia": (["moderation"], "negativ")}
    for coder, (themes, sentiment) in answers.items():
        token = _as(client, coder)
        for n, item in enumerate(items):
            screen = client.get(f"/ui/stichproben/{sample_id}/codieren")
            assert item.text.replace('"', "&#34;") in screen.text or item.text in screen.text
            assert " checked" not in screen.text  # nothing pre-filled: not the model's, not the other's
            assert "Modell" not in screen.text
            chosen = themes if n % 2 == 0 else []
            saved = client.post(
                f"/ui/stichproben/{sample_id}/codieren",
                data={
                    "statement_id": item.statement_id,
                    "themes": chosen,
                    "sentiment": sentiment,
                    "csrf_token": token,
                },
            )
            assert saved.status_code == 303
        assert 'id="coding-done"' in client.get(f"/ui/stichproben/{sample_id}/codieren").text
        assert client.get(f"/ui/stichproben/{sample_id}").status_code == 403  # figures: admin only

    token = _as(client, "ada")
    page = client.get(f"/ui/stichproben/{sample_id}")
    assert page.status_code == 200
    model, _ = load_model(client.app.state.models.model_dir)
    report = sample_agreement(workspace, sample_id, model, CODEBOOK)
    assert report.n_complete == 4 and len(report.disagreements) == 4  # the sentiments always differ
    sentiment_row = re.search(r'<tr id="row-sentiment".*?</tr>', page.text, re.S)[0]
    sentiment = report.sentiment.coders
    assert sentiment.percent.value == 0.0 and sentiment.kappa.value == pytest.approx(0.0)
    assert "0&nbsp;%" in sentiment_row
    moderation = re.search(r'<tr id="row-moderation".*?</tr>', page.text, re.S)[0]
    alpha = report.themes[CODEBOOK.theme_ids.index("moderation")].coders.alpha.value
    assert alpha == pytest.approx(1.0)
    assert "1,000" in moderation

    first = items[0].statement_id
    settled = client.post(
        f"/ui/stichproben/{sample_id}/entscheiden",
        data={"statement_id": first, "themes": ["moderation"], "sentiment": "gemischt", "csrf_token": token},
    )
    assert settled.status_code == 303
    statement = workspace.statement(first)
    assert (statement.themes, statement.sentiment, statement.reviewed_by) == (
        ("moderation",),
        "gemischt",
        "ada",
    )
    assert workspace.history(first)[-1].action == "adjudicate"
    assert "noch offen" in client.get(f"/ui/stichproben/{sample_id}").text  # three are still open
    assert len(sample_agreement(workspace, sample_id, None, CODEBOOK).open_disagreements) == 3


# -- Neu trainieren ------------------------------------------------------------------------------


def _fake_done_job(settings, trained_model, version: str) -> retrain.Job:
    """A finished job whose candidate is a copy of the test model under another version."""
    root = settings.model_dir / retrain.CANDIDATES / "20260101-000000-abc123"
    candidate = root / version
    shutil.copytree(trained_model, candidate)
    manifest = json.loads((candidate / MANIFEST).read_text("utf-8"))
    (candidate / MANIFEST).write_text(json.dumps({**manifest, "version": version}), "utf-8")
    (root / retrain.JOB_FILE).write_text(json.dumps({"models_dir": str(settings.model_dir)}), "utf-8")
    figures = {
        "candidate": {"version": version, "cv": None, "heldout": None, "behaviour": None},
        "served": None,
    }
    (root / retrain.FIGURES_FILE).write_text(json.dumps(figures), "utf-8")
    status = retrain.JobStatus(root.name, "done", "done", 1.0, "2026-01-01T00:00:00+00:00", candidate=version)
    (root / retrain.STATUS_FILE).write_text(json.dumps(status.__dict__), "utf-8")
    return retrain.get_job(settings.model_dir, root.name)


def test_promote_from_the_page_serves_the_candidate(setup, trained_model, keys):
    client, _, settings = setup
    job = _fake_done_job(settings, trained_model, "kandidat-1")
    token = _as(client, "ada")
    page = client.get(f"/ui/training/{job.id}")
    assert page.status_code == 200 and 'id="promote"' in page.text and "kandidat-1" in page.text
    assert client.post(f"/ui/training/{job.id}/uebernehmen", data={"csrf_token": token}).status_code == 303
    served = client.get("/v1/model", headers={"Authorization": f"Bearer {keys['read']}"}).json()
    assert served["version"] == "kandidat-1"
    assert (settings.model_dir / "current").resolve() == (settings.model_dir / "kandidat-1").resolve()
    assert 'id="promoted"' in client.get(f"/ui/training/{job.id}").text
    again = client.post(f"/ui/training/{job.id}/uebernehmen", data={"csrf_token": token})
    assert again.status_code == 409


def test_discard_from_the_page_and_roles(setup, trained_model):
    client, _, settings = setup
    job = _fake_done_job(settings, trained_model, "kandidat-2")
    token = _as(client, "paul")
    assert client.get("/ui/training").status_code == 403
    assert client.post(f"/ui/training/{job.id}/verwerfen", data={"csrf_token": token}).status_code == 403
    token = _as(client, "ada")
    assert client.post(f"/ui/training/{job.id}/verwerfen", data={"csrf_token": token}).status_code == 303
    assert retrain.get_job(settings.model_dir, job.id).status.state == "discarded"
    assert not (job.dir / "kandidat-2").exists()
    assert client.get("/ui/training/gibtsnicht").status_code == 404


def test_a_second_training_is_refused_while_one_runs(setup, small_corpus):
    client, _, settings = setup
    shutil.copy(small_corpus / "labels.jsonl", settings.training_data / "labels.jsonl")
    token = _as(client, "ada")
    lock_dir = settings.model_dir / retrain.CANDIDATES
    lock_dir.mkdir()
    with (lock_dir / retrain.LOCK).open("a") as held:  # as a running job's process holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        refused = client.post("/ui/training", data={"csrf_token": token})
    assert refused.status_code == 409 and "läuft schon ein Training" in refused.text
    assert retrain.list_jobs(settings.model_dir) == []


def test_training_without_training_data_says_so(setup):
    client, _, settings = setup
    token = _as(client, "ada")
    refused = client.post("/ui/training", data={"csrf_token": token})
    assert refused.status_code == 409 and "KFD_TRAINING_DATA" in refused.text
    overview = client.get("/ui/training")
    assert overview.status_code == 200 and 'id="start-training"' in overview.text
