"""nlp.review.samples: a double-coding sample as agreement units (codings, the model's tags, adjudications
that were not undone), and the reviewed statements that retraining adds."""

from __future__ import annotations

import pytest
from conftest import SERVICE_REPORTS
from workspace_support import CHEAP_HASHER

from nlp import intake
from nlp.codebook import load_codebook
from nlp.model.features import StatementInput
from nlp.review.agreement import Coding, agreement
from nlp.review.retrain import ReviewedStatement
from nlp.review.samples import reviewed_statements, sample_agreement, sample_units
from nlp.storage.store import Store
from nlp.storage.workspace import Workspace

CODEBOOK = load_codebook()


@pytest.fixture
def ws(database_url, keyword_model):
    """A workspace on SQLite and on PostgreSQL, with three users and one report."""
    store = Store(database_url)
    workspace = Workspace(store, CHEAP_HASHER)
    for name, role in (("ada", "admin"), ("paul", "pruefer"), ("pia", "pruefer")):
        workspace.add_user(name, "richtig-geheim", role)
    intake.add_report(store, (SERVICE_REPORTS / "lindenau.txt").read_text("utf-8"), keyword_model())
    yield workspace
    store.close()


def test_sample_units_pair_the_codings_the_model_and_the_adjudication(ws, keyword_model):
    sample = ws.create_sample("Probe", "ada", "paul", "pia", n=3, seed=1)
    items = ws.sample_items(sample.id)
    first, second, third = (i.statement_id for i in items)
    ws.save_coding(sample.id, first, "paul", ["moderation"], "positiv", codebook=CODEBOOK)
    ws.save_coding(sample.id, first, "pia", ["moderation"], "positiv", codebook=CODEBOOK)
    ws.save_coding(sample.id, second, "paul", ["wohnen"], "negativ", codebook=CODEBOOK)
    ws.save_coding(sample.id, second, "pia", [], "negativ", codebook=CODEBOOK)
    ws.save_coding(sample.id, third, "pia", [], "neutral", codebook=CODEBOOK)
    ws.decide(second, "ada", "adjudicate", ["wohnen"], "negativ", codebook=CODEBOOK, sample_id=sample.id)

    model = keyword_model()
    units = sample_units(ws, sample.id, model)
    assert [u.statement_id for u in units] == [first, second, third]
    assert units[0].coder_a == units[0].coder_b == Coding.of(["moderation"], "positiv")
    assert units[1].adjudicated == Coding.of(["wohnen"], "negativ")
    assert units[2].coder_a is None and units[2].coder_b == Coding.of([], "neutral")
    expected = model.tag([StatementInput(i.text, i.section) for i in items])
    assert [u.model for u in units] == [Coding.of(p.themes, p.sentiment) for p in expected]

    report = sample_agreement(ws, sample.id, model, CODEBOOK)
    assert report == agreement(units, CODEBOOK)
    assert [d.statement_id for d in report.disagreements] == [second]
    assert report.open_disagreements == ()

    ws.undo("ada")  # the adjudication is undone: the disagreement is open again
    assert sample_units(ws, sample.id, None)[1].adjudicated is None
    assert sample_units(ws, sample.id, None)[1].model is None


def test_reviewed_statements_are_those_a_person_decided(ws):
    ids = [
        i.statement_id
        for i in ws.sample_items(ws.create_sample("Alle", "ada", "paul", "pia", n=4, seed=2).id)
    ]
    assert reviewed_statements(ws.store) == []
    ws.decide(ids[0], "paul", "correct", ["sprache"], "gemischt", codebook=CODEBOOK)
    ws.decide(ids[1], "paul", "accept")
    ws.decide(ids[2], "paul", "skip")
    found = reviewed_statements(ws.store)
    first, second = (ws.statement(i) for i in ids[:2])
    assert found == [
        ReviewedStatement(first.text, first.section, ("sprache",), "gemischt"),
        ReviewedStatement(second.text, second.section, second.themes, second.sentiment),
    ]
