"""nlp.storage.store: reports with tagged statements in SQLite and PostgreSQL; idempotent, also under
concurrent posts."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import RECORD_KEYS

from nlp import intake
from nlp.errors import ReportParseError
from nlp.model.inference import Prediction
from nlp.reading.report import parse_report
from nlp.storage.store import ReportNotFound, Store, StoreError, content_hash

TRAINING_REPORTS = sorted((Path(__file__).parents[2] / "training_data" / "reports").glob("*.txt"))


@pytest.fixture
def store(database_url):
    """An empty store on SQLite and on PostgreSQL (`database_url` is parametrized over both)."""
    opened = Store(database_url)
    yield opened
    opened.close()


@pytest.fixture
def filled(store, keyword_model, service_report):
    """Three reports: Lindenau (Tübingen, 2017), Birkenfeld (Karlsruhe, 2016), Erlenbach (Stuttgart, 2016)."""
    model = keyword_model()
    for name in ("lindenau.txt", "birkenfeld.txt", "erlenbach.txt"):
        intake.add_report(store, service_report(name), model, filename=name)
    return store


def test_add_report_stores_every_statement_tagged(store, keyword_model, service_report):
    text = service_report("lindenau.txt")
    stored, created = intake.add_report(
        store, text, keyword_model(), filename="lindenau.txt", external_id="in-1"
    )
    parsed = parse_report(text, "lindenau.txt")
    assert created
    assert stored.id == 1 and stored.external_id == "in-1" and stored.filename == "lindenau.txt"
    assert stored.content_sha256 == content_hash(text)
    assert stored.report == parsed
    assert [(s.id, s.section, s.text) for s in stored.statements] == [
        (f"1:{s.section}:{s.index}", s.section, s.text) for s in parsed.statements
    ]
    assert {s.model_version for s in stored.statements} == {"kw-1"}
    moderation = next(s for s in stored.statements if "Moderation war" in s.text)
    assert moderation.themes == ("moderation",)
    assert stored.created_at.tzinfo is not None


def test_stored_report_records_have_the_cli_shape(store, keyword_model, service_report):
    stored, _ = intake.add_report(
        store, service_report("lindenau.txt"), keyword_model(), filename="lindenau.txt"
    )
    first = stored.statements[0].to_json()
    assert list(first) == RECORD_KEYS
    assert first["id"] == "1:konzept:0" and first["report"] == "lindenau.txt"
    assert first["kommune"] == stored.report.kommune.name


def test_add_report_same_content_returns_the_stored_one(store, keyword_model, service_report):
    text = service_report("lindenau.txt")
    first, created = intake.add_report(store, text, keyword_model())
    again, created_again = intake.add_report(
        store, text.replace("\n", "\r\n").encode("cp1252"), keyword_model("kw-2"), filename="lindenau.txt"
    )
    assert created and not created_again
    assert again.id == first.id
    assert {s.model_version for s in again.statements} == {"kw-1"}  # not tagged again
    assert store.list_reports().total == 1


def test_add_report_same_external_id_returns_the_stored_one(store, keyword_model, service_report):
    first, _ = intake.add_report(store, service_report("lindenau.txt"), keyword_model(), external_id="in-7")
    again, created = intake.add_report(
        store, service_report("lindenau.txt").encode("cp1252"), keyword_model(), external_id="in-7"
    )
    assert not created and again.id == first.id
    assert again.report.kommune.name == "Lindenau am Neckar"
    assert store.list_reports().total == 1


def test_add_report_same_external_id_other_content_is_a_conflict(store, keyword_model, service_report):
    first, _ = intake.add_report(store, service_report("lindenau.txt"), keyword_model(), external_id="in-7")
    other = service_report("birkenfeld.txt")
    with pytest.raises(intake.ExternalIdConflict, match=f"{first.content_sha256}.*{content_hash(other)}"):
        intake.add_report(store, other, keyword_model(), external_id="in-7")
    assert store.list_reports().total == 1


def test_add_report_concurrent_conflicting_posts_store_one_and_refuse_the_rest(
    store, keyword_model, service_report
):
    n = 6
    # Every thread passes the lookup before any of them inserts: the losers see the winner's row.
    model = keyword_model(barrier=threading.Barrier(n))
    text = service_report("erlenbach.txt")
    name = text.split("\n")[3]
    texts = [text.replace(name, f"{name} {i}", 1) for i in range(n)]

    def add(variant: str) -> str:
        try:
            intake.add_report(store, variant, model, external_id="in-race")
        except intake.ExternalIdConflict:
            return "conflict"
        return "stored"

    with ThreadPoolExecutor(n) as pool:
        outcomes = sorted(pool.map(add, texts))
    assert outcomes == ["conflict"] * (n - 1) + ["stored"]
    assert store.list_reports().total == 1


@pytest.mark.parametrize("external_id", [None, "in-race"])
def test_add_report_concurrent_identical_posts_store_one(store, keyword_model, service_report, external_id):
    n = 6
    # Every thread passes the duplicate check before any of them inserts.
    model = keyword_model(barrier=threading.Barrier(n))
    text = service_report("erlenbach.txt")
    with ThreadPoolExecutor(n) as pool:
        results = list(
            pool.map(lambda _: intake.add_report(store, text, model, external_id=external_id), range(n))
        )
    assert sum(created for _, created in results) == 1
    assert {stored.id for stored, _ in results} == {results[0][0].id}
    assert store.list_reports().total == 1
    assert len(store.statement_rows()) == len(results[0][0].statements)


def test_add_report_rejects_a_text_that_is_no_report(store, keyword_model):
    with pytest.raises(ReportParseError, match="no section of the Steckbrief form"):
        intake.add_report(store, "Liebe Grüße aus dem Urlaub!", keyword_model())
    assert store.list_reports().total == 0


def test_get_report_unknown_id(store):
    with pytest.raises(ReportNotFound, match="no report with id 42"):
        store.get_report(42)


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        ({}, ["Lindenau am Neckar", "Birkenfeld im Kraichgau", "Erlenbach an der Fils"]),
        ({"landkreis": "karlsruhe"}, ["Birkenfeld im Kraichgau"]),
        ({"regierungsbezirk": "Stuttgart"}, ["Erlenbach an der Fils"]),
        ({"date_from": dt.date(2016, 11, 1)}, ["Lindenau am Neckar", "Erlenbach an der Fils"]),
        ({"date_to": dt.date(2016, 12, 31)}, ["Birkenfeld im Kraichgau", "Erlenbach an der Fils"]),
        ({"date_from": dt.date(2016, 11, 1), "date_to": dt.date(2016, 12, 31)}, ["Erlenbach an der Fils"]),
    ],
)
def test_list_reports_filters(filled, filters, names):
    page = filled.list_reports(**filters)
    assert [item.kommune_name for item in page.items] == names
    assert page.total == len(names)


def test_list_reports_pages(filled):
    page = filled.list_reports(limit=2, offset=1)
    assert [item.id for item in page.items] == [2, 3]
    assert page.total == 3 and page.limit == 2 and page.offset == 1
    assert page.items[0].first_event_date == dt.date(2016, 10, 15)
    assert page.items[0].n_statements == len(filled.get_report(2).statements)


def test_delete_report_removes_its_statements(filled):
    n_before = len(filled.statement_rows())
    n_report = len(filled.get_report(2).statements)
    filled.delete_report(2)
    with pytest.raises(ReportNotFound):
        filled.get_report(2)
    with pytest.raises(ReportNotFound):
        filled.delete_report(2)
    assert len(filled.statement_rows()) == n_before - n_report


def test_retag_all_brings_every_tag_to_one_version(filled, keyword_model):
    result = intake.retag(filled, keyword_model("kw-2"))
    assert result.n_reports == 3 and result.n_statements == len(filled.statement_rows())
    assert filled.model_versions() == {"kw-2": result.n_statements}


def test_retag_one_report_and_only_outdated(filled, keyword_model):
    done = []
    result = intake.retag(filled, keyword_model("kw-2"), 1, progress=done.append)
    assert done == [1]
    assert result.n_statements == len(filled.get_report(1).statements)
    again = intake.retag(filled, keyword_model("kw-2"), only_outdated=True)
    assert again.n_reports == 2
    assert set(filled.model_versions()) == {"kw-2"}
    with pytest.raises(ReportNotFound):
        intake.retag(filled, keyword_model("kw-3"), 99)


def test_statement_rows_carry_the_report_fields(filled):
    rows = filled.statement_rows()
    birkenfeld = [r for r in rows if r.landkreis == "Karlsruhe"]
    assert len(birkenfeld) == len(filled.get_report(2).statements)
    assert {(r.regierungsbezirk, r.year) for r in birkenfeld} == {("Karlsruhe", 2016)}
    assert any(r.themes == ("moderation",) for r in rows)


def test_sqlite_store_uses_wal_and_foreign_keys(tmp_path, keyword_model, service_report):
    path = tmp_path / "kfd.sqlite3"
    store = Store(f"sqlite:///{path}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        # WAL's NORMAL: commits are not fsynced one by one (README, Betrieb: what that risks)
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    intake.add_report(store, service_report("lindenau.txt"), keyword_model())
    store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_in_memory_store_works(keyword_model, service_report):
    store = Store("sqlite://")
    stored, _ = intake.add_report(store, service_report("lindenau.txt"), keyword_model())
    assert store.get_report(stored.id).id == stored.id
    store.ping()


def test_bad_database_url_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="not a valid SQLAlchemy URL"):
        Store("not a url")
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(StoreError, match="cannot open the database"):
        Store(f"sqlite:///{tmp_path / 'dir.sqlite3'}")


def test_list_reports_by_year_and_free_text(filled):
    def kommunen(**filters) -> list[str]:
        return [r.kommune_name for r in filled.list_reports(**filters).items]

    assert kommunen(year=2016) == [r for r in kommunen() if "Lindenau" not in r]
    assert len(kommunen(year=2016)) == 2 and kommunen(year=1999) == []
    assert kommunen(text="lindenau") == ["Lindenau am Neckar"]  # the Kommune, ignoring case
    assert kommunen(text="birkenfeld.TXT") == [
        k for k in kommunen() if k.startswith("Birkenfeld")
    ]  # file name
    assert kommunen(text="Moderation war") == ["Lindenau am Neckar"]  # a statement's words
    assert kommunen(text="100%_sicher") == []  # LIKE's wildcards are taken literally
    assert filled.list_reports(text="neckar", year=2016).total == 0


def test_report_facets_list_what_is_stored(filled):
    facets = filled.report_facets()
    assert facets.years == (2016, 2017)
    assert set(facets.regierungsbezirke) == {"Tübingen", "Karlsruhe", "Stuttgart"}
    assert "Tübingen" in facets.landkreise and list(facets.landkreise) == sorted(facets.landkreise)


def _odd_predictions(report) -> list[Prediction]:
    """Predictions with the values a real model gives: long floats, tiny ones, several themes, an
    abstained statement."""
    return [
        Prediction(
            themes=("moderation", "wohnen")[: i % 3],
            sentiment=("positiv", "neutral", "negativ")[i % 3],
            theme_scores={"moderation": 0.1 + 0.2, "wohnen": 1e-7 * (i + 1)},
            sentiment_scores={"positiv": 1 / 3, "neutral": 2 / 3, "negativ": 0.0},
            model_version="m-1",
            abstained="placeholder" if i == 1 else None,
        )
        for i, _ in enumerate(report.statements)
    ]


def test_add_report_returns_what_get_report_reads_back(store, service_report):
    reports = [(name, service_report(name)) for name in ("lindenau.txt", "birkenfeld.txt")]
    reports += [(path.name, path.read_text(encoding="utf-8")) for path in TRAINING_REPORTS[:3]]
    for i, (name, text) in enumerate(reports):
        report = parse_report(text, name)
        stored, created = store.add_report(
            report,
            _odd_predictions(report),
            content_sha256=content_hash(text),
            filename=name,
            external_id=f"ext-{i}" if i % 2 else None,
        )
        assert created
        assert stored == store.get_report(stored.id)
        assert [s.to_json() for s in stored.statements] == [
            s.to_json() for s in store.get_report(stored.id).statements
        ]


def test_add_report_stores_numbers_beyond_64_bits(store, keyword_model, service_report):
    # The JSON columns are written by orjson, which refuses integers beyond 64 bits: such a report is
    # stored as before (by the standard library's encoder), and read back the same.
    text = service_report("lindenau.txt").replace("21.400 (Stand", "123456789012345678901234 (Stand")
    stored, created = intake.add_report(store, text, keyword_model(), filename="gross.txt")
    assert created
    assert stored.report.kommune.einwohner is not None and stored.report.kommune.einwohner > 2**64
    assert store.get_report(stored.id) == stored


def test_add_report_stores_an_amount_beyond_floats_as_before(tmp_path, keyword_model, service_report):
    # An amount of 400 digits is read as infinity, which orjson would write as null: the standard
    # library's encoder writes it, as before (SQLite keeps it; PostgreSQL's JSON has no such number).
    store = Store(f"sqlite:///{tmp_path / 'kfd.sqlite3'}")
    text = service_report("lindenau.txt").replace("300,00 €", "9" * 400 + " €")
    stored, created = intake.add_report(store, text, keyword_model(), filename="unendlich.txt")
    assert created
    assert stored.report.kosten.gesamt_eur == float("inf")
    assert store.get_report(stored.id) == stored
    store.close()


def test_free_text_folds_the_case_of_umlauts(store, keyword_model, service_report):
    text = service_report("lindenau.txt").replace("Lindenau", "Überlingen")
    intake.add_report(store, text, keyword_model(), filename="ueberlingen.txt")

    def kommunen(query: str) -> list[str]:
        return [r.kommune_name for r in store.list_reports(text=query).items]

    # SQLite's own lower() folds ASCII only: the store gives it Python's, as PostgreSQL's folds Unicode
    assert kommunen("überlingen") == kommunen("ÜBERLINGEN") == ["Überlingen am Neckar"]
    assert kommunen("ÜBERLINGEN AM") == ["Überlingen am Neckar"]


def _rows(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()  # noqa: S608 (fixed names)
            for table in ("reports", "statements")
        }


def test_add_report_on_sqlite_stores_the_rows_sqlalchemy_stores(tmp_path, service_report):
    # A new report on SQLite is written by the driver (`Store._add_on_sqlite`); one with its id given (a
    # restored backup) by SQLAlchemy's inserts. Both write the same rows, value for value and type for type:
    # datetimes, dates, JSON text (also an amount beyond floats and a number beyond 64 bits), reviews, NULLs.
    texts = [(name, service_report(name)) for name in ("lindenau.txt", "birkenfeld.txt")]
    texts += [(path.name, path.read_text(encoding="utf-8")) for path in TRAINING_REPORTS[:4]]
    texts.append(("gross.txt", texts[0][1].replace("21.400 (Stand", "123456789012345678901234 (Stand")))
    texts.append(("unendlich.txt", texts[0][1].replace("300,00 €", "9" * 400 + " €")))
    created_at = dt.datetime(2017, 3, 4, 5, 6, 7, 89, tzinfo=dt.UTC)
    paths = {way: tmp_path / f"{way}.sqlite3" for way in ("driver", "sqlalchemy")}
    for way, path in paths.items():
        store = Store(f"sqlite:///{path}")
        for i, (name, text) in enumerate(texts):
            report = parse_report(text, name)
            predictions = _odd_predictions(report)
            stored, created = store.add_report(
                report,
                predictions,
                content_sha256=content_hash(text),
                filename=name if i != 1 else None,
                external_id=f"ext-{i}" if i % 2 else None,
                created_at=created_at,
                report_id=i + 1 if way == "sqlalchemy" else None,
                reviews=[("pruefer", created_at) if j % 3 == 0 else None for j in range(len(predictions))],
            )
            assert created and stored == store.get_report(stored.id)
        store.close()
    driver, sqlalchemy = _rows(paths["driver"]), _rows(paths["sqlalchemy"])
    assert len(driver["reports"]) == len(texts) and len(driver["statements"]) > 100
    assert driver == sqlalchemy
    assert [[type(v) for v in row] for row in driver["reports"]] == [
        [type(v) for v in row] for row in sqlalchemy["reports"]
    ]


def test_add_report_on_sqlite_rolls_back_a_failed_insert(tmp_path, service_report):
    # A driver error between the report's row and its statements' leaves nothing behind, and is raised
    # as SQLAlchemy raises it; the store goes on working.
    store = Store(f"sqlite:///{tmp_path / 'kfd.sqlite3'}")
    text = service_report("lindenau.txt")
    report = parse_report(text, "lindenau.txt")
    predictions = _odd_predictions(report)
    with store.engine.begin() as conn:  # the third statement's row is refused
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON statements WHEN NEW.position = 2 "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    with pytest.raises(sa.exc.IntegrityError, match="refused"):
        store.add_report(report, predictions, content_sha256=content_hash(text), filename="lindenau.txt")
    assert _rows(tmp_path / "kfd.sqlite3") == {"reports": [], "statements": []}
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER refuse")
    stored, created = store.add_report(
        report, predictions, content_sha256=content_hash(text), filename="x.txt"
    )
    assert created and store.locate(content_hash(text)).id == stored.id
    store.close()
