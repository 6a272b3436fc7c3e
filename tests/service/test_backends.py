"""Every route and every database command on both backends: SQLite and a real PostgreSQL server
(`database_url` is parametrized; the PostgreSQL cases skip with a reason where no server binaries exist)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from cli import main
from nlp.settings import get_settings


@pytest.fixture
def fresh_settings():
    """The commands read KFD_* anew (a new process would)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_every_route_works_on_the_backend(backend_client, auth, service_report, trained_model):
    client, read, admin = backend_client, auth("read"), auth("admin")
    assert client.get("/readyz").status_code == 200
    ids = []
    for number, name in enumerate(("lindenau.txt", "birkenfeld.txt", "erlenbach.txt")):
        reply = client.post(
            "/v1/reports",
            json={"text": service_report(name), "filename": name, "external_id": f"b-{number}"},
            headers=read,
        )
        assert reply.status_code == 201, reply.text
        ids.append(reply.json()["id"])
    again = client.post("/v1/reports", json={"text": service_report("lindenau.txt")}, headers=read)
    assert again.status_code == 200 and again.json()["id"] == ids[0]

    listed = client.get("/v1/reports", params={"landkreis": "Karlsruhe"}, headers=read).json()
    assert [item["id"] for item in listed["items"]] == [ids[1]] and listed["total"] == 1
    dated = client.get("/v1/reports", params={"from": "2016-11-01", "to": "2016-12-31"}, headers=read)
    assert [item["kommune_name"] for item in dated.json()["items"]] == ["Erlenbach an der Fils"]
    one = client.get(f"/v1/reports/{ids[0]}", params={"redact": "true"}, headers=read).json()
    assert "kontakt" not in one["report"] and one["statements"]
    n_statements = sum(len(client.get(f"/v1/reports/{i}", headers=read).json()["statements"]) for i in ids)

    table = client.get("/v1/aggregate", params={"by": "theme,sentiment,landkreis"}, headers=read).json()
    counted = client.get("/v1/aggregate", params={"by": "sentiment"}, headers=read).json()
    assert sum(row["count"] for row in counted["rows"]) == counted["n_statements"] == n_statements
    assert {row["group"]["landkreis"] for row in table["rows"]} == {"Tübingen", "Karlsruhe", "Göppingen"}
    as_csv = client.get("/v1/aggregate", params={"by": "sentiment", "format": "csv"}, headers=read)
    assert sum(int(r["count"]) for r in csv.DictReader(io.StringIO(as_csv.text))) == n_statements
    assert client.get("/v1/aggregate", params={"format": "xlsx"}, headers=read).content[:2] == b"PK"

    retagged = client.post(f"/v1/reports/{ids[1]}/retag", headers=admin)
    assert retagged.status_code == 200 and retagged.json()["model_version"] == trained_model.name
    assert client.delete(f"/v1/reports/{ids[2]}", headers=admin).status_code == 204
    assert client.get(f"/v1/reports/{ids[2]}", headers=read).status_code == 404
    assert client.get("/v1/reports", headers=read).json()["total"] == 2
    assert client.get("/v1/reports/9000000000", headers=read).status_code == 404  # beyond 32 bits


def test_database_commands_work_on_the_backend(
    fresh_settings, tmp_path, database_url, another_database, models_dir, service_report, keyword_model
):
    from nlp import intake
    from nlp.storage.store import Store

    store = Store(database_url)
    for number, name in enumerate(("lindenau.txt", "birkenfeld.txt")):
        intake.add_report(store, service_report(name), keyword_model(f"kw-{number}"), filename=name)
    runner = CliRunner()
    env = {"KFD_DATABASE_URL": database_url, "KFD_MODEL_DIR": str(models_dir)}

    retag = runner.invoke(main, ["retag"], env=env)
    assert retag.exit_code == 0, retag.output
    assert "in 2 reports" in retag.output
    assert len(store.model_versions()) == 1 and not set(store.model_versions()) & {"kw-0", "kw-1"}

    backup = tmp_path / "backup.jsonl"
    exported = runner.invoke(main, ["export-db", str(backup)], env=env)
    assert exported.exit_code == 0 and "exported 2 reports" in exported.output
    target = another_database("restored")
    imported = runner.invoke(main, ["import-db", str(backup), "--database", target], env=env)
    assert imported.exit_code == 0 and "imported 2 reports" in imported.output
    restored = Store(target)
    try:
        assert [restored.get_report(i) for i in restored.report_ids()] == [
            store.get_report(i) for i in store.report_ids()
        ]
        lines = [json.loads(line) for line in backup.read_text("utf-8").splitlines()]
        assert [line["id"] for line in lines if line["kind"] == "report"] == [1, 2]
    finally:
        restored.close()
        store.close()
