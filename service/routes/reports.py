"""Stored reports: POST/GET /v1/reports, GET/DELETE /v1/reports/{id}, POST /v1/reports/{id}/retag."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse

from nlp import intake
from nlp.reading.regions import canonical_bezirk, canonical_landkreis

from ..deps import ModelDep, StoreDep, UploadDep, no_form_body, require_admin, require_key
from ..metrics import TAGGED
from ..schemas import ReportCreate, ReportList, ReportOut, RetagOut, report_out_content

router = APIRouter(tags=["reports"], dependencies=[Depends(require_key)])
Redact = Annotated[
    bool,
    Query(
        description="Leave out the contact person (`kontakt`: name, address, phone, e-mail) and the raw "
        "Kommune section, which also holds it"
    ),
]
# Ids are 64-bit database integers: a larger one would overflow in the driver (a 500), not be a 404.
ReportId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The report's id")]

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": ReportCreate.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "A .txt, .docx or .html report",
                    },
                    "external_id": {"type": "string", "description": "The sender's id of the report"},
                },
            }
        },
    },
}


@router.post(
    "/v1/reports",
    status_code=201,
    response_model=ReportOut,
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={
        200: {
            "description": "Stored before (same content, or same external_id and content): the existing "
            "record",
            "model": ReportOut,
        },
        403: {"description": "Without API keys: a cross-origin write, or an upload without X-KFD-Client"},
        409: {"description": "The external_id is stored with another content; the detail has both hashes"},
        413: {"description": "Body too large"},
        415: {"description": "Neither JSON nor multipart, or an unsupported file type"},
        422: {"description": "Not a report: the parser's message"},
    },
)
def create_report(upload: UploadDep, served: ModelDep, store: StoreDep) -> Response:
    """Parse, tag and store a report (201). Idempotent: the same content again gives 200 with the stored
    record, never a duplicate; a stored `external_id` with another content is a 409."""
    stored, created = intake.add_report(
        store, upload.source, served.model, filename=upload.filename, external_id=upload.external_id
    )
    if created:
        TAGGED.labels("/v1/reports").inc(len(stored.statements))
    # The record has the shape of ReportOut already (`report_out_content`): written out directly.
    return Response(
        orjson.dumps(report_out_content(stored)),
        status_code=201 if created else 200,
        media_type="application/json",
    )


@router.get("/v1/reports")
def list_reports(
    store: StoreDep,
    landkreis: Annotated[
        str | None, Query(description="Landkreis (district), ignoring case", examples=["Tübingen"])
    ] = None,
    regierungsbezirk: Annotated[str | None, Query(examples=["Stuttgart"])] = None,
    date_from: Annotated[
        dt.date | None, Query(alias="from", description="First event on or after this date")
    ] = None,
    date_to: Annotated[
        dt.date | None, Query(alias="to", description="First event on or before this date")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    # Bounded: the database's integers overflow at 2^63 (a 500), and no page lies beyond 2^31 reports.
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    redact: Redact = False,
) -> ReportList:
    """Stored reports, oldest first, without their statements. The items never carry the contact
    person, so `redact` changes nothing here; it is accepted for clients that always send it."""
    page = store.list_reports(
        landkreis=canonical_landkreis(landkreis) if landkreis else None,
        regierungsbezirk=canonical_bezirk(regierungsbezirk) if regierungsbezirk else None,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
    return ReportList.from_page(page)


@router.get(
    "/v1/reports/{report_id}", response_model=ReportOut, responses={404: {"description": "No such report"}}
)
def get_report(report_id: ReportId, store: StoreDep, redact: Redact = False) -> ReportOut | JSONResponse:
    out = ReportOut.from_stored(store.get_report(report_id))
    if redact:
        # The raw Kommune section holds the contact lines too; its fields stay in `report.kommune`.
        hidden: dict[str, Any] = {"report": {"kontakt": True, "sections": {"kommune": True}}}
        return JSONResponse(out.model_dump(mode="json", exclude=hidden))
    return out


@router.delete(
    "/v1/reports/{report_id}",
    status_code=204,
    dependencies=[Depends(require_admin), Depends(no_form_body)],
    responses={404: {"description": "No such report"}},
)
def delete_report(report_id: ReportId, store: StoreDep) -> Response:
    store.delete_report(report_id)
    return Response(status_code=204)


@router.post(
    "/v1/reports/{report_id}/retag",
    dependencies=[Depends(require_admin), Depends(no_form_body)],
    responses={404: {"description": "No such report"}},
)
def retag_report(report_id: ReportId, served: ModelDep, store: StoreDep) -> RetagOut:
    """Tag the report's statements again with the served model (after `kfd train` and a reload)."""
    result = intake.retag(store, served.model, report_id)
    TAGGED.labels("/v1/reports/{report_id}/retag").inc(result.n_statements)
    return RetagOut(
        model_version=result.model_version,
        n_statements=result.n_statements,
        report=ReportOut.from_stored(store.get_report(report_id)),
    )
