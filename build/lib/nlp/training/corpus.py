"""The labelled training corpus (`training_data/labels.jsonl`), validated against the codebook and the reports."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from nlp.codebook import DEFAULT_CODEBOOK, Codebook, load_codebook
from nlp.errors import CorpusError, ReportParseError
from nlp.reading.form import STATEMENT_SECTIONS
from nlp.reading.report import parse_report

LABELS_FILE = "labels.jsonl"
# Sections in which every statement of a labelled report must carry a label.
REQUIRED_SECTIONS = ("bewertung", "ergebnisse", "kosten", "empfehlungen")


@dataclass(frozen=True)
class LabelledStatement:
    text: str
    section: str | None
    themes: tuple[str, ...]
    sentiment: str
    report: str | None = None  # path relative to the data folder
    line: int = 0  # line number in the labels file, for messages


@dataclass
class CheckResult:
    statements: list[LabelledStatement]
    problems: list[str] = field(default_factory=list)
    near_duplicates: list[tuple[float, LabelledStatement, LabelledStatement]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _record(
    raw: str, where: str, line: int, codebook: Codebook, problems: list[str]
) -> LabelledStatement | None:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        problems.append(f"{where}:{line}: not valid JSON ({e.msg})")
        return None
    if not isinstance(data, dict):
        problems.append(f"{where}:{line}: expected a JSON object")
        return None
    text, themes, sentiment = data.get("text"), data.get("themes"), data.get("sentiment")
    section, report = data.get("section"), data.get("report")
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}:{line}: 'text' must be a non-empty string")
        return None
    if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
        problems.append(f"{where}:{line}: 'themes' must be a list of theme ids")
        return None
    unknown = [t for t in themes if t not in codebook.theme_ids]
    if unknown:
        problems.append(f"{where}:{line}: unknown theme {', '.join(map(repr, unknown))}")
    if len(set(themes)) != len(themes):
        problems.append(f"{where}:{line}: a theme is given twice")
    if sentiment not in codebook.sentiment_ids:
        problems.append(
            f"{where}:{line}: unknown sentiment {sentiment!r} (valid: {', '.join(codebook.sentiment_ids)})"
        )
    if section is not None and section not in STATEMENT_SECTIONS:
        problems.append(
            f"{where}:{line}: unknown section {section!r} (valid: {', '.join(STATEMENT_SECTIONS)})"
        )
    if report is not None and not isinstance(report, str):
        problems.append(f"{where}:{line}: 'report' must be a path or null")
        return None
    return LabelledStatement(text, section, tuple(themes), str(sentiment), report, line)


def read_labels(path: Path, codebook: Codebook, problems: list[str]) -> list[LabelledStatement]:
    """Read a labels file (JSON Lines); malformed lines are reported in `problems`, not raised."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        raise CorpusError(f"{path}: labels file not found") from None
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: labels file is not UTF-8") from None
    records = []
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            record = _record(raw, path.name, number, codebook, problems)
            if record:
                records.append(record)
    return records


def check_corpus(
    data_dir: str | Path,
    labels: str | Path | None = None,
    find_near_duplicates: bool = True,
    codebook: Codebook | None = None,
) -> CheckResult:
    """Validate a corpus: ids, statement texts found in their reports, duplicates, coverage. Labels are
    checked against `codebook` (default: the codebook shipped with the package)."""
    data_dir = Path(data_dir)
    codebook = codebook or load_codebook()
    labels_path = Path(labels) if labels else data_dir / LABELS_FILE
    problems: list[str] = []
    records = read_labels(labels_path, codebook, problems)
    where = labels_path.name

    seen: dict[tuple, LabelledStatement] = {}
    by_text: dict[tuple, LabelledStatement] = {}
    for r in records:
        key = (r.report, r.section, " ".join(r.text.split()))
        if key in seen:
            problems.append(f"{where}:{r.line}: duplicate of line {seen[key].line}")
            continue
        seen[key] = r
        # The section is an input of the model, so "Teils, teils." may be a bare cost answer (no theme)
        # under kosten and an overall verdict under bewertung; within one section it must agree.
        other = by_text.get(key[1:])
        if other and (set(other.themes), other.sentiment) != (set(r.themes), r.sentiment):
            problems.append(
                f"{where}:{r.line}: same text in the same section as line {other.line} but different labels"
            )
        by_text.setdefault(key[1:], r)

    reports: dict[str, set[tuple[str, str]]] = {}
    for r in records:
        if r.report is None:
            continue
        if r.report not in reports:
            try:
                parsed = parse_report(data_dir / r.report)
            except ReportParseError as e:
                problems.append(f"{where}:{r.line}: report {r.report} cannot be parsed: {e}")
                reports[r.report] = set()
                continue
            reports[r.report] = {(s.section, s.text) for s in parsed.statements}
        statements = reports[r.report]
        if (r.section, r.text) in statements:
            continue
        sections = [section for section, text in statements if text == r.text]
        if sections:
            problems.append(
                f"{where}:{r.line}: text is in section {sections[0]!r} of {r.report}, not {r.section!r}"
            )
        elif statements:
            problems.append(
                f"{where}:{r.line}: text not found among the statements of {r.report}: {r.text[:60]!r}"
            )

    labelled = {(r.report, r.section, r.text) for r in records}
    for report, statements in sorted(reports.items()):
        for section, text in sorted(statements):
            if section in REQUIRED_SECTIONS and (report, section, text) not in labelled:
                problems.append(f"{report}: {section} statement has no label: {text[:60]!r}")

    result = CheckResult(records, problems)
    if find_near_duplicates:  # a review aid for `kfd data check`; training does not need it
        result.near_duplicates = near_duplicates(records)
    return result


def near_duplicates(records: list[LabelledStatement], threshold: float = 0.8):
    """Pairs whose character 4-gram Jaccard similarity is at least `threshold`, most similar first."""
    from sklearn.feature_extraction.text import CountVectorizer

    texts = [" ".join(r.text.lower().split()) for r in records]
    if len(texts) < 2:
        return []
    vectorizer = CountVectorizer(analyzer="char", ngram_range=(4, 4), binary=True)
    try:
        grams = vectorizer.fit_transform(texts)
    except ValueError:  # every text shorter than four characters
        return []
    sizes = grams.sum(axis=1).A1
    overlap = (grams @ grams.T).tocoo()
    pairs = []
    for i, j, shared in zip(overlap.row, overlap.col, overlap.data, strict=True):
        if i < j:
            union = sizes[i] + sizes[j] - shared
            score = shared / union if union else 1.0
            if score >= threshold:
                pairs.append((float(score), records[i], records[j]))
    return sorted(pairs, key=lambda p: -p[0])


def distribution(records: list[LabelledStatement], codebook: Codebook) -> dict[str, Counter]:
    return {
        "themes": Counter(t for r in records for t in r.themes),
        "sentiments": Counter(r.sentiment for r in records),
        "sections": Counter(r.section or "-" for r in records),
    }


def load_corpus(data_dir: str | Path, codebook: Codebook | None = None) -> list[LabelledStatement]:
    """The validated corpus for training; any problem raises CorpusError naming the first few."""
    result = check_corpus(data_dir, find_near_duplicates=False, codebook=codebook)
    if not result.ok:
        shown = "; ".join(result.problems[:3])
        more = f" (and {len(result.problems) - 3} more)" if len(result.problems) > 3 else ""
        raise CorpusError(f"training data is invalid: {shown}{more}; run `kfd data check` for all")
    return result.statements


def data_hash(data_dir: str | Path, codebook_path: str | Path | None = None) -> str:
    """sha256 over the labels, the codebook file and every report in the data folder."""
    data_dir = Path(data_dir)
    digest = hashlib.sha256()
    codebook_file = Path(codebook_path or DEFAULT_CODEBOOK)
    digest.update(b"codebook.yaml\0" + codebook_file.read_bytes())
    files = [data_dir / LABELS_FILE]
    files += sorted((data_dir / "reports").glob("*")) if (data_dir / "reports").is_dir() else []
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(data_dir).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()
