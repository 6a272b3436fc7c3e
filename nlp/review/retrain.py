"""Retraining from the workspace: a background job that trains a candidate model, never the served one.

The job trains on the training data folder plus the statements people reviewed in the workspace (as
`report: null` labels, checked by the same validation as `kfd import-labels`; a reviewed statement whose
text is already labelled in the same section replaces that label). It runs as its own process
(`python -m nlp.review.retrain JOB_DIR`), never in a web worker, and writes everything into its job
folder `models/candidates/<job id>/`:

- `job.json`: its inputs; `status.json`: state (queued, running, done, failed, promoted, discarded),
  stage, progress 0–1, started/finished, the error line; `log.txt`: what it printed;
- `data/`: the training data it used (labels merged, reports and behaviour suite linked);
- `<version>/`: the candidate model, trained without moving `models/current`;
- `figures.json`: the candidate's and the served model's figures side by side (cross-validation from
  the manifests, the held-out reports, the behaviour suite).

`promote` moves the candidate to `models/<version>/` and points `models/current` at it atomically, as
`kfd train` does, then calls back (the service reloads its model); `discard` deletes the candidate.
Only one job runs at a time: the job holds an exclusive lock (flock) on `models/candidates/.lock` for
as long as its process lives, so a second start is refused and a crashed job never blocks the next.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from nlp.errors import KfdError

CANDIDATES = "candidates"
LOCK = ".lock"
JOB_FILE, STATUS_FILE, FIGURES_FILE, LOG_FILE = "job.json", "status.json", "figures.json", "log.txt"
REVIEWED_FILE = "reviewed.jsonl"
HELDOUT = Path("heldout") / "labels.jsonl"  # inside the training data folder
FINAL = ("done", "failed", "promoted", "discarded")
STAGES = {  # stage id → what the page shows
    "queued": "wartet",
    "prepare": "Daten zusammenstellen und prüfen",
    "validate": "Trainingsdaten prüfen",
    "cross-validate": "Kreuzvalidierung",
    "fit": "Modell anpassen",
    "behaviour": "Verhaltenstest",
    "save": "Modell speichern",
    "heldout": "Held-out-Berichte und Vergleich",
    "done": "fertig",
    "failed": "fehlgeschlagen",
}


class RetrainError(KfdError):
    """A retraining job cannot be started, found, promoted or discarded."""


class JobRunning(RetrainError):
    """A second retraining while one runs."""


class JobNotFound(RetrainError):
    """No job with that id."""


@dataclass(frozen=True)
class ReviewedStatement:
    """A statement a person reviewed in the workspace, with the labels they settled on."""

    text: str
    section: str | None
    themes: tuple[str, ...]
    sentiment: str

    def to_row(self) -> dict[str, Any]:
        return {
            "report": None,
            "section": self.section,
            "text": self.text,
            "themes": list(self.themes),
            "sentiment": self.sentiment,
        }


@dataclass(frozen=True)
class JobStatus:
    id: str
    state: str  # queued, running, done, failed, promoted, discarded
    stage: str
    progress: float
    created: str
    started: str | None = None
    finished: str | None = None
    error: str | None = None
    served: str | None = None  # the model served when the job started
    candidate: str | None = None  # the candidate's version, once trained
    reviewed: int = 0  # reviewed statements given
    replaced: int = 0  # of those, replacing a label of the training data
    added: int = 0  # of those, new labels

    @property
    def started_at(self) -> dt.datetime | None:
        return dt.datetime.fromisoformat(self.started) if self.started else None

    @property
    def finished_at(self) -> dt.datetime | None:
        return dt.datetime.fromisoformat(self.finished) if self.finished else None

    @property
    def stage_name(self) -> str:
        return STAGES.get(self.stage, self.stage)

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")


@dataclass(frozen=True)
class Job:
    dir: Path
    status: JobStatus

    @property
    def id(self) -> str:
        return self.status.id

    @property
    def log(self) -> str:
        path = self.dir / LOG_FILE
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""

    @property
    def candidate_dir(self) -> Path | None:
        version = self.status.candidate
        return self.dir / version if version and (self.dir / version).is_dir() else None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # a reader sees the old or the new status, never half of one


def _write_status(job_dir: Path, status: JobStatus) -> JobStatus:
    _write_json(job_dir / STATUS_FILE, asdict(status))
    return status


def jobs_dir(models_dir: str | Path) -> Path:
    models_dir = Path(models_dir)
    if (models_dir / "manifest.json").is_file():
        raise RetrainError(
            f"{models_dir} is a single model; retraining needs a folder of models (KFD_MODEL_DIR=models)"
        )
    return models_dir / CANDIDATES


def _lock_free(models_dir: Path) -> bool:
    path = jobs_dir(models_dir) / LOCK
    if not path.exists():
        return True
    with path.open("a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(f, fcntl.LOCK_UN)
        return True


def _read_job(job_dir: Path, lock_free: bool | None = None) -> Job:
    try:
        data = json.loads((job_dir / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise JobNotFound(f"no retraining job in {job_dir.name} ({e.__class__.__name__})") from None
    status = JobStatus(**{k: v for k, v in data.items() if k in JobStatus.__dataclass_fields__})
    if status.active and (lock_free if lock_free is not None else _lock_free(job_dir.parent.parent)):
        # Its process is gone without a word (killed, machine restarted): say so instead of "running".
        status = replace(
            status, state="failed", stage="failed", finished=status.finished or _now(), error="abgebrochen"
        )
    return Job(job_dir, status)


def get_job(models_dir: str | Path, job_id: str) -> Job:
    if not job_id or not all(c.isalnum() or c == "-" for c in job_id):
        raise JobNotFound(f"no retraining job {job_id!r}")
    job_dir = jobs_dir(models_dir) / job_id
    if not job_dir.is_dir():
        raise JobNotFound(f"no retraining job {job_id!r}")
    return _read_job(job_dir)


def list_jobs(models_dir: str | Path) -> list[Job]:
    """Every job, newest first."""
    root = jobs_dir(models_dir)
    if not root.is_dir():
        return []
    free = _lock_free(Path(models_dir))
    jobs = []
    for job_dir in sorted((p for p in root.iterdir() if p.is_dir()), reverse=True):
        try:
            jobs.append(_read_job(job_dir, free))
        except JobNotFound:
            continue
    return jobs


def running_job(models_dir: str | Path) -> Job | None:
    return next((j for j in list_jobs(models_dir) if j.status.active), None)


def _served_version(models_dir: Path) -> str | None:
    current = models_dir / "current" / "manifest.json"
    try:
        return json.loads(current.read_text(encoding="utf-8")).get("version")
    except (OSError, json.JSONDecodeError):
        return None


def _take_lock(lock, models_dir: Path) -> None:
    for _ in range(50):
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            other = running_job(models_dir)
            if other is not None:
                since = other.status.started or other.status.created
                raise JobRunning(
                    f"Es läuft schon ein Training (Job {other.id}, seit {since}); ein zweites startet "
                    "erst, wenn es fertig ist"
                ) from None
            time.sleep(0.1)  # the last job has written its final status and its process is ending
    raise JobRunning("Es läuft schon ein Training; ein zweites startet erst, wenn es fertig ist")


def start(
    models_dir: str | Path,
    data_dir: str | Path,
    reviewed: Sequence[ReviewedStatement] = (),
    *,
    codebook_path: str | Path | None = None,
    folds: int = 5,
    seed: int = 0,
) -> Job:
    """Start a retraining job in its own process and return it (queued). Refused with JobRunning while
    another job runs. Of several reviews of the same text in the same section, the last counts."""
    models_dir = Path(models_dir).absolute()
    data_dir = Path(data_dir).absolute()
    root = jobs_dir(models_dir)
    if not (data_dir / "labels.jsonl").is_file():
        raise RetrainError(f"no training data at {data_dir} (labels.jsonl is missing); set KFD_TRAINING_DATA")
    root.mkdir(parents=True, exist_ok=True)
    lock = (root / LOCK).open("a")
    try:
        _take_lock(lock, models_dir)
        job_id = f"{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        job_dir = root / job_id
        job_dir.mkdir()
        latest: dict[tuple[str | None, str], ReviewedStatement] = {}
        for r in reviewed:
            latest[(r.section, " ".join(r.text.split()))] = r
        (job_dir / REVIEWED_FILE).write_text(
            "".join(json.dumps(r.to_row(), ensure_ascii=False) + "\n" for r in latest.values()),
            encoding="utf-8",
        )
        _write_json(
            job_dir / JOB_FILE,
            {
                "models_dir": str(models_dir),
                "data_dir": str(data_dir),
                "codebook": str(codebook_path) if codebook_path else None,
                "folds": folds,
                "seed": seed,
            },
        )
        status = _write_status(
            job_dir,
            JobStatus(
                job_id,
                "queued",
                "queued",
                0.0,
                _now(),
                served=_served_version(models_dir),
                reviewed=len(latest),
            ),
        )
        with (job_dir / LOG_FILE).open("ab") as log:
            # The child inherits the locked file: the lock lives exactly as long as the job's process.
            process = subprocess.Popen(
                [sys.executable, "-m", "nlp.review.retrain", str(job_dir)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(lock.fileno(),),
                start_new_session=True,
            )
        # Reap the process when it ends, so that a long-running service collects no zombies.
        threading.Thread(target=process.wait, name=f"retrain-{job_id}", daemon=True).start()
        return Job(job_dir, status)
    finally:
        lock.close()  # the child's copy keeps the lock; ours goes


# -- the job's own process ---------------------------------------------------------------------


@dataclass
class _Progress:
    job_dir: Path
    status: JobStatus

    def __call__(self, stage: str, progress: float, **changes: Any) -> None:
        self.status = _write_status(
            self.job_dir, replace(self.status, stage=stage, progress=round(progress, 3), **changes)
        )
        print(f"[{_now()}] {STAGES.get(stage, stage)} ({progress:.0%})", flush=True)


def merge_reviewed(data_dir: Path, reviewed_file: Path, target: Path, codebook) -> tuple[int, int]:
    """Build the training data folder `target`: the labels of `data_dir` with each reviewed statement's
    labels in place of those of the same text in the same section, the other reviewed statements
    appended (`report: null`), and links to the reports and the behaviour suite. The reviewed rows pass
    the checks of `kfd import-labels` first (RetrainError naming every problem). Returns (replaced, added).
    """
    from nlp.training.corpus import LABELS_FILE
    from nlp.training.label_import import ImportPlan, apply_import, plan_import

    target.mkdir(parents=True, exist_ok=True)
    rows: list = []
    if reviewed_file.read_text(encoding="utf-8").strip():
        # Checked against an empty data folder: a reviewed label may differ from the training data's,
        # which here means "replace", not the "already labelled differently" that import-labels refuses.
        plan = plan_import(reviewed_file, target, codebook)
        if not plan.ok:
            shown = "; ".join(plan.problems[:3])
            more = f" (and {len(plan.problems) - 3} more)" if len(plan.problems) > 3 else ""
            raise RetrainError(f"reviewed statements are invalid: {shown}{more}")
        rows = plan.rows
    by_key = {(r.section, " ".join(r.text.split())): r for r in rows}
    used: set[tuple] = set()
    lines = []
    for raw in (data_dir / LABELS_FILE).read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        label = json.loads(raw)
        key = (label.get("section"), " ".join(str(label.get("text", "")).split()))
        row = by_key.get(key)
        if row is not None:
            label = {**label, "themes": list(row.themes), "sentiment": row.sentiment}
            used.add(key)
        lines.append(json.dumps(label, ensure_ascii=False) + "\n")
    (target / LABELS_FILE).write_text("".join(lines), encoding="utf-8")
    for name in ("reports", "behaviour"):
        if (data_dir / name).is_dir() and not (target / name).exists():
            (target / name).symlink_to(data_dir / name, target_is_directory=True)
    new = [r for r in rows if (r.section, " ".join(r.text.split())) not in used]
    apply_import(ImportPlan(rows=new), target)
    return len(used), len(new)


def _figures(model_dir: Path, data_dir: Path, codebook) -> dict[str, Any]:
    """CV (from the manifest), held-out and behaviour figures of one model."""
    from nlp.model.artifacts import load_model
    from nlp.training.behaviour import SUITE_FILE, evaluate_suite
    from nlp.training.evaluate import evaluate

    model, manifest = load_model(model_dir, codebook)
    cv = {k: manifest.metrics[k] for k in ("themes", "sentiment", "folds") if k in manifest.metrics}
    heldout = None
    if (data_dir / HELDOUT).is_file():
        result = evaluate(data_dir / HELDOUT, codebook, model=model)
        heldout = {k: result[k] for k in ("themes", "sentiment", "n_statements")}
    behaviour = manifest.metrics.get("behaviour")
    if behaviour is None and (data_dir / SUITE_FILE).is_file():
        behaviour = evaluate_suite(data_dir / SUITE_FILE, model, codebook).figures()
    return {"version": manifest.version, "cv": cv or None, "heldout": heldout, "behaviour": behaviour}


def run(job_dir: Path) -> int:
    """The job itself (in its own process): merge, train a candidate, measure both models."""
    from nlp.codebook import load_codebook
    from nlp.training.train import train

    job_dir = Path(job_dir)
    spec = json.loads((job_dir / JOB_FILE).read_text(encoding="utf-8"))
    models_dir, data_dir = Path(spec["models_dir"]), Path(spec["data_dir"])
    status = _read_job(job_dir, lock_free=False).status
    progress = _Progress(job_dir, replace(status, state="running", started=_now()))
    try:
        progress("prepare", 0.0)
        codebook = load_codebook(spec["codebook"])
        replaced, added = merge_reviewed(data_dir, job_dir / REVIEWED_FILE, job_dir / "data", codebook)
        print(f"{replaced} reviewed statements replace a label, {added} are added", flush=True)
        progress("validate", 0.05, replaced=replaced, added=added)
        candidate = train(
            job_dir / "data",
            job_dir,
            folds=spec["folds"],
            seed=spec["seed"],
            codebook_path=spec["codebook"],
            promote=False,
            on_stage=lambda stage, done: progress(stage, 0.05 + 0.8 * done),
        )
        progress("heldout", 0.85, candidate=candidate.name)
        figures: dict[str, dict[str, Any] | None] = {"candidate": _figures(candidate, data_dir, codebook)}
        served = models_dir / "current"
        figures["served"] = _figures(served, data_dir, codebook) if served.exists() else None
        _write_json(job_dir / FIGURES_FILE, figures)
        progress("done", 1.0, state="done", finished=_now())
        return 0
    except Exception as e:
        traceback.print_exc()
        error = str(e).splitlines()[0] if str(e) else e.__class__.__name__
        progress("failed", progress.status.progress, state="failed", finished=_now(), error=error)
        return 1


# -- after the job: compare, promote, discard ----------------------------------------------------


@dataclass(frozen=True)
class FigureRow:
    group: str  # "Kreuzvalidierung", "Held-out-Berichte", "Verhaltenstest"
    name: str
    served: float | None
    candidate: float | None

    @property
    def change(self) -> float | None:
        if self.served is None or self.candidate is None:
            return None
        return self.candidate - self.served


@dataclass(frozen=True)
class Comparison:
    served: str | None
    candidate: str
    rows: tuple[FigureRow, ...] = field(default_factory=tuple)


def _metric_rows(group: str, served: dict | None, candidate: dict | None) -> list[FigureRow]:
    def get(figures: dict | None, kind: str, key: str) -> float | None:
        return figures[kind][key] if figures and kind in figures else None

    return [
        FigureRow(group, name, get(served, kind, key), get(candidate, kind, key))
        for name, kind, key in (
            ("Themen Mikro-F1", "themes", "micro_f1"),
            ("Themen Makro-F1", "themes", "macro_f1"),
            ("Stimmung Genauigkeit", "sentiment", "accuracy"),
            ("Stimmung Makro-F1", "sentiment", "macro_f1"),
        )
        if get(served, kind, key) is not None or get(candidate, kind, key) is not None
    ]


def comparison(job: Job) -> Comparison:
    """The candidate's figures beside the served model's, row by row (a job that is done)."""
    path = job.dir / FIGURES_FILE
    if not path.is_file():
        raise RetrainError(f"job {job.id} has no figures yet (state: {job.status.state})")
    figures = json.loads(path.read_text(encoding="utf-8"))
    candidate, served = figures["candidate"], figures.get("served") or {}
    rows = _metric_rows("Kreuzvalidierung", served.get("cv"), candidate.get("cv"))
    rows += _metric_rows("Held-out-Berichte", served.get("heldout"), candidate.get("heldout"))
    ours, theirs = candidate.get("behaviour") or {}, served.get("behaviour") or {}
    capabilities = list(dict.fromkeys([*theirs.get("capabilities", {}), *ours.get("capabilities", {})]))
    for capability in [*capabilities, "overall"]:
        s = (
            theirs["overall"]
            if capability == "overall" and theirs
            else theirs.get("capabilities", {}).get(capability)
        )
        c = (
            ours["overall"]
            if capability == "overall" and ours
            else ours.get("capabilities", {}).get(capability)
        )
        if s is None and c is None:
            continue
        label = "insgesamt" if capability == "overall" else capability
        rows.append(
            FigureRow(
                "Verhaltenstest",
                f"{label}: Stimmung",
                s and s["sentiment_accuracy"],
                c and c["sentiment_accuracy"],
            )
        )
        rows.append(
            FigureRow("Verhaltenstest", f"{label}: Themen-F1", s and s["theme_f1"], c and c["theme_f1"])
        )
    return Comparison(served.get("version"), candidate["version"], tuple(rows))


def promote(job: Job, on_promoted: Callable[[str], Any] | None = None) -> str:
    """Serve the candidate: move it to `models/<version>/`, point `models/current` at it (atomically),
    then call `on_promoted(version)` (the service reloads its model). When the callback fails,
    `current` points back to the model it pointed to before, and the error is raised."""
    from nlp.model.artifacts import CURRENT, point_current

    if job.status.state != "done" or job.candidate_dir is None:
        raise RetrainError(f"job {job.id} has no candidate to promote (state: {job.status.state})")
    spec = json.loads((job.dir / JOB_FILE).read_text(encoding="utf-8"))
    models_dir = Path(spec["models_dir"])
    version = job.candidate_dir.name
    target = models_dir / version
    if target.exists():
        raise RetrainError(f"{target} exists already")
    link = models_dir / CURRENT
    before = os.readlink(link) if link.is_symlink() else None
    job.candidate_dir.rename(target)
    point_current(models_dir, version)
    try:
        if on_promoted is not None:
            on_promoted(version)
    except Exception:
        if before is not None:
            point_current(models_dir, before)
        target.rename(job.dir / version)
        raise
    _write_status(job.dir, replace(job.status, state="promoted", finished=_now()))
    return version


def discard(job: Job) -> None:
    """Delete the candidate model and the job's data copy; the job's status and log stay."""
    if job.status.active:
        raise RetrainError(f"job {job.id} is still running")
    if job.status.state == "promoted":
        raise RetrainError(f"job {job.id} was promoted; its model is served")
    if job.candidate_dir is not None:
        shutil.rmtree(job.candidate_dir)
    shutil.rmtree(job.dir / "data", ignore_errors=True)
    _write_status(job.dir, replace(job.status, state="discarded", finished=job.status.finished or _now()))


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1])))
