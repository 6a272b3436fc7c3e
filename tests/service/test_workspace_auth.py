"""The workspace's sign-in (service/workspace): the session cookie's flags, CSRF, the role dependency, the
throttle after failed sign-ins, sessions that end with a password change or a disabled user, the
session key file, and that no password reaches the log."""

from __future__ import annotations

import logging
import re
import stat

import pytest
from fastapi.testclient import TestClient
from workspace_support import CHEAP_HASHER

from nlp.storage.store import Store
from nlp.storage.workspace import Workspace
from service.app import create_app
from service.workspace.auth import SECRET_FILE, PrueferUser, SignInThrottle
from service.workspace.templating import workspace_router

PASSWORD = "gutes-passwort-1"


@pytest.fixture
def app_and_workspace(settings):
    store = Store(settings.database_url)
    workspace = Workspace(store, CHEAP_HASHER)
    for name, role in (("lea", "leser"), ("paul", "pruefer"), ("ada", "admin")):
        workspace.add_user(name, PASSWORD, role)
    app = create_app(settings)
    # A page that needs the role pruefer, as the workspace's review pages do.
    router = workspace_router()

    @router.get("/ui/test-pruefer")
    def only_pruefer(user: PrueferUser) -> dict:
        return {"user": user.name}

    app.include_router(router)
    yield app, workspace
    store.close()


@pytest.fixture
def client(app_and_workspace):
    with TestClient(app_and_workspace[0], follow_redirects=False) as test_client:
        yield test_client


def _token(client: TestClient, path: str = "/ui/anmelden") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def _sign_in(client: TestClient, name: str, password: str = PASSWORD, **extra: str):
    return client.post(
        "/ui/anmelden", data={"name": name, "password": password, "csrf_token": _token(client), **extra}
    )


def test_the_root_leads_to_the_workspace_and_pages_to_the_sign_in(client):
    assert client.get("/").headers["location"] == "/ui/"
    reply = client.get("/ui/test-pruefer?x=1")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/ui/anmelden?weiter=%2Fui%2Ftest-pruefer%3Fx%3D1"
    assert client.get("/ui/", headers={"HX-Request": "true"}).headers["hx-redirect"] == "/ui/anmelden"


def test_sign_in_sets_a_signed_httponly_samesite_cookie_and_returns_to_the_page(client):
    reply = _sign_in(client, "paul", weiter="/ui/test-pruefer")
    assert reply.status_code == 303 and reply.headers["location"] == "/ui/test-pruefer"
    cookie = reply.headers["set-cookie"].lower()
    assert cookie.startswith("kfd_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/ui" in cookie
    assert "secure" not in cookie  # KFD_SESSION_SECURE is off in the tests
    assert client.get("/ui/test-pruefer").json() == {"user": "paul"}
    assert "paul" in client.get("/ui/").text


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/v1/reports", "/ui/\\\\x"])
def test_sign_in_never_redirects_away_from_the_workspace(client, target):
    assert _sign_in(client, "paul", weiter=target).headers["location"] == "/ui/"


def test_secure_cookie_when_configured(settings, app_and_workspace):
    with TestClient(
        create_app(settings.model_copy(update={"session_secure": True})), follow_redirects=False
    ) as secure:
        reply = _sign_in(secure, "paul")
    assert "secure" in reply.headers["set-cookie"].lower()


def test_a_wrong_password_is_refused_without_a_session(client):
    reply = _sign_in(client, "paul", "falsch-falsch")
    assert reply.status_code == 401 and "Anmeldung fehlgeschlagen" in reply.text
    assert client.get("/ui/").status_code == 303


def test_a_post_without_the_csrf_token_is_403(client):
    _sign_in(client, "paul")
    reply = client.post("/ui/abmelden", data={})
    assert reply.status_code == 403 and "CSRF" in reply.text
    reply = client.post("/ui/abmelden", data={"csrf_token": "falsch"})
    assert reply.status_code == 403
    assert client.get("/ui/").status_code == 200  # still signed in
    token = _token(client, "/ui/")
    assert client.post("/ui/abmelden", headers={"X-CSRF-Token": token}).status_code == 303
    assert client.get("/ui/").status_code == 303  # signed out


def test_a_sign_in_without_the_csrf_token_is_403(client):
    reply = client.post("/ui/anmelden", data={"name": "paul", "password": PASSWORD})
    assert reply.status_code == 403
    assert client.get("/ui/").status_code == 303


def test_a_role_below_the_page_gets_403(client):
    _sign_in(client, "lea")
    reply = client.get("/ui/test-pruefer")
    assert reply.status_code == 403 and "pruefer" in reply.text
    client.cookies.clear()
    _sign_in(client, "ada")
    assert client.get("/ui/test-pruefer").status_code == 200  # admin is above pruefer


def test_five_failures_lock_the_name_for_a_while(client):
    for _ in range(5):
        assert _sign_in(client, "paul", "falsch-falsch").status_code == 401
    locked = _sign_in(client, "paul")
    assert locked.status_code == 429 and "Zu viele Fehlversuche" in locked.text
    assert _sign_in(client, "ada").status_code == 303  # other names are not locked


def test_the_throttle_unlocks_after_the_lockout():
    now = [100.0]
    throttle = SignInThrottle(limit=3, lockout=60, clock=lambda: now[0])
    for _ in range(3):
        throttle.failed("Paul")
    assert throttle.locked_for("paul") == 60
    now[0] += 61
    assert throttle.locked_for("paul") == 0
    throttle.failed("paul")
    assert throttle.locked_for("paul") == 0  # the next lockout comes after the next 3 failures
    throttle.succeeded("paul")
    for _ in range(2):
        throttle.failed("paul")
    assert throttle.locked_for("paul") == 0


def test_a_password_change_or_a_disabled_user_ends_the_session(client, app_and_workspace):
    workspace = app_and_workspace[1]
    _sign_in(client, "paul")
    assert client.get("/ui/").status_code == 200
    workspace.set_password("paul", "anderes-passwort")
    assert client.get("/ui/").status_code == 303
    _sign_in(client, "paul", "anderes-passwort")
    assert client.get("/ui/").status_code == 200
    workspace.deactivate("paul")
    assert client.get("/ui/").status_code == 303
    assert _sign_in(client, "paul", "anderes-passwort").status_code == 401


def test_the_session_key_is_kept_in_a_private_file_and_shared(settings, app_and_workspace, tmp_path):
    path = tmp_path / "db" / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text()
    with TestClient(create_app(settings), follow_redirects=False) as first:
        _sign_in(first, "paul")
        cookie = first.cookies.get("kfd_session")
    # Another app (another worker) over the same database accepts the same cookie.
    with TestClient(create_app(settings), follow_redirects=False) as second:
        second.cookies.set("kfd_session", cookie, path="/ui")
        assert second.get("/ui/").status_code == 200
    assert path.read_text() == key
    with TestClient(
        create_app(settings.model_copy(update={"session_secret": "ein-anderer-schluessel-1234"})),
        follow_redirects=False,
    ) as other:
        other.cookies.set("kfd_session", cookie, path="/ui")
        assert other.get("/ui/").status_code == 303


def test_the_password_never_reaches_the_log(client, caplog):
    with caplog.at_level(logging.DEBUG):
        _sign_in(client, "paul", "falsch-aber-geheim")
        _sign_in(client, "paul")
    assert caplog.records
    assert not [r for r in caplog.records if "geheim" in r.getMessage() or PASSWORD in r.getMessage()]


def test_the_api_keeps_its_keys(client, auth):
    assert client.get("/v1/reports", headers=auth("read")).status_code == 200
    assert client.get("/v1/reports").status_code == 401
    _sign_in(client, "ada")
    assert client.get("/v1/reports").status_code == 401  # a session is no API key


def test_pages_carry_the_security_headers(client):
    reply = client.get("/ui/anmelden")
    assert "script-src 'self'" in reply.headers["content-security-policy"]
    assert reply.headers["x-frame-options"] == "DENY" and reply.headers["cache-control"] == "no-store"
