"""Fixtures of the service and store tests, a pytest plugin: `pytest_plugins = ["service_fixtures"]`
(test modules take everything as fixtures; importing this module there would bypass pytest's assert
rewriting).

A small model is trained once from `tests/data/service_corpus/` (42 invented standalone statements) and
kept in pytest's cache, keyed by the corpus, the codebook, the library code and versions, so later runs
skip the training. Each test gets its own copy of the model folder, free to tamper with.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sklearn
import spacy
from fastapi.testclient import TestClient

from nlp.codebook import DEFAULT_CODEBOOK
from nlp.model.artifacts import CURRENT, MANIFEST, load_model
from nlp.model.features import StatementInput
from nlp.model.inference import Prediction
from nlp.training.train import train
from service.app import create_app
from service.settings import Settings

TESTS = Path(__file__).parent
CORPUS = TESTS / "data" / "service_corpus"
REPORTS = CORPUS / "reports"  # invented reports to post; not part of the labelled corpus
READ_KEY = "read-key-for-tests"
ADMIN_KEY = "admin-key-for-tests"
HEADERS = {
    "none": {},
    "wrong": {"Authorization": "Bearer not-a-key"},
    "read": {"Authorization": f"Bearer {READ_KEY}"},
    "admin": {"Authorization": f"Bearer {ADMIN_KEY}"},
}


def report_text(name: str) -> str:
    return (REPORTS / name).read_text(encoding="utf-8")


def _model_key() -> str:
    digest = hashlib.sha256()
    library = TESTS.parent / "nlp"
    sources = [CORPUS / "labels.jsonl", DEFAULT_CODEBOOK]
    sources += sorted(p for p in library.glob("*.py") if p.name not in ("store.py", "aggregate.py"))
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(f"{sklearn.__version__} {spacy.__version__}".encode())
    return digest.hexdigest()[:16]


def _train(work: Path) -> Path:
    data = work / "data"
    shutil.rmtree(work, ignore_errors=True)
    data.mkdir(parents=True)
    shutil.copy(CORPUS / "labels.jsonl", data / "labels.jsonl")
    return train(data, work / "models", folds=0)


@pytest.fixture(scope="session")
def trained_model(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A trained model directory (read-only: copy it before changing anything)."""
    cache = getattr(request.config, "cache", None)
    if cache is None:
        return _train(tmp_path_factory.mktemp("service-model"))
    work = cache.mkdir(f"kfd-service-model-{_model_key()}")
    current = work / "models" / CURRENT
    try:
        load_model(current)
        return current.resolve()
    except Exception:  # ModelError, or an artifact pickled by other library code
        for stale in work.parent.glob("kfd-service-model-*"):  # models of older library code
            if stale != work:
                shutil.rmtree(stale, ignore_errors=True)
        return _train(work)


def _install_model(source: Path, models: Path, version: str | None = None) -> Path:
    """Copy a model directory into `models/` (as another version when given) and make it `current`."""
    version = version or source.name
    target = models / version
    shutil.copytree(source, target)
    if version != source.name:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
        manifest["version"] = version
        (target / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    link = models / CURRENT
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(version, target_is_directory=True)
    return target


@pytest.fixture(scope="session")
def install_model() -> Callable[..., Path]:
    return _install_model


def _models_folder(base: Path, trained_model: Path) -> Path:
    """`base/models/` with the trained model as `current`."""
    models = base / "models"
    models.mkdir()
    _install_model(trained_model, models)
    return models


def _test_settings(base: Path, models: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{base / 'db' / 'kfd.sqlite3'}",
        model_dir=models,
        api_keys=[READ_KEY],
        admin_keys=[ADMIN_KEY],
    )


def service_settings(base: Path, trained_model: Path) -> Settings:
    """Settings of a service over `base`: `models/` with the trained model as `current`, SQLite in
    `base/db`, and both test keys."""
    return _test_settings(base, _models_folder(base, trained_model))


@pytest.fixture(scope="session")
def make_settings() -> Callable[[Path, Path], Settings]:
    return service_settings


@pytest.fixture
def models_dir(tmp_path: Path, trained_model: Path) -> Path:
    """A fresh `models/` folder with the trained model as `current`."""
    return _models_folder(tmp_path, trained_model)


@pytest.fixture
def settings(tmp_path: Path, models_dir: Path) -> Settings:
    return _test_settings(tmp_path, models_dir)


@pytest.fixture(scope="session")
def keys() -> dict[str, str]:
    """The API keys of the test settings: {"read": …, "admin": …}."""
    return {"read": READ_KEY, "admin": ADMIN_KEY}


@pytest.fixture(scope="session")
def auth() -> Callable[[str], dict[str, str]]:
    """Request headers of a role: "none", "wrong", "read" or "admin"."""
    return lambda role: dict(HEADERS[role])


@pytest.fixture(scope="session")
def service_report() -> Callable[[str], str]:
    """The text of an invented report in tests/data/service_corpus/reports/, by file name."""
    return report_text


@pytest.fixture(scope="session")
def keyword_model() -> type[KeywordModel]:
    return KeywordModel


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


class KeywordModel:
    """Stands in for TaggerModel in store tests: themes from keywords, sentiment from a few words.
    `barrier` holds every tagging call until that many threads are tagging (to force races)."""

    def __init__(self, version: str = "kw-1", barrier: threading.Barrier | None = None):
        self.version = version
        self.barrier = barrier

    def tag(self, statements: list[StatementInput]) -> list[Prediction]:
        if self.barrier is not None:
            self.barrier.wait(timeout=10)
        out = []
        for s in statements:
            text = s.text.lower()
            themes = tuple(
                t for t, word in (("moderation", "moderation"), ("wohnen", "wohn")) if word in text
            )
            sentiment = "negativ" if ("leider" in text or "zu " in text) else "neutral"
            out.append(
                Prediction(
                    themes=themes,
                    sentiment=sentiment,
                    theme_scores={t: 1.0 for t in themes},
                    sentiment_scores={sentiment: 1.0},
                    model_version=self.version,
                )
            )
        return out
