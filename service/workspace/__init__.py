"""The browser workspace under /ui/ (issue #15): server-rendered pages (Jinja2) with a little htmx,
everything served from the package (no CDN, no build step).

`install(app, settings)` adds the session cookie, the static files, the pages and their error pages to
the FastAPI app; `create_app` calls it. A page module makes its router with
`templating.workspace_router()` (CSRF on every POST), declares who may open each route
(`auth.CurrentUser` or `Depends(auth.require_role("pruefer"))`), renders with `templating.page()`, adds
itself to the navigation with `templating.add_nav()` and is listed in PAGE_MODULES below.
"""

from __future__ import annotations

import inspect
import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nlp.errors import KfdError

from ..errors import kfd_error_handler, status_for
from ..settings import Settings
from . import agreement, dashboard, pages, reports, retraining, review, upload
from .auth import CsrfFailed, RoleRequired, SignInRequired, SignInThrottle, session_secret
from .templating import STATIC, page

log = logging.getLogger(__name__)

SESSION_COOKIE = "kfd_session"
# The workspace's pages, in navigation order; each has a module-level `router`.
PAGE_MODULES = [pages, upload, reports, review, dashboard, agreement, retraining]

# Scripts only from the service itself, no inline script, no frames; styles may be inline (attributes).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """The headers above on every answer under /ui/ (pages hold personal data: never cached)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/ui"):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                static = scope["path"].startswith("/ui/static/")
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in SECURITY_HEADERS if not (static and h[0] == b"cache-control")
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


def _is_ui(request: Request) -> bool:
    return request.url.path == "/ui" or request.url.path.startswith("/ui/")


def _error_page(request: Request, status: int, heading: str, message: str) -> Response:
    return page(request, "error.html", None, status, heading=heading, message=message, back=None)


def install(app: FastAPI, settings: Settings) -> None:
    app.state.sign_in_throttle = SignInThrottle()
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age,
        path="/ui",
        same_site="lax",
        https_only=settings.session_secure,
    )
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    for module in PAGE_MODULES:
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=307)

    @app.get("/ui", include_in_schema=False)
    async def ui_root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=307)

    async def sign_in_required(request: Request, _error: Exception) -> Response:
        target = "/ui/anmelden"
        if request.method == "GET" and request.url.path != "/ui/":
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            target += f"?weiter={quote(path, safe='')}"
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    async def role_required(request: Request, error: Exception) -> Response:
        assert isinstance(error, RoleRequired)
        return _error_page(
            request,
            403,
            "Keine Berechtigung",
            f"Diese Seite braucht die Rolle „{error.role}“ oder eine höhere.",
        )

    async def csrf_failed(request: Request, _error: Exception) -> Response:
        log.info("workspace POST without a valid CSRF token refused")
        return _error_page(
            request,
            403,
            "Formular abgelehnt",
            "Das Formular war abgelaufen oder kam nicht von dieser Seite (CSRF-Schutz). Bitte die Seite neu "
            "laden und noch einmal senden.",
        )

    async def kfd_error(request: Request, error: Exception) -> Response:
        if not _is_ui(request):
            return await kfd_error_handler(request, error)
        assert isinstance(error, KfdError)
        return _error_page(request, status_for(error), "Das ging nicht", str(error))

    default_http = app.exception_handlers.get(StarletteHTTPException)
    default_validation = app.exception_handlers.get(RequestValidationError)

    async def http_error(request: Request, error: Exception) -> Response:
        if _is_ui(request) and isinstance(error, StarletteHTTPException):
            heading = "Nicht gefunden" if error.status_code == 404 else "Das ging nicht"
            return _error_page(request, error.status_code, heading, str(error.detail))
        assert default_http is not None
        answer = default_http(request, error)
        return await answer if inspect.isawaitable(answer) else answer

    async def validation_error(request: Request, error: Exception) -> Response:
        if _is_ui(request) and isinstance(error, RequestValidationError):
            fields = ", ".join(str(e.get("loc", ["?"])[-1]) for e in error.errors())
            return _error_page(request, 422, "Ungültige Eingabe", f"Bitte prüfen: {fields}")
        assert default_validation is not None
        answer = default_validation(request, error)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(RoleRequired, role_required)
    app.add_exception_handler(CsrfFailed, csrf_failed)
    app.add_exception_handler(KfdError, kfd_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
