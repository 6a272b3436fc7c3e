"""Contact persons (Kontakt: name, address, phone, e-mail) never reach the logs, and `redact` leaves
them out of what the CLI and the API hand out."""

from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner

from cli import main

# Invented people, swapped into the invented reports.
PEOPLE = {
    "lindenau.txt": {
        "Greta Probst": "Yohannes Tesfamariam",
        "Rathausplatz 1": "Lindenstraße 77",
        "07071 555-100": "0176 9876-5432",
        "greta.probst@example.org": "y.tesfamariam@beispiel-kommune.de",
    },
    "birkenfeld.txt": {
        "Jonas Beispielmann": "Leyla Demirtaş-Omar",
        "Hauptstraße 12": "Am Mühlbach 3",
        "07251 555-200": "+49 7251 4711-0",
        "j.beispielmann@example.org": "leyla.demirtas@rathaus-beispiel.de",
    },
}
SECRETS = [value for people in PEOPLE.values() for value in people.values()]


@pytest.fixture
def invented(service_report, tmp_path):
    """The invented reports with other invented contact persons, as texts and as files."""
    texts = {}
    for name, swaps in PEOPLE.items():
        text = service_report(name)
        for old, new in swaps.items():
            assert old in text
            text = text.replace(old, new)
        texts[name] = text
        (tmp_path / name).write_text(text, encoding="utf-8")
    return texts


def _assert_no_contact(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret
        assert secret.split("@")[0] not in text, secret


def test_ingest_never_logs_contact_data(client, auth, invented, caplog):
    read, admin = auth("read"), auth("admin")
    with caplog.at_level(logging.DEBUG):
        first = client.post(
            "/v1/reports", json={"text": invented["lindenau.txt"], "external_id": "p-1"}, headers=read
        )
        upload = client.post(
            "/v1/reports",
            files={"file": ("birkenfeld.txt", invented["birkenfeld.txt"].encode())},
            data={"external_id": "p-2"},
            headers=read,
        )
        retry = client.post("/v1/reports", json={"text": invented["lindenau.txt"]}, headers=read)
        broken = client.post(  # a report whose form is broken: the parser's message must not quote it
            "/v1/reports",
            json={"text": "\n".join(invented["lindenau.txt"].splitlines()[2:20:2])},
            headers=read,
        )
        client.get(f"/v1/reports/{first.json()['id']}", headers=read)
        client.post(f"/v1/reports/{first.json()['id']}/retag", headers=admin)
        client.delete(f"/v1/reports/{upload.json()['id']}", headers=admin)
    assert (first.status_code, upload.status_code, retry.status_code) == (201, 201, 200)
    assert broken.status_code in (201, 422)
    assert "stored report" in caplog.text  # the ingest was logged, and with the logs captured
    _assert_no_contact(caplog.text)


def test_get_report_redact_drops_kontakt(client, auth, invented):
    read = auth("read")
    report_id = client.post("/v1/reports", json={"text": invented["lindenau.txt"]}, headers=read).json()["id"]
    full = client.get(f"/v1/reports/{report_id}", headers=read)
    assert full.json()["report"]["kontakt"]["name"] == "Yohannes Tesfamariam"
    redacted = client.get(f"/v1/reports/{report_id}", params={"redact": "true"}, headers=read)
    assert redacted.status_code == 200
    body = redacted.json()
    assert "kontakt" not in body["report"] and "kommune" not in body["report"]["sections"]
    assert body["report"]["kommune"] == full.json()["report"]["kommune"]
    assert body["statements"] == full.json()["statements"]
    _assert_no_contact(redacted.text)
    listed = client.get("/v1/reports", params={"redact": "true"}, headers=read)
    assert listed.status_code == 200 and listed.json()["total"] == 1
    _assert_no_contact(listed.text)


# A statement that names the contact person, as real reports do ("Rückfragen an …").
CONTACT_LINE = (
    "• Rückfragen zur Wohnraumbörse an Yohannes Tesfamariam, Tel. 0176 9876-5432, "
    "y.tesfamariam@beispiel-kommune.de"
)


def test_tag_redact_takes_the_contact_person_out_of_the_statements(tmp_path, trained_model, invented):
    text = invented["lindenau.txt"].replace(
        "• Eine Wohnraumbörse wird eingerichtet", "• Eine Wohnraumbörse wird eingerichtet\n" + CONTACT_LINE
    )
    (tmp_path / "lindenau.txt").write_text(text, encoding="utf-8")
    files = [str(tmp_path / name) for name in PEOPLE]

    def tag(*flags: str) -> tuple[str, list[dict]]:
        out = tmp_path / f"tagged{'-'.join(flags)}.jsonl"
        args = ["tag", *files, "--model", str(trained_model), "--output", str(out), *flags]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        written = out.read_text(encoding="utf-8")
        return written, [json.loads(line) for line in written.splitlines()]

    plain, plain_records = tag()
    assert "y.tesfamariam@beispiel-kommune.de" in plain  # without --redact the statement is as written
    written, records = tag("--redact")
    _assert_no_contact(written)
    redacted = next(r for r in records if "Rückfragen" in r["text"])
    assert redacted["text"] == "Rückfragen zur Wohnraumbörse an [Name], Tel. [Telefon], [E-Mail]"
    # the tags are those of the text as written; every other statement is unchanged
    original = next(r for r in plain_records if "Rückfragen" in r["text"])
    assert (redacted["themes"], redacted["sentiment"]) == (original["themes"], original["sentiment"])
    assert [r["text"] for r in records if r is not redacted] == [
        r["text"] for r in plain_records if r is not original
    ]
