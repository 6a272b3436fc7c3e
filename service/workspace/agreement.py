"""Double coding and agreement (/ui/stichproben): an admin draws a sample of N statements for two named
pruefer; each codes it blind (the coding screen never shows the model's tags or the other coder's);
the agreement page shows Krippendorff's alpha, Cohen's kappa and percent agreement per theme and for the
sentiment, the model's agreement beside them, and the disagreements with a form to adjudicate (admin)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from nlp.review.figures import SECTION_NAMES
from nlp.review.samples import sample_agreement
from nlp.storage.workspace import WorkspaceError

from ..deps import CodebookDep, ModelDep
from .auth import AdminUser, PrueferUser, WorkspaceDep
from .review import SENTIMENT_KEYS, THEME_KEYS  # the coding screen has the review queue's keys
from .templating import add_nav, page, workspace_router

log = logging.getLogger(__name__)
router = workspace_router()
add_nav("/ui/stichproben", "Doppelcodierung", "pruefer", 50)


@router.get("/ui/stichproben")
def samples(request: Request, user: PrueferUser, workspace: WorkspaceDep) -> HTMLResponse:
    """The samples this user codes (with how many are left), and for an admin every sample and the form
    to draw a new one."""
    listed = []
    for sample in workspace.list_samples():
        mine = user.name in sample.coders
        if not (mine or user.may("admin")):
            continue
        left = len(workspace.sample_items(sample.id, user.name)) if mine else None
        listed.append((sample, left))
    coders = [u for u in workspace.list_users() if u.may("pruefer")] if user.may("admin") else []
    return page(request, "stichproben.html", user, samples=listed, coders=coders, message=None)


@router.post("/ui/stichproben")
def draw_sample(
    request: Request,
    user: AdminUser,
    workspace: WorkspaceDep,
    name: Annotated[str, Form(max_length=200)],
    n: Annotated[int, Form(ge=1, le=10_000)],
    coder_a: Annotated[str, Form(max_length=64)],
    coder_b: Annotated[str, Form(max_length=64)],
) -> RedirectResponse:
    sample = workspace.create_sample(name, user.name, coder_a, coder_b, n=n)
    log.info("double-coding sample %d drawn (%d statements)", sample.id, sample.n_items)
    return RedirectResponse(f"/ui/stichproben/{sample.id}", status_code=303)


@router.get("/ui/stichproben/{sample_id}/codieren")
def code_next(
    request: Request, user: PrueferUser, workspace: WorkspaceDep, codebook: CodebookDep, sample_id: int
) -> HTMLResponse:
    """The next statement this coder has not coded yet: its text and section only."""
    sample = workspace.get_sample(sample_id)
    left = workspace.sample_items(sample_id, user.name)  # WorkspaceError (→ 422 page) for a non-coder
    return page(
        request,
        "codieren.html",
        user,
        sample=sample,
        item=left[0] if left else None,
        done=sample.n_items - len(left),
        themes=list(zip(THEME_KEYS, codebook.themes, strict=False)),
        sentiments=[(SENTIMENT_KEYS.get(s.id, ""), s) for s in codebook.sentiments],
        sections=SECTION_NAMES,
    )


@router.post("/ui/stichproben/{sample_id}/codieren")
def save_coding(
    user: PrueferUser,
    workspace: WorkspaceDep,
    codebook: CodebookDep,
    sample_id: int,
    statement_id: Annotated[int, Form()],
    sentiment: Annotated[str, Form(max_length=32)],
    themes: Annotated[list[str] | None, Form()] = None,
) -> RedirectResponse:
    workspace.save_coding(sample_id, statement_id, user.name, themes or [], sentiment, codebook=codebook)
    return RedirectResponse(f"/ui/stichproben/{sample_id}/codieren", status_code=303)


@router.get("/ui/stichproben/{sample_id}")
async def agreement_page(
    request: Request,
    user: AdminUser,
    workspace: WorkspaceDep,
    codebook: CodebookDep,
    served: ModelDep,
    sample_id: int,
) -> HTMLResponse:
    """The agreement figures of the sample (the served model tags its statements for the comparison)."""
    sample = workspace.get_sample(sample_id)
    report = await run_in_threadpool(sample_agreement, workspace, sample_id, served.model, codebook)
    return page(
        request,
        "uebereinstimmung.html",
        user,
        sample=sample,
        report=report,
        codebook=codebook,
        model_version=served.manifest.version,
    )


@router.post("/ui/stichproben/{sample_id}/entscheiden")
def adjudicate(
    user: AdminUser,
    workspace: WorkspaceDep,
    codebook: CodebookDep,
    sample_id: int,
    statement_id: Annotated[int, Form()],
    sentiment: Annotated[str, Form(max_length=32)],
    themes: Annotated[list[str] | None, Form()] = None,
) -> RedirectResponse:
    """An `adjudicate` decision: the statement's tags become these, marked reviewed by the admin."""
    if not sentiment:
        raise WorkspaceError("adjudicating needs a sentiment")
    workspace.decide(
        statement_id, user.name, "adjudicate", themes or [], sentiment, codebook=codebook, sample_id=sample_id
    )
    return RedirectResponse(f"/ui/stichproben/{sample_id}#entscheidungen", status_code=303)
