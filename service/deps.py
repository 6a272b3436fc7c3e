"""Dependencies of the routes: settings, store, served model, API keys and request bodies."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from nlp.codebook import Codebook
from nlp.intake import safe_filename
from nlp.reading.ingest import SUPPORTED_SUFFIXES
from nlp.storage.store import Store

from .model_slot import ModelSlot, ServedModel
from .schemas import EXTERNAL_ID_MAX, ClassifyRequest, ReportCreate
from .settings import Settings, is_loopback

bearer = HTTPBearer(auto_error=False, description="An API key from KFD_API_KEYS or KFD_ADMIN_KEYS")

# The dependencies below are `async def` although they never await: they do not block, and FastAPI runs
# a plain `def` dependency in its thread pool, a hop per dependency and request.


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was made with (`create_app`)."""
    return request.app.state.settings


async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_codebook(request: Request) -> Codebook:
    return request.app.state.codebook


async def get_slot(request: Request) -> ModelSlot:
    return request.app.state.models


async def get_model(slot: Annotated[ModelSlot, Depends(get_slot)]) -> ServedModel:
    """The model for this request: read once, so one response never mixes two models. With several
    workers, one that has not yet loaded a model reloaded by another loads it first."""
    if slot.behind():
        await run_in_threadpool(slot.catch_up)
    served = slot.current
    if served is None:
        raise HTTPException(503, f"no model loaded: {slot.error or 'not started'}")
    return served


StoreDep = Annotated[Store, Depends(get_store)]
CodebookDep = Annotated[Codebook, Depends(get_codebook)]
SlotDep = Annotated[ModelSlot, Depends(get_slot)]
ModelDep = Annotated[ServedModel, Depends(get_model)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


# -- API keys --------------------------------------------------------------------------------------


class Access(Enum):
    READ = "read"
    ADMIN = "admin"


def _key_in(token: str, keys: Sequence[str]) -> bool:
    # Every key is compared, in constant time, so timing tells nothing about which keys exist.
    found = False
    for key in keys:
        found |= secrets.compare_digest(token.encode(), key.encode())
    return found


def _access(request: Request, credentials: HTTPAuthorizationCredentials | None, settings: Settings) -> Access:
    if not settings.auth_enabled:
        # No keys: the service is for this machine only (serve() refuses any other address).
        client = request.client.host if request.client else None
        if not is_loopback(client):
            raise HTTPException(403, "no API keys are configured: this service answers only on loopback")
        return Access.ADMIN
    unauthorized = HTTPException(
        401,
        "missing or unknown API key; send 'Authorization: Bearer <key>'",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if credentials is None or not credentials.credentials:
        raise unauthorized
    token = credentials.credentials
    if _key_in(token, settings.admin_keys):
        return Access.ADMIN
    if _key_in(token, settings.api_keys):
        return Access.READ
    raise unauthorized


async def require_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    settings: SettingsDep,
) -> Access:
    """Any valid key (reports hold personal data, so reads need one too)."""
    return _access(request, credentials, settings)


async def require_admin(access: Annotated[Access, Depends(require_key)]) -> Access:
    if access is not Access.ADMIN:
        raise HTTPException(403, "this needs an admin key (KFD_ADMIN_KEYS)")
    return access


# -- request bodies --------------------------------------------------------------------------------


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def require_json(request: Request) -> None:
    media_type = _media_type(request)
    if not _is_json(media_type):
        raise HTTPException(
            415,
            f"Content-Type must be application/json, not {media_type or '(none)'!r}",
        )


async def no_form_body(request: Request, settings: SettingsDep) -> None:
    """For the routes that read no body (reload, retag, delete): without API keys, a body other than
    JSON is refused. A web page can send a text/plain or form POST anywhere without asking first; a
    JSON one, never cross-origin. With keys the `Authorization` header already proves the same."""
    media_type = _media_type(request)
    if not settings.auth_enabled and media_type and not _is_json(media_type):
        raise HTTPException(
            415,
            f"send no body or application/json, not {media_type!r} (a web page's form could send that)",
        )


# Headers a web page cannot send cross-origin without a CORS preflight, which the service never grants.
CLIENT_HEADERS = ("x-requested-with", "x-kfd-client")


def _not_a_page_form(request: Request) -> bool:
    """The request cannot be a cross-origin form of a web page: it carries a header that needs a
    preflight (a client header, any `Authorization: Bearer`), or the browser says it comes from the
    service's own pages (/docs)."""
    headers = request.headers
    return (
        any(headers.get(name, "").strip() for name in CLIENT_HEADERS)
        or headers.get("authorization", "").lower().startswith("bearer ")
        or headers.get("sec-fetch-site", "").lower() == "same-origin"
    )


def _validation_error(e: ValidationError) -> RequestValidationError:
    """A pydantic error as FastAPI reports a body error: 422 with `loc` starting at "body"."""
    errors = e.errors(include_url=False)
    for err in errors:  # broken JSON comes back as raw bytes, which need not be UTF-8
        if isinstance(err.get("input"), bytes):
            err["input"] = err["input"].decode("utf-8", errors="replace")
        try:  # "Infinity", "NaN", 1e999 parse to floats that strict JSON cannot carry back
            json.dumps(err.get("input"), allow_nan=False)
        except (TypeError, ValueError):
            err["input"] = repr(err.get("input"))
    return RequestValidationError([{**err, "loc": ("body", *err["loc"])} for err in errors])


async def _json_body(model, request: Request):
    """The request body validated as `model`; FastAPI's 422 when it is not."""
    try:
        return model.model_validate_json(await request.body() or b"null")
    except ValidationError as e:
        raise _validation_error(e) from None


async def classify_body(
    request: Request,
    _access: Annotated[Access, Depends(require_key)],
    _json: Annotated[None, Depends(require_json)],
) -> ClassifyRequest:
    """The /v1/classify body, read only after the API key and the media type passed: a caller without a
    key learns nothing, not even that its JSON was broken."""
    return await _json_body(ClassifyRequest, request)


def inline_schema(model) -> dict:
    """A model's JSON schema with its `$defs` inlined, for an `openapi_extra` request body (whose refs
    would otherwise point at `#/$defs/...`, which the OpenAPI document does not have)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


@dataclass(frozen=True)
class ReportUpload:
    source: str | bytes
    filename: str | None
    external_id: str | None


async def report_upload(request: Request, settings: SettingsDep) -> ReportUpload:
    """A report as JSON `{"text", "filename"?, "external_id"?}` or as a multipart upload (field `file`,
    optional field `external_id`). Read here, asynchronously; parsing and tagging run in the threadpool.
    Without API keys a multipart upload needs `X-Requested-With` or `X-KFD-Client` (any value): a web
    page's form can post multipart anywhere, but not with such a header."""
    media_type = _media_type(request)
    if _is_json(media_type):
        data = await _json_body(ReportCreate, request)
        return ReportUpload(data.text, data.filename, data.external_id)
    if media_type == "multipart/form-data":
        if not settings.auth_enabled and not _not_a_page_form(request):
            raise HTTPException(
                403,
                "without API keys a multipart upload needs an 'X-Requested-With' or 'X-KFD-Client' header "
                "(any value), which no web page's form can send",
            )
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            external_id = form.get("external_id")
            if not isinstance(upload, UploadFile):
                raise HTTPException(422, "multipart upload needs the report in a field named 'file'")
            if external_id is not None and not isinstance(external_id, str):
                raise HTTPException(422, "'external_id' must be a text field")
            external_id = (external_id or "").strip() or None
            filename = safe_filename(upload.filename)
            # The same limit as for JSON (ReportCreate), which the database column relies on.
            if external_id and len(external_id) > EXTERNAL_ID_MAX:
                raise HTTPException(422, f"'external_id' is longer than {EXTERNAL_ID_MAX} characters")
            suffix = Path(filename).suffix.lower() if filename else ""
            if filename and suffix not in SUPPORTED_SUFFIXES:
                raise HTTPException(
                    415,
                    f"{filename}: unsupported file type {suffix or '(none)'!r}; upload .txt, .docx or .html",
                )
            data = await upload.read()
        return ReportUpload(data, filename, external_id)
    raise HTTPException(
        415,
        f"send the report as application/json or multipart/form-data, not {media_type or '(none)'!r}",
    )


UploadDep = Annotated[ReportUpload, Depends(report_upload)]
ClassifyBody = Annotated[ClassifyRequest, Depends(classify_body)]
