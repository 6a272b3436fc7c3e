"""Charts of aggregated tags as PNG, drawn with matplotlib's Agg canvas (no display, no global pyplot state)."""

from __future__ import annotations

import io
from collections import defaultdict

from nlp.codebook import Codebook
from nlp.results.aggregate import NONE, AggregateTable

# Okabe–Ito colours, distinguishable with the common colour-vision deficiencies.
SENTIMENT_COLOURS = {
    "positiv": "#009E73",  # bluish green
    "negativ": "#D55E00",  # vermillion
    "gemischt": "#E69F00",  # orange
    "neutral": "#56B4E9",  # sky blue
}
FALLBACK_COLOURS = ("#0072B2", "#CC79A7", "#F0E442", "#000000")


def theme_sentiment_png(table: AggregateTable, codebook: Codebook, title: str = "") -> bytes:
    """Horizontal bars, one per theme (German name), stacked by sentiment, with n at the end of each bar.

    `table` must be grouped by theme and sentiment (other dimensions are summed over)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not {"theme", "sentiment"} <= set(table.by):
        raise ValueError("the chart needs a table grouped by theme and sentiment")
    ti, si = table.by.index("theme"), table.by.index("sentiment")
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in table.rows:
        counts[str(row.group[ti])][str(row.group[si])] += row.count
    themes = [t for t in (*codebook.theme_ids, NONE) if t in counts]
    sentiments = [s for s in codebook.sentiment_ids if any(s in c for c in counts.values())]
    names = [codebook.theme(t).name if t != NONE else "(kein Thema)" for t in themes]

    height = 1.6 + 0.38 * max(len(themes), 1)
    figure = Figure(figsize=(9, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(themes))
    left = [0] * len(themes)
    for k, sentiment in enumerate(sentiments):
        values = [counts[t].get(sentiment, 0) for t in themes]
        colour = SENTIMENT_COLOURS.get(sentiment, FALLBACK_COLOURS[k % len(FALLBACK_COLOURS)])
        axes.barh(positions, values, left=left, color=colour, label=codebook_name(codebook, sentiment))
        left = [a + b for a, b in zip(left, values, strict=True)]
    for y, n in zip(positions, left, strict=True):
        axes.text(n, y, f"  n={n}", va="center", fontsize=8)
    axes.set_yticks(list(positions), names)
    axes.invert_yaxis()  # codebook order from the top
    axes.set_xlabel("Aussagen (eine Aussage mit mehreren Themen zählt bei jedem Thema)")
    axes.set_xlim(0, max(left, default=1) * 1.15 or 1)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(title="Stimmung", loc="lower right", frameon=False)
    axes.set_title(title or f"Themen und Stimmung ({table.n_statements} Aussagen)", loc="left")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def codebook_name(codebook: Codebook, sentiment: str) -> str:
    return next((s.name for s in codebook.sentiments if s.id == sentiment), sentiment)
