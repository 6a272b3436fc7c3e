"""GET /healthz (the process answers) and GET /readyz (a model is served and the database answers)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from nlp.errors import KfdError

from ..deps import ModelDep, StoreDep
from ..schemas import Health, Ready

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> Health:
    return Health()


@router.get("/readyz", responses={503: {"description": "No model loaded, or the database is not reachable"}})
def readyz(served: ModelDep, store: StoreDep) -> Ready:
    try:
        store.ping()
    except KfdError as e:
        raise HTTPException(503, str(e)) from None
    return Ready(model_version=served.manifest.version)
