"""The dashboard's figures: theme × sentiment counts of the stored statements, broken down by Landkreis,
Regierungsbezirk, year or section, as data for stacked bar charts, and the statements behind one bar.

Every count comes from `nlp.results.aggregate.aggregate` (the same as `/v1/aggregate` and `kfd
aggregate`), so a chart and a download never disagree; the statements behind a bar are those its
filters match (`aggregate.matches`), so their number is the bar's count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlp.codebook import Codebook
from nlp.results.aggregate import NONE, StatementRow, aggregate, check_filters, matches
from nlp.results.charts import SENTIMENT_COLOURS
from nlp.results.records import TaggedStatement
from nlp.storage.store import Store

BREAKDOWNS = {  # dimension → what the page calls it
    "landkreis": "Landkreis",
    "regierungsbezirk": "Regierungsbezirk",
    "year": "Jahr",
    "section": "Abschnitt",
}
SECTION_NAMES = {  # short names of the form's statement sections, for chart axes
    "konzept": "Konzept",
    "anlass": "Anlass",
    "beratung": "Beratung",
    "bewertung": "Bewertung",
    "ergebnisse": "Ergebnisse",
    "kosten": "Kosten",
    "empfehlungen": "Empfehlungen",
}
NO_THEME = "(kein Thema)"
NO_VALUE = "(ohne Angabe)"

Filters = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Series:
    """One sentiment's counts, one per bar."""

    sentiment: str
    name: str
    colour: str
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Chart:
    """A stacked bar chart: one bar per key (a theme id or a value of the breakdown), stacked by
    sentiment. `keys` are the values to filter by for the statements behind a bar (`statements`)."""

    dimension: str  # "theme" or a breakdown
    keys: tuple[str, ...]
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    n_statements: int

    def total(self, key: str) -> int:
        i = self.keys.index(key)
        return sum(s.counts[i] for s in self.series)

    def to_chartjs(self) -> dict:
        """The `data` of a Chart.js bar chart, with the filter keys beside the labels."""
        return {
            "dimension": self.dimension,
            "keys": list(self.keys),
            "labels": list(self.labels),
            "datasets": [
                {
                    "label": s.name,
                    "sentiment": s.sentiment,
                    "backgroundColor": s.colour,
                    "data": list(s.counts),
                }
                for s in self.series
            ],
        }


def value_label(dimension: str, value: str | int, codebook: Codebook) -> str:
    """How the page names a group value."""
    if dimension == "theme":
        return NO_THEME if value == NONE else codebook.theme(str(value)).name
    if value == NONE:
        return NO_VALUE
    if dimension == "section":
        return SECTION_NAMES.get(str(value), str(value))
    return str(value)


def _chart(
    rows: Sequence[StatementRow], dimension: str, codebook: Codebook, filters: Filters | None
) -> Chart:
    table = aggregate(rows, (dimension, "sentiment"), filters, codebook)
    keys = list(dict.fromkeys(str(r.group[0]) for r in table.rows))  # aggregate's order: codebook, form, A–Z
    index = {k: i for i, k in enumerate(keys)}
    counts = {s: [0] * len(keys) for s in codebook.sentiment_ids}
    for r in table.rows:
        counts[str(r.group[1])][index[str(r.group[0])]] += r.count
    series = tuple(
        Series(s.id, s.name, SENTIMENT_COLOURS.get(s.id, "#0072B2"), tuple(counts[s.id]))
        for s in codebook.sentiments
    )
    labels = tuple(value_label(dimension, k, codebook) for k in keys)
    return Chart(dimension, tuple(keys), labels, series, table.n_statements)


def theme_chart(rows: Sequence[StatementRow], codebook: Codebook, filters: Filters | None = None) -> Chart:
    """Statements per theme, stacked by sentiment (a statement with two themes is in both bars)."""
    return _chart(rows, "theme", codebook, filters)


def breakdown_chart(
    rows: Sequence[StatementRow], by: str, codebook: Codebook, filters: Filters | None = None
) -> Chart:
    """Statements per Landkreis, Regierungsbezirk, year or section, stacked by sentiment (a theme filter
    keeps the statements of that theme)."""
    if by not in BREAKDOWNS:
        from nlp.results.aggregate import UnknownDimension

        raise UnknownDimension(f"unknown breakdown {by!r}; valid: {', '.join(BREAKDOWNS)}")
    return _chart(rows, by, codebook, filters)


def stored_statements(store: Store) -> list[TaggedStatement]:
    """Every stored statement with its report's Kommune, Landkreis, Regierungsbezirk and date."""
    return [s for report_id in store.report_ids() for s in store.get_report(report_id).statements]


def statements(
    records: Sequence[TaggedStatement], filters: Filters, codebook: Codebook | None = None
) -> list[TaggedStatement]:
    """The statements behind a bar: those its filters match ({"theme": ["moderation"], "sentiment":
    ["negativ"], "landkreis": ["Emmendingen"]}); filter values as in `aggregate`."""
    checked = check_filters(filters, codebook)
    return [r for r in records if matches(StatementRow.of(r), checked)]
