"""GET /v1/aggregate: counts and shares of stored statements, as JSON, CSV or an Excel workbook."""

from __future__ import annotations

import io
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from nlp.results.aggregate import DIMENSIONS, UnknownDimension, aggregate, write_csv, write_xlsx_table
from nlp.results.spreadsheet import XLSX_MEDIA_TYPE

from ..deps import CodebookDep, StoreDep, require_key
from ..schemas import AggregateOut

router = APIRouter(tags=["aggregate"], dependencies=[Depends(require_key)])

PARAMETERS = ("by", "format", *DIMENSIONS)
Filter = Annotated[
    list[str] | None,
    Query(description="Keep statements with one of these values (comma-separated or repeated)"),
]


def _check_parameters(request: Request) -> None:
    unknown = [name for name in request.query_params if name not in PARAMETERS]
    if unknown:
        raise UnknownDimension(
            f"unknown parameter {', '.join(map(repr, unknown))}; valid: by, format and the filters "
            f"{', '.join(DIMENSIONS)}"
        )


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@router.get(
    "/v1/aggregate",
    response_model=AggregateOut,
    responses={
        200: {
            "content": {
                "text/csv": {
                    "example": "theme,sentiment,count,total,share\nmoderation,positiv,12,240,0.0500\n"
                },
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            }
        },
        422: {"description": "Unknown dimension or filter; the detail names the valid ones"},
    },
)
def aggregate_statements(
    request: Request,
    store: StoreDep,
    codebook: CodebookDep,
    by: Annotated[
        str,
        Query(
            description=f"Comma-separated dimensions out of {', '.join(DIMENSIONS)}",
            examples=["theme,sentiment", "theme,sentiment,landkreis"],
        ),
    ] = "theme,sentiment",
    format: Annotated[
        Literal["json", "csv", "xlsx"],
        Query(
            description="csv: a download for spreadsheets (a text that looks like a formula starts with "
            "`'`); xlsx: an Excel workbook (texts are string cells, never formulas)"
        ),
    ] = "json",
    theme: Filter = None,
    sentiment: Filter = None,
    section: Filter = None,
    landkreis: Filter = None,
    regierungsbezirk: Filter = None,
    year: Filter = None,
):
    """Counts and shares of stored statements grouped by `by`. A statement with several themes counts
    once per theme; one without counts under "(none)". `share = count / total`, where `total` counts
    the statements in the same group of the dimensions other than theme and sentiment (section,
    landkreis, regierungsbezirk, year), or all statements when `by` lacks either kind. Filters are
    read from the query (see `nlp.results.aggregate.aggregate`)."""
    _check_parameters(request)
    given = zip(DIMENSIONS, (theme, sentiment, section, landkreis, regierungsbezirk, year), strict=True)
    filters = {dim: _split(values) for dim, values in given if values}
    table = aggregate(store.statement_rows(), by, filters, codebook)
    if format == "csv":
        out = io.StringIO()
        write_csv(table, out)
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="kfd-aggregate.csv"'},
        )
    if format == "xlsx":
        book = io.BytesIO()
        write_xlsx_table(table, book)
        return Response(
            book.getvalue(),
            media_type=XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": 'attachment; filename="kfd-aggregate.xlsx"'},
        )
    return AggregateOut.from_table(table)
