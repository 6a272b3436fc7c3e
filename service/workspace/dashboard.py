"""The figures dashboard (/ui/zahlen): theme × sentiment charts of the stored statements by Landkreis,
Regierungsbezirk, year or section; a click on a bar lists the statements behind it; downloads as .xlsx
and as the self-contained HTML report. Counts come from `nlp.results.aggregate` via `nlp.review.figures`."""

from __future__ import annotations

import io
import json
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from nlp.results.aggregate import NONE, aggregate, check_filters, write_xlsx_table
from nlp.results.html_report import render
from nlp.results.spreadsheet import XLSX_MEDIA_TYPE
from nlp.review.figures import (
    BREAKDOWNS,
    SECTION_NAMES,
    breakdown_chart,
    statements,
    stored_statements,
    theme_chart,
    value_label,
)

from ..deps import CodebookDep, StoreDep
from .auth import LeserUser
from .templating import add_nav, page, workspace_router

router = workspace_router()
add_nav("/ui/zahlen", "Zahlen", "leser", 40)
Filter = Annotated[str | None, Query(max_length=200)]
DRILL_LIMIT = 500  # statements listed under a bar at most (the count above says how many there are)


def _filters(theme: str | None, sentiment: str | None, by: str, value: str | None) -> dict[str, list[str]]:
    filters = {}
    if theme:
        filters["theme"] = [theme]
    if sentiment:
        filters["sentiment"] = [sentiment]
    if value:
        filters[by] = [value]
    return filters


def _by(by: str | None) -> str:
    return by if by in BREAKDOWNS else "landkreis"


@router.get("/ui/zahlen")
def dashboard(
    request: Request,
    user: LeserUser,
    store: StoreDep,
    codebook: CodebookDep,
    by: Filter = None,
    theme: Filter = None,
    value: Filter = None,
) -> HTMLResponse:
    """Two charts: statements per theme (of the chosen Landkreis/… value, or all), and statements per
    value of the breakdown (of the chosen theme, or all), both stacked by sentiment."""
    by = _by(by)
    rows = store.statement_rows()
    place = _filters(None, None, by, value)
    check_filters({**place, **({"theme": [theme]} if theme else {})}, codebook)  # a typo is a 422 page
    themes = theme_chart(rows, codebook, place)
    places = breakdown_chart(rows, by, codebook, {"theme": [theme]} if theme else None)
    all_values = breakdown_chart(rows, by, codebook).keys
    return page(
        request,
        "zahlen.html",
        user,
        by=by,
        breakdowns=BREAKDOWNS,
        theme=theme or "",
        value=value or "",
        values=[(v, value_label(by, v, codebook)) for v in all_values],
        codebook=codebook,
        theme_label=value_label("theme", theme, codebook) if theme else None,
        value_label=value_label(by, value, codebook) if value else None,
        themes_chart=themes,
        places_chart=places,
        charts_json=json.dumps(
            {
                "themes": themes.to_chartjs(),
                "places": places.to_chartjs(),
                "by": by,
                "theme": theme or "",
                "value": value or "",
            },
            ensure_ascii=False,
        ),
        n_statements=len(rows),
        none=NONE,
    )


@router.get("/ui/zahlen/aussagen")
def drilldown(
    request: Request,
    user: LeserUser,
    store: StoreDep,
    codebook: CodebookDep,
    by: Filter = None,
    theme: Filter = None,
    sentiment: Filter = None,
    value: Filter = None,
) -> HTMLResponse:
    """The statements behind one bar (an htmx fragment; a full page when opened directly)."""
    by = _by(by)
    filters = _filters(theme, sentiment, by, value)
    found = statements(stored_statements(store), filters, codebook)
    described = [
        (value_label("theme", theme, codebook) if theme else "alle Themen"),
        (codebook_name(codebook, sentiment) if sentiment else "jede Stimmung"),
        (f"{BREAKDOWNS[by]} {value_label(by, value, codebook)}" if value else f"jeder {BREAKDOWNS[by]}"),
    ]
    template = "zahlen_aussagen.html" if request.headers.get("hx-request") else "zahlen_aussagen_seite.html"
    return page(
        request,
        template,
        user,
        found=found[:DRILL_LIMIT],
        total=len(found),
        limit=DRILL_LIMIT,
        described=", ".join(described),
        codebook=codebook,
        sections=SECTION_NAMES,
    )


def codebook_name(codebook, sentiment: str) -> str:
    return next((s.name for s in codebook.sentiments if s.id == sentiment), sentiment)


@router.get("/ui/zahlen/tabelle.xlsx")
def download_xlsx(
    user: LeserUser,
    store: StoreDep,
    codebook: CodebookDep,
    by: Filter = None,
    theme: Filter = None,
    value: Filter = None,
) -> Response:
    """Theme × sentiment × the breakdown as an Excel table (the same counts as /v1/aggregate)."""
    by = _by(by)
    table = aggregate(
        store.statement_rows(), ("theme", "sentiment", by), _filters(theme, None, by, value), codebook
    )
    book = io.BytesIO()
    write_xlsx_table(table, book)
    return Response(
        book.getvalue(),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="kfd-zahlen-{by}.xlsx"'},
    )


@router.get("/ui/zahlen/bericht.html")
def download_report(
    user: LeserUser,
    store: StoreDep,
    codebook: CodebookDep,
    by: Filter = None,
    theme: Filter = None,
    value: Filter = None,
) -> Response:
    """The self-contained HTML report (`kfd report`) of the stored statements, with the page's filters."""
    by = _by(by)
    html = render(stored_statements(store), codebook, _filters(theme, None, by, value))
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="kfd-bericht.html"'},
    )
