"""The whole path on reports the model never saw, cold: what a user of `kfd tag DIR` waits for.

Every figure comes from a fresh process, so no word cache, spaCy vocabulary or parsing cache is warm:

* the bare tokenizer: `spacy.blank("de")` made, then every raw file read and tokenised as one text;
* parsing alone: `parse_report` over every file (imports done and its spaCy pipeline made, as the
  tokenizer is made before its clock starts; nothing else warmed);
* `kfd tag DIR --output FILE`: the command as users run it (default `--jobs`), model load included; the
  start of a bare Python interpreter (measured in the same run) is subtracted, the CLI's own imports are
  not; and the same with `--jobs 1`, which shows what the worker processes gain.

The corpora: the training reports under a model trained on the held-out data only (so on none of these
reports), and the held-out reports under the served model (which never saw them). The three are run back
to back, `repeats` times, and each ratio is the median of the per-repeat ratios.

`python -m bench.endtoend tokenize|parse DIR` is the child process of the first two measurements.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.offline import KFD
from nlp.results.batch import default_jobs

PYTHON = sys.executable


def _files(folder: Path) -> list[Path]:
    from nlp.reading.ingest import SUPPORTED_SUFFIXES

    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)


def _timed(folder: Path, setup, work, counted: str) -> dict:
    """`work(files)` over the folder's files, timed (wall and CPU) after `setup()`, which is timed apart:
    both children's figures are the work per file, and what it takes to make their pipeline is beside."""
    files = _files(folder)
    begin = time.perf_counter()
    made = setup()
    setup_s = time.perf_counter() - begin
    start, cpu = time.perf_counter(), time.process_time()
    count = work(made, files)
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "setup_seconds": setup_s,
        "files": len(files),
        counted: count,
    }


def _child_tokenize(folder: Path) -> dict:
    import spacy

    return _timed(
        folder,
        lambda: spacy.blank("de").tokenizer,
        lambda tokenizer, files: sum(
            len(tokenizer(path.read_bytes().decode("utf-8-sig", errors="replace"))) for path in files
        ),
        "tokens",
    )


def _child_parse(folder: Path) -> dict:
    from nlp.model.pipeline import sentence_splitter
    from nlp.reading.report import parse_report

    # The parser's spaCy pipeline (a blank German one, as the tokenizer's above) is made before the clock
    # starts, as the tokenizer is.
    return _timed(
        folder,
        sentence_splitter,
        lambda _, files: sum(len(parse_report(path).statements) for path in files),
        "statements",
    )


def _child(what: str, folder: Path) -> dict:
    proc = subprocess.run(
        [PYTHON, "-m", "bench.endtoend", what, str(folder)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench.endtoend {what} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def _wall(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc


def interpreter_start_s(n: int = 5) -> float:
    """Median wall time of a bare `python -c pass`: the part of `kfd tag`'s wall time that is not ours."""
    return statistics.median(_wall([PYTHON, "-c", "pass"])[0] for _ in range(n))


def tag_dir(folder: Path, model_dir: str | Path, out: Path, jobs: int | None = None) -> dict:
    cmd = [KFD, "tag", str(folder), "--model", str(model_dir), "--output", str(out)]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    wall, proc = _wall(cmd)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    statements = sum(1 for _ in out.open(encoding="utf-8"))
    return {"wall_s": wall, "statements": statements}


def measure(folder: Path, model_dir: str | Path, workdir: Path, repeats: int) -> dict:
    """Tokenizer, parsing and `kfd tag` over one folder, cold, `repeats` times back to back."""
    runs = []
    for i in range(repeats):
        start = interpreter_start_s(3)
        tok = _child("tokenize", folder)
        parse = _child("parse", folder)
        tagged = tag_dir(folder, model_dir, workdir / f"e2e_{folder.name}_{i}.jsonl")
        tag_s = max(tagged["wall_s"] - start, 1e-9)
        # The same with one process: what the parsing workers of the default `--jobs` gain (or cost).
        single = tag_dir(folder, model_dir, workdir / f"e2e_{folder.name}_{i}_jobs1.jsonl", jobs=1)
        single_s = max(single["wall_s"] - start, 1e-9)
        runs.append(
            {
                "interpreter_start_s": start,
                "tokenizer_s": tok["seconds"],
                "tokenizer_setup_s": tok["setup_seconds"],
                "parse_s": parse["seconds"],
                "parse_setup_s": parse["setup_seconds"],
                "kfd_tag_wall_s": tagged["wall_s"],
                "kfd_tag_s": tag_s,
                "parse_ratio": tok["seconds"] / parse["seconds"],
                "parse_cpu_ratio": tok["cpu_seconds"] / parse["cpu_seconds"],
                "end_to_end_ratio": tok["seconds"] / tag_s,
                "kfd_tag_jobs1_s": single_s,
                "end_to_end_jobs1_ratio": tok["seconds"] / single_s,
            }
        )
    median = {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]}
    return {
        "jobs_default": default_jobs(),
        "folder": str(folder),
        "model": str(model_dir),
        "files": tok["files"],
        "statements": tagged["statements"],
        "tokens": tok["tokens"],
        "repeats": repeats,
        "runs": [{k: round(v, 3) for k, v in r.items()} for r in runs],
        "median": median,
    }


def run(data_dir: str, model_dir: str, workdir: Path, quick: bool) -> dict:
    """The training reports under a model trained on the held-out data alone, and the held-out reports
    under the served model."""
    data = Path(data_dir)
    unseen_model = workdir / "models_heldout_only"
    proc = subprocess.run(
        [KFD, "train", "--data", str(data / "heldout"), "--out", str(unseen_model), "--folds", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"kfd train on the held-out data failed: {proc.stderr[-2000:]}")
    repeats = 1 if quick else 3
    return {
        "training_reports_unseen_model": measure(data / "reports", unseen_model, workdir, repeats),
        "heldout_reports": measure(data / "heldout" / "reports", model_dir, workdir, repeats),
    }


if __name__ == "__main__":
    what, folder = sys.argv[1], Path(sys.argv[2])
    print(json.dumps(_child_tokenize(folder) if what == "tokenize" else _child_parse(folder)))
