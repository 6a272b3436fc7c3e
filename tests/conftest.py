"""The shared fixtures of the whole suite, defined here and nowhere else:

- the hand-written reports in tests/data, the seed report (a real report with its contact persons
  replaced by invented ones), and builders that turn a text report into the .docx, .html and cp1252
  variants a municipality might send instead;
- labelled data (a fixed slice of training_data/) and ONE trained test model (`trained_model`);
- the service: settings over a temporary folder, API keys, a TestClient, the invented reports of
  tests/data/service_corpus/reports/ to post, and a keyword model that stands in for the tagger.

Helper modules beside this file (`live_service`, `service_process`) are imported by name: pyproject.toml
puts tests/ on the pytest pythonpath. Test modules may import constants from here (`from conftest import
DATA_DIR`), never fixtures.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pg_cluster as pg_cluster_module
import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings

from nlp.model.artifacts import CURRENT, MANIFEST
from nlp.model.features import StatementInput
from nlp.model.inference import Prediction
from service.app import create_app
from service.settings import Settings

# CI replays the same examples on every run (a red CI then means a real regression, not a new random
# draw); local runs keep exploring new examples.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

DATA_DIR = Path(__file__).parent / "data"
# The keys of a tagged record in the order `kfd tag`, the API and stored reports write them.
RECORD_KEYS = [
    "id", "report", "section", "text", "themes", "sentiment", "scores", "model_version",
    "abstained", "abstain_reason", "kommune", "landkreis", "regierungsbezirk", "event_date",
]  # fmt: skip
# A real report (shared/seeds/000_ef00028a58811921.txt) kept in the repo so that a fresh clone runs every
# test; its contact person (name, street, phone, e-mail) and its moderators are invented replacements.
SEED_PATH = DATA_DIR / "seed_report.txt"

# The form's headings and Kommune-block labels as the builders know them. Kept separate from
# nlp.reading.form on purpose: the builders must not share the parser's idea of what a heading is.
FORM_HEADINGS = (
    "Angaben zur Kommune",
    "Veranstaltungskonzept",
    "Ausgangssituation / Anlass",
    "Beratung und Moderation",
    "Themenfelder",
    "Beteiligte Akteure",
    "Bewertung des Ablaufs und der Ergebnisse",
    "Konkrete Ergebnisse, Maßnahmen und nächste Schritte",
    "Kosten und Effizienz",
    "Empfehlungen und sonstige Rückmeldungen",
)
KOMMUNE_LABELS = (
    "Name der Stadt oder Gemeinde",
    "Einwohnerzahl",
    "Landkreis",
    "Regierungsbezirk",
    "Name und Adresse der Kontaktperson für den Kommunalen Flüchtlingsdialog",
    "Telefon der Kontaktperson",
    "E-Mail der Kontaktperson",
)
_BULLET = re.compile(r"^\s*(?:(?P<glyph>[•*])\s*|[-–]\s+|(?P<num>\d{1,2}\.|[a-z]\))\s+)(?=\S)")


def _key(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip().rstrip(":").strip()).casefold()


_HEADING_KEYS = {_key(h) for h in FORM_HEADINGS}
_LABEL_KEYS = {_key(label): label for label in KOMMUNE_LABELS}


def _split_label(line: str) -> tuple[str, str] | None:
    """("Einwohnerzahl", "12.000") for "Einwohnerzahl: 12.000" or a label alone on its line."""
    head, _, value = line.strip().partition(":")
    label = _LABEL_KEYS.get(_key(head))
    return (label, value.strip()) if label else None


def _blocks(text: str) -> list[tuple[str, object]]:
    """The text report as typed blocks, in order: ("heading", str), ("field", [label, value]),
    ("bullet", (numbered, str)), ("prose", [lines]), ("blank", None).

    Wrapped bullet lines (indented, not a bullet themselves) are joined to their bullet, as a word
    processor would hold them in one paragraph.
    """
    blocks: list[tuple[str, object]] = []
    in_kommune = True
    for raw in text.split("\n"):
        line = raw.rstrip()
        key = _key(line)
        if not line.strip():
            blocks.append(("blank", None))
            continue
        if key in _HEADING_KEYS:
            in_kommune = key == _key(FORM_HEADINGS[0])
            blocks.append(("heading", line.strip().rstrip(":")))
            continue
        if in_kommune:
            field = _split_label(line)
            if field:
                blocks.append(("field", [field[0], field[1]]))
                continue
            if blocks and blocks[-1][0] in ("field", "blank") and _last_field(blocks) is not None:
                field_block = _last_field(blocks)
                field_block[1] = (field_block[1] + "\n" + line.strip()).strip()
                continue
        m = _BULLET.match(line)
        if m:
            blocks.append(("bullet", (bool(m.group("num")), line[m.end() :].strip())))
            continue
        previous = blocks[-1] if blocks else None
        if previous and previous[0] == "bullet" and raw[:1].isspace() and len(raw) - len(raw.lstrip()) >= 2:
            numbered, item = previous[1]
            blocks[-1] = ("bullet", (numbered, f"{item} {line.strip()}"))
        elif previous and previous[0] == "prose":
            previous[1].append(line.strip())
        else:
            blocks.append(("prose", [line.strip()]))
    return blocks


def _last_field(blocks: list[tuple[str, object]]) -> list[str] | None:
    for kind, value in reversed(blocks):
        if kind == "field":
            return value
        if kind != "blank":
            return None
    return None


def text_to_docx(text: str) -> bytes:
    """A Word version of a text report: headings as paragraphs, bullets as "List Bullet" /
    "List Number" paragraphs, and the Kommune block as a two-column table (label | value)."""
    import docx

    document = docx.Document()
    table = None
    for kind, value in _blocks(text):
        if kind == "field":
            if table is None:
                table = document.add_table(rows=0, cols=2)
            cells = table.add_row().cells
            cells[0].text, cells[1].text = value
            continue
        if kind == "blank":
            if table is None:
                document.add_paragraph("")
            continue
        table = None
        if kind == "heading":
            document.add_heading(value, level=2)
        elif kind == "bullet":
            numbered, item = value
            document.add_paragraph(item, style="List Number" if numbered else "List Bullet")
        else:
            for line in value:
                document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def text_to_html(text: str) -> str:
    """A web-page version of a text report: <h2> headings, <ul>/<ol> lists, <p> paragraphs with
    <br> line breaks, bold labels in the Kommune block."""
    out = [
        "<!DOCTYPE html>",
        "<html><head><meta charset='utf-8'><title>Steckbrief</title></head><body>",
    ]
    open_list: str | None = None

    def close_list() -> None:
        nonlocal open_list
        if open_list:
            out.append(f"</{open_list}>")
            open_list = None

    for kind, value in _blocks(text):
        if kind == "blank":
            continue
        if kind != "bullet":
            close_list()
        if kind == "heading":
            out.append(f"<h2>{html.escape(value)}</h2>")
        elif kind == "field":
            label, field_value = value
            lines = "<br>".join(html.escape(v) for v in field_value.split("\n"))
            out.append(f"<p><b>{html.escape(label)}</b><br>{lines}</p>")
        elif kind == "bullet":
            numbered, item = value
            tag = "ol" if numbered else "ul"
            if open_list != tag:
                close_list()
                out.append(f"<{tag}>")
                open_list = tag
            out.append(f"  <li>{html.escape(item)}</li>")
        else:
            out.append("<p>" + "<br>\n".join(html.escape(line) for line in value) + "</p>")
    close_list()
    out.append("</body></html>")
    return "\n".join(out)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA_DIR


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED_PATH


@pytest.fixture(scope="session")
def report_text() -> Callable[[str], str]:
    """The UTF-8 text of a fixture in tests/data, by file name."""

    def read(name: str) -> str:
        return (DATA_DIR / name).read_text(encoding="utf-8")

    return read


@pytest.fixture(scope="session")
def make_docx() -> Callable[[str], bytes]:
    return text_to_docx


@pytest.fixture(scope="session")
def make_html() -> Callable[[str], str]:
    return text_to_html


@pytest.fixture
def cp1252_path(tmp_path: Path) -> Callable[[str], Path]:
    """Write a tests/data fixture re-encoded in cp1252 (an old Windows export); return its path."""

    def write(name: str) -> Path:
        path = tmp_path / name
        path.write_bytes((DATA_DIR / name).read_text(encoding="utf-8").encode("cp1252"))
        return path

    return write


# --- labelled data and the trained test model ----------------------------------------------------

REPO = Path(__file__).resolve().parents[1]
TRAINING_DATA = REPO / "training_data"
# A fixed slice of the real corpus: enough for every sentiment and most themes, fast to train.
SMALL_CORPUS_REPORTS = 24


def _write_small_corpus(target: Path, n_reports: int = SMALL_CORPUS_REPORTS) -> Path:
    """Copy the codebook, the labels of the first n reports (sorted by name) and those reports."""
    labels = [
        json.loads(line) for line in (TRAINING_DATA / "labels.jsonl").read_text("utf-8").splitlines() if line
    ]
    reports = sorted({row["report"] for row in labels if row["report"]})
    keep = set(reports[:: max(1, len(reports) // n_reports)][:n_reports])
    (target / "reports").mkdir(parents=True)
    for report in keep:
        shutil.copy(TRAINING_DATA / report, target / report)
    rows = [row for row in labels if row["report"] in keep]
    (target / "labels.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8"
    )
    return target


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    return _write_small_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture
def corpus_copy(tmp_path, small_corpus) -> Path:
    """A private copy of the small corpus that a test may break."""
    return Path(shutil.copytree(small_corpus, tmp_path / "corpus"))


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory, small_corpus) -> Path:
    """The one test model: trained once per session from the small corpus (no cross-validation, seed 0);
    its `models/<version>` directory. Read-only: copy it before changing anything (`models_dir`,
    `install_model` and `make_settings` do).

    The CLI, model and training tests need a model of real reports (the determinism test retrains on
    the same corpus and compares); the service tests only need some valid model, so they share it.
    """
    from nlp.training.train import train

    return train(small_corpus, tmp_path_factory.mktemp("models"), folds=0, seed=0)


# Statements of every section kind, for the model tests.
STATEMENTS = [
    StatementInput("Die Moderation war hervorragend und hat alle zu Wort kommen lassen.", "bewertung"),
    StatementInput("Leider kamen kaum Geflüchtete, die Einladung hat sie nicht erreicht.", "bewertung"),
    StatementInput("Mehr Zeit für die Workshops einplanen", "empfehlungen"),
    StatementInput("Gutes Format, aber viel zu wenig Zeit für den Austausch.", "bewertung"),
]


# --- the service -------------------------------------------------------------------------------

# Invented reports to post to the service (with invented contact persons).
SERVICE_REPORTS = DATA_DIR / "service_corpus" / "reports"
READ_KEY = "read-key-for-tests"
ADMIN_KEY = "admin-key-for-tests"
HEADERS = {
    "none": {},
    "wrong": {"Authorization": "Bearer not-a-key"},
    "read": {"Authorization": f"Bearer {READ_KEY}"},
    "admin": {"Authorization": f"Bearer {ADMIN_KEY}"},
}


def _service_report_text(name: str) -> str:
    return (SERVICE_REPORTS / name).read_text(encoding="utf-8")


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
    return _service_report_text


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


# --- databases: SQLite and a real PostgreSQL -----------------------------------------------------


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg_cluster_module.Cluster]:
    """One throwaway PostgreSQL cluster for the session (tests/pg_cluster.py); skipped with the reason
    when the server binaries are missing (.ci/run installs them, so CI always runs these tests)."""
    reason = pg_cluster_module.skip_reason()
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must run the PostgreSQL tests: {reason}")  # .ci/run installs the binaries
    if reason:
        pytest.skip(reason)
    with pg_cluster_module.cluster() as running:
        yield running


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path: Path) -> str:
    """A fresh, empty database of each backend: SQLite in tmp_path, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sub' / 'kfd.sqlite3'}"
    return request.getfixturevalue("pg_cluster").new_database()


@pytest.fixture
def another_database(request, database_url: str, tmp_path: Path) -> Callable[[str], str]:
    """More empty databases of the same backend as `database_url`, by name."""

    def make(name: str) -> str:
        if database_url.startswith("sqlite"):
            return f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        return request.getfixturevalue("pg_cluster").new_database(name)

    return make


@pytest.fixture
def backend_client(settings: Settings, database_url: str) -> Iterator[TestClient]:
    """A TestClient of the service on SQLite and on PostgreSQL (`database_url` is parametrized)."""
    with TestClient(create_app(settings.model_copy(update={"database_url": database_url}))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def blank_model(trained_model):
    """The test model, loaded once per module (so each module starts with empty word caches); the tests of
    the blank pipeline's word-level path are skipped for a model trained with de_core_news_sm."""
    from nlp.model.artifacts import load_model
    from nlp.model.pipeline import BLANK_PIPELINE

    model, manifest = load_model(trained_model)
    if manifest.pipeline != BLANK_PIPELINE:
        pytest.skip("model trained with de_core_news_sm: the word-level path is not used")
    return model
