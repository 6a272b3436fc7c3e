"""Which tagged statements to label next: those whose tags are closest to flipping (uncertainty sampling)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlp.results.records import TaggedStatement


@dataclass(frozen=True)
class Uncertainty:
    margin: float  # distance to the nearest decision boundary, in probability; small = unsure
    label: str  # the label whose decision is closest to flipping
    detail: str  # e.g. "moderation p=0.48, threshold 0.50"


def uncertainty(record: TaggedStatement, thresholds: Mapping[str, float]) -> Uncertainty:
    """The statement's closest call: a theme whose probability is near its threshold, or a sentiment
    whose top two probabilities are close. The sentiment flips where the two are equal, i.e. after
    moving (p1 - p2) / 2, which puts both kinds of margin on the same scale."""
    candidates = []
    for theme, p in record.theme_scores.items():
        threshold = thresholds.get(theme, 0.5)
        candidates.append(
            Uncertainty(abs(p - threshold), theme, f"{theme} p={p:.2f}, threshold {threshold:.2f}")
        )
    ranked = sorted(record.sentiment_scores.items(), key=lambda item: -item[1])
    if len(ranked) >= 2:
        (s1, p1), (s2, p2) = ranked[:2]
        candidates.append(Uncertainty((p1 - p2) / 2, s1, f"sentiment {s1} {p1:.2f} vs {s2} {p2:.2f}"))
    best = min(candidates, key=lambda u: u.margin)
    return Uncertainty(round(best.margin, 4), best.label, best.detail)


def least_certain(
    records: Sequence[TaggedStatement], thresholds: Mapping[str, float], n: int
) -> list[tuple[Uncertainty, TaggedStatement]]:
    """The n records with the smallest margin, least certain first; ties keep input order."""
    scored = [(uncertainty(rec, thresholds), i, rec) for i, rec in enumerate(records)]
    scored.sort(key=lambda item: (item[0].margin, item[1]))
    return [(u, rec) for u, _, rec in scored[:n]]
