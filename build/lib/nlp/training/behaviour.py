"""The behaviour suite (`training_data/behaviour/suite.jsonl`): how a trained model handles negation,
contrast, typos, placeholders … — per capability, next to the average figures of `evaluate`.

Theme F1 is micro-averaged over a capability's items with "no theme" counted as a label of its own: an
item with gold [] and prediction [] is one true positive, a theme predicted for it a false positive and
the missed "no theme" a false negative (and vice versa for a themed item predicted with none). Plain
micro-F1 would ignore correctly empty items, so a capability of only placeholders could not be scored;
this way it scores 1.0 when the model abstains on all of them, 0.0 when on none, and their share between.

Pairs: an edited item (`pair_of`, `expect`) is compared with the model's prediction for its base item.
"same" is broken when the predicted themes or sentiment differ; "more_negative"/"more_positive" when the
edit's sentiment does not move that way on negativ < gemischt = neutral < positiv.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nlp.codebook import Codebook
from nlp.errors import CorpusError, UnknownLabel
from nlp.model.features import StatementInput
from nlp.model.inference import Prediction, Tagger
from nlp.reading.form import STATEMENT_SECTIONS

SUITE_FILE = Path("behaviour") / "suite.jsonl"  # inside a training data folder
# In the order of training_data/behaviour/README.md; the report lists capabilities in this order.
CAPABILITIES = (
    "negation", "hedged_wish", "contrast", "intensity", "colloquial", "spelling", "invariance",
    "direction", "recommendation", "results", "non_statement", "long_prose", "english", "implicit",
)  # fmt: skip
EXPECTS = ("same", "more_negative", "more_positive")
# The direction scale of the pair test: gemischt and neutral are both "in the middle".
SENTIMENT_RANK = {"negativ": 0, "gemischt": 1, "neutral": 1, "positiv": 2}
_FIELDS = {"id", "capability", "section", "text", "themes", "sentiment", "pair_of", "expect"}
_NO_THEME = "(none)"


@dataclass(frozen=True)
class BehaviourItem:
    id: str
    capability: str
    section: str
    text: str
    themes: tuple[str, ...]
    sentiment: str
    pair_of: str | None = None  # id of the base item this one is an edit of
    expect: str | None = None  # with pair_of: "same", "more_negative" or "more_positive"
    line: int = 0  # line number in the suite file, for messages


@dataclass(frozen=True)
class Labels:
    """Themes (codebook order) and sentiment of one statement, gold or predicted."""

    themes: tuple[str, ...]
    sentiment: str


@dataclass(frozen=True)
class Failure:
    """An item whose predicted themes or sentiment differ from its gold labels."""

    id: str
    text: str
    gold: Labels
    predicted: Labels


@dataclass(frozen=True)
class BrokenPair:
    """An edited item whose prediction did not relate to its base item's prediction as `expect` says."""

    id: str
    pair_of: str
    expect: str
    base: Labels  # predicted for the base item
    edited: Labels  # predicted for the edited item


@dataclass(frozen=True)
class Figures:
    n: int
    sentiment_accuracy: float
    theme_f1: float  # micro over the items, "no theme" as a label (module docstring)
    pairs: int
    pairs_broken: int
    abstained: float | None = None  # non_statement only: share predicted with no theme and neutral


@dataclass(frozen=True)
class CapabilityReport:
    capability: str
    figures: Figures
    failures: tuple[Failure, ...]
    broken_pairs: tuple[BrokenPair, ...]


@dataclass(frozen=True)
class BehaviourReport:
    model: str
    capabilities: tuple[CapabilityReport, ...]
    overall: Figures

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def figures(self) -> dict[str, Any]:
        """The numbers without the failing items: what the model manifest records under "behaviour"."""
        return {
            "overall": asdict(self.overall),
            "capabilities": {c.capability: asdict(c.figures) for c in self.capabilities},
        }


def _item(data: Any, line: int, codebook: Codebook) -> BehaviourItem:
    """One suite line as an item; any problem raises ValueError with the reason."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise ValueError(f"unknown field {', '.join(map(repr, unknown))}")
    item_id, capability, section = data.get("id"), data.get("capability"), data.get("section")
    text, themes = data.get("text"), data.get("themes")
    pair_of, expect = data.get("pair_of"), data.get("expect")
    if not isinstance(item_id, str) or not item_id.strip():
        raise ValueError("'id' must be a non-empty string")
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r} (valid: {', '.join(CAPABILITIES)})")
    if section not in STATEMENT_SECTIONS:
        raise ValueError(f"unknown section {section!r} (valid: {', '.join(STATEMENT_SECTIONS)})")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'text' must be a non-empty string")
    if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
        raise ValueError("'themes' must be a list of theme ids")
    if len(set(themes)) != len(themes):
        raise ValueError("a theme is given twice")
    try:
        checked_themes = codebook.check_themes(themes)
        sentiment = codebook.check_sentiment(str(data.get("sentiment")))
    except UnknownLabel as e:
        raise ValueError(str(e)) from None
    if (pair_of is None) != (expect is None):
        raise ValueError("'pair_of' and 'expect' go together")
    if pair_of is not None and (not isinstance(pair_of, str) or pair_of == item_id):
        raise ValueError("'pair_of' must be the id of another item")
    if expect is not None and expect not in EXPECTS:
        raise ValueError(f"unknown expect {expect!r} (valid: {', '.join(EXPECTS)})")
    return BehaviourItem(item_id, capability, section, text, checked_themes, sentiment, pair_of, expect, line)


def read_suite(path: str | Path, codebook: Codebook) -> list[BehaviourItem]:
    """Read and validate a behaviour suite (JSON Lines); every bad line raises CorpusError with file:line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        raise CorpusError(f"{path}: behaviour suite not found") from None
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: behaviour suite is not UTF-8") from None
    items: list[BehaviourItem] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            item = _item(json.loads(raw), number, codebook)
        except json.JSONDecodeError as e:
            problems.append(f"{path}:{number}: not valid JSON ({e.msg})")
            continue
        except ValueError as e:
            problems.append(f"{path}:{number}: {e}")
            continue
        if item.id in first_line:
            problems.append(
                f"{path}:{number}: duplicate id {item.id!r} (first on line {first_line[item.id]})"
            )
            continue
        first_line[item.id] = number
        items.append(item)
    for item in items:
        if item.pair_of is not None and item.pair_of not in first_line:
            problems.append(f"{path}:{item.line}: 'pair_of' {item.pair_of!r} is no item of the suite")
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise CorpusError("; ".join(problems[:3]) + more)
    if not items:
        raise CorpusError(f"{path}: the behaviour suite has no items")
    return items


def _theme_counts(gold: Sequence[str], predicted: Sequence[str]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of one item, "no theme" as a label."""
    g, p = set(gold) or {_NO_THEME}, set(predicted) or {_NO_THEME}
    return len(g & p), len(p - g), len(g - p)


def _pair_broken(expect: str, base: Prediction, edited: Prediction) -> bool:
    if expect == "same":
        return (set(base.themes), base.sentiment) != (set(edited.themes), edited.sentiment)
    move = SENTIMENT_RANK[edited.sentiment] - SENTIMENT_RANK[base.sentiment]
    return move >= 0 if expect == "more_negative" else move <= 0


def _figures(
    items: Sequence[BehaviourItem],
    predictions: Sequence[Prediction],
    broken: int,
    pairs: int,
    abstention: bool = False,
) -> Figures:
    n = len(items)
    tp = fp = fn = 0
    for item, prediction in zip(items, predictions, strict=True):
        a, b, c = _theme_counts(item.themes, prediction.themes)
        tp, fp, fn = tp + a, fp + b, fn + c
    correct = sum(i.sentiment == p.sentiment for i, p in zip(items, predictions, strict=True))
    abstained = sum(not p.themes and p.sentiment == "neutral" for p in predictions)
    return Figures(
        n=n,
        sentiment_accuracy=round(correct / n, 4) if n else 0.0,
        theme_f1=round(2 * tp / (2 * tp + fp + fn), 4) if tp + fp + fn else 0.0,
        pairs=pairs,
        pairs_broken=broken,
        abstained=round(abstained / n, 4) if abstention and n else None,
    )


def evaluate_behaviour(model: Tagger, items: Sequence[BehaviourItem], codebook: Codebook) -> BehaviourReport:
    """Tag every suite item once and score the model per capability and overall (module docstring)."""
    ids = {item.id for item in items}
    if len(ids) != len(items):
        raise CorpusError("behaviour items: an id is given twice")
    for item in items:
        if item.pair_of is not None and item.pair_of not in ids:
            raise CorpusError(f"behaviour item {item.id!r}: its base item {item.pair_of!r} is missing")
    predictions = model.tag([StatementInput(i.text, i.section, i.id) for i in items])
    predicted = {item.id: p for item, p in zip(items, predictions, strict=True)}

    def labels(themes: Sequence[str], sentiment: str) -> Labels:
        return Labels(codebook.check_themes(themes), sentiment)

    capabilities = []
    all_broken = all_pairs = 0
    given = dict.fromkeys(i.capability for i in items)
    present = [c for c in CAPABILITIES if c in given] + [c for c in given if c not in CAPABILITIES]
    for capability in present:
        own = [i for i in items if i.capability == capability]
        own_predictions = [predicted[i.id] for i in own]
        failures = tuple(
            Failure(i.id, i.text, labels(i.themes, i.sentiment), labels(p.themes, p.sentiment))
            for i, p in zip(own, own_predictions, strict=True)
            if set(i.themes) != set(p.themes) or i.sentiment != p.sentiment
        )
        paired = [i for i in own if i.pair_of is not None]
        broken = tuple(
            BrokenPair(
                i.id,
                base,
                expect,
                labels(predicted[base].themes, predicted[base].sentiment),
                labels(predicted[i.id].themes, predicted[i.id].sentiment),
            )
            for i in paired
            if (base := i.pair_of) is not None and (expect := i.expect) is not None
            if _pair_broken(expect, predicted[base], predicted[i.id])
        )
        all_broken, all_pairs = all_broken + len(broken), all_pairs + len(paired)
        figures = _figures(
            own, own_predictions, len(broken), len(paired), abstention=capability == "non_statement"
        )
        capabilities.append(CapabilityReport(capability, figures, failures, broken))
    overall = _figures(items, predictions, all_broken, all_pairs)
    return BehaviourReport(model.version, tuple(capabilities), overall)


def evaluate_suite(path: str | Path, model: Tagger, codebook: Codebook) -> BehaviourReport:
    """What `kfd evaluate --behaviour` reports: the suite at `path` read, validated and scored."""
    return evaluate_behaviour(model, read_suite(path, codebook), codebook)
