"""The HTTP service through FastAPI's TestClient: every route, every error reply, the API keys."""

from __future__ import annotations

import json
import logging

import orjson
import pytest
from fastapi.testclient import TestClient

from nlp import intake
from nlp.model.artifacts import ARTIFACT, ModelManifest, load_model
from nlp.model.features import StatementInput
from nlp.model.pipeline import sentence_splitter
from nlp.results.tagging import tag
from nlp.storage.store import Store
from service.app import create_app
from service.schemas import ClassifyResponse, ReportOut, report_out_content
from service.settings import InsecureBind, Settings, check_bind, get_settings

STATEMENTS = [
    {"id": "s1", "text": "Die Moderation war sehr professionell.", "section": "bewertung"},
    {"text": "Eine Wohnraumbörse wird eingerichtet."},
]


@pytest.fixture
def read(auth):
    return auth("read")


@pytest.fixture
def admin(auth):
    return auth("admin")


@pytest.fixture
def post_report(client, read, service_report):
    """POST a report of tests/data/service_corpus/reports as JSON; returns the response."""

    def post(name: str, **extra):
        return client.post(
            "/v1/reports", json={"text": service_report(name), "filename": name, **extra}, headers=read
        )

    return post


def make_client(settings: Settings, **kwargs) -> TestClient:
    return TestClient(create_app(settings), **kwargs)


def _module_settings(tmp_path_factory, trained_model, install_model, keys) -> Settings:
    base = tmp_path_factory.mktemp("service")
    (base / "models").mkdir()
    install_model(trained_model, base / "models")
    return Settings(
        database_url=f"sqlite:///{base / 'kfd.sqlite3'}",
        model_dir=base / "models",
        api_keys=[keys["read"]],
        admin_keys=[keys["admin"]],
    )


@pytest.fixture(scope="module")
def empty_client(tmp_path_factory, trained_model, install_model, keys):
    """A client shared by tests that store nothing (an empty database, the trained model)."""
    with make_client(_module_settings(tmp_path_factory, trained_model, install_model, keys)) as client:
        yield client


@pytest.fixture(scope="module")
def filled_client(tmp_path_factory, trained_model, install_model, keys, auth, service_report):
    """A client shared by tests that only read: Lindenau (Tübingen, 2017, 11 statements), Birkenfeld
    (Karlsruhe, 2016, 9) and Erlenbach (Stuttgart, 2016, 9)."""
    with make_client(_module_settings(tmp_path_factory, trained_model, install_model, keys)) as client:
        for name in ("lindenau.txt", "birkenfeld.txt", "erlenbach.txt"):
            reply = client.post(
                "/v1/reports", json={"text": service_report(name), "filename": name}, headers=auth("read")
            )
            assert reply.status_code == 201
        yield client


# -- health ----------------------------------------------------------------------------------------


def test_healthz_needs_no_key(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_names_the_served_model(client, models_dir):
    reply = client.get("/readyz")
    assert reply.status_code == 200
    assert reply.json()["model_version"] == (models_dir / "current").resolve().name


def test_service_makes_the_sentence_splitter_at_start(settings):
    # Made before the first request, not in it (a tenth of a second of the first report's answer).
    sentence_splitter.cache_clear()
    with make_client(settings):
        assert sentence_splitter.cache_info().currsize == 1


def test_service_without_model_is_alive_but_not_ready(
    settings, tmp_path, read, install_model, trained_model, admin
):
    empty = tmp_path / "no-models"
    empty.mkdir()
    with make_client(settings.model_copy(update={"model_dir": empty})) as client:
        assert client.get("/healthz").status_code == 200
        reply = client.get("/readyz")
        assert reply.status_code == 503 and "no model at" in reply.json()["detail"]
        assert client.post("/v1/classify", json={"statements": STATEMENTS}, headers=read).status_code == 503
        install_model(trained_model, empty)
        assert client.post("/v1/model/reload", headers=admin).json()["previous_version"] is None
        assert client.get("/readyz").status_code == 200


# -- classify --------------------------------------------------------------------------------------


def test_classify_tags_like_kfd_tag(client, read, models_dir):
    reply = client.post("/v1/classify", json={"statements": STATEMENTS}, headers=read)
    assert reply.status_code == 200
    body = reply.json()
    model, manifest = load_model(models_dir)
    statements = [StatementInput(s["text"], s.get("section"), s.get("id")) for s in STATEMENTS]
    assert body["model_version"] == manifest.version
    assert body["statements"] == [r.to_json() for r in tag(model, statements)]
    assert [s["id"] for s in body["statements"]] == ["s1", "2"]
    # written without pydantic on the way out, so check it has the documented shape
    assert ClassifyResponse.model_validate(body).model_dump(mode="json") == body
    assert reply.headers["content-type"] == "application/json"


def test_classify_too_many_statements_is_413(settings, read):
    with make_client(settings.model_copy(update={"max_statements": 1})) as client:
        reply = client.post("/v1/classify", json={"statements": STATEMENTS}, headers=read)
    assert reply.status_code == 413
    assert "at most 1 are allowed" in reply.json()["detail"]


def test_classify_statement_too_long_is_422(settings, read):
    with make_client(settings.model_copy(update={"max_statement_chars": 20})) as client:
        reply = client.post("/v1/classify", json={"statements": STATEMENTS}, headers=read)
    assert reply.status_code == 422
    assert reply.json()["detail"] == "statement s1 has 38 characters; at most 20 are allowed"


def test_classify_text_with_a_nul_character_is_422(client, read):
    # Not a 500: the lemmatizer's dictionary (a MARISA trie) cannot look up a word holding NUL.
    body = {"statements": [{"text": "Die Moderation\u0000 war gut."}]}
    reply = client.post("/v1/classify", json=body, headers=read)
    assert reply.status_code == 422
    assert "NUL character" in str(reply.json()["detail"])


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"statements": []}, "statements"),
        ({"statements": [{"text": "   "}]}, "text"),
        ({"statements": [{"text": "gut", "section": "fazit"}]}, "section"),
        ({"texts": ["gut"]}, "statements"),
    ],
)
def test_classify_invalid_body_is_422(empty_client, read, body, where):
    reply = empty_client.post("/v1/classify", json=body, headers=read)
    assert reply.status_code == 422
    assert where in str(reply.json()["detail"])


@pytest.mark.parametrize("path", ["/v1/classify", "/v1/reports"])
@pytest.mark.parametrize(
    ("content", "error"),
    [(b'{"statements": [', "json_invalid"), (b"\x80\xff{", "json_invalid"), (b"", "model_type")],
    ids=["truncated", "not-utf8", "empty"],
)
def test_broken_json_is_422_with_a_readable_detail(empty_client, admin, path, content, error):
    reply = empty_client.post(path, content=content, headers=admin | {"Content-Type": "application/json"})
    assert reply.status_code == 422
    detail = reply.json()["detail"]
    assert detail[0]["type"] == error and detail[0]["loc"][0] == "body"


def test_classify_wrong_content_type_is_415(empty_client, read):
    reply = empty_client.post(
        "/v1/classify", content=b"Die Moderation war gut.", headers=read | {"Content-Type": "text/plain"}
    )
    assert reply.status_code == 415
    assert "application/json" in reply.json()["detail"]


def test_body_too_large_is_413(settings, read):
    statements = {"statements": [{"text": "Die Moderation war sehr gut. " * 40}]}
    with make_client(settings.model_copy(update={"max_body_bytes": 500})) as client:
        reply = client.post("/v1/classify", json=statements, headers=read)
        assert reply.status_code == 413
        assert "larger than 500 bytes" in reply.json()["detail"]
        chunks = (b"x" * 200 for _ in range(5))  # no Content-Length: counted while reading
        reply = client.post(
            "/v1/reports", content=chunks, headers=read | {"Content-Type": "application/json"}
        )
        assert reply.status_code == 413


# -- reports ---------------------------------------------------------------------------------------


def test_post_report_stores_and_tags_every_statement(post_report, models_dir):
    reply = post_report("lindenau.txt", external_id="intake-1")
    assert reply.status_code == 201
    body = reply.json()
    assert body["id"] == 1 and body["external_id"] == "intake-1" and body["filename"] == "lindenau.txt"
    assert body["report"]["kommune"]["landkreis"] == "Tübingen"
    assert body["warnings"] == body["report"]["warnings"] == []
    assert len(body["statements"]) == len(body["report"]["statements"]) == 11
    version = (models_dir / "current").resolve().name
    assert {s["model_version"] for s in body["statements"]} == {version}
    assert body["statements"][0]["id"] == "1:konzept:0"
    assert set(body["statements"][0]["scores"]) == {"themes", "sentiment"}


def test_post_report_same_content_again_is_200_with_the_same_id(post_report, client, read):
    first = post_report("lindenau.txt")
    again = post_report("lindenau.txt", filename="copy.txt")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["filename"] == "lindenau.txt"
    assert client.get("/v1/reports", headers=read).json()["total"] == 1


def test_post_report_same_external_id_again_is_200(post_report, client, read):
    first = post_report("lindenau.txt", external_id="intake-9")
    again = post_report("lindenau.txt", external_id="intake-9", filename="copy.txt")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = post_report("birkenfeld.txt", external_id="intake-9")
    assert other.status_code == 409 and first.json()["content_sha256"] in other.json()["detail"]
    assert client.get("/v1/reports", headers=read).json()["total"] == 1


@pytest.mark.parametrize("suffix", [".txt", ".docx", ".html"])
def test_post_report_as_upload(client, read, service_report, make_docx, make_html, suffix):
    text = service_report("birkenfeld.txt")
    content = {".txt": text.encode("cp1252"), ".docx": make_docx(text), ".html": make_html(text).encode()}[
        suffix
    ]
    reply = client.post(
        "/v1/reports",
        files={"file": (f"birkenfeld{suffix}", content)},
        data={"external_id": f"upload{suffix}"},
        headers=read,
    )
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body["filename"] == f"birkenfeld{suffix}" and body["external_id"] == f"upload{suffix}"
    assert body["report"]["kommune"]["name"] == "Birkenfeld im Kraichgau"
    assert body["report"]["veranstaltung"]["termine"] == ["2016-10-15"]


@pytest.mark.parametrize(
    ("kwargs", "status", "detail"),
    [
        ({"json": {"text": "Liebe Grüße aus dem Urlaub!"}}, 422, "no section of the Steckbrief form"),
        ({"json": {"filename": "x.txt"}}, 422, "text"),
        ({"json": {"text": ""}}, 422, "text"),
        ({"json": ["Angaben zur Kommune"]}, 422, "body"),
        ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 422, "JSON"),
        (
            {"content": b"Angaben zur Kommune", "headers": {"Content-Type": "text/plain"}},
            415,
            "multipart/form-data",
        ),
        ({"content": b"Angaben zur Kommune"}, 415, "(none)"),
        ({"files": {"file": ("bericht.pdf", b"%PDF-1.4")}}, 415, "unsupported file type '.pdf'"),
        ({"files": {"file": ("bericht.docx", b"PK\x03\x04 broken")}}, 422, "not a valid .docx file"),
        ({"files": {"file": ("bericht.txt", b"\x00\x01\x02" * 100)}}, 422, "binary file"),
        ({"files": {"other": ("bericht.txt", b"Angaben zur Kommune")}}, 422, "field named 'file'"),
        ({"files": {"file": ("b.txt", b"x")}, "data": {"external_id": "x" * 201}}, 422, "longer than 200"),
        ({"json": {"text": "Angaben zur Kommune", "external_id": "x" * 201}}, 422, "external_id"),
    ],
)
def test_post_report_bad_input_is_4xx(empty_client, read, kwargs, status, detail):
    kwargs = {**kwargs, "headers": read | kwargs.get("headers", {})}
    reply = empty_client.post("/v1/reports", **kwargs)
    assert reply.status_code == status
    assert detail in str(reply.json()["detail"])
    assert empty_client.get("/v1/reports", headers=read).json()["total"] == 0


def test_post_report_never_logs_contact_data(post_report, caplog):
    with caplog.at_level(logging.DEBUG):
        assert post_report("lindenau.txt").status_code == 201
    assert "Lindenau am Neckar" in caplog.text  # something was logged
    for personal in ("Greta Probst", "greta.probst@example.org", "555-100", "Rathausplatz"):
        assert personal not in caplog.text


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("", ["Lindenau am Neckar", "Birkenfeld im Kraichgau", "Erlenbach an der Fils"]),
        ("?landkreis=Karlsruhe", ["Birkenfeld im Kraichgau"]),
        ("?regierungsbezirk=stuttgart", ["Erlenbach an der Fils"]),
        ("?from=2016-11-01", ["Lindenau am Neckar", "Erlenbach an der Fils"]),
        ("?from=2016-01-01&to=2016-12-31", ["Birkenfeld im Kraichgau", "Erlenbach an der Fils"]),
        ("?limit=1&offset=2", ["Erlenbach an der Fils"]),
    ],
)
def test_list_reports_filters_and_pages(filled_client, read, query, names):
    reply = filled_client.get(f"/v1/reports{query}", headers=read)
    assert reply.status_code == 200
    assert [item["kommune_name"] for item in reply.json()["items"]] == names


def test_list_reports_page_fields(filled_client, read):
    body = filled_client.get("/v1/reports?limit=2", headers=read).json()
    assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (3, 2, 0, 2)
    assert body["items"][1]["first_event_date"] == "2016-10-15"
    assert body["items"][1]["n_statements"] == 9


@pytest.mark.parametrize("query", ["?from=gestern", "?limit=0", "?limit=100000", "?offset=-1"])
def test_list_reports_bad_query_is_422(empty_client, read, query):
    assert empty_client.get(f"/v1/reports{query}", headers=read).status_code == 422


def test_get_report(client, read, post_report):
    created = post_report("erlenbach.txt").json()
    reply = client.get(f"/v1/reports/{created['id']}", headers=read)
    assert reply.status_code == 200 and reply.json() == created


@pytest.mark.parametrize("path", ["/v1/reports/99", "/v1/reports/abc", "/v1/nothing"])
def test_missing_is_404_or_422(empty_client, read, path):
    reply = empty_client.get(path, headers=read)
    assert reply.status_code == (422 if path.endswith("abc") else 404)
    assert "detail" in reply.json()


def test_delete_report(client, read, admin, post_report):
    report_id = post_report("erlenbach.txt").json()["id"]
    assert client.delete(f"/v1/reports/{report_id}", headers=read).status_code == 403
    assert client.delete(f"/v1/reports/{report_id}", headers=admin).status_code == 204
    assert client.get(f"/v1/reports/{report_id}", headers=read).status_code == 404
    reply = client.delete(f"/v1/reports/{report_id}", headers=admin)
    assert reply.status_code == 404 and reply.json()["detail"] == f"no report with id {report_id}"


# -- aggregate -------------------------------------------------------------------------------------


def test_aggregate_counts_stored_statements(filled_client, read):
    body = filled_client.get("/v1/aggregate?by=sentiment", headers=read).json()
    assert body["by"] == ["sentiment"] and body["n_statements"] == 11 + 9 + 9
    assert sum(row["count"] for row in body["rows"]) == 29
    assert all(row["total"] == 29 for row in body["rows"])
    by_theme = filled_client.get("/v1/aggregate", headers=read).json()
    assert by_theme["by"] == ["theme", "sentiment"]
    assert sum(row["count"] for row in by_theme["rows"]) >= 29


def test_aggregate_filters_and_extra_dimensions(filled_client, read):
    body = filled_client.get(
        "/v1/aggregate?by=sentiment,regierungsbezirk&section=bewertung,ergebnisse&year=2016", headers=read
    ).json()
    assert body["filters"] == {"section": ["bewertung", "ergebnisse"], "year": ["2016"]}
    assert {row["group"]["regierungsbezirk"] for row in body["rows"]} == {"Karlsruhe", "Stuttgart"}
    # Birkenfeld and Erlenbach each have two bewertung and two ergebnisse statements.
    assert body["n_statements"] == 8
    assert {row["total"] for row in body["rows"]} == {4}


def test_aggregate_as_csv(filled_client, read):
    reply = filled_client.get("/v1/aggregate?by=section&format=csv", headers=read)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/csv")
    assert "attachment" in reply.headers["content-disposition"]
    lines = reply.text.splitlines()
    assert lines[0] == "section,count,total,share"
    assert lines[1] == "konzept,4,29,0.1379"


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("?by=theme,kommune", "valid: theme, sentiment, section, landkreis, regierungsbezirk, year"),
        ("?landkries=Rastatt", "unknown parameter 'landkries'; valid: by, format and the filters theme"),
        ("?section=fazit", "unknown section 'fazit' in filter; valid: konzept"),
        ("?theme=wetter", "unknown theme 'wetter'"),
        ("?format=ods", "format"),
    ],
)
def test_aggregate_unknown_dimension_or_filter_is_422(empty_client, read, query, detail):
    reply = empty_client.get(f"/v1/aggregate{query}", headers=read)
    assert reply.status_code == 422
    assert detail in str(reply.json()["detail"])


# -- model -----------------------------------------------------------------------------------------


def test_model_info(empty_client, read, trained_model):
    body = empty_client.get("/v1/model", headers=read).json()
    assert body["version"] == trained_model.name
    manifest = ModelManifest.read(trained_model)  # the one test model of conftest
    assert body["trained_at"] and body["pipeline"] and body["n_statements"] == manifest.n_statements > 0
    moderation = next(t for t in body["themes"] if t["id"] == "moderation")
    assert moderation["name"] == "Moderation & Begleitung" and moderation["group"] == "verfahren"
    assert moderation["group_name"].startswith("Verfahren")
    assert [s["id"] for s in body["sentiments"]] == ["positiv", "negativ", "gemischt", "neutral"]


def test_model_reload_serves_the_new_model(client, read, admin, install_model, trained_model, models_dir):
    old = client.get("/v1/model", headers=read).json()["version"]
    install_model(trained_model, models_dir, version="29990101-000000-newmodel")
    reply = client.post("/v1/model/reload", headers=admin)
    assert reply.status_code == 200
    assert reply.json() | {"model": None} == {
        "previous_version": old,
        "version": "29990101-000000-newmodel",
        "changed": True,
        "model": None,
    }
    tagged = client.post("/v1/classify", json={"statements": STATEMENTS}, headers=read).json()
    assert {s["model_version"] for s in tagged["statements"]} == {"29990101-000000-newmodel"}


def test_model_reload_keeps_the_old_model_when_the_new_one_fails(
    client, read, admin, install_model, trained_model, models_dir
):
    old = client.get("/v1/model", headers=read).json()["version"]
    new_dir = install_model(trained_model, models_dir, version="29990101-000000-tampered")
    with (new_dir / ARTIFACT).open("ab") as artifact:
        artifact.write(b"tampered")
    reply = client.post("/v1/model/reload", headers=admin)
    assert reply.status_code == 409
    assert f"still serving model {old}" in reply.json()["detail"]
    assert "sha256" in reply.json()["detail"]
    assert client.get("/v1/model", headers=read).json()["version"] == old
    assert client.get("/readyz").json()["model_version"] == old
    tagged = client.post("/v1/classify", json={"statements": STATEMENTS}, headers=read).json()
    assert {s["model_version"] for s in tagged["statements"]} == {old}


def test_retag_report_uses_the_served_model(
    client, read, admin, post_report, install_model, trained_model, models_dir
):
    report_id = post_report("lindenau.txt").json()["id"]
    install_model(trained_model, models_dir, version="29990101-000000-retag")
    assert client.post("/v1/model/reload", headers=admin).status_code == 200
    reply = client.post(f"/v1/reports/{report_id}/retag", headers=admin)
    assert reply.status_code == 200
    body = reply.json()
    assert body["model_version"] == "29990101-000000-retag" and body["n_statements"] == 11
    stored = client.get(f"/v1/reports/{report_id}", headers=read).json()
    assert {s["model_version"] for s in stored["statements"]} == {"29990101-000000-retag"}
    assert client.post("/v1/reports/99/retag", headers=admin).status_code == 404


# -- API keys --------------------------------------------------------------------------------------

ROUTES = [
    ("get", "/v1/reports", None, 200, False),
    ("get", "/v1/reports/1", None, 404, False),
    ("get", "/v1/aggregate", None, 200, False),
    ("get", "/v1/model", None, 200, False),
    ("post", "/v1/classify", {"statements": STATEMENTS}, 200, False),
    ("post", "/v1/reports", {"text": "kein Bericht"}, 422, False),
    ("delete", "/v1/reports/1", None, 404, True),
    ("post", "/v1/reports/1/retag", None, 404, True),
    ("post", "/v1/model/reload", None, 200, True),
]


@pytest.mark.parametrize("role", ["none", "wrong", "read", "admin"])
@pytest.mark.parametrize(("method", "path", "body", "allowed", "admin_only"), ROUTES)
def test_api_keys(empty_client, auth, role, method, path, body, allowed, admin_only):
    kwargs = {"headers": auth(role)} | ({"json": body} if body is not None else {})
    reply = empty_client.request(method.upper(), path, **kwargs)
    expected = {"none": 401, "wrong": 401, "read": 403 if admin_only else allowed, "admin": allowed}[role]
    assert reply.status_code == expected, reply.text
    if expected == 401:
        assert reply.headers["www-authenticate"] == "Bearer"
        assert "Authorization: Bearer" in reply.json()["detail"]


def test_api_keys_other_schemes_are_refused(empty_client):
    assert empty_client.get("/v1/model", headers={"Authorization": "Basic cmVhZDprZXk="}).status_code == 401


def test_without_keys_only_loopback_is_served(settings):
    open_settings = settings.model_copy(update={"api_keys": [], "admin_keys": []})
    base_url = "http://127.0.0.1:8000"  # without keys the Host must name this machine too
    with make_client(open_settings, client=("127.0.0.1", 50000), base_url=base_url) as local:
        assert local.get("/v1/model").status_code == 200
        assert local.post("/v1/model/reload").status_code == 200
    with make_client(open_settings, client=("203.0.113.7", 50000), base_url=base_url) as remote:
        reply = remote.get("/v1/model")
        assert reply.status_code == 403 and "only on loopback" in reply.json()["detail"]


@pytest.mark.parametrize(
    ("host", "keys", "refused"),
    [
        ("127.0.0.1", [], False),
        ("localhost", [], False),
        ("::1", [], False),
        ("0.0.0.0", [], True),
        ("192.0.2.1", [], True),
        ("0.0.0.0", ["k"], False),
    ],
)
def test_check_bind_refuses_other_hosts_without_keys(host, keys, refused):
    settings = Settings(host=host, api_keys=keys, admin_keys=[])
    if refused:
        with pytest.raises(InsecureBind, match="no API keys are configured"):
            check_bind(settings)
    else:
        check_bind(settings)


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("KFD_API_KEYS", "eins, zwei,")
    monkeypatch.setenv("KFD_ADMIN_KEYS", "chef")
    monkeypatch.setenv("KFD_PORT", "8123")
    monkeypatch.setenv("KFD_DATABASE_URL", "sqlite:///elsewhere.sqlite3")
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings.api_keys == ["eins", "zwei"] and settings.admin_keys == ["chef"]
        assert settings.port == 8123 and settings.database_url == "sqlite:///elsewhere.sqlite3"
        assert get_settings() is settings
        assert "eins" not in repr(settings) and "chef" not in repr(settings)
    finally:
        get_settings.cache_clear()


def test_settings_defaults(monkeypatch):
    for name in ("KFD_API_KEYS", "KFD_ADMIN_KEYS", "KFD_HOST", "KFD_PORT", "KFD_MAX_BODY_BYTES"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert (settings.host, settings.port, settings.max_body_bytes) == ("127.0.0.1", 8000, 2 * 1024 * 1024)
    assert (settings.max_statements, settings.max_statement_chars) == (1000, 5000)
    assert not settings.auth_enabled


def test_openapi_documents_every_route_with_examples(empty_client):
    spec = empty_client.get("/openapi.json").json()
    assert set(spec["paths"]) == {
        "/v1/classify",
        "/v1/reports",
        "/v1/reports/{report_id}",
        "/v1/reports/{report_id}/retag",
        "/v1/aggregate",
        "/v1/model",
        "/v1/model/reload",
        "/healthz",
        "/readyz",
    }
    upload = spec["paths"]["/v1/reports"]["post"]["requestBody"]["content"]
    assert set(upload) == {"application/json", "multipart/form-data"}
    classify = spec["paths"]["/v1/classify"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert classify["examples"] and "$ref" not in json.dumps(classify)  # inlined, with its example
    assert classify["properties"]["statements"]["items"]["properties"]["text"]["type"] == "string"
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()


def _typed(value):
    """JSON data with the type of every number kept in comparisons (1 and 1.0 differ)."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


def test_report_out_content_is_the_report_out_json(tmp_path, keyword_model, service_report):
    store = Store(f"sqlite:///{tmp_path / 'kfd.sqlite3'}")
    try:
        for name in ("lindenau.txt", "birkenfeld.txt", "erlenbach.txt"):
            stored, _ = intake.add_report(store, service_report(name), keyword_model(), filename=f"a/{name}")
            for record in (stored, store.get_report(stored.id)):
                direct = orjson.loads(orjson.dumps(report_out_content(record)))
                through_pydantic = json.loads(ReportOut.from_stored(record).model_dump_json())
                assert list(direct) == list(through_pydantic)
                assert _typed(direct) == _typed(through_pydantic)
    finally:
        store.close()
