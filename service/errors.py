"""Library errors as HTTP replies (a JSON `detail`, never a 500 for bad input), and the body-size limit."""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nlp.errors import KfdError, ModelError, ReportParseError, UnknownLabel
from nlp.intake import ExternalIdConflict
from nlp.results.aggregate import UnknownDimension
from nlp.review.retrain import JobNotFound, RetrainError
from nlp.storage.store import ReportNotFound, StoreError

log = logging.getLogger(__name__)

# First match wins: subclasses before their bases.
STATUS_BY_ERROR: tuple[tuple[type[KfdError], int], ...] = (
    (ReportNotFound, 404),
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

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    def _detail(self) -> str:
        return f"request body larger than {self.max_bytes} bytes (KFD_MAX_BODY_BYTES)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await send_json(send, 400, "invalid Content-Length header")
                return
            if int(length) > self.max_bytes:
                await send_json(send, 413, self._detail())
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._detail())  # the route's exception handling answers
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
