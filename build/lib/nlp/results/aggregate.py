"""Counts and shares of tagged statements, grouped by theme, sentiment, section, Landkreis, Regierungsbezirk
or year. Plain functions over plain rows: the HTTP service and `kfd aggregate` use the same code."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from nlp.codebook import Codebook
from nlp.errors import KfdError
from nlp.reading.form import STATEMENT_SECTIONS
from nlp.reading.regions import canonical_bezirk, canonical_landkreis
from nlp.results.records import TaggedStatement
from nlp.results.spreadsheet import Number, csv_cells, write_xlsx

DIMENSIONS = ("theme", "sentiment", "section", "landkreis", "regierungsbezirk", "year")
# Dimensions that classify a statement's content; the others (where it was said) form the base of a share.
LABEL_DIMENSIONS = ("theme", "sentiment")
NONE = "(none)"  # group value of a statement without a theme, or without a section, Landkreis, year …
DEFAULT_BY = ("theme", "sentiment")

Value = str | int


class UnknownDimension(KfdError):
    """An aggregate dimension or filter that does not exist, or a filter value that cannot match."""


@dataclass(frozen=True)
class StatementRow:
    """What aggregation needs of one tagged statement. Landkreis (district) and Regierungsbezirk
    (administrative region) are those of the report's Kommune; year is that of its first event."""

    themes: tuple[str, ...]
    sentiment: str
    section: str | None = None
    landkreis: str | None = None
    regierungsbezirk: str | None = None
    year: int | None = None

    @classmethod
    def of(cls, record: TaggedStatement) -> StatementRow:
        """What aggregation needs of a tagged record."""
        origin = record.origin
        return cls(
            record.themes,
            record.sentiment,
            record.section,
            origin.landkreis,
            origin.regierungsbezirk,
            record.year,
        )

    def values(self, dimension: str) -> tuple[Value, ...]:
        """The statement's values in one dimension: one per theme (or NONE), one for every other."""
        if dimension == "theme":
            return self.themes or (NONE,)
        value = getattr(self, dimension)
        return (NONE if value in (None, "") else value,)


@dataclass(frozen=True)
class GroupCount:
    group: tuple[Value, ...]  # one value per dimension of `AggregateTable.by`
    count: int
    total: int  # statements in the same group of the non-label dimensions: the base of `share`
    share: float


@dataclass(frozen=True)
class AggregateTable:
    by: tuple[str, ...]
    filters: dict[str, tuple[str, ...]]
    n_statements: int  # statements left after filtering
    rows: tuple[GroupCount, ...]

    def as_dicts(self) -> list[dict[str, Value | float]]:
        return [
            {**dict(zip(self.by, r.group, strict=True)), "count": r.count, "total": r.total, "share": r.share}
            for r in self.rows
        ]


def parse_dimensions(by: str | Sequence[str] | None) -> tuple[str, ...]:
    """`"theme,sentiment"` or a list of names → validated dimension names, in the given order."""
    if by is None:
        return DEFAULT_BY
    names = by.split(",") if isinstance(by, str) else [part for item in by for part in item.split(",")]
    names = [name.strip().lower() for name in names if name.strip()]
    if not names:
        return DEFAULT_BY
    unknown = [name for name in names if name not in DIMENSIONS]
    if unknown:
        raise UnknownDimension(
            f"unknown aggregate dimension {', '.join(map(repr, unknown))}; valid: {', '.join(DIMENSIONS)}"
        )
    if len(set(names)) != len(names):
        raise UnknownDimension(f"a dimension is given twice in {','.join(names)!r}")
    return tuple(names)


def check_filters(
    filters: Mapping[str, Collection[Value]] | None, codebook: Codebook | None = None
) -> dict[str, tuple[str, ...]]:
    """Validate filters {dimension: allowed values}; values compare as text. With a codebook, theme and
    sentiment ids are checked too, and sections always, so that a typo is an error, not an empty table."""
    checked: dict[str, tuple[str, ...]] = {}
    for dimension, values in (filters or {}).items():
        if dimension not in DIMENSIONS:
            raise UnknownDimension(f"unknown filter {dimension!r}; valid: {', '.join(DIMENSIONS)}")
        wanted = tuple(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))
        if not wanted:
            continue
        if dimension == "landkreis":  # "LK Emmendingen" finds what reports spell "Landkreis Emmendingen"
            wanted = tuple(dict.fromkeys(v if v == NONE else canonical_landkreis(v) for v in wanted))
        elif dimension == "regierungsbezirk":
            wanted = tuple(dict.fromkeys(v if v == NONE else canonical_bezirk(v) for v in wanted))
        valid: tuple[str, ...] | None = None
        if dimension == "section":
            valid = (*STATEMENT_SECTIONS, NONE)
        elif dimension == "theme" and codebook:
            valid = (*codebook.theme_ids, NONE)
        elif dimension == "sentiment" and codebook:
            valid = codebook.sentiment_ids
        elif dimension == "year":
            bad = [v for v in wanted if not (v.isdigit() or v == NONE)]
            if bad:
                raise UnknownDimension(f"year filter {bad[0]!r} is not a year (e.g. 2017)")
        if valid is not None:
            bad = [v for v in wanted if v not in valid]
            if bad:
                raise UnknownDimension(
                    f"unknown {dimension} {', '.join(map(repr, bad))} in filter; valid: {', '.join(valid)}"
                )
        checked[dimension] = wanted
    return checked


def matches(row: StatementRow, filters: Mapping[str, tuple[str, ...]]) -> bool:
    return all(any(str(v) in wanted for v in row.values(dim)) for dim, wanted in filters.items())


def aggregate(
    rows: Iterable[StatementRow],
    by: str | Sequence[str] | None = DEFAULT_BY,
    filters: Mapping[str, Collection[Value]] | None = None,
    codebook: Codebook | None = None,
) -> AggregateTable:
    """Count statements per group of the `by` dimensions.

    A statement with several themes counts once under each theme; one without a theme counts under
    theme "(none)" — but only when grouping by theme, so every other count is of statements.
    `total` is the number of (filtered) statements in the same group of the non-label dimensions
    (section, landkreis, regierungsbezirk, year), and `share = count / total`. So by theme × sentiment
    × landkreis, a share says which fraction of a Landkreis's statements carry that theme with that
    sentiment. When `by` has no label dimension (theme, sentiment), or none of the others, `total` is
    all statements: by landkreis alone, a share is the Landkreis's part of all statements. Shares
    over themes can add up to more than 1, as a statement can carry several themes.

    A filter keeps statements that have one of the given values; a theme filter keeps statements with
    one of the themes and, when grouping by theme, reports only those themes.
    """
    dims = parse_dimensions(by)
    checked = check_filters(filters, codebook)
    has_labels = any(d in LABEL_DIMENSIONS for d in dims)
    base_dims = [d for d in dims if d not in LABEL_DIMENSIONS] if has_labels else []
    counts: Counter[tuple[Value, ...]] = Counter()
    totals: Counter[tuple[Value, ...]] = Counter()
    n = 0
    for row in rows:
        if not matches(row, checked):
            continue
        n += 1
        totals[tuple(row.values(d)[0] for d in base_dims)] += 1
        for group in _groups(row, dims, checked):
            counts[group] += 1
    result = []
    for group, count in counts.items():
        base = tuple(value for d, value in zip(dims, group, strict=True) if d in base_dims)
        total = totals[base]
        result.append(GroupCount(group, count, total, round(count / total, 4) if total else 0.0))
    result.sort(key=_sort_key(dims, codebook))
    return AggregateTable(dims, checked, n, tuple(result))


def _groups(row: StatementRow, dims: Sequence[str], filters: Mapping[str, tuple[str, ...]]):
    groups: list[tuple[Value, ...]] = [()]
    for dim in dims:
        values = row.values(dim)
        if dim == "theme" and "theme" in filters:
            values = tuple(v for v in values if v in filters["theme"])
        groups = [group + (value,) for group in groups for value in values]
    return groups


def _sort_key(dims: Sequence[str], codebook: Codebook | None):
    """Themes and sentiments in codebook order, sections in form order, other values alphabetically;
    "(none)" last."""
    orders: dict[str, tuple[str, ...]] = {"section": STATEMENT_SECTIONS}
    if codebook:
        orders |= {"theme": codebook.theme_ids, "sentiment": codebook.sentiment_ids}

    def key(row: GroupCount):
        parts = []
        for dim, value in zip(dims, row.group, strict=True):
            order = orders.get(dim, ())
            rank = order.index(value) if value in order else len(order)
            parts.append((value == NONE, rank, str(value)))
        return parts

    return key


def write_csv(table: AggregateTable, out: IO[str], delimiter: str = ",", decimal: str = ".") -> None:
    """The table as CSV: one column per dimension, then count, total and share. For German Excel
    pass delimiter=";" and decimal=",". A group value that a spreadsheet would take for a formula (a
    Landkreis "=HYPERLINK(…)") gets a leading `'` (see `spreadsheet`)."""
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(csv_cells([*table.by, "count", "total", "share"]))
    for row in table.rows:
        share = Number(f"{row.share:.4f}".replace(".", decimal))
        writer.writerow(csv_cells([*row.group, row.count, row.total, share]))


def write_xlsx_table(table: AggregateTable, out: IO[bytes]) -> None:
    """The table as one `.xlsx` worksheet: counts and shares as numbers, group values as string cells."""
    rows = ([*row.group, row.count, row.total, row.share] for row in table.rows)
    write_xlsx([*table.by, "count", "total", "share"], rows, out, "aggregate")
