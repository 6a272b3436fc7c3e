"""GET /v1/model and POST /v1/model/reload (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException

from nlp.errors import KfdError

from ..deps import CodebookDep, ModelDep, SlotDep, no_form_body, require_admin, require_key
from ..schemas import ModelInfo, ReloadOut

router = APIRouter(tags=["model"])


@router.get("/v1/model", dependencies=[Depends(require_key)])
def model_info(served: ModelDep, codebook: CodebookDep) -> ModelInfo:
    """The served model: version, training date, labels with German names and groups, metrics."""
    return ModelInfo.from_manifest(served.manifest, codebook)


@router.post(
    "/v1/model/reload",
    dependencies=[Depends(require_admin), Depends(no_form_body)],
    responses={409: {"description": "The new model failed its checks; the old one keeps serving"}},
)
def reload_model(slot: SlotDep, codebook: CodebookDep) -> ReloadOut:
    """Load the model at KFD_MODEL_DIR (its `current`) after `kfd train`. When it fails its checks the
    model served so far keeps serving, and the reply says why. With several workers every worker serves
    the new version from its next request on."""
    previous = slot.current
    try:
        served = slot.reload()
    except KfdError as e:
        still = f"still serving model {previous.manifest.version}" if previous else "no model is served"
        raise HTTPException(409, f"model not reloaded, {still}: {e}") from None
    old_version = previous.manifest.version if previous else None
    return ReloadOut(
        previous_version=old_version,
        version=served.manifest.version,
        changed=old_version != served.manifest.version,
        model=ModelInfo.from_manifest(served.manifest, codebook),
    )
