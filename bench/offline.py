"""Command-line costs: peak RSS of `kfd tag` over many reports, `kfd train` time by corpus size,
and the quality comparison from `kfd evaluate --baseline spacy`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

KFD = str(Path(sys.executable).with_name("kfd"))


def _time_v(cmd: list[str], cwd: str | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, peak RSS MB, result) of a command under /usr/bin/time -v."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, cwd=cwd)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return wall, int(match.group(1)) / 1024 if match else float("nan"), proc


def tag_reports(data_dir: str, model_dir: str, n: int, workdir: Path) -> dict:
    """`kfd tag` over n report files (the corpus' reports, copied under distinct names)."""
    reports = sorted(Path(data_dir, "reports").glob("*.txt"))
    folder = workdir / "tag_reports"
    folder.mkdir(exist_ok=True)
    paths = []
    for i in range(n):
        src = reports[i % len(reports)]
        dst = folder / f"{i:04d}_{src.name}"
        dst.write_bytes(src.read_bytes())
        paths.append(str(dst))
    out = workdir / "tagged.jsonl"
    wall, rss, _ = _time_v([KFD, "tag", *paths, "--model", model_dir, "--output", str(out)])
    n_statements = sum(1 for _ in out.open(encoding="utf-8"))
    return {"reports": n, "statements": n_statements, "wall_s": round(wall, 2), "peak_rss_mb": round(rss, 1)}


def _subset(data_dir: Path, fraction: float, dest: Path) -> int:
    """A corpus of every k-th report (whole reports, so coverage checks still hold); returns statements."""
    lines = (data_dir / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    reports = sorted({json.loads(line).get("report") for line in lines if line.strip()} - {None})
    keep = set(reports[:: max(1, round(1 / fraction))]) if fraction < 1 else set(reports)
    chosen = [line for line in lines if line.strip() and json.loads(line).get("report") in keep]
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "labels.jsonl").write_text("\n".join(chosen) + "\n", encoding="utf-8")
    for name in ("reports",):
        link = dest / name
        if not link.exists():
            link.symlink_to((data_dir / name).resolve())
    return len(chosen)


def training_times(data_dir: str, fractions: list[float], workdir: Path) -> list[dict]:
    """`kfd train --folds 0` (fit only; the 5-fold CV of the default run multiplies this by about six)."""
    rows = []
    for fraction in fractions:
        sub = workdir / f"data_{int(fraction * 100)}"
        n = _subset(Path(data_dir), fraction, sub)
        wall, rss, _ = _time_v(
            [
                KFD,
                "train",
                "--data",
                str(sub),
                "--out",
                str(workdir / f"models_{int(fraction * 100)}"),
                "--folds",
                "0",
            ]
        )
        rows.append(
            {"fraction": fraction, "statements": n, "wall_s": round(wall, 2), "peak_rss_mb": round(rss, 1)}
        )
    return rows


def quality(data_dir: str) -> dict:
    """Grouped-CV metrics of ours and of spaCy textcat on the same folds."""
    cmd = [KFD, "evaluate", "--data", data_dir, "--baseline", "spacy", "--json"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"kfd evaluate failed: {proc.stderr[-2000:]}")
    out = json.loads(proc.stdout)
    out["wall_s"] = round(time.perf_counter() - start, 1)
    return out
