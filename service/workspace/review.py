"""Prüfen: the review queue, one statement at a time, least certain first (the order of `kfd suggest`),
with its section, its neighbours and the codebook's definition of each proposed theme. Accept, correct
(toggle themes, set the sentiment), skip and undo; every decision goes into the append-only audit trail
with the user and the time (nlp.storage.workspace). Plain forms (post, then redirect), so it works
without JavaScript; workspace.js adds the keys shown on the page, so it works without a mouse."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from nlp.codebook import Codebook
from nlp.errors import KfdError
from nlp.storage.workspace import Action

from ..deps import CodebookDep, ModelDep, StoreDep
from .auth import PrueferUser, WorkspaceDep
from .reports import SECTION_NAMES, label_names
from .templating import add_nav, page, workspace_router

router = workspace_router()
add_nav("/ui/pruefen", "Prüfen", "pruefer", 30)
REVIEW_PATH = "/ui/pruefen"
# Keys that toggle the themes, in codebook order: digits, then letters the other commands leave free.
THEME_KEYS = "123456789abcdefhijklmoqrtvwxy"
# Keys of the sentiments (codebook ids): p, n, u (neutral), g.
SENTIMENT_KEYS = {"positiv": "p", "negativ": "n", "neutral": "u", "gemischt": "g"}
ACTION_WORDS = {
    "accept": "übernommen",
    "correct": "korrigiert",
    "skip": "übersprungen",
    "undo": "rückgängig gemacht",
    "adjudicate": "entschieden",
}


def theme_keys(codebook: Codebook) -> list[tuple[str, object]]:
    return list(zip(THEME_KEYS, codebook.themes, strict=False))


def _flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session["flash"] = [kind, message]


@router.get(REVIEW_PATH)
def review_page(
    request: Request,
    user: PrueferUser,
    workspace: WorkspaceDep,
    store: StoreDep,
    served: ModelDep,
    codebook: CodebookDep,
) -> HTMLResponse:
    flash = request.session.pop("flash", None)
    queue = workspace.review_queue(user.name, served.model.thresholds, n=1)
    context: dict = {
        "flash": flash,
        "remaining": queue.remaining,
        "undoable": workspace.last_undoable(user.name),
        "names": label_names(codebook),
        "section_names": SECTION_NAMES,
        "action_words": ACTION_WORDS,
    }
    if not queue.entries:
        return page(request, "review.html", user, entry=None, **context)
    entry = queue.entries[0]
    statement = workspace.statement(entry.statement_id)
    stored = store.get_report(statement.report_id)
    return page(
        request,
        "review.html",
        user,
        entry=entry,
        statement=statement,
        kommune=stored.report.kommune.name,
        neighbours=workspace.neighbours(statement.id, around=2),
        themes=theme_keys(codebook),
        sentiments=[(SENTIMENT_KEYS.get(s.id, ""), s) for s in codebook.sentiments],
        definitions=[codebook.theme(t) for t in statement.themes],
        **context,
    )


@router.post(REVIEW_PATH)
def review_decide(
    request: Request,
    user: PrueferUser,
    workspace: WorkspaceDep,
    codebook: CodebookDep,
    statement_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    aktion: Annotated[str, Form(pattern="^(speichern|ueberspringen)$")] = "speichern",
    themen: Annotated[list[str] | None, Form(max_length=64)] = None,
    stimmung: Annotated[str, Form(max_length=32)] = "",
) -> RedirectResponse:
    """Save (accept when nothing changed, correct otherwise) or skip; then the next statement."""
    try:
        if aktion == "ueberspringen":
            decision = workspace.decide(statement_id, user.name, "skip", unreviewed_only=True)
        else:
            current = workspace.statement(statement_id)
            themes = codebook.check_themes(themen or [])
            sentiment = codebook.check_sentiment(stimmung or current.sentiment)
            action: Action = (
                "accept" if (themes, sentiment) == (current.themes, current.sentiment) else "correct"
            )
            decision = workspace.decide(
                statement_id,
                user.name,
                action,
                themes,
                sentiment,
                codebook=codebook,
                unreviewed_only=True,
            )
        _flash(request, f"Aussage {statement_id} {ACTION_WORDS[decision.action]}.")
    except KfdError as e:
        _flash(request, f"Nicht gespeichert: {e}", "error")
    return RedirectResponse(REVIEW_PATH, status_code=303)


@router.post(REVIEW_PATH + "/rueckgaengig")
def review_undo(request: Request, user: PrueferUser, workspace: WorkspaceDep) -> RedirectResponse:
    """Undo the user's latest decision that still stands."""
    try:
        undo = workspace.undo(user.name)
        undone = workspace.decision(undo.undoes) if undo.undoes else None
        what = ACTION_WORDS[undone.action] if undone else ""
        _flash(request, f"Rückgängig gemacht: Aussage {undo.statement_id} ({what}).")
    except KfdError as e:
        _flash(request, f"Nichts rückgängig gemacht: {e}", "error")
    return RedirectResponse(REVIEW_PATH, status_code=303)
