"""nlp.storage.workspace: users, the append-only review trail, the review queue and double-coding samples,
on SQLite and on PostgreSQL (`database_url`)."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from workspace_support import CHEAP_HASHER

from nlp import intake
from nlp.codebook import load_codebook
from nlp.errors import UnknownLabel
from nlp.model.features import StatementInput
from nlp.model.inference import Prediction
from nlp.results.records import TaggedStatement
from nlp.storage.store import Store
from nlp.storage.workspace import (
    DecisionConflict,
    NotFound,
    Overview,
    UserExists,
    Workspace,
    WorkspaceError,
)
from nlp.training.suggest import least_certain

PASSWORD = "richtig-geheim"
THRESHOLDS = {"moderation": 0.5, "wohnen": 0.4, "sprache": 0.6}


class ScoredModel:
    """Tags with scores that differ from statement to statement (from a hash of the text), so that the
    review queue has an order to get right."""

    version = "scored-1"

    def tag(self, statements: list[StatementInput]) -> list[Prediction]:
        out = []
        for s in statements:
            digest = hashlib.sha256(s.text.encode()).digest()
            scores = {t: digest[i] / 255 for i, t in enumerate(THRESHOLDS)}
            themes = tuple(t for t, p in scores.items() if p >= THRESHOLDS[t])
            positive = digest[5] / 255
            sentiment_scores = {"positiv": positive, "negativ": 1 - positive}
            out.append(
                Prediction(
                    themes=themes,
                    sentiment=max(sentiment_scores, key=lambda k: sentiment_scores[k]),
                    theme_scores=scores,
                    sentiment_scores=sentiment_scores,
                    model_version=self.version,
                )
            )
        return out


@pytest.fixture
def store(database_url, service_report):
    opened = Store(database_url)
    for name in ("lindenau.txt", "birkenfeld.txt"):
        intake.add_report(opened, service_report(name), ScoredModel(), filename=name)
    yield opened
    opened.close()


@pytest.fixture
def ws(store) -> Workspace:
    workspace = Workspace(store, hasher=CHEAP_HASHER)
    workspace.add_user("anna", PASSWORD, "pruefer")
    workspace.add_user("bernd", PASSWORD, "pruefer")
    workspace.add_user("chefin", PASSWORD, "admin")
    return workspace


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def _statement_ids(store: Store) -> list[int]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT id FROM statements ORDER BY id")).scalars())


# -- users -------------------------------------------------------------------------------------------


def test_users_are_added_with_an_argon2_hash_and_verified(ws, store):
    user = ws.get_user("anna")
    assert (user.name, user.role, user.active) == ("anna", "pruefer", True)
    with store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users WHERE name = 'anna'")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert ws.verify_password("anna", PASSWORD) == user
    assert ws.verify_password("anna", PASSWORD + "x") is None
    assert ws.verify_password("niemand", PASSWORD) is None
    assert [u.name for u in ws.list_users()] == ["anna", "bernd", "chefin"]


@pytest.mark.parametrize(
    ("name", "password", "role", "message"),
    [
        ("anna", PASSWORD, "leser", "exists already"),
        ("dora", PASSWORD, "chef", "unknown role 'chef'; valid: leser, pruefer, admin"),
        ("dora", "", "leser", "the password is empty"),
        ("dora", "kurz", "leser", "shorter than 8"),
        ("mit leerzeichen", PASSWORD, "leser", "is not valid"),
        ("", PASSWORD, "leser", "is not valid"),
    ],
)
def test_add_user_refuses_bad_input(ws, name, password, role, message):
    with pytest.raises(WorkspaceError, match=message):
        ws.add_user(name, password, role)
    assert [u.name for u in ws.list_users()] == ["anna", "bernd", "chefin"]


def test_duplicate_user_is_a_user_exists_error(ws):
    with pytest.raises(UserExists):
        ws.add_user("anna", PASSWORD, "admin")
    assert ws.get_user("anna").role == "pruefer"


def test_role_password_and_deactivation(ws):
    stamp = ws.password_stamp("anna")
    ws.set_password("anna", "ein-neues-passwort")
    assert ws.password_stamp("anna") != stamp
    assert ws.verify_password("anna", PASSWORD) is None
    assert ws.verify_password("anna", "ein-neues-passwort") is not None
    assert ws.set_role("anna", "leser").role == "leser"
    assert not ws.get_user("anna").may("pruefer") and ws.get_user("anna").may("leser")
    ws.deactivate("anna")
    assert ws.verify_password("anna", "ein-neues-passwort") is None
    assert not ws.get_user("anna").may("leser")
    with pytest.raises(NotFound):
        ws.set_role("niemand", "admin")


# -- decisions ---------------------------------------------------------------------------------------


def test_accept_and_correct_set_the_tags_and_mark_reviewed(ws, codebook, store):
    first, second = _statement_ids(store)[:2]
    before = ws.statement(first)
    accepted = ws.decide(first, "anna", "accept")
    assert accepted.action == "accept" and accepted.user_name == "anna"
    assert (accepted.themes_before, accepted.themes) == (before.themes, before.themes)
    after_accept = ws.statement(first)
    assert after_accept.themes == before.themes and after_accept.reviewed_by == "anna"
    assert after_accept.reviewed_at is not None

    corrected = ws.decide(second, "anna", "correct", ["wohnen", "bildung"], "gemischt", codebook=codebook)
    statement = ws.statement(second)
    assert statement.themes == ("bildung", "wohnen")  # codebook order
    assert statement.sentiment == "gemischt" and statement.reviewed_by == "anna"
    assert corrected.themes == ("bildung", "wohnen") and corrected.sentiment_before != "gemischt"
    assert [d.id for d in ws.history(second)] == [corrected.id]


def test_a_decision_with_an_unknown_label_is_refused_and_changes_nothing(ws, codebook, store):
    target = _statement_ids(store)[0]
    before = ws.statement(target)
    with pytest.raises(UnknownLabel):
        ws.decide(target, "anna", "correct", ["erfunden"], "positiv", codebook=codebook)
    assert ws.statement(target) == before and ws.history(target) == []


def test_skip_changes_no_tags(ws, store):
    target = _statement_ids(store)[0]
    before = ws.statement(target)
    ws.decide(target, "anna", "skip")
    assert ws.statement(target) == before


def test_undo_restores_the_tags_and_the_review_mark(ws, codebook, store):
    target = _statement_ids(store)[0]
    original = ws.statement(target)
    ws.decide(target, "anna", "accept")
    ws.decide(target, "bernd", "correct", ["sprache"], "negativ", codebook=codebook)
    undo = ws.undo("bernd")
    assert undo.action == "undo" and undo.themes == original.themes and undo.themes_before == ("sprache",)
    restored = ws.statement(target)
    assert (restored.themes, restored.sentiment) == (original.themes, original.sentiment)
    assert restored.reviewed_by == "anna"  # the accept still stands
    ws.undo("anna")
    assert ws.statement(target).reviewed_by is None and ws.statement(target).reviewed_at is None
    with pytest.raises(DecisionConflict, match="nothing to undo"):
        ws.undo("anna")
    assert [d.action for d in ws.history(target)] == ["accept", "correct", "undo", "undo"]


def test_undo_never_overwrites_a_later_decision_of_someone_else(ws, codebook, store):
    target = _statement_ids(store)[0]
    ws.decide(target, "anna", "correct", ["sprache"], "negativ", codebook=codebook)
    ws.decide(target, "chefin", "correct", ["wohnen"], "positiv", codebook=codebook)
    with pytest.raises(DecisionConflict, match="changed after decision"):
        ws.undo("anna")
    assert ws.statement(target).themes == ("wohnen",)
    first = ws.history(target)[0]
    with pytest.raises(DecisionConflict, match="not yours"):
        ws.undo("bernd", first.id)


def test_a_statement_reviewed_meanwhile_is_a_conflict_for_the_queue(ws, store):
    target = _statement_ids(store)[0]
    ws.decide(target, "anna", "accept", unreviewed_only=True)
    with pytest.raises(DecisionConflict, match="reviewed meanwhile by anna"):
        ws.decide(target, "bernd", "accept", unreviewed_only=True)


def test_the_audit_trail_is_only_ever_inserted_into(ws, codebook, store):
    """Every write path of the workspace, watched at the SQL level: no UPDATE or DELETE of a decision."""
    seen: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()).lower())

    sa.event.listen(store.engine, "before_cursor_execute", watch)
    try:
        ids = _statement_ids(store)
        ws.decide(ids[0], "anna", "accept")
        ws.decide(ids[1], "anna", "correct", ["sprache"], "neutral", codebook=codebook)
        ws.decide(ids[2], "anna", "skip")
        ws.undo("anna")
        ws.undo("anna")
        sample = ws.create_sample("Stichprobe", "chefin", "anna", "bernd", statement_ids=ids[3:5])
        ws.decide(ids[3], "chefin", "adjudicate", ["wohnen"], "positiv", sample_id=sample.id)
        ws.undo("chefin")
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", watch)
    touching = [s for s in seen if "review_decisions" in s]
    assert sum(s.startswith("insert into review_decisions") for s in touching) == 7
    assert not [s for s in touching if s.startswith(("update", "delete"))]


def test_retag_leaves_reviewed_statements_alone(ws, codebook, store, keyword_model):
    target = _statement_ids(store)[0]
    ws.decide(target, "anna", "correct", ["sprache"], "negativ", codebook=codebook)
    result = intake.retag(store, keyword_model("kw-9"))
    assert result.n_statements == len(_statement_ids(store)) - 1
    kept = ws.statement(target)
    assert (kept.themes, kept.sentiment, kept.model_version) == (("sprache",), "negativ", "scored-1")


# -- the review queue --------------------------------------------------------------------------------


def _expected_order(ws: Workspace, ids: list[int]) -> list[int]:
    records: list[TaggedStatement] = [ws.statement(i).as_record() for i in ids]
    return [int(rec.id) for _, rec in least_certain(records, THRESHOLDS, len(records))]


def test_the_queue_is_least_certain_first_like_kfd_suggest(ws, store):
    ids = _statement_ids(store)
    queue = ws.review_queue("anna", THRESHOLDS, n=len(ids))
    assert queue.remaining == len(ids)
    order = [e.statement_id for e in queue.entries]
    assert order == _expected_order(ws, ids)
    margins = [e.margin for e in queue.entries]
    assert margins == sorted(margins) and margins[0] < margins[-1]


def test_the_queue_leaves_out_reviewed_and_own_skipped_statements(ws, store):
    first, second, third = ws.review_queue("anna", THRESHOLDS, n=3).entries
    ws.decide(first.statement_id, "anna", "accept")
    ws.decide(second.statement_id, "anna", "skip")
    for_anna = ws.review_queue("anna", THRESHOLDS, n=1)
    assert for_anna.entries[0].statement_id == third.statement_id
    assert for_anna.remaining == len(_statement_ids(store)) - 2
    # bernd did not skip it: he still gets it first
    assert ws.review_queue("bernd", THRESHOLDS, n=1).entries[0].statement_id == second.statement_id
    ws.undo("anna")  # undoing the skip puts it back
    assert ws.review_queue("anna", THRESHOLDS, n=1).entries[0].statement_id == second.statement_id


def test_neighbours_are_the_statements_around_it_in_its_report(ws, store):
    ids = _statement_ids(store)
    around = ws.neighbours(ids[3], around=2)
    assert [s.id for s in around] == ids[1:6]
    assert [s.id for s in ws.neighbours(ids[0], around=1)] == ids[:2]


# -- double coding -----------------------------------------------------------------------------------


def test_a_sample_is_coded_blind_by_two_coders(ws, codebook, store):
    sample = ws.create_sample("Runde 1", "chefin", "anna", "bernd", n=4, seed=7)
    again = ws.create_sample("Runde 1 b", "chefin", "anna", "bernd", n=4, seed=7)
    items = ws.sample_items(sample.id)
    assert sample.n_items == 4 and [i.position for i in items] == [0, 1, 2, 3]
    assert [i.statement_id for i in items] == [i.statement_id for i in ws.sample_items(again.id)]
    target = items[0].statement_id
    before = ws.statement(target)

    ws.save_coding(sample.id, target, "anna", ["sprache"], "positiv", codebook=codebook)
    assert [i.statement_id for i in ws.sample_items(sample.id, "anna")] == [i.statement_id for i in items[1:]]
    assert len(ws.sample_items(sample.id, "bernd")) == 4
    assert ws.statement(target) == before  # a coding never changes the tags
    with pytest.raises(DecisionConflict, match="already"):
        ws.save_coding(sample.id, target, "anna", ["wohnen"], "negativ", codebook=codebook)
    ws.save_coding(sample.id, target, "bernd", ["wohnen"], "negativ", codebook=codebook)
    codings = ws.codings(sample.id)
    assert [(c.user_name, c.themes, c.sentiment) for c in codings] == [
        ("anna", ("sprache",), "positiv"),
        ("bernd", ("wohnen",), "negativ"),
    ]
    with pytest.raises(WorkspaceError, match="not a coder"):
        ws.save_coding(sample.id, target, "chefin", ["wohnen"], "negativ")
    with pytest.raises(WorkspaceError, match="not a coder"):
        ws.sample_items(sample.id, "chefin")

    settled = ws.decide(target, "chefin", "adjudicate", ["wohnen"], "negativ", sample_id=sample.id)
    assert settled.sample_id == sample.id
    assert ws.statement(target).themes == ("wohnen",) and ws.statement(target).reviewed_by == "chefin"
    outside = next(i for i in _statement_ids(store) if i not in {x.statement_id for x in items})
    with pytest.raises(NotFound, match="not in sample"):
        ws.decide(outside, "chefin", "adjudicate", ["wohnen"], "negativ", sample_id=sample.id)


@pytest.mark.parametrize(
    ("coder_a", "coder_b", "n", "message"),
    [
        ("anna", "anna", 2, "two different coders"),
        ("anna", "niemand", 2, "no active user"),
        ("anna", "bernd", 0, "at least one"),
        ("anna", "bernd", 10_000, "only"),
    ],
)
def test_create_sample_refuses_bad_input(ws, coder_a, coder_b, n, message):
    with pytest.raises(WorkspaceError, match=message):
        ws.create_sample("S", "chefin", coder_a, coder_b, n=n)
    assert ws.list_samples() == []


def test_a_leser_cannot_be_a_coder(ws):
    ws.add_user("lea", PASSWORD, "leser")
    with pytest.raises(WorkspaceError, match="no active user with the role pruefer"):
        ws.create_sample("S", "chefin", "anna", "lea", n=2)


def test_overview_counts_reports_statements_and_reviewed(ws, store, codebook):
    ids = _statement_ids(store)
    assert ws.overview() == Overview(2, len(ids), 0)
    ws.decide(ids[0], "anna", "accept")
    ws.decide(ids[1], "anna", "skip")
    ws.decide(ids[2], "anna", "correct", ["sprache"], "neutral", codebook=codebook)
    assert ws.overview() == Overview(2, len(ids), 2)
