"""`kfd export-db` and `kfd import-db`: every report and every tag survives the round trip."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from cli import main
from nlp import intake
from nlp.storage.backup import BackupError, export_db, import_db
from nlp.storage.store import Store

NAMES = ("lindenau.txt", "birkenfeld.txt", "erlenbach.txt")


@pytest.fixture
def filled_store(database_url, service_report, keyword_model):
    """Three reports with a gap in the ids, on SQLite and on PostgreSQL."""
    store = Store(database_url)
    for number, name in enumerate(NAMES):
        intake.add_report(
            store,
            service_report(name),
            keyword_model(version=f"kw-{number}"),
            filename=name,
            external_id=f"intake-{number}" if number else None,
        )
    store.delete_report(1)  # a gap in the ids
    intake.add_report(store, service_report(NAMES[0]), keyword_model(), filename=NAMES[0])
    yield store
    store.close()


def _everything(store: Store) -> list:
    return [store.get_report(report_id) for report_id in store.report_ids()]


def test_backup_cli_round_trips_every_report_and_tag(tmp_path, filled_store, another_database):
    backup = tmp_path / "out.jsonl"
    target_url = another_database("target")
    runner = CliRunner()
    exported = runner.invoke(main, ["export-db", str(backup), "--database", filled_store.url])
    assert exported.exit_code == 0, exported.output
    assert "exported 3 reports with 29 statements" in exported.output
    imported = runner.invoke(main, ["import-db", str(backup), "--database", target_url])
    assert imported.exit_code == 0, imported.output
    assert "imported 3 reports with 29 statements (0 already stored)" in imported.output

    target = Store(target_url)
    try:
        assert _everything(target) == _everything(filled_store)  # ids, dates, reports, every tag
        assert target.model_versions() == filled_store.model_versions()
        again = runner.invoke(main, ["import-db", str(backup), "--database", target_url])
        assert "imported 0 reports with 0 statements (3 already stored)" in again.output
        assert len(target.report_ids()) == 3
    finally:
        target.close()


def test_backup_import_into_a_store_with_other_reports_keeps_both(
    tmp_path, filled_store, service_report, keyword_model, another_database
):
    backup = tmp_path / "out.jsonl"
    export_db(filled_store, backup)
    target = Store(another_database("target"))
    try:
        intake.add_report(target, service_report("erlenbach.txt"), keyword_model(), filename="erlenbach.txt")
        result = import_db(target, backup)
        assert (result.n_reports, result.n_skipped) == (2, 1)
        assert sorted(r.content_sha256 for r in _everything(target)) == sorted(
            r.content_sha256 for r in _everything(filled_store)
        )
        for report in _everything(target):
            assert len(report.statements) == len(report.report.statements)
    finally:
        target.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json\n", "not valid JSON"),
        ('{"format": "other"}\n', "not a kfd-backup/2 .or kfd-backup/1. line"),
        ('{"format": "kfd-backup/1", "id": 1}\n', "not a valid backup record"),
        ("[1, 2]\n", "expected a JSON object"),
    ],
)
def test_backup_import_refuses_a_bad_file_and_writes_nothing(
    tmp_path, filled_store, content, message, another_database
):
    good = tmp_path / "good.jsonl"
    export_db(filled_store, good)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good.read_text(encoding="utf-8") + content, encoding="utf-8")
    target_url = another_database("target")
    with pytest.raises(BackupError, match=message):
        import_db(Store(target_url), bad)
    assert Store(target_url).report_ids() == []
    reply = CliRunner().invoke(main, ["import-db", str(bad), "--database", target_url])
    assert reply.exit_code == 2 and re.search(message, reply.output)


def test_backup_export_of_an_empty_store(tmp_path):
    backup = tmp_path / "empty.jsonl"
    result = export_db(Store(f"sqlite:///{tmp_path / 'e.sqlite3'}"), backup)
    assert (result.n_reports, backup.read_text()) == (0, "")


def test_backup_lines_are_self_describing(tmp_path, filled_store):
    backup = tmp_path / "out.jsonl"
    export_db(filled_store, backup)
    first = json.loads(backup.read_text(encoding="utf-8").splitlines()[0])
    assert (first["format"], first["kind"]) == ("kfd-backup/2", "report")
    assert set(first["statements"][0]) == {
        "section", "index", "text", "themes", "sentiment", "scores", "model_version",
    }  # fmt: skip


def test_a_restored_store_takes_new_reports_after_the_restored_ids(
    tmp_path, filled_store, service_report, keyword_model, another_database
):
    """Restored reports keep their ids; the next new report gets a free id (on PostgreSQL the id
    sequence must move past the restored ids, or the next insert collides with them)."""
    backup = tmp_path / "out.jsonl"
    export_db(filled_store, backup)
    target = Store(another_database("target"))
    try:
        import_db(target, backup)
        restored = target.report_ids()
        assert restored == filled_store.report_ids() == [2, 3, 4]
        for n in range(3):  # the sequence may hand out 1 first (free), then it would reach 2
            text = service_report("erlenbach.txt").replace("Erlenbach", f"Erlenbach-Neu {n}")
            stored, created = intake.add_report(target, text, keyword_model())
            assert created and stored.id not in restored
        assert len(target.report_ids()) == 6
    finally:
        target.close()
