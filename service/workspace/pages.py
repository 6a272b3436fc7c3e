"""Sign-in, sign-out and the start page of the workspace."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from .auth import CurrentUser, WorkspaceDep, sign_in
from .templating import add_nav, page, workspace_router

log = logging.getLogger(__name__)
router = workspace_router()
add_nav("/ui/", "Übersicht", "leser", 0)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a page of the workspace, never another site ('//evil', 'http:')."""
    if target and target.startswith("/ui/") and "//" not in target and "\\" not in target:
        return target
    return "/ui/"


@router.get("/ui/anmelden")
def sign_in_form(request: Request, weiter: Annotated[str | None, Query()] = None) -> HTMLResponse:
    return page(request, "signin.html", None, weiter=safe_next(weiter), name="", message=None)


@router.post("/ui/anmelden")
async def sign_in_post(
    request: Request,
    workspace: WorkspaceDep,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    weiter: Annotated[str, Form(max_length=2000)] = "/ui/",
):
    """Check the password (argon2, in the thread pool); after 5 failures for a name it is locked for a
    minute. The password is never logged, nor the name."""
    name = name.strip()
    throttle = request.app.state.sign_in_throttle
    wait = throttle.locked_for(name)
    if wait > 0:
        message = (
            f"Zu viele Fehlversuche für diesen Namen. Bitte in {int(wait) + 1} Sekunden erneut versuchen."
        )
        return page(request, "signin.html", None, 429, weiter=safe_next(weiter), name=name, message=message)
    user = await run_in_threadpool(workspace.verify_password, name, password) if name and password else None
    if user is None:
        throttle.failed(name)
        log.info("workspace sign-in refused")
        message = "Anmeldung fehlgeschlagen: Name oder Passwort stimmen nicht."
        return page(request, "signin.html", None, 401, weiter=safe_next(weiter), name=name, message=message)
    throttle.succeeded(name)
    sign_in(request, user, workspace)
    log.info("workspace sign-in (%s)", user.role)
    return RedirectResponse(safe_next(weiter), status_code=303)


@router.post("/ui/abmelden")
def sign_out(request: Request) -> RedirectResponse:
    request.session.clear()
    return RedirectResponse("/ui/anmelden", status_code=303)


@router.get("/ui/")
def home(request: Request, user: CurrentUser, workspace: WorkspaceDep) -> HTMLResponse:
    return page(request, "home.html", user, overview=workspace.overview())
