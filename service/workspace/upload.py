"""Hochladen: many report files at once (drag and drop, or the file input), each read, parsed, tagged and
stored through `nlp.intake.add_report` exactly like POST /v1/reports (the same size limit per file, the
same parse slots), with one result per file: neu, bereits gespeichert, or fehlgeschlagen with the reason.
A plain form post answers with the whole page; an htmx post with the result list alone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from nlp import intake
from nlp.errors import KfdError
from nlp.reading.ingest import SUPPORTED_SUFFIXES

from ..deps import ModelDep, SettingsDep, StoreDep
from ..metrics import TAGGED
from .auth import PrueferUser
from .templating import add_nav, page, workspace_router

UPLOAD_PATH = "/ui/hochladen"
MAX_FILES = 200
router = workspace_router()
add_nav(UPLOAD_PATH, "Hochladen", "pruefer", 10)


@dataclass(frozen=True)
class FileResult:
    filename: str
    status: str  # "neu", "bereits gespeichert", "fehlgeschlagen"
    reason: str | None = None
    report_id: int | None = None
    kommune: str | None = None
    n_statements: int = 0
    warnings: tuple[str, ...] = ()

    @property
    def css(self) -> str:
        return "status-" + self.status.split()[0]


@router.get(UPLOAD_PATH)
def upload_form(request: Request, user: PrueferUser, settings: SettingsDep) -> HTMLResponse:
    return page(request, "upload.html", user, results=None, limits=_limits(settings))


def _limits(settings) -> dict:
    return {"max_files": MAX_FILES, "max_mb": settings.max_body_bytes / 1024 / 1024}


def _store_one(store, model, filename: str, data: bytes, max_bytes: int) -> FileResult:
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return FileResult(
            filename,
            "fehlgeschlagen",
            f"Dateityp {suffix or '(keiner)'} wird nicht gelesen: .txt, .docx oder .html",
        )
    if len(data) > max_bytes:
        return FileResult(filename, "fehlgeschlagen", f"größer als {max_bytes} Bytes (KFD_MAX_BODY_BYTES)")
    try:
        stored, created = intake.add_report(store, data, model, filename=filename)
    except KfdError as e:  # ReportParseError: the parser's reason, as the API's 422 gives it
        return FileResult(filename, "fehlgeschlagen", str(e))
    if created:
        TAGGED.labels(UPLOAD_PATH).inc(len(stored.statements))
    return FileResult(
        filename,
        "neu" if created else "bereits gespeichert",
        report_id=stored.id,
        kommune=stored.report.kommune.name,
        n_statements=len(stored.statements),
        warnings=intake.report_warnings(stored.report),
    )


@router.post(UPLOAD_PATH)
async def upload(
    request: Request, user: PrueferUser, store: StoreDep, served: ModelDep, settings: SettingsDep
) -> HTMLResponse:
    results: list[FileResult] = []
    message = None
    async with request.form(max_files=MAX_FILES, max_fields=20) as form:
        files = [f for f in form.getlist("dateien") if isinstance(f, UploadFile) and f.filename]
        if not files:
            message = "Keine Datei gewählt."
        elif len(files) > MAX_FILES:
            message = f"{len(files)} Dateien auf einmal: höchstens {MAX_FILES}. Nichts gespeichert."
            files = []
        for upload in files:
            filename = intake.safe_filename(upload.filename) or "unbenannt"
            data = await upload.read(settings.max_body_bytes + 1)
            results.append(
                await run_in_threadpool(
                    _store_one, store, served.model, filename, data, settings.max_body_bytes
                )
            )
    htmx = bool(request.headers.get("hx-request"))
    template = "upload_results.html" if htmx else "upload.html"
    status = 200 if results or htmx else 422  # htmx swaps only 2xx answers in
    return page(request, template, user, status, results=results, message=message, limits=_limits(settings))
