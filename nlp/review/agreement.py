"""How far two human coders agree on a double-coded sample, and how far the model agrees with them.

Per theme (present/absent per statement, a binary variable) and for the sentiment (nominal): Krippendorff's
alpha (nominal, the `krippendorff` package), Cohen's kappa (scikit-learn) and the percent agreement, for
coder A against coder B and for the model against each coder and against the reference label. The
reference of a statement is the adjudicated label where an admin adjudicated it, else the label both
coders agree on; a statement they disagree on and nobody adjudicated has no reference yet.

A coefficient that cannot be computed is never a NaN: it carries the reason instead (a theme nobody
used has only one value, "absent", so alpha and kappa are 0/0; fewer than two statements coded by both).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from nlp.codebook import Codebook

SENTIMENT = "sentiment"  # the `label` of the sentiment's figures (themes use their ids)
UNDETERMINED = "nicht bestimmbar"
TOO_FEW = "weniger als 2 doppelt codierte Aussagen"
ONE_VALUE = "nur ein Wert vergeben"


@dataclass(frozen=True)
class Coding:
    """The labels one coder (or the model, or the adjudication) gave one statement."""

    themes: frozenset[str]
    sentiment: str

    @classmethod
    def of(cls, themes: Sequence[str], sentiment: str) -> Coding:
        return cls(frozenset(themes), sentiment)

    def value(self, label: str) -> Hashable:
        """The value of one variable: the sentiment, or whether a theme is present."""
        return self.sentiment if label == SENTIMENT else label in self.themes


@dataclass(frozen=True)
class Unit:
    """One statement of a sample: the codings of coder A and B (None while missing), the model's tags
    and, once an admin settled a disagreement, the adjudicated labels."""

    statement_id: int
    text: str
    coder_a: Coding | None
    coder_b: Coding | None
    model: Coding | None = None
    adjudicated: Coding | None = None

    @property
    def complete(self) -> bool:
        return self.coder_a is not None and self.coder_b is not None

    @property
    def reference(self) -> Coding | None:
        """The adjudicated labels, else the labels both coders agree on, else None."""
        if self.adjudicated is not None:
            return self.adjudicated
        if self.coder_a is not None and self.coder_a == self.coder_b:
            return self.coder_a
        return None


@dataclass(frozen=True)
class Coefficient:
    """A figure, or the reason why it cannot be computed (`value` None)."""

    value: float | None
    reason: str | None = None

    @property
    def determined(self) -> bool:
        return self.value is not None

    def display(self, digits: int = 3) -> str:
        return f"{self.value:.{digits}f}" if self.value is not None else UNDETERMINED

    def percent(self) -> str:
        return f"{self.value:.0%}" if self.value is not None else UNDETERMINED


def _undetermined(reason: str) -> Coefficient:
    return Coefficient(None, reason)


def nominal_alpha(reliability_data: Sequence[Sequence[Hashable | None]]) -> Coefficient:
    """Krippendorff's alpha for nominal data: one row per coder, one column per unit, None where a coder
    gave no value. Undetermined when fewer than two units are pairable or only one value occurs."""
    values = sorted({v for row in reliability_data for v in row if v is not None}, key=repr)
    pairable = sum(1 for unit in zip(*reliability_data, strict=True) if sum(v is not None for v in unit) >= 2)
    if pairable < 2:
        return _undetermined(TOO_FEW)
    if len(values) < 2:
        return _undetermined(ONE_VALUE)
    import krippendorff

    index = {v: i for i, v in enumerate(values)}
    matrix = np.array(
        [[np.nan if v is None else index[v] for v in row] for row in reliability_data], dtype=float
    )
    try:
        alpha = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))
    except (ValueError, ZeroDivisionError):
        return _undetermined(ONE_VALUE)
    if math.isnan(alpha):
        return _undetermined(ONE_VALUE)
    return Coefficient(alpha)


def cohen_kappa(x: Sequence[Hashable], y: Sequence[Hashable]) -> Coefficient:
    """Cohen's kappa of two coders over the same units (no missing values). Undetermined with fewer
    than two units, or when both gave every unit the same single value (chance agreement is 1)."""
    if len(x) != len(y):
        raise ValueError("both coders must code the same units")
    if len(x) < 2:
        return _undetermined(TOO_FEW)
    if len(set(x) | set(y)) < 2:
        return _undetermined(ONE_VALUE)
    from sklearn.metrics import cohen_kappa_score

    values = sorted(set(x) | set(y), key=repr)
    index = {v: i for i, v in enumerate(values)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kappa = float(cohen_kappa_score([index[v] for v in x], [index[v] for v in y]))
    return _undetermined(ONE_VALUE) if math.isnan(kappa) else Coefficient(kappa)


def percent_agreement(x: Sequence[Hashable], y: Sequence[Hashable]) -> Coefficient:
    if not x:
        return _undetermined("keine doppelt codierte Aussage")
    return Coefficient(sum(a == b for a, b in zip(x, y, strict=True)) / len(x))


@dataclass(frozen=True)
class PairFigures:
    """Agreement of two codings of one variable over the units both have."""

    n: int
    percent: Coefficient
    kappa: Coefficient
    alpha: Coefficient


def pair_figures(x: Sequence[Hashable | None], y: Sequence[Hashable | None]) -> PairFigures:
    both = [(a, b) for a, b in zip(x, y, strict=True) if a is not None and b is not None]
    xs, ys = [a for a, _ in both], [b for _, b in both]
    return PairFigures(
        len(both), percent_agreement(xs, ys), cohen_kappa(xs, ys), nominal_alpha([list(xs), list(ys)])
    )


@dataclass(frozen=True)
class LabelAgreement:
    """The figures of one variable: a theme (present/absent) or the sentiment."""

    label: str  # theme id, or SENTIMENT
    name: str  # German name of the theme, or "Stimmung"
    used: int  # statements where coder A or B gave the theme (for the sentiment: coded by both)
    coders: PairFigures  # coder A against coder B
    model_vs_a: PairFigures
    model_vs_b: PairFigures
    model_vs_reference: PairFigures


@dataclass(frozen=True)
class Disagreement:
    """A statement both coders coded differently: what to adjudicate."""

    statement_id: int
    text: str
    coder_a: Coding
    coder_b: Coding
    model: Coding | None
    adjudicated: Coding | None
    themes: tuple[str, ...]  # the themes only one of them gave
    sentiment: bool  # True when their sentiments differ


@dataclass(frozen=True)
class AgreementReport:
    n_units: int
    n_complete: int  # coded by both
    missing_a: int  # statements coder A has not coded yet
    missing_b: int
    exact: Coefficient  # share of complete statements with the same themes and sentiment
    themes: tuple[LabelAgreement, ...]  # codebook order
    sentiment: LabelAgreement
    disagreements: tuple[Disagreement, ...]

    @property
    def open_disagreements(self) -> tuple[Disagreement, ...]:
        return tuple(d for d in self.disagreements if d.adjudicated is None)


def _column(units: Sequence[Unit], who: str, label: str) -> list[Hashable | None]:
    out: list[Hashable | None] = []
    for unit in units:
        coding: Coding | None = unit.reference if who == "reference" else getattr(unit, who)
        out.append(None if coding is None else coding.value(label))
    return out


def _label(units: Sequence[Unit], label: str, name: str) -> LabelAgreement:
    a, b = _column(units, "coder_a", label), _column(units, "coder_b", label)
    model = _column(units, "model", label)
    if label == SENTIMENT:
        used = sum(1 for u in units if u.complete)
    else:
        used = sum(1 for x, y in zip(a, b, strict=True) if x is True or y is True)
    return LabelAgreement(
        label,
        name,
        used,
        pair_figures(a, b),
        pair_figures(model, a),
        pair_figures(model, b),
        pair_figures(model, _column(units, "reference", label)),
    )


def agreement(units: Sequence[Unit], codebook: Codebook) -> AgreementReport:
    """All figures of a double-coded sample (see the module docstring)."""
    complete = [u for u in units if u.complete]
    disagreements = []
    for u in complete:
        assert u.coder_a is not None and u.coder_b is not None
        if u.coder_a == u.coder_b:
            continue
        differ = u.coder_a.themes ^ u.coder_b.themes
        disagreements.append(
            Disagreement(
                u.statement_id,
                u.text,
                u.coder_a,
                u.coder_b,
                u.model,
                u.adjudicated,
                tuple(t for t in codebook.theme_ids if t in differ),
                u.coder_a.sentiment != u.coder_b.sentiment,
            )
        )
    exact = (
        Coefficient((len(complete) - len(disagreements)) / len(complete))
        if complete
        else _undetermined("keine doppelt codierte Aussage")
    )
    return AgreementReport(
        n_units=len(units),
        n_complete=len(complete),
        missing_a=sum(1 for u in units if u.coder_a is None),
        missing_b=sum(1 for u in units if u.coder_b is None),
        exact=exact,
        themes=tuple(_label(units, t.id, t.name) for t in codebook.themes),
        sentiment=_label(units, SENTIMENT, "Stimmung"),
        disagreements=tuple(disagreements),
    )
