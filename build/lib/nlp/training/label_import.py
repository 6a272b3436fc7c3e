"""Corrected tags back into the training data: an exported `kfd tag` file (CSV or JSON Lines) in which an
evaluator edited `themes`/`sentiment` is validated row by row and appended to `labels.jsonl`, with the
reports it belongs to copied into `reports/`. All or nothing: one invalid row and nothing is written."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp.codebook import Codebook
from nlp.errors import CorpusError, ReportParseError
from nlp.model.inference import Prediction
from nlp.reading.form import STATEMENT_SECTIONS
from nlp.reading.report import parse_report
from nlp.results.output import write_output
from nlp.results.records import csv_rows, read_table_text
from nlp.training.corpus import LABELS_FILE, REQUIRED_SECTIONS, read_labels

REPORTS_DIR = "reports"


@dataclass(frozen=True)
class LabelRow:
    row: int  # spreadsheet row (CSV, header = 1) or line (JSON Lines) in the corrected file
    report: str | None  # path relative to the data folder, as in labels.jsonl
    section: str | None
    text: str
    themes: tuple[str, ...]
    sentiment: str

    def to_label(self) -> dict[str, Any]:
        return {
            "report": self.report,
            "section": self.section,
            "text": self.text,
            "themes": list(self.themes),
            "sentiment": self.sentiment,
        }


@dataclass
class ImportPlan:
    rows: list[LabelRow] = field(default_factory=list)  # to append
    problems: list[str] = field(default_factory=list)
    unchanged: int = 0  # rows already in labels.jsonl with the same labels: not appended again
    copies: dict[Path, Path] = field(default_factory=dict)  # report file → its place in the data folder

    @property
    def ok(self) -> bool:
        return not self.problems


def _raw_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Every row, with a bad JSON line kept as {"_error": ...} so that all problems are listed at once."""
    raw = read_table_text(path, CorpusError)
    if path.suffix.lower() == ".jsonl":
        rows = []
        for number, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    row = {"_error": f"not valid JSON ({e.msg})"}
                rows.append((number, row if isinstance(row, dict) else {"_error": "expected a JSON object"}))
        return rows
    if path.suffix.lower() == ".csv":
        return list(csv_rows(raw, path, CorpusError))
    raise CorpusError(f"{path}: use the .csv or .jsonl written by `kfd tag`")


def _themes(value: Any, codebook: Codebook) -> tuple[list[str], list[str]]:
    """Theme ids from a list, or text joined with `|` (ids or German names, as in the CSV export)."""
    by_name = {t.name.casefold(): t.id for t in codebook.themes} | {
        t.casefold(): t for t in codebook.theme_ids
    }
    parts = value if isinstance(value, list) else [p.strip() for p in str(value or "").split("|")]
    found, unknown = [], []
    for part in (str(p).strip() for p in parts):
        if not part:
            continue
        if part.casefold() in by_name:
            found.append(by_name[part.casefold()])
        elif "," in part and all(p.strip().casefold() in by_name for p in part.split(",")):
            found += [by_name[p.strip().casefold()] for p in part.split(",")]
        else:
            unknown.append(part)
    return found, unknown


def plan_import(
    path: Path, data_dir: Path, codebook: Codebook, report_dirs: Sequence[Path] = ()
) -> ImportPlan:
    """Validate every row of a corrected file against the codebook, its report and the existing labels."""
    plan = ImportPlan()
    problems = plan.problems
    where = path.name
    existing_problems: list[str] = []
    labels_path = data_dir / LABELS_FILE
    existing = read_labels(labels_path, codebook, existing_problems) if labels_path.is_file() else []
    labelled = {(r.report, r.section, r.text): r for r in existing}
    statements: dict[str, set[tuple[str, str]]] = {}
    seen: dict[tuple, int] = {}
    rows = _raw_rows(path)
    if not rows:
        problems.append(f"{where}: no rows")
    for number, raw in rows:
        at = f"{where}:{number}"
        if "_error" in raw:
            problems.append(f"{at}: {raw['_error']}")
            continue
        text = str(raw.get("text") or "").strip()
        if not text:
            problems.append(f"{at}: 'text' is empty")
            continue
        themes, unknown = _themes(raw.get("themes"), codebook)
        if unknown:
            problems.append(
                f"{at}: unknown theme {', '.join(map(repr, unknown))}; valid: {', '.join(codebook.theme_ids)}"
            )
        if len(set(themes)) != len(themes):
            problems.append(f"{at}: a theme is given twice")
        sentiment = str(raw.get("sentiment") or "").strip().casefold()
        if sentiment not in codebook.sentiment_ids:
            problems.append(
                f"{at}: unknown sentiment {raw.get('sentiment')!r}; valid: {', '.join(codebook.sentiment_ids)}"
            )
        section = raw.get("section") or None
        if section is not None and section not in STATEMENT_SECTIONS:
            problems.append(f"{at}: unknown section {section!r}; valid: {', '.join(STATEMENT_SECTIONS)}")
        report = _report(raw.get("report"), at, data_dir, report_dirs, plan)
        if report is not None:
            found = _statements(report, data_dir, plan, statements, at)
            if found is not None and (section, text) not in found:
                problems.append(f"{at}: text not found in section {section!r} of {report}: {text[:60]!r}")
        key = (report, section, " ".join(text.split()))
        if key in seen:
            problems.append(f"{at}: duplicate of row {seen[key]}")
            continue
        seen[key] = number
        row = LabelRow(
            number, report, section, text, codebook.check_themes(themes) if not unknown else (), sentiment
        )
        old = labelled.get((report, section, text))
        if old is not None:
            if (set(old.themes), old.sentiment) == (set(row.themes), row.sentiment):
                plan.unchanged += 1
                continue
            problems.append(
                f"{at}: already labelled differently in {LABELS_FILE}:{old.line}; correct that line instead"
            )
        plan.rows.append(row)
    for report, found in statements.items():
        covered = {(r.section, r.text) for r in plan.rows if r.report == report}
        covered |= {(r.section, r.text) for r in existing if r.report == report}
        missing = sorted((s, t) for s, t in found if s in REQUIRED_SECTIONS and (s, t) not in covered)
        for section, text in missing:
            problems.append(f"{where}: {report}: {section} statement has no row: {text[:60]!r}")
    return plan


def _report(name: Any, at: str, data_dir: Path, report_dirs: Sequence[Path], plan: ImportPlan) -> str | None:
    """The report's path relative to the data folder; notes a copy when it is not there yet."""
    if name in (None, ""):
        return None
    name = Path(str(name)).name
    target = data_dir / REPORTS_DIR / name
    source = next((d / name for d in report_dirs if (d / name).is_file()), None)
    if source is None:
        if not target.is_file():
            plan.problems.append(f"{at}: report {name} not found; pass --reports DIR with the report files")
        return f"{REPORTS_DIR}/{name}"
    if target.is_file() and target.read_bytes() != source.read_bytes():
        plan.problems.append(f"{at}: a different report named {name} is already in {data_dir / REPORTS_DIR}")
    elif not target.is_file():
        plan.copies[source] = target
    return f"{REPORTS_DIR}/{name}"


def _statements(report: str, data_dir: Path, plan: ImportPlan, cache: dict, at: str):
    if report in cache:
        return cache[report]
    target = data_dir / report
    source = next((s for s, t in plan.copies.items() if t == target), target)
    if not source.is_file():
        return None
    try:
        parsed = parse_report(source)
    except ReportParseError as e:
        plan.problems.append(f"{at}: report {report} cannot be parsed: {e}")
        cache[report] = set()
        return None
    cache[report] = {(s.section, s.text) for s in parsed.statements}
    return cache[report]


def describe_changes(rows: Sequence[LabelRow], predictions: Sequence[Prediction]) -> list[str]:
    """One line per row whose labels differ from the model's tags."""
    lines = []
    for row, prediction in zip(rows, predictions, strict=True):
        added = [t for t in row.themes if t not in prediction.themes]
        removed = [t for t in prediction.themes if t not in row.themes]
        parts = [f"+{t}" for t in added] + [f"-{t}" for t in removed]
        if row.sentiment != prediction.sentiment:
            parts.append(f"sentiment {prediction.sentiment} -> {row.sentiment}")
        if parts:
            lines.append(f"row {row.row}: {'; '.join(parts)}: {row.text[:60]!r}")
    return lines


def apply_import(plan: ImportPlan, data_dir: Path) -> None:
    """Copy the reports and append the rows. Only for a plan without problems."""
    if not plan.ok:
        raise CorpusError(f"{len(plan.problems)} invalid rows; nothing written")
    for source, target in plan.copies.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    labels = data_dir / LABELS_FILE
    text = read_table_text(labels, CorpusError) if labels.exists() else ""
    lines = "".join(json.dumps(r.to_label(), ensure_ascii=False) + "\n" for r in plan.rows)
    write_output(labels, text + ("\n" if text and not text.endswith("\n") else "") + lines)
