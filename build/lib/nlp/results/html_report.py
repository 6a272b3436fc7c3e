"""One self-contained HTML page of tagged statements: tables, the chart (embedded PNG) and the most
confident example statements per theme and sentiment — a file an evaluator can mail to a colleague."""

from __future__ import annotations

import base64
import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape

from nlp.codebook import Codebook
from nlp.results.aggregate import NONE, StatementRow, aggregate, matches
from nlp.results.charts import codebook_name, theme_sentiment_png
from nlp.results.records import TaggedStatement

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; }
blockquote { margin: .3rem 0 .3rem 1rem; }
.meta { color: #666; font-size: .9em; }
"""


def render(
    records: Sequence[TaggedStatement],
    codebook: Codebook,
    filters: Mapping[str, Sequence[str]] | None = None,
    title: str = "Kommunale Flüchtlingsdialoge: Auswertung",
    examples: int = 3,
) -> str:
    rows = [StatementRow.of(r) for r in records]
    table = aggregate(rows, ("theme", "sentiment"), filters, codebook)
    kept = [r for r, row in zip(records, rows, strict=True) if matches(row, table.filters)]
    png = base64.b64encode(theme_sentiment_png(table, codebook)).decode("ascii")
    versions = sorted({str(r.model_version) for r in kept})
    reports = {r.origin.report for r in kept if r.origin.report}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="de"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{len(kept)} Aussagen aus {len(reports)} Berichten; Modell {escape(", ".join(versions))}; '
        f"erstellt {dt.date.today().isoformat()}"
        + (f"; Filter: {escape(_describe(table.filters))}" if table.filters else "")
        + "</p>",
        "<h2>Themen und Stimmung</h2>",
        f'<img alt="Balkendiagramm: Aussagen je Thema, nach Stimmung gestapelt" src="data:image/png;base64,{png}">',
        _theme_table(table, codebook),
        "<h2>Aussagen nach Regierungsbezirk und Landkreis</h2>",
        _place_table(kept),
        "<h2>Beispiele: die sichersten Aussagen je Thema</h2>",
    ]
    for theme in codebook.themes:
        best = _most_confident([r for r in kept if theme.id in r.themes], "themes", theme.id, examples)
        if best:
            parts.append(f"<h3>{escape(theme.name)}</h3>" + "".join(best))
    parts.append("<h2>Beispiele: die sichersten Aussagen je Stimmung</h2>")
    for sentiment in codebook.sentiments:
        best = _most_confident(
            [r for r in kept if r.sentiment == sentiment.id], "sentiment", sentiment.id, examples
        )
        if best:
            parts.append(f"<h3>{escape(sentiment.name)}</h3>" + "".join(best))
    parts.append("</body></html>")
    return "\n".join(parts)


def _describe(filters: Mapping[str, Sequence[str]]) -> str:
    return "; ".join(f"{dim} = {', '.join(values)}" for dim, values in filters.items())


def _theme_table(table, codebook: Codebook) -> str:
    sentiments = codebook.sentiment_ids
    cells: dict[str, Counter] = {}
    for row in table.rows:
        theme, sentiment = row.group
        cells.setdefault(theme, Counter())[sentiment] += row.count
    head = "".join(f"<th>{escape(codebook_name(codebook, s))}</th>" for s in sentiments)
    lines = [f"<table><tr><th>Thema</th>{head}<th>n</th><th>Anteil</th></tr>"]
    for theme in [t for t in (*codebook.theme_ids, NONE) if t in cells]:
        counts = cells[theme]
        n = sum(counts.values())
        name = codebook.theme(theme).name if theme != NONE else "(kein Thema)"
        share = n / table.n_statements if table.n_statements else 0.0
        lines.append(
            f"<tr><td>{escape(name)}</td>"
            + "".join(f'<td class="n">{counts.get(s, 0)}</td>' for s in sentiments)
            + f'<td class="n">{n}</td><td class="n">{share:.1%}</td></tr>'
        )
    lines.append("</table>")
    return "\n".join(lines)


def _place_table(records: Sequence[TaggedStatement]) -> str:
    counts = Counter((r.origin.regierungsbezirk or NONE, r.origin.landkreis or NONE) for r in records)
    lines = ["<table><tr><th>Regierungsbezirk</th><th>Landkreis</th><th>Aussagen</th></tr>"]
    for (bezirk, landkreis), n in sorted(counts.items()):
        lines.append(f'<tr><td>{escape(bezirk)}</td><td>{escape(landkreis)}</td><td class="n">{n}</td></tr>')
    lines.append("</table>")
    return "\n".join(lines)


def _most_confident(records: Sequence[TaggedStatement], kind: str, label: str, n: int) -> list[str]:
    def score(r: TaggedStatement) -> float:
        return (r.theme_scores if kind == "themes" else r.sentiment_scores).get(label, 0.0)

    ranked = sorted(records, key=lambda r: -score(r))[:n]
    return [
        f"<blockquote>„{escape(r.text)}“ "
        f'<span class="meta">(p={score(r):.2f}; '
        f"{escape(r.origin.kommune or r.origin.report or '?')}, {escape(r.section or '-')})</span>"
        "</blockquote>"
        for r in ranked
    ]
