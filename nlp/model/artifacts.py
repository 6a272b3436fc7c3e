"""Versioned model directories: `models/<version>/model.joblib` + `manifest.json`, `models/current` → newest.

joblib runs code when it unpickles, so the artifact's sha256 is checked against the manifest *before*
loading; then the codebook, library versions and spaCy pipeline are compared with what is in use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import joblib
import sklearn
import spacy

from nlp.codebook import Codebook, load_codebook
from nlp.errors import ModelError, ModelMismatch
from nlp.model.estimators import TaggerModel
from nlp.model.inference import Tagger
from nlp.model.pipeline import available_pipeline

# Bumped whenever the classes inside model.joblib change shape; an older artifact is refused.
MODEL_FORMAT = 5
ARTIFACT = "model.joblib"
MANIFEST = "manifest.json"
CURRENT = "current"


@dataclass(frozen=True)
class ModelManifest:
    model_format: int
    version: str
    trained_at: str
    artifact: str
    artifact_sha256: str
    codebook_hash: str
    training_data_hash: str
    python: str
    sklearn: str
    spacy: str
    pipeline: str
    pipeline_version: str
    seed: int
    n_statements: int
    n_reports: int
    themes: list[str]
    sentiments: list[str]
    thresholds: dict[str, float]
    metrics: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, model_dir: Path) -> ModelManifest:
        path = model_dir / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"{model_dir}: no {MANIFEST}; train a model with `kfd train`") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ModelError(f"{path}: not a valid manifest ({e}); retrain with `kfd train`") from None
        known = {f for f in cls.__dataclass_fields__}
        missing = known - set(data) - {"metrics"}
        if missing:
            raise ModelError(f"{path}: manifest lacks {', '.join(sorted(missing))}; retrain with `kfd train`")
        return cls(**{k: v for k, v in data.items() if k in known})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def new_version(data_hash: str) -> str:
    now = dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%d-%H%M%S}-{data_hash[:8]}"


def save_model(
    model: TaggerModel,
    out_dir: str | Path,
    *,
    codebook: Codebook,
    data_hash: str,
    seed: int,
    n_statements: int,
    n_reports: int,
    metrics: dict[str, Any],
    version: str | None = None,
) -> Path:
    """Write `out_dir/<version>/` and point `out_dir/current` at it. Returns the model directory."""
    out_dir = Path(out_dir)
    version = version or new_version(data_hash)
    model.version = version
    model_dir = out_dir / version
    tmp_dir = out_dir / f".{version}.tmp"
    tmp_dir.mkdir(parents=True, exist_ok=False)
    joblib.dump(model, tmp_dir / ARTIFACT, compress=3)
    pipeline = available_pipeline()
    manifest = ModelManifest(
        model_format=MODEL_FORMAT,
        version=version,
        trained_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        artifact=ARTIFACT,
        artifact_sha256=_sha256(tmp_dir / ARTIFACT),
        codebook_hash=codebook.hash,
        training_data_hash=data_hash,
        python=platform.python_version(),
        sklearn=sklearn.__version__,
        spacy=spacy.__version__,
        pipeline=model.pipeline_name,
        pipeline_version=pipeline.version if pipeline.name == model.pipeline_name else "",
        seed=seed,
        n_statements=n_statements,
        n_reports=n_reports,
        themes=list(model.theme_ids),
        sentiments=list(model.sentiment_ids),
        thresholds={t: float(x) for t, x in zip(model.theme_ids, model.themes.thresholds_, strict=True)},
        metrics=metrics,
    )
    (tmp_dir / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2, ensure_ascii=False) + "\n")
    tmp_dir.rename(model_dir)  # a model directory appears complete or not at all
    link = out_dir / f".{CURRENT}.tmp"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(version, target_is_directory=True)
    os.replace(link, out_dir / CURRENT)
    return model_dir


def resolve_model_dir(path: str | Path) -> Path:
    """A model directory, or a folder of them (then its `current`)."""
    path = Path(path)
    if (path / MANIFEST).is_file():
        return path
    if (path / CURRENT / MANIFEST).is_file():
        return (path / CURRENT).resolve()
    if path.is_symlink() and not path.exists():
        raise ModelError(f"{path}: points to a model directory that no longer exists; run `kfd train`")
    raise ModelError(f"no model at {path}; train one with `kfd train` (or `make train`)")


def load_model(path: str | Path = "models", codebook: Codebook | None = None) -> tuple[Tagger, ModelManifest]:
    """Load and verify a model. Every mismatch is a ModelMismatch that says what differs."""
    model_dir = resolve_model_dir(path)
    manifest = ModelManifest.read(model_dir)
    artifact = model_dir / manifest.artifact
    if not artifact.is_file() or artifact.name != ARTIFACT:
        raise ModelError(f"{model_dir}: artifact {manifest.artifact!r} is missing; retrain with `kfd train`")
    actual = _sha256(artifact)
    if actual != manifest.artifact_sha256:
        raise ModelMismatch(
            f"{artifact}: sha256 {actual[:12]}… does not match the manifest's {manifest.artifact_sha256[:12]}…; "
            "the file was changed after training — refusing to load it. Retrain with `kfd train`."
        )
    check_compatible(manifest, codebook or load_codebook())
    try:
        model = joblib.load(artifact)
    except Exception as e:  # unpickling runs the model's own code: any error means it no longer fits
        raise ModelError(
            f"{artifact}: cannot be loaded by this version of kfd-tagger ({type(e).__name__}: {e}); "
            "retrain with `kfd train`"
        ) from None
    if not isinstance(model, TaggerModel):
        raise ModelError(f"{artifact}: not a kfd-tagger model")
    model.version = manifest.version
    return Tagger(model), manifest


def check_compatible(manifest: ModelManifest, codebook: Codebook) -> None:
    problems = []
    if manifest.model_format != MODEL_FORMAT:
        problems.append(
            f"it has model format {manifest.model_format}, this kfd-tagger reads format {MODEL_FORMAT}"
        )
    if manifest.codebook_hash != codebook.hash:
        problems.append("it was trained under another codebook (label ids or definitions differ)")
    if list(manifest.themes) != list(codebook.theme_ids) or list(manifest.sentiments) != list(
        codebook.sentiment_ids
    ):
        problems.append("its labels differ from the codebook's")
    if manifest.sklearn != sklearn.__version__:
        problems.append(f"it was trained with scikit-learn {manifest.sklearn}, this is {sklearn.__version__}")
    if manifest.spacy.split(".")[:2] != spacy.__version__.split(".")[:2]:
        problems.append(f"it was trained with spaCy {manifest.spacy}, this is {spacy.__version__}")
    pipeline = available_pipeline()
    if manifest.pipeline != pipeline.name:
        problems.append(
            f"it was trained with the spaCy pipeline {manifest.pipeline!r}, but this machine has {pipeline.name!r}"
        )
    if problems:
        raise ModelMismatch(
            f"model {manifest.version} cannot be used: " + "; ".join(problems) + ". Retrain with `kfd train`."
        )
