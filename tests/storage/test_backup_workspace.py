"""`kfd export-db` / `kfd import-db` with the browser workspace: users, the append-only review decisions
(an undo included), a double-coding sample with codings and an adjudication, and the reviewed marks of
statements survive the round trip on SQLite and on PostgreSQL, attached to the statements' new ids."""

from __future__ import annotations

import dataclasses
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from workspace_support import CHEAP_HASHER

from cli import main
from nlp import intake
from nlp.codebook import load_codebook
from nlp.review.samples import sample_agreement
from nlp.storage.backup import BackupError, export_db, import_db
from nlp.storage.store import Store, statements
from nlp.storage.workspace import (
    Workspace,
    coding_sample_items,
    coding_samples,
    review_decisions,
    sample_codings,
    users,
)

PASSWORD = "richtig-geheim"
NAMES = ("lindenau.txt", "birkenfeld.txt", "erlenbach.txt")


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture
def source(database_url, service_report, keyword_model):
    """Three reports with a gap in the statement ids, three users (one deactivated), review decisions
    (accept, correct, skip, a correction undone) and a sample coded by two coders with an adjudication."""
    store = Store(database_url)
    for number, name in enumerate(NAMES):
        intake.add_report(store, service_report(name), keyword_model(f"kw-{number}"), filename=name)
    store.delete_report(1)  # its statements' ids are gone: the restored statements get other ids
    intake.add_report(store, service_report(NAMES[0]), keyword_model(), filename=NAMES[0])
    ws = Workspace(store, hasher=CHEAP_HASHER)
    ws.add_user("anna", PASSWORD, "pruefer")
    ws.add_user("bernd", "bernds-passwort", "pruefer")
    ws.add_user("chefin", "chefin-passwort", "admin")
    ws.add_user("ehemalig", "ehemals-geheim", "leser")
    ws.deactivate("ehemalig")
    ids = [s.id for report_id in store.report_ids() for s in ws.statements_of_report(report_id)]
    ws.decide(ids[0], "anna", "accept")
    ws.decide(ids[1], "anna", "correct", ["wohnen"], "positiv")
    ws.decide(ids[2], "bernd", "skip")
    ws.decide(ids[-1], "bernd", "correct", ["moderation", "sprache"], "gemischt")
    ws.decide(ids[-2], "anna", "correct", ["bildung"], "negativ")
    ws.undo("anna")  # reverts the correction of ids[-2]
    sample = ws.create_sample("Stichprobe 1", "chefin", "anna", "bernd", statement_ids=ids[-6:])
    for n, statement_id in enumerate(ids[-6:]):
        ws.save_coding(sample.id, statement_id, "anna", ["moderation"], "positiv")
        if n < 5:  # bernd leaves one open
            themes = ["moderation"] if n % 2 else ["wohnen"]
            ws.save_coding(sample.id, statement_id, "bernd", themes, "positiv" if n < 3 else "negativ")
    ws.decide(ids[-6], "chefin", "adjudicate", ["wohnen"], "positiv", sample_id=sample.id)
    yield store
    store.close()


def _key(conn, statement_id: int) -> tuple:
    row = conn.execute(
        sa.select(statements.c.report_id, statements.c.section, statements.c.position).where(
            statements.c.id == statement_id
        )
    ).one()
    return tuple(row)


def _snapshot(store: Store) -> dict:
    """Everything the workspace holds, with statements named by (report id, section, position) and
    decisions and samples by their place in order instead of their row ids."""
    with store.engine.connect() as conn:
        decision_rows = conn.execute(sa.select(review_decisions).order_by(review_decisions.c.id)).all()
        decision_place = {r.id: n for n, r in enumerate(decision_rows)}
        sample_rows = conn.execute(sa.select(coding_samples).order_by(coding_samples.c.id)).all()
        sample_name = {r.id: r.name for r in sample_rows}
        return {
            "statements": [
                (r.report_id, r.section, r.position, r.text, r.themes, r.sentiment, r.model_version,
                 r.reviewed_by, r.reviewed_at)
                for r in conn.execute(
                    sa.select(statements).order_by(statements.c.report_id, statements.c.id)
                )
            ],
            "users": [
                (r.name, r.password_hash, r.role, r.active, r.created_at)
                for r in conn.execute(sa.select(users).order_by(users.c.id))
            ],
            "decisions": [
                (_key(conn, r.statement_id), r.report_id, r.user_name, r.action, r.themes_before,
                 r.sentiment_before, r.themes, r.sentiment,
                 decision_place[r.undoes] if r.undoes is not None else None,
                 sample_name[r.sample_id] if r.sample_id is not None else None, r.created_at)
                for r in decision_rows
            ],
            "samples": [
                (r.name, r.created_by, r.created_at, r.coder_a, r.coder_b,
                 [(_key(conn, i.statement_id), i.position) for i in conn.execute(
                     sa.select(coding_sample_items).where(coding_sample_items.c.sample_id == r.id)
                     .order_by(coding_sample_items.c.position))],
                 [(_key(conn, c.statement_id), c.user_name, c.themes, c.sentiment, c.created_at)
                  for c in conn.execute(sa.select(sample_codings).where(sample_codings.c.sample_id == r.id)
                                        .order_by(sample_codings.c.id))])
                for r in sample_rows
            ],
        }  # fmt: skip


def _row_ids(store: Store) -> dict[str, set[int]]:
    with store.engine.connect() as conn:
        return {
            "decided": set(conn.execute(sa.select(review_decisions.c.statement_id)).scalars()),
            "sampled": set(conn.execute(sa.select(coding_sample_items.c.statement_id)).scalars()),
        }


def _without_ids(report):
    """An agreement report with its disagreements named by text, not by statement id."""
    return dataclasses.replace(
        report, disagreements=tuple(dataclasses.replace(d, statement_id=0) for d in report.disagreements)
    )


def test_backup_round_trips_the_workspace(tmp_path, source, another_database, codebook):
    backup = tmp_path / "out.jsonl"
    runner = CliRunner()
    exported = runner.invoke(main, ["export-db", str(backup), "--database", source.url])
    assert exported.exit_code == 0, exported.output
    assert "4 users, 1 double-coding samples with 11 codings, 7 review decisions" in exported.output
    text = backup.read_text(encoding="utf-8")
    assert PASSWORD not in text and "$argon2id$" in text  # the hash, never the password
    target_url = another_database("target")
    imported = runner.invoke(main, ["import-db", str(backup), "--database", target_url])
    assert imported.exit_code == 0, imported.output
    assert "imported 3 reports with 29 statements (0 already stored)" in imported.output
    assert "4 users, 1 double-coding samples with 11 codings, 7 review decisions" in imported.output
    assert "(4 statements reviewed)" in imported.output

    target = Store(target_url)
    try:
        before, after = _snapshot(source), _snapshot(target)
        for part in ("statements", "users", "decisions", "samples"):
            assert after[part] == before[part], part
        assert len(after["decisions"]) == 7 and after["decisions"][5][3] == "undo"
        # the statements have other ids here: every reference was moved to the new ones
        assert _row_ids(target)["decided"].isdisjoint(_row_ids(source)["decided"])
        assert _row_ids(target)["sampled"] != _row_ids(source)["sampled"]

        source_ws, target_ws = Workspace(source, CHEAP_HASHER), Workspace(target, CHEAP_HASHER)
        assert target_ws.verify_password("anna", PASSWORD) == source_ws.verify_password("anna", PASSWORD)
        assert target_ws.verify_password("anna", "falsch-geraten") is None
        assert target_ws.verify_password("ehemalig", "ehemals-geheim") is None  # still deactivated
        assert target_ws.overview() == source_ws.overview()
        (old_sample,), (new_sample,) = source_ws.list_samples(), target_ws.list_samples()
        old = sample_agreement(source_ws, old_sample.id, None, codebook)
        new = sample_agreement(target_ws, new_sample.id, None, codebook)
        assert old.n_complete == 5 and old.disagreements
        assert any(d.adjudicated is not None for d in new.disagreements)
        assert _without_ids(new) == _without_ids(old)
        # the reviewers' tags stay: retagging leaves reviewed statements out, as in the source
        for report_id in target.report_ids():
            kept = {(r.section, r.text) for r in target.statements_of(report_id)}
            assert kept == {(r.section, r.text) for r in source.statements_of(report_id)}
        assert sum(len(target.statements_of(r)) for r in target.report_ids()) == 29 - 4
        # the undone correction stays undone: the latest decision anna may undo is her first correction
        assert target_ws.last_undoable("anna").action == "correct"
    finally:
        target.close()


def test_backup_import_twice_changes_nothing_and_keeps_existing_users(tmp_path, source, another_database):
    backup = tmp_path / "out.jsonl"
    export_db(source, backup)
    target = Store(another_database("target"))
    try:
        Workspace(target, CHEAP_HASHER).add_user("anna", "annas-neues-passwort", "leser")
        first = import_db(target, backup)
        assert (first.n_users, first.users_kept) == (3, ("anna",))
        assert "kept the existing users anna" in first.summary()
        ws = Workspace(target, CHEAP_HASHER)
        assert ws.verify_password("anna", "annas-neues-passwort").role == "leser"
        assert ws.verify_password("anna", PASSWORD) is None
        snapshot = _snapshot(target)
        reply = CliRunner().invoke(main, ["import-db", str(backup), "--database", target.url])
        assert reply.exit_code == 0, reply.output
        assert "imported 0 reports with 0 statements (3 already stored)" in reply.output
        assert "kept the existing users anna, bernd, chefin, ehemalig" in reply.output
        assert "7 decisions not restored" in reply.output
        assert _snapshot(target) == snapshot
    finally:
        target.close()


def test_backup_import_only_adds_decisions(tmp_path, source, another_database, service_report, keyword_model):
    """The target's own audit trail stays as it was (same ids, same content); the backup's decisions
    are added after it. A report stored already keeps its tags, and the backup's decisions about it
    are not restored."""
    backup = tmp_path / "out.jsonl"
    export_db(source, backup)
    target = Store(another_database("target"))
    try:
        stored, _ = intake.add_report(target, service_report("birkenfeld.txt"), keyword_model(), filename="b")
        ws = Workspace(target, CHEAP_HASHER)
        ws.add_user("dora", "doras-passwort", "pruefer")
        first = ws.statements_of_report(stored.id)[0]
        own = ws.decide(first.id, "dora", "correct", ["ehrenamt"], "neutral")
        result = import_db(target, backup)
        assert (result.n_reports, result.n_skipped) == (2, 1)
        # anna's accept and correction and bernd's skip were about birkenfeld, stored here already
        assert (result.n_decisions, result.n_decisions_skipped) == (4, 3)
        assert ws.decision(own.id) == own
        assert ws.history(first.id) == [own]
        assert (ws.statement(first.id).themes, ws.statement(first.id).reviewed_by) == (("ehrenamt",), "dora")
        with target.engine.connect() as conn:
            ids = list(
                conn.execute(sa.select(review_decisions.c.id).order_by(review_decisions.c.id)).scalars()
            )
        assert len(ids) == 5 and ids[0] == own.id
        # the restored undo names the restored correction by its new id: it stays undone
        assert ws.last_undoable("anna") is None
        assert ws.last_undoable("bernd").themes == ("moderation", "sprache")
    finally:
        target.close()


def _downgrade(text: str) -> str:
    """The same backup as the first format wrote it: report lines only, no kind, no reviewed marks."""
    out = []
    for line in text.splitlines():
        data = json.loads(line)
        if data["kind"] != "report":
            continue
        del data["kind"]
        data["format"] = "kfd-backup/1"
        for s in data["statements"]:
            s.pop("reviewed_by", None)
            s.pop("reviewed_at", None)
        out.append(json.dumps(data, ensure_ascii=False) + "\n")
    return "".join(out)


def test_backup_of_the_first_format_still_imports(tmp_path, source, another_database):
    backup = tmp_path / "new.jsonl"
    export_db(source, backup)
    old = tmp_path / "old.jsonl"
    old.write_text(_downgrade(backup.read_text(encoding="utf-8")), encoding="utf-8")
    target = Store(another_database("target"))
    try:
        result = import_db(target, old)
        assert (result.n_reports, result.n_statements, result.n_users, result.n_decisions) == (3, 29, 0, 0)
        assert [target.get_report(i) for i in target.report_ids()] == [
            source.get_report(i) for i in source.report_ids()
        ]
        assert Workspace(target).overview().n_reviewed == 0
    finally:
        target.close()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"role": "kaiser"}, "unknown role 'kaiser'"),
        ({"password_hash": "klartext-passwort"}, "not an argon2 hash"),
        ({"name": "zwei worte"}, "is not valid"),
        ({"kind": "geheim"}, "unknown kind 'geheim'"),
    ],
)
def test_backup_import_refuses_a_bad_workspace_line_and_writes_nothing(
    tmp_path, source, another_database, change, message
):
    backup = tmp_path / "out.jsonl"
    export_db(source, backup)
    lines = backup.read_text(encoding="utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if json.loads(line)["kind"] == "user")
    lines[at] = json.dumps(json.loads(lines[at]) | change)
    backup.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = Store(another_database("target"))
    try:
        with pytest.raises(BackupError, match=message):
            import_db(target, backup)
        assert target.report_ids() == [] and Workspace(target).list_users() == []
    finally:
        target.close()


def test_backup_of_a_deleted_reports_decisions_is_counted_not_restored(tmp_path, source, another_database):
    """The audit trail outlives a deleted report, but its statements are gone: the backup names them by
    nothing, and import leaves those decisions and sample items out and says how many."""
    ws = Workspace(source, CHEAP_HASHER)
    source.delete_report(4)  # bernd's correction, anna's undone correction and the sample are about it
    backup = tmp_path / "out.jsonl"
    export_db(source, backup)
    kinds = [json.loads(line) for line in backup.read_text(encoding="utf-8").splitlines()]
    decisions = [line for line in kinds if line["kind"] == "decision"]
    assert len(decisions) == 7 and sum(d["statement"] is None for d in decisions) == 4
    target = Store(another_database("target"))
    try:
        result = import_db(target, backup)
        assert (result.n_decisions, result.n_decisions_skipped) == (3, 4)
        assert "4 decisions not restored" in result.summary()
        restored = Workspace(target, CHEAP_HASHER)
        assert [d.action for d in restored.decisions_by("anna")] == ["correct", "accept"]
        (sample,) = restored.list_samples()
        # the sample's statements were all in the deleted report: the sample stays, empty as in the source
        assert sample.n_items == len(ws.sample_items(ws.list_samples()[0].id)) == 0
        assert restored.codings(sample.id) == []
    finally:
        target.close()


def test_backup_import_refuses_a_workspace_that_does_not_fit_and_writes_none_of_it(
    tmp_path, source, another_database
):
    backup = tmp_path / "out.jsonl"
    export_db(source, backup)
    lines = [json.loads(line) for line in backup.read_text(encoding="utf-8").splitlines()]
    sample = next(line for line in lines if line["kind"] == "sample")
    sample["items"][1]["position"] = sample["items"][0]["position"]  # two statements at one place
    backup.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    target = Store(another_database("target"))
    try:
        with pytest.raises(BackupError, match="the workspace part does not fit"):
            import_db(target, backup)
        assert len(target.report_ids()) == 3  # the reports are in, the workspace part is not
        assert Workspace(target).list_users() == [] and Workspace(target).list_samples() == []
    finally:
        target.close()
