"""Jinja2 templates of the workspace, the navigation, and `page()`, which renders one with what every page
shows (the signed-in user, the navigation for their role, the CSRF token for forms and htmx)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from nlp.storage.workspace import ROLES, Role, User

from .auth import CSRF_FIELD, csrf_token, verify_csrf

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    role: Role  # shown to users with this role or a higher one
    order: int


NAV: list[NavItem] = []


def add_nav(href: str, label: str, role: Role, order: int) -> None:
    """A link in the navigation bar (sorted by `order`), shown to users who may open the page."""
    if all(item.href != href for item in NAV):
        NAV.append(NavItem(href, label, role, order))
        NAV.sort(key=lambda item: item.order)


def nav_for(user: User | None) -> list[NavItem]:
    return [item for item in NAV if user is not None and user.may(item.role)]


def _context(request: Request) -> dict[str, Any]:
    return {"csrf_token": csrf_token(request), "csrf_field": CSRF_FIELD, "path": request.url.path}


def _de_number(value: float | int | None, digits: int = 0) -> str:
    """German number format: 1.234,5."""
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _de_date(value: dt.date | dt.datetime | str | None) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%d.%m.%Y %H:%M UTC")
    return value.strftime("%d.%m.%Y")


templates = Jinja2Templates(directory=TEMPLATES, context_processors=[_context])
templates.env.filters["de_number"] = _de_number
templates.env.filters["de_date"] = _de_date
# `ids | map("extract", names)`: each id looked up in a mapping (kept as it is when missing)
templates.env.filters["extract"] = lambda key, mapping: mapping.get(key, key)
templates.env.globals["roles"] = ROLES


def page(
    request: Request, template: str, user: User | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render templates/`template` (which extends base.html) for `user`."""
    return templates.TemplateResponse(
        request, template, {"user": user, "nav": nav_for(user), **context}, status_code=status_code
    )


def workspace_router() -> APIRouter:
    """A router for /ui pages: every POST must carry the CSRF token; the pages stay out of the OpenAPI
    document. Each route still declares who may open it (`CurrentUser` or `require_role(...)`)."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
