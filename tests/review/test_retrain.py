"""nlp.review.retrain: the background job trains a candidate beside the served model, merges the reviewed
statements into the labels, compares, promotes atomically (rolling back when the reload fails) and
discards; one job at a time."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from conftest import TRAINING_DATA

from nlp.codebook import load_codebook
from nlp.review.retrain import (
    JobRunning,
    RetrainError,
    ReviewedStatement,
    comparison,
    discard,
    get_job,
    list_jobs,
    merge_reviewed,
    promote,
    running_job,
    start,
)

CODEBOOK = load_codebook()


@pytest.fixture
def corpus(corpus_copy: Path) -> Path:
    """The small corpus with the held-out labels and the behaviour suite of the real training data."""
    for name in ("heldout/labels.jsonl", "behaviour/suite.jsonl"):
        (corpus_copy / name).parent.mkdir(exist_ok=True)
        shutil.copy(TRAINING_DATA / name, corpus_copy / name)
    return corpus_copy


def _labels(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _wait(models_dir: Path, job_id: str, timeout: float = 600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = get_job(models_dir, job_id)
        if not job.status.active:
            return job
        time.sleep(0.5)
    pytest.fail(f"job {job_id} still {job.status.state} after {timeout} s:\n{job.log}")


def test_retrain_job_trains_compares_and_promotes(corpus, models_dir):
    labels = _labels(corpus / "labels.jsonl")
    first = labels[0]
    changed = "negativ" if first["sentiment"] != "negativ" else "positiv"
    reviewed = [
        ReviewedStatement(first["text"], first["section"], tuple(first["themes"]), changed),
        ReviewedStatement(
            "Die Kinderbetreuung während des Dialogs war vorbildlich.",
            "bewertung",
            ("frauen_familie_jugend",),
            "positiv",
        ),
    ]
    served = (models_dir / "current").resolve()
    job = start(models_dir, corpus, reviewed, folds=2)
    assert job.status.state == "queued" and job.status.reviewed == 2
    with pytest.raises(JobRunning, match="läuft schon"):
        start(models_dir, corpus, [], folds=0)
    assert running_job(models_dir).id == job.id

    job = _wait(models_dir, job.id)
    assert job.status.state == "done", job.log
    assert (job.status.progress, job.status.replaced, job.status.added) == (1.0, 1, 1)
    assert (models_dir / "current").resolve() == served  # the served model stays until promoted
    assert job.candidate_dir is not None and (job.candidate_dir / "manifest.json").is_file()
    merged = _labels(job.dir / "data" / "labels.jsonl")
    assert len(merged) == len(labels) + 1
    assert merged[0] == {**first, "sentiment": changed}
    assert merged[-1]["report"] is None and merged[-1]["themes"] == ["frauen_familie_jugend"]
    assert _labels(corpus / "labels.jsonl") == labels  # the training data itself is untouched

    figures = comparison(job)
    assert figures.candidate == job.status.candidate and figures.served == served.name
    groups = {r.group for r in figures.rows}
    assert groups == {"Kreuzvalidierung", "Held-out-Berichte", "Verhaltenstest"}
    cv = [r for r in figures.rows if r.group == "Kreuzvalidierung"]
    assert cv and all(r.served is None and 0 <= r.candidate <= 1 for r in cv)  # served: trained without CV
    heldout = {r.name: r for r in figures.rows if r.group == "Held-out-Berichte"}
    assert (
        0 < heldout["Stimmung Genauigkeit"].served <= 1 and 0 < heldout["Stimmung Genauigkeit"].candidate <= 1
    )
    assert any(r.name == "negation: Stimmung" and r.served is not None for r in figures.rows)

    def failing_reload(version: str) -> None:
        raise RuntimeError("the reload failed")

    with pytest.raises(RuntimeError):
        promote(job, failing_reload)
    assert (models_dir / "current").resolve() == served  # rolled back
    assert get_job(models_dir, job.id).candidate_dir is not None

    reloaded: list[str] = []
    version = promote(get_job(models_dir, job.id), reloaded.append)
    assert reloaded == [version] == [job.status.candidate]
    assert (models_dir / "current").resolve() == (models_dir / version).resolve()
    assert get_job(models_dir, job.id).status.state == "promoted"
    with pytest.raises(RetrainError, match="no candidate"):
        promote(get_job(models_dir, job.id))

    # The lock went with the job's process: the next job starts, and is discarded.
    second = _wait(models_dir, start(models_dir, corpus, [], folds=0).id)
    assert second.status.state == "done" and second.status.served == version, second.log
    discard(second)
    second = get_job(models_dir, second.id)
    assert second.status.state == "discarded" and second.candidate_dir is None
    assert not (second.dir / "data").exists()
    assert [j.id for j in list_jobs(models_dir)] == [second.id, job.id]


def test_merge_reviewed_refuses_what_import_labels_refuses(corpus, tmp_path):
    reviewed = tmp_path / "reviewed.jsonl"
    rows = [
        {
            "report": None,
            "section": "bewertung",
            "text": "Gut.",
            "themes": ["gibtsnicht"],
            "sentiment": "positiv",
        },
        {"report": None, "section": "nirgends", "text": "Schlecht.", "themes": [], "sentiment": "negativ"},
    ]
    reviewed.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    with pytest.raises(RetrainError, match="unknown theme 'gibtsnicht'.*unknown section 'nirgends'"):
        merge_reviewed(corpus, reviewed, tmp_path / "merged", CODEBOOK)


def test_job_with_invalid_reviews_fails_with_the_reason(corpus, models_dir):
    bad = ReviewedStatement("Gut.", "bewertung", ("gibtsnicht",), "positiv")
    job = _wait(models_dir, start(models_dir, corpus, [bad], folds=0).id, timeout=120)
    assert job.status.state == "failed" and "unknown theme 'gibtsnicht'" in job.status.error
    assert job.candidate_dir is None and (models_dir / "current").resolve().parent == models_dir


def test_job_whose_process_vanished_reads_as_aborted(models_dir):
    job_dir = models_dir / "candidates" / "20260101-000000-abcdef"
    job_dir.mkdir(parents=True)
    status = {"id": job_dir.name, "state": "running", "stage": "fit", "progress": 0.4, "created": "x"}
    (job_dir / "status.json").write_text(json.dumps(status), "utf-8")
    job = get_job(models_dir, job_dir.name)
    assert (job.status.state, job.status.error) == ("failed", "abgebrochen")
    assert running_job(models_dir) is None


def test_retrain_needs_training_data_and_a_folder_of_models(tmp_path, models_dir, trained_model):
    with pytest.raises(RetrainError, match="no training data"):
        start(models_dir, tmp_path / "nothing")
    with pytest.raises(RetrainError, match="single model"):
        start(trained_model, tmp_path)
    with pytest.raises(RetrainError, match="no retraining job"):
        get_job(models_dir, "../etc")
