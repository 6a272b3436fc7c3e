"""Every route of the app needs a key when keys are configured, and admin routes the admin key; every page
of the browser workspace (/ui/) needs a session, and every POST there the CSRF token. The routes are
walked from the app itself, so a new route cannot slip through unchecked."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from service.app import create_app
from service.deps import require_admin, require_key
from service.workspace.auth import current_user, verify_csrf

# Open without a key on purpose: liveness/readiness probes and the API documentation with its assets.
# /metrics: counts, latencies and the model version for Prometheus, no report content (README, Betrieb).
PUBLIC = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/static",
}
# The workspace: its own sign-in (sessions, not API keys). Open: the sign-in page, its assets, the redirects.
UI_PUBLIC = {"/", "/ui", "/ui/anmelden", "/ui/abmelden", "/ui/static"}
ADMIN = {
    ("DELETE", "/v1/reports/{report_id}"),
    ("POST", "/v1/reports/{report_id}/retag"),
    ("POST", "/v1/model/reload"),
}
# Bodies a client may send: none, a valid-looking one. The key is checked before the body.
BODIES = [None, b'{"statements": [{"text": "gut"}], "text": "x"}']
BROKEN_JSON = b"{not json"


def _walk(routes, prefix: str = "", inherited: frozenset = frozenset()):
    """(route, full path, dependency callables added by enclosing routers) for every route, also inside
    included routers (FastAPI keeps those nested rather than copying their routes into the app)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = route.include_context
            extra = frozenset(d.dependency for d in context.dependencies)
            yield from _walk(included.routes, prefix + context.prefix, inherited | extra)
        else:
            yield route, prefix + route.path, inherited


def _is_ui(path: str) -> bool:
    return path in ("/", "/ui") or path.startswith("/ui/")


def _routes(app, ui: bool = False) -> list[tuple[str, str]]:
    """(method, path) of the API's routes, or with `ui` of the workspace's."""
    out = []
    for route, path, _ in _walk(app.routes):
        if _is_ui(path) != ui:
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                out.append((method, path))
    return out


def _dependencies(dependant) -> set:
    calls = {dependant.call}
    for sub in dependant.dependencies:
        calls |= _dependencies(sub)
    return calls


@pytest.fixture(scope="module")
def locked_client(tmp_path_factory, trained_model, make_settings):
    settings = make_settings(tmp_path_factory.mktemp("lockdown"), trained_model)
    with TestClient(create_app(settings)) as client:
        yield client


def _call(client, method, path, headers, body=None):
    url = re.sub(r"\{[^}]+\}", "1", path)
    kwargs = (
        {"headers": {"Content-Type": "application/json", **headers}}
        if body is not None
        else {"headers": headers}
    )
    return client.request(method, url, content=body, **kwargs)


def test_every_route_is_public_read_or_admin(locked_client):
    app = locked_client.app
    routes = _routes(app)
    assert {path for _, path in routes} >= {"/v1/classify", "/v1/reports", "/v1/model/reload"}
    for route, path, inherited in _walk(app.routes):
        if path in PUBLIC or _is_ui(path):
            continue
        assert isinstance(route, APIRoute), f"{path}: not an API route, so no key is checked"
        assert path.startswith("/v1/"), f"{path}: every non-public route lives under /v1"
        calls = _dependencies(route.dependant) | inherited
        assert require_key in calls, f"{path}: does not depend on require_key"
        for method in route.methods:
            assert (require_admin in calls) == ((method, path) in ADMIN), f"{method} {path}"


def test_every_route_refuses_missing_and_wrong_keys(locked_client, auth):
    checked = 0
    for method, path in _routes(locked_client.app):
        if path in PUBLIC:
            continue
        for body in BODIES:
            for role in ("none", "wrong"):
                reply = _call(locked_client, method, path, auth(role), body)
                assert reply.status_code == 401, f"{role} key: {method} {path} body={body!r}: {reply.text}"
                assert reply.headers["www-authenticate"] == "Bearer"
            reply = _call(locked_client, method, path, {"Authorization": "Basic cmVhZDprZXk="}, body)
            assert reply.status_code == 401
            checked += 1
    assert checked >= 9 * len(BODIES)


def test_admin_routes_refuse_the_read_key(locked_client, auth):
    for method, path in _routes(locked_client.app):
        if path in PUBLIC:
            continue
        for body in BODIES:
            read = _call(locked_client, method, path, auth("read"), body)
            admin = _call(locked_client, method, path, auth("admin"), body)
            if (method, path) in ADMIN:
                assert read.status_code == 403, f"{method} {path}: {read.text}"
                assert "admin key" in read.json()["detail"]
            else:
                assert read.status_code not in (401, 403), f"{method} {path}: {read.text}"
            assert admin.status_code not in (401, 403), f"{method} {path}: {admin.text}"


def test_broken_json_without_a_key_is_401_on_every_route(locked_client, auth):
    """The key is checked before the body is read: a caller without one learns nothing, not even that
    its JSON was broken."""
    for method, path in _routes(locked_client.app):
        if path in PUBLIC:
            continue
        reply = _call(locked_client, method, path, auth("none"), BROKEN_JSON)
        assert reply.status_code == 401, f"{method} {path}: {reply.text}"


def test_broken_json_with_a_key_is_422_json_invalid(locked_client, auth):
    reply = _call(locked_client, "POST", "/v1/classify", auth("read"), BROKEN_JSON)
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["type"] == "json_invalid"
    assert reply.json()["detail"][0]["loc"][0] == "body"


def test_public_routes_answer_without_a_key(locked_client):
    for path in ("/healthz", "/readyz", "/openapi.json"):
        assert locked_client.get(path).status_code == 200


def test_every_workspace_page_needs_a_session_and_every_post_the_csrf_token(locked_client):
    pages = 0
    for route, path, inherited in _walk(locked_client.app.routes):
        if not _is_ui(path) or path == "/ui/static":
            continue
        assert isinstance(route, APIRoute), f"{path}: not an API route, so nothing is checked"
        calls = _dependencies(route.dependant) | inherited
        if route.methods - {"GET", "HEAD"}:
            assert verify_csrf in calls, f"{path}: a POST without the CSRF check"
        if path not in UI_PUBLIC:
            assert current_user in calls, f"{path}: does not depend on current_user (a session)"
            pages += 1
    assert pages >= 1
    for method, path in _routes(locked_client.app, ui=True):
        if path in UI_PUBLIC - {"/ui/anmelden", "/ui/abmelden"}:
            continue
        if path in ("/ui/anmelden", "/ui/abmelden") and method == "GET":
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        reply = locked_client.request(method, url, follow_redirects=False)
        if method == "GET":
            assert reply.status_code == 303 and reply.headers["location"].startswith("/ui/anmelden"), path
        else:  # no session, so no CSRF token either
            assert reply.status_code == 403 and "CSRF" in reply.text, f"{method} {path}"


def test_workspace_pages_do_not_take_api_keys(locked_client, auth):
    """An API key opens no page: the workspace has its own sign-in."""
    reply = locked_client.get("/ui/", headers=auth("admin"), follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/ui/anmelden"
