"""Berichte: the stored reports with filters (Landkreis, Regierungsbezirk, year, free text) and paging;
a report's page with its parsed facts, warnings and every statement with themes, sentiment, confidence
and the words that pushed each label highlighted; a statement's page with its decision history.

The contact person (name, address, phone, e-mail) is shown to pruefer and admin only, never to leser,
and never logged."""

from __future__ import annotations

import math
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse

from nlp.codebook import Codebook
from nlp.intake import report_warnings
from nlp.model.features import StatementInput
from nlp.model.inference import Prediction
from nlp.reading.form import SECTIONS
from nlp.results.highlight import highlight
from nlp.storage.workspace import ReviewStatement

from ..deps import CodebookDep, ModelDep, StoreDep
from .auth import LeserUser, WorkspaceDep
from .templating import add_nav, page, workspace_router

router = workspace_router()
add_nav("/ui/berichte", "Berichte", "leser", 20)
PAGE_SIZE = 25
SECTION_NAMES = {s.id: s.headings[0] for s in SECTIONS}
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


def label_names(codebook: Codebook) -> dict[str, str]:
    """German names of every theme and sentiment id."""
    return {label.id: label.name for label in (*codebook.themes, *codebook.sentiments)}


def _year(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) == 4 else None


@router.get("/ui/berichte")
def report_list(
    request: Request,
    user: LeserUser,
    store: StoreDep,
    landkreis: Annotated[str, Query(max_length=255)] = "",
    regierungsbezirk: Annotated[str, Query(max_length=64)] = "",
    jahr: Annotated[str, Query(max_length=4)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    seite: Annotated[int, Query(ge=1, le=2**31 // PAGE_SIZE)] = 1,
) -> HTMLResponse:
    filters = {"landkreis": landkreis, "regierungsbezirk": regierungsbezirk, "jahr": jahr, "q": q}
    found = store.list_reports(
        landkreis=landkreis or None,
        regierungsbezirk=regierungsbezirk or None,
        year=_year(jahr),
        text=q or None,
        limit=PAGE_SIZE,
        offset=(seite - 1) * PAGE_SIZE,
    )
    pages = max(1, math.ceil(found.total / PAGE_SIZE))
    kept = {k: v for k, v in filters.items() if v}

    def link(number: int) -> str:
        return "/ui/berichte?" + urlencode({**kept, "seite": number})

    return page(
        request,
        "reports.html",
        user,
        found=found,
        facets=store.report_facets(),
        filters=filters,
        seite=seite,
        pages=pages,
        previous=link(seite - 1) if seite > 1 else None,
        next=link(seite + 1) if seite < pages else None,
    )


def _explained(statement: ReviewStatement, tagger, pipeline: str):
    prediction = Prediction(
        statement.themes,
        statement.sentiment,
        dict(statement.theme_scores),
        dict(statement.sentiment_scores),
        statement.model_version,
    )
    terms = tagger.explain(StatementInput(statement.text, statement.section), prediction)
    return highlight(statement.text, terms, pipeline)


@router.get("/ui/berichte/{report_id}")
def report_page(
    request: Request,
    report_id: Id,
    user: LeserUser,
    store: StoreDep,
    workspace: WorkspaceDep,
    served: ModelDep,
    codebook: CodebookDep,
) -> HTMLResponse:
    stored = store.get_report(report_id)
    statements = workspace.statements_of_report(report_id)
    tagger = served.model
    rows = [(s, _explained(s, tagger, tagger.pipeline_name)) for s in statements]
    sections: dict[str, list] = {}
    for statement, highlighted in rows:
        sections.setdefault(statement.section, []).append((statement, highlighted))
    return page(
        request,
        "report.html",
        user,
        stored=stored,
        report=stored.report,
        warnings=report_warnings(stored.report),
        sections=sections,
        section_names=SECTION_NAMES,
        names=label_names(codebook),
        show_contact=user.may("pruefer"),
        served_version=tagger.version,
    )


@router.get("/ui/aussagen/{statement_id}")
def statement_page(
    request: Request,
    statement_id: Id,
    user: LeserUser,
    workspace: WorkspaceDep,
    store: StoreDep,
    codebook: CodebookDep,
) -> HTMLResponse:
    statement = workspace.statement(statement_id)
    stored = store.get_report(statement.report_id)
    return page(
        request,
        "statement.html",
        user,
        statement=statement,
        kommune=stored.report.kommune.name,
        history=workspace.history(statement_id),
        section_names=SECTION_NAMES,
        names=label_names(codebook),
    )
