"""POST /v1/classify: tag statements without storing them."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, HTTPException, Response

from nlp.model.features import StatementInput
from nlp.results.tagging import tag
from service.runtime import collector_paused

from ..deps import ClassifyBody, ModelDep, SettingsDep, inline_schema, require_key
from ..metrics import TAGGED
from ..schemas import ClassifyRequest, ClassifyResponse

router = APIRouter(tags=["classify"], dependencies=[Depends(require_key)])


@router.post(
    "/v1/classify",
    response_model=ClassifyResponse,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(ClassifyRequest)}},
        }
    },
    responses={
        413: {"description": "Too many statements, or too many characters in all"},
        415: {"description": "Not JSON"},
        422: {"description": "Broken JSON, a statement without text, or a statement too long"},
    },
)
def classify(body: ClassifyBody, settings: SettingsDep, served: ModelDep) -> Response:
    """Tag statements with themes and a sentiment; nothing is stored. One record per statement, the
    same as `kfd tag` writes."""
    if len(body.statements) > settings.max_statements:
        raise HTTPException(
            413,
            f"{len(body.statements)} statements in one request; at most {settings.max_statements} are allowed",
        )
    # Lengths are those of the texts that are tagged: trimmed.
    statements = [StatementInput(s.text.strip(), s.section, s.id) for s in body.statements]
    for number, statement in enumerate(statements, start=1):
        if len(statement.text) > settings.max_statement_chars:
            raise HTTPException(
                422,
                f"statement {statement.id or number} has {len(statement.text)} characters; "
                f"at most {settings.max_statement_chars} are allowed",
            )
    total = sum(len(s.text) for s in statements)
    if total > settings.max_request_chars:
        raise HTTPException(
            413,
            f"{total} characters in one request; at most {settings.max_request_chars} are allowed "
            "(KFD_MAX_REQUEST_CHARS): send the statements in smaller batches",
        )
    # The records are ours and have the documented shape (`test_service` checks them against the
    # schema), so they are written out directly rather than validated again: for 1,000 statements that
    # is a fifth of the time the request takes.
    with collector_paused():  # a few objects per statement, no cycles: see `collector_paused`
        records = [r.to_json() for r in tag(served.model, statements)]
    TAGGED.labels("/v1/classify").inc(len(records))
    content = {"model_version": served.model.version, "statements": records}
    return Response(orjson.dumps(content), media_type="application/json")
