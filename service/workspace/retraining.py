"""Retraining from the browser (/ui/training, admin): start a job on the training data plus the reviewed
statements, watch its progress (htmx polling), compare the candidate with the served model, then
"Übernehmen" (promote: models/current moves, every worker serves the new version) or "Verwerfen".

The job runs in its own process (`nlp.review.retrain`); this module only starts, reads and decides."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from nlp.review import retrain
from nlp.review.samples import reviewed_statements

from ..deps import SettingsDep, SlotDep, StoreDep
from .auth import AdminUser
from .templating import add_nav, page, workspace_router

log = logging.getLogger(__name__)
router = workspace_router()
add_nav("/ui/training", "Neu trainieren", "admin", 60)
POLL_SECONDS = 2


def _comparison(job: retrain.Job) -> retrain.Comparison | None:
    return retrain.comparison(job) if job.status.state in ("done", "promoted") else None


@router.get("/ui/training")
def overview(request: Request, user: AdminUser, settings: SettingsDep, store: StoreDep) -> HTMLResponse:
    jobs = retrain.list_jobs(settings.model_dir)
    return page(
        request,
        "training.html",
        user,
        jobs=jobs[:20],
        running=next((j for j in jobs if j.status.active), None),
        n_reviewed=len(reviewed_statements(store)),
        training_data=settings.training_data,
    )


@router.post("/ui/training")
def start_job(user: AdminUser, settings: SettingsDep, store: StoreDep) -> RedirectResponse:
    """Start a job (refused with a page while one runs: JobRunning → 409)."""
    job = retrain.start(
        settings.model_dir,
        settings.training_data,
        reviewed_statements(store),
        codebook_path=settings.codebook,
    )
    log.info("retraining job %s started by an admin", job.id)
    return RedirectResponse(f"/ui/training/{job.id}", status_code=303)


def _job_context(job: retrain.Job) -> dict:
    return {"job": job, "comparison": _comparison(job), "poll": POLL_SECONDS, "stages": retrain.STAGES}


@router.get("/ui/training/{job_id}")
def job_page(request: Request, user: AdminUser, settings: SettingsDep, job_id: str) -> HTMLResponse:
    job = retrain.get_job(settings.model_dir, job_id)
    return page(request, "training_job.html", user, **_job_context(job))


@router.get("/ui/training/{job_id}/stand")
def job_status(request: Request, user: AdminUser, settings: SettingsDep, job_id: str) -> HTMLResponse:
    """The job's state as an htmx fragment; it polls itself again while the job runs."""
    job = retrain.get_job(settings.model_dir, job_id)
    return page(request, "training_status.html", user, **_job_context(job))


@router.post("/ui/training/{job_id}/uebernehmen")
async def promote(user: AdminUser, settings: SettingsDep, slot: SlotDep, job_id: str) -> RedirectResponse:
    """Serve the candidate: models/current moves to it and this worker reloads (the reload signal tells
    the others); a candidate that does not load leaves the old model serving (ModelError → 409 page)."""
    job = retrain.get_job(settings.model_dir, job_id)
    version = await run_in_threadpool(retrain.promote, job, lambda _version: slot.reload())
    log.info("retraining job %s promoted: serving model %s", job.id, version)
    return RedirectResponse(f"/ui/training/{job.id}", status_code=303)


@router.post("/ui/training/{job_id}/verwerfen")
def discard(user: AdminUser, settings: SettingsDep, job_id: str) -> RedirectResponse:
    job = retrain.get_job(settings.model_dir, job_id)
    retrain.discard(job)
    log.info("retraining job %s discarded", job.id)
    return RedirectResponse(f"/ui/training/{job.id}", status_code=303)
