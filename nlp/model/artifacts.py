"""Versioned model directories: `models/<version>/model.pickle` + `inference.npz` + `simplemma/de.dic` +
`manifest.json`, `models/current` → newest.

Loading checks the manifest's codebook, library versions and spaCy pipeline against what is in use, and
the sha256 of every file it reads. Tagging needs only the inference bundle (`inference.npz`, plain arrays:
`nlp.model.bundle`), so `load_model` imports no scikit-learn (a second of every `kfd tag` start). The
artifact (the fitted scikit-learn objects) is unpickled only when something asks for `Tagger.model`
(`explain`, the `de_core_news_sm` pipeline, evaluation); unpickling runs code, so its sha256 is checked
first. It is a plain, uncompressed pickle (protocol 5): C's unpickler reads it in a few hundredths of a
second, where joblib's (pure Python) took a quarter of a second and more.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import pickle
import platform
from dataclasses import asdict, dataclass, field
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import spacy

from nlp.codebook import Codebook, load_codebook
from nlp.errors import ModelError, ModelMismatch
from nlp.model import lemmas
from nlp.model.bundle import InferenceBundle
from nlp.model.inference import Tagger
from nlp.model.pipeline import available_pipeline

if TYPE_CHECKING:
    from nlp.model.estimators import TaggerModel

# Bumped whenever the classes inside the artifact change shape, or what else a model directory holds;
# an older artifact is refused. 5: a plain pickle, and the model's own lemma table (`lemmas.json`);
# 6: simplemma's lemmas in the features (`nlp.model.lemmas`); 7: the inference bundle (`inference.npz`) and
# simplemma's dictionary as a trie (`simplemma/de.dic`); 8: no lemma table of the lookup lemmatizer
# (`lemmas.json`): no feature reads its lemmas (`features.token_lemma` takes simplemma's), and building
# the lemmatizer took a good part of every load; 9: places and persons' names masked before the features
# (`nlp.model.names`; a change to its rules or to `places.txt` changes the features, so bumps this too).
MODEL_FORMAT = 9
ARTIFACT = "model.pickle"
# What tagging reads: the fitted model's numbers as plain arrays (`nlp.model.bundle`).
BUNDLE = "inference.npz"
# simplemma's German dictionary as a trie (`nlp.model.lemmas.save_dictionary`), read in milliseconds.
LEMMA_DICTIONARY = f"simplemma/{lemmas.DICTIONARY_FILE}"
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
    # An assigned theme also reaches this share of the statement's top theme probability (0: no such rule);
    # a statement no theme reaches gets its top theme at this probability (None: never)
    theme_relative: float = 0.0
    theme_fallback: float | None = None
    bundle_sha256: str = ""  # of BUNDLE (model format 7 on)
    lemma_dictionary_sha256: str = ""  # of LEMMA_DICTIONARY (model format 7 on)

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
        missing = known - set(data) - {"metrics", "bundle_sha256", "lemma_dictionary_sha256"}
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
    promote: bool = True,
) -> Path:
    """Write `out_dir/<version>/` and point `out_dir/current` at it (unless `promote` is False: a
    candidate, which `point_current` may promote later). Returns the model directory."""
    out_dir = Path(out_dir)
    version = version or new_version(data_hash)
    model.version = version
    model_dir = out_dir / version
    tmp_dir = out_dir / f".{version}.tmp"
    tmp_dir.mkdir(parents=True, exist_ok=False)
    import sklearn

    with (tmp_dir / ARTIFACT).open("wb") as f:
        pickle.dump(model, f, protocol=5)
    InferenceBundle.of(model).save(tmp_dir / BUNDLE)
    lemma_dictionary = lemmas.save_dictionary((tmp_dir / LEMMA_DICTIONARY).parent)
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
        theme_relative=float(model.themes.relative_),
        theme_fallback=model.themes.fallback_,
        bundle_sha256=_sha256(tmp_dir / BUNDLE),
        lemma_dictionary_sha256=_sha256(lemma_dictionary),
    )
    (tmp_dir / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2, ensure_ascii=False) + "\n")
    tmp_dir.rename(model_dir)  # a model directory appears complete or not at all
    if promote:
        point_current(out_dir, version)
    return model_dir


def point_current(out_dir: str | Path, version: str) -> None:
    """Point `out_dir/current` at `out_dir/<version>` in one atomic rename (a reader sees the old or the
    new model, never none)."""
    out_dir = Path(out_dir)
    link = out_dir / f".{CURRENT}.tmp"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(version, target_is_directory=True)
    os.replace(link, out_dir / CURRENT)


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
    """Load and verify a model: the tagger is made from the inference bundle; the fitted scikit-learn
    model is unpickled when first needed (`Tagger.model`). Every mismatch is a ModelMismatch that says
    what differs."""
    model_dir = resolve_model_dir(path)
    manifest = ModelManifest.read(model_dir)
    artifact = model_dir / manifest.artifact
    if not artifact.is_file() or artifact.name != ARTIFACT:
        raise ModelError(f"{model_dir}: artifact {manifest.artifact!r} is missing; retrain with `kfd train`")
    # The artifact is unpickled only when needed, but a changed one is refused now, as every file of the
    # model is (and checked again before it is unpickled).
    actual = _sha256(artifact)
    if actual != manifest.artifact_sha256:
        raise ModelMismatch(
            f"{artifact}: sha256 {actual[:12]}… does not match the manifest's {manifest.artifact_sha256[:12]}…; "
            "the file was changed after training — refusing to load it. Retrain with `kfd train`."
        )
    check_compatible(manifest, codebook or load_codebook())
    bundle = _read_bundle(model_dir, manifest)
    tagger = Tagger(
        bundle=bundle,
        version=manifest.version,
        loader=functools.partial(_unpickle, artifact, manifest.artifact_sha256),
    )
    # simplemma's German dictionary, from the model's trie (milliseconds; decoding the shipped one takes a
    # second and 100 MB). Read now, while loading, so that `kfd serve --workers N` and `kfd tag --jobs N`
    # fork workers that share it.
    _verified(model_dir / LEMMA_DICTIONARY, manifest.lemma_dictionary_sha256, "simplemma's dictionary")
    lemmas.use_dictionary((model_dir / LEMMA_DICTIONARY).parent)
    return tagger, manifest


def _verified(path: Path, sha256: str, what: str) -> bytes:
    """The bytes of a model file whose sha256 is the manifest's."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(
            f"{path.parent}: {path.name} ({what}) is missing; retrain with `kfd train`"
        ) from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ModelMismatch(
            f"{path}: sha256 {actual[:12]}… does not match the manifest's {sha256[:12]}…; "
            "the file was changed after training — refusing to load it. Retrain with `kfd train`."
        )
    return data


def _read_bundle(model_dir: Path, manifest: ModelManifest) -> InferenceBundle:
    if not manifest.bundle_sha256:
        raise ModelError(f"{model_dir}: the manifest names no {BUNDLE}; retrain with `kfd train`")
    data = _verified(model_dir / BUNDLE, manifest.bundle_sha256, "the inference bundle")
    try:
        bundle = InferenceBundle.loads(data)
    except ValueError as e:
        raise ModelError(f"{model_dir / BUNDLE}: {e}; retrain with `kfd train`") from None
    if bundle.theme_ids != tuple(manifest.themes) or bundle.sentiment_ids != tuple(manifest.sentiments):
        raise ModelMismatch(
            f"{model_dir / BUNDLE}: its labels differ from the manifest's; retrain with `kfd train`"
        )
    return bundle


def _unpickle(artifact: Path, sha256: str) -> TaggerModel:
    """The fitted `TaggerModel` of `model.pickle`, its sha256 checked before anything is unpickled."""
    from nlp.model.estimators import TaggerModel

    data = _verified(artifact, sha256, "the artifact")
    try:
        model = pickle.loads(data)  # noqa: S301 — our own artifact, its sha256 checked above
    except Exception as e:  # unpickling runs the model's own code: any error means it no longer fits
        raise ModelError(
            f"{artifact}: cannot be loaded by this version of kfd-tagger ({type(e).__name__}: {e}); "
            "retrain with `kfd train`"
        ) from None
    if not isinstance(model, TaggerModel):
        raise ModelError(f"{artifact}: not a kfd-tagger model")
    return model


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
    sklearn_version = package_version("scikit-learn")  # without importing it (a second)
    if manifest.sklearn != sklearn_version:
        problems.append(f"it was trained with scikit-learn {manifest.sklearn}, this is {sklearn_version}")
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
