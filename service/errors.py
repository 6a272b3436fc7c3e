"""Library errors as HTTP replies (a JSON `detail`, never a 500 for bad input), and the body-size limit."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nlp.errors import KfdError, ModelError, ReportParseError, UnknownLabel
from nlp.intake import ExternalIdConflict
from nlp.results.aggregate import UnknownDimension
from nlp.review.retrain import JobNotFound, RetrainError
from nlp.storage.store import ReportNotFound, StoreError
from nlp.storage.workspace import DecisionConflict, NotFound, UserExists

log = logging.getLogger(__name__)

# First match wins: subclasses before their bases.
STATUS_BY_ERROR: tuple[tuple[type[KfdError], int], ...] = (
    (ReportNotFound, 404),
    (NotFound, 404),
    (UserExists, 409),
    (DecisionConflict, 409),
    (JobNotFound, 404),
    (RetrainError, 409),  # a second retraining while one runs, a candidate that cannot be promoted
    (ExternalIdConflict, 409),
    (ReportParseError, 422),
    (UnknownDimension, 422),
    (UnknownLabel, 422),
    (ModelError, 503),
    (StoreError, 503),
    (KfdError, 422),
)


def status_for(error: KfdError) -> int:
    return next(code for kind, code in STATUS_BY_ERROR if isinstance(error, kind))


async def kfd_error_handler(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, KfdError)
    code = status_for(error)
    if code >= 500:
        log.error("%s %s: %s", request.method, request.url.path, error)
    return JSONResponse({"detail": str(error)}, status_code=code)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(KfdError, kfd_error_handler)


class BodyLimitMiddleware:
    """413 for a request body over `max_bytes`: at once when Content-Length says so, and while reading
    when the body comes in chunks without a length."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: Mapping[str, tuple[int, str]] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        # Paths that take more (the workspace's upload of many files): path → (bytes, setting's name).
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes, setting = self.larger.get(scope["path"], (self.max_bytes, "KFD_MAX_BODY_BYTES"))
        detail = f"request body larger than {max_bytes} bytes ({setting})"
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await send_json(send, 400, "invalid Content-Length header")
                return
            if int(length) > max_bytes:
                await send_json(send, 413, detail)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise HTTPException(413, detail)  # the route's exception handling answers
            return message

        await self.app(scope, limited_receive, send)


async def send_json(send: Send, code: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": code,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
