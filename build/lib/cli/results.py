"""`kfd aggregate` and `kfd report`: tables, charts and one HTML page from tagged records."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli._util import UserError, excel_option, main, settings, translate_errors


def _filter_options(func):
    """--theme, --sentiment, --section, --landkreis, --regierungsbezirk, --year: keep matching statements."""
    for dimension in reversed(("theme", "sentiment", "section", "landkreis", "regierungsbezirk", "year")):
        func = click.option(
            f"--{dimension}",
            f"filter_{dimension}",
            multiple=True,
            help=f"Keep statements with this {dimension} (repeat or comma-separate for several).",
        )(func)
    return func


def _filters(kwargs: dict) -> dict[str, list[str]]:
    filters = {}
    for key in [k for k in kwargs if k.startswith("filter_")]:
        values = [v.strip() for item in kwargs.pop(key) for v in item.split(",") if v.strip()]
        if values:
            filters[key.removeprefix("filter_")] = values
    return filters


@main.command("aggregate")
@click.argument("results", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--by",
    multiple=True,
    help="Dimensions, comma-separated or repeated: theme, sentiment, section, landkreis, regierungsbezirk, "
    "year (default: theme,sentiment).",
)
@_filter_options
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help="Write the table here: CSV, or an Excel workbook for a .xlsx name (or --xlsx).",
)
@excel_option
@click.option("--xlsx", "xlsx", is_flag=True, help="Write --output as an Excel workbook (.xlsx).")
@click.option(
    "--plot",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also draw themes × sentiment of the (filtered) statements as a PNG chart.",
)
@translate_errors
def aggregate_cmd(
    results: Path,
    by: tuple[str, ...],
    output: Path | None,
    excel: bool,
    xlsx: bool,
    plot: Path | None,
    **kw,
):
    """Counts and shares of the statements in a `kfd tag` output (.jsonl or .csv), grouped by dimensions.

    A statement with several themes counts once per theme; `share = count / total`, where total counts the
    statements in the same section/landkreis/regierungsbezirk/year group. The HTTP route /v1/aggregate
    computes the same table. In CSV a text that a spreadsheet would take for a formula starts with `'`."""
    from nlp.results.aggregate import StatementRow, aggregate, write_csv, write_xlsx_table
    from nlp.results.output import open_output, output_target, write_output
    from nlp.results.records import read_records

    xlsx = xlsx or bool(output and output.suffix.lower() == ".xlsx")
    if xlsx and excel:
        raise UserError("--excel writes CSV; leave it out for an .xlsx workbook")
    if xlsx and output is None:
        raise UserError("--xlsx needs --output (a workbook is not for the terminal)")
    for path in (output, plot):
        if path is not None and str(path) != "-":
            output_target(path)
    codebook = settings().load_codebook()
    filters = _filters(kw)
    rows = [StatementRow.of(r) for r in read_records(results, codebook)]
    table = aggregate(rows, list(by) or None, filters, codebook)
    if xlsx:
        with open_output(output, binary=True) as f:
            write_xlsx_table(table, f)
        click.echo(f"{len(table.rows)} groups of {table.n_statements} statements -> {output}", err=True)
    elif output:
        with open_output(output, encoding="utf-8-sig" if excel else "utf-8") as f:
            write_csv(table, f, *((";", ",") if excel else (",", ".")))
        click.echo(f"{len(table.rows)} groups of {table.n_statements} statements -> {output}", err=True)
    else:
        write_csv(table, sys.stdout, "\t")
    if plot:
        from nlp.results.charts import theme_sentiment_png

        # a table already grouped by theme and sentiment serves (the chart sums over other dimensions)
        chart = (
            table
            if {"theme", "sentiment"} <= set(table.by)
            else aggregate(rows, ("theme", "sentiment"), filters, codebook)
        )
        write_output(plot, theme_sentiment_png(chart, codebook))
        click.echo(f"chart -> {plot}", err=True)


@main.command("report")
@click.argument("results", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--html",
    "html_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Page to write.",
)
@_filter_options
@click.option(
    "--examples", default=3, show_default=True, type=click.IntRange(0, 50), help="Examples per label."
)
@click.option("--title", default="Kommunale Flüchtlingsdialoge: Auswertung", show_default=True)
@translate_errors
def report_cmd(results: Path, html_path: Path, examples: int, title: str, **kw):
    """One self-contained HTML page of a `kfd tag` output: tables, the chart (embedded), and the most
    confident example statements per theme and sentiment — ready to mail."""
    from nlp.results.html_report import render
    from nlp.results.output import output_target, write_output
    from nlp.results.records import read_records

    codebook = settings().load_codebook()
    output_target(html_path)  # refused before the results are read
    page = render(read_records(results, codebook), codebook, _filters(kw), title, examples)
    write_output(html_path, page)
    click.echo(f"report -> {html_path}", err=True)
