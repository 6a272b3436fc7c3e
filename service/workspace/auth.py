"""Who is signed in: the session (Starlette's signed cookie), the role dependency, CSRF tokens, the
session key and the sign-in throttle.

- `current_user`: the signed-in, active user whose password has not changed since signing in; otherwise
  `SignInRequired`, which answers with a redirect to the sign-in page.
- `require_role("pruefer")`: a dependency that also needs that role (or a higher one); `RoleRequired`
  answers 403 with a page.
- `verify_csrf`: every POST under /ui carries the session's token as the form field `csrf_token` or the
  header `X-CSRF-Token` (htmx sends it from the body's `hx-headers`); otherwise `CsrfFailed`, 403.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request

from nlp.storage.workspace import Role, User, Workspace

from ..settings import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECRET_FILE = "kfd-session-secret"


class SignInRequired(Exception):
    """No valid session: the answer is a redirect to the sign-in page."""


class RoleRequired(Exception):
    """Signed in, but without the role the page needs."""

    def __init__(self, role: Role):
        super().__init__(role)
        self.role = role


class CsrfFailed(Exception):
    """A POST without the session's CSRF token."""


# -- the session key ----------------------------------------------------------------------------------


def _secret_folder(settings: Settings) -> Path:
    """Beside the SQLite file; for another database, beside the model folder."""
    url = sa.engine.make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and not url.database.startswith(("file:", ":")):
        return Path(url.database).resolve().parent
    return Path(settings.model_dir).resolve().parent


def session_secret(settings: Settings) -> str:
    """KFD_SESSION_SECRET, or a random key in a file only this user can read (mode 0600), made once and
    shared by every worker: the first to create it wins, the others read it."""
    if settings.session_secret:
        return settings.session_secret
    folder = _secret_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SECRET_FILE
    if not path.exists():
        temporary = folder / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, path)  # atomic, and fails when another worker was first
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


# -- the sign-in throttle -----------------------------------------------------------------------------


class SignInThrottle:
    """After `limit` failed sign-ins for one name, that name is locked for `lockout` seconds (per process;
    with several workers each counts its own). A success clears the count."""

    def __init__(self, limit: int = 5, lockout: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit, self.lockout, self.clock = limit, lockout, clock
        self._failures: dict[str, tuple[int, float]] = {}  # name → (failures, locked until)
        self._lock = threading.Lock()

    def locked_for(self, name: str) -> float:
        """Seconds until `name` may try again; 0 when it may now."""
        with self._lock:
            _, until = self._failures.get(name.casefold(), (0, 0.0))
        return max(0.0, until - self.clock())

    def failed(self, name: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # a flood of invented names must not grow memory forever
                self._failures.clear()
            count, _ = self._failures.get(name.casefold(), (0, 0.0))
            count += 1
            until = self.clock() + self.lockout if count % self.limit == 0 else 0.0
            self._failures[name.casefold()] = (count, until)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name.casefold(), None)


# -- dependencies -------------------------------------------------------------------------------------


async def get_workspace(request: Request) -> Workspace:
    return request.app.state.workspace


WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]


def sign_in(request: Request, user: User, workspace: Workspace) -> None:
    """A fresh session for `user` (nothing of an earlier session is kept) with a new CSRF token."""
    request.session.clear()
    request.session.update(
        user=user.name, stamp=workspace.password_stamp(user.name), csrf=secrets.token_urlsafe(32)
    )


def current_user(request: Request, workspace: WorkspaceDep) -> User:
    """The signed-in user. A disabled user, or a session from before a password change, is signed out."""
    name = request.session.get("user")
    if not isinstance(name, str):
        raise SignInRequired()
    user = workspace.find_user(name)
    if user is None or not user.active or workspace.password_stamp(name) != request.session.get("stamp"):
        request.session.clear()
        raise SignInRequired()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(role: Role) -> Callable[[User], User]:
    """A dependency: the signed-in user, who must have `role` or a higher one (leser < pruefer < admin)."""

    def dependency(user: CurrentUser) -> User:
        if not user.may(role):
            raise RoleRequired(role)
        return user

    dependency.__name__ = f"require_role_{role}"
    return dependency


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (the sign-in form has one before anyone signs in)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def verify_csrf(request: Request) -> None:
    """Every request but GET/HEAD/OPTIONS must carry the session's token (header or form field)."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER)
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        field = (await request.form(max_files=1000, max_fields=1000)).get(CSRF_FIELD)
        given = field if isinstance(field, str) else None
    if not (isinstance(expected, str) and given and secrets.compare_digest(expected, given)):
        raise CsrfFailed()


# The signed-in user with at least that role, for route parameters: `def page(user: PrueferUser): ...`
LeserUser = Annotated[User, Depends(require_role("leser"))]
PrueferUser = Annotated[User, Depends(require_role("pruefer"))]
AdminUser = Annotated[User, Depends(require_role("admin"))]
