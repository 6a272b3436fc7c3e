"""The figures dashboard in chromium: the charts are drawn, a click on a bar lists exactly the statements
behind it, and the .xlsx download opens with the rows of the aggregate."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from nlp.codebook import load_codebook
from nlp.results.aggregate import aggregate
from nlp.review.figures import statements, stored_statements

from .review_helpers import post_reports

CODEBOOK = load_codebook()


def test_a_click_on_a_bar_lists_its_statements_and_the_xlsx_has_the_rows(
    page: Page, base_url, sign_in, workspace, keys, service_report, screenshot
):
    post_reports(base_url, keys, service_report)
    sign_in(page, "leser")
    page.goto(f"{base_url}/ui/zahlen?by=landkreis")
    expect(page.get_by_role("heading", name="Zahlen", exact=True)).to_be_visible()
    page.wait_for_function("document.getElementById('themes-chart').kfdChart !== undefined")
    screenshot(page, "zahlen")

    # The largest segment of the theme chart: click its middle.
    page.locator("#themes-chart").scroll_into_view_if_needed()
    bar = page.evaluate(
        """() => {
        const chart = document.getElementById('themes-chart').kfdChart;
        let best = null;
        chart.data.datasets.forEach((ds, d) => ds.data.forEach((n, i) => {
            if (!best || n > best.n) best = {n, d, i};
        }));
        const el = chart.getDatasetMeta(best.d).data[best.i];
        const box = chart.canvas.getBoundingClientRect();
        return {n: best.n, index: best.i, sentiment: chart.data.datasets[best.d].sentiment,
                x: box.left + (el.x + el.base) / 2, y: box.top + el.y};
    }"""
    )
    keys_of = page.evaluate("JSON.parse(document.getElementById('chart-data').textContent).themes.keys")
    index = bar["index"]
    page.mouse.click(bar["x"], bar["y"])
    table = page.locator("#aussagen-table tbody tr")
    expect(table).to_have_count(bar["n"])
    theme = keys_of[index]
    behind = statements(
        stored_statements(workspace.store), {"theme": [theme], "sentiment": [bar["sentiment"]]}, CODEBOOK
    )
    assert len(behind) == bar["n"]
    shown = set(table.locator("td:first-child").all_inner_texts())
    assert shown == {" ".join(r.text.split()) for r in behind} or shown == {r.text for r in behind}
    expect(page.locator("#aussagen-heading")).to_be_focused()
    screenshot(page, "zahlen-aussagen")

    with page.expect_download() as download:
        page.get_by_role("link", name="Tabelle (.xlsx)").click()
    rows = list(
        load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active.iter_rows(values_only=True)
    )
    table_rows = aggregate(
        workspace.store.statement_rows(), ("theme", "sentiment", "landkreis"), None, CODEBOOK
    ).rows
    assert rows[0] == ("theme", "sentiment", "landkreis", "count", "total", "share")
    assert [r[:4] for r in rows[1:]] == [(*g.group, g.count) for g in table_rows]
