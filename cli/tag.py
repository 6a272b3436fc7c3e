"""`kfd tag`: reports, folders of reports or statement tables in, one tagged record per statement out."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from cli._util import UserError, load_model, main, model_option, names, settings, translate_errors


@main.command("tag")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@model_option("A model directory, or a folder whose `current` is used.")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    default=None,
    help="Write here instead of standard output ('-'). A file is replaced only when complete; a device or "
    "FIFO is written directly; a symbolic link's target is replaced, the link stays.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "xlsx"]),
    default=None,
    help="Output format (default: from --output's suffix, else jsonl). xlsx: an Excel workbook whose "
    "texts are string cells, never formulas.",
)
@click.option("--xlsx", "xlsx", is_flag=True, help="Write an Excel workbook (same as --format xlsx).")
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for German Excel: UTF-8 with BOM, ';' as delimiter, decimal commas (implies --format csv).",
)
@click.option(
    "--jobs",
    default=None,
    type=click.IntRange(1, 64),
    help="Processes to use: with more than one, files are parsed and tagged in that many worker processes, "
    "which start once the model is loaded and share it. [default: the usable cores]",
)
@click.option("--explain", is_flag=True, help="Add the terms that pushed each assigned label.")
@click.option(
    "--redact",
    is_flag=True,
    help="Take e-mail addresses, phone numbers and the report's contact person out of the statement texts.",
)
@translate_errors
def tag_cmd(
    inputs: tuple[Path, ...],
    model_path: Path | None,
    output: Path | None,
    fmt: str | None,
    excel: bool,
    xlsx: bool,
    jobs: int | None,
    explain: bool,
    redact: bool = False,
) -> None:
    """Tag every statement of report files (.txt, .docx, .html), folders of reports, or statement tables
    (.jsonl, .csv with a `text` column and optional `id`, `section`) with themes and a sentiment.

    Each record carries the report's kommune, landkreis, regierungsbezirk and first event date. A report
    that cannot be read is skipped and listed at the end; the exit code is then 1."""
    from nlp.results.batch import default_jobs, sources, tag_sources
    from nlp.results.output import is_stdout, open_output, output_target
    from nlp.results.records import write_records, write_records_xlsx
    from service.runtime import collector_paused

    fmt = _output_format(fmt, output, excel, xlsx)
    if not is_stdout(output):
        assert output is not None
        output_target(output)  # refuse an output that must not be written before hours of tagging
    inputs_, skipped = sources(inputs)  # every input checked (and tables read) before the model loads
    if not inputs_:
        raise UserError(f"no reports (.txt, .docx, .html) found in {', '.join(map(str, inputs))}")
    codebook = settings().load_codebook()
    # The model first (a few tenths of a second): the worker processes of --jobs are forked after it and
    # share it.
    model, _ = load_model(model_path, codebook)
    with _progress(len(inputs_), "tagging") as on_result:
        with collector_paused():  # a few objects per statement, no cycles (see service.runtime)
            batch = tag_sources(
                model, inputs_, jobs or default_jobs(), explain=explain, redact=redact, on_result=on_result
            )
    if fmt == "xlsx":
        with open_output(output, binary=True) as f:
            write_records_xlsx(batch.records, f, codebook)
    else:
        with open_output(output, encoding="utf-8-sig" if excel else "utf-8") as f:
            write_records(batch.records, f, fmt, codebook, excel=excel)
    n_ok = batch.n_files - len(batch.failures)
    where = "" if is_stdout(output) else f" -> {output}"
    click.echo(
        f"{len(batch.records)} statements from {n_ok} of {batch.n_files} files tagged with model "
        f"{model.version}{where}",
        err=True,
    )
    if skipped:
        click.echo(f"skipped {len(skipped)} files that are not reports: {names(skipped)}", err=True)
    if batch.failures:
        click.echo(f"{len(batch.failures)} files failed:", err=True)
        for failure in batch.failures:
            click.echo(f"  {failure.path}: {failure.reason}", err=True)
        raise SystemExit(1)


def _output_format(fmt: str | None, output: Path | None, excel: bool, xlsx: bool) -> str:
    """jsonl, csv or xlsx from the options, else from --output's suffix."""
    wanted = {f for f, flag in (("csv", excel), ("xlsx", xlsx), (fmt, fmt is not None)) if flag}
    if len(wanted) > 1:
        raise UserError(f"conflicting output formats: {', '.join(sorted(map(str, wanted)))}")
    if wanted:
        return str(wanted.pop())
    suffix = output.suffix.lower() if output else ""
    return {".csv": "csv", ".xlsx": "xlsx"}.get(suffix, "jsonl")


@contextlib.contextmanager
def _progress(total: int, what: str):
    """A per-file callback: a progress bar on a terminal, one plain line per file in a pipe."""
    done = 0
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        # No refresh thread (auto_refresh=False): the worker processes of --jobs are forked meanwhile.
        with Progress(
            f"[bold]{what}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),  # standard output may carry the records
            transient=True,
            auto_refresh=False,
        ) as bar:
            task = bar.add_task(what, total=total)
            bar.refresh()

            def advance(result) -> None:
                bar.advance(task)
                bar.refresh()

            yield advance
        return

    def line(result) -> None:
        nonlocal done
        done += 1
        status = f"failed: {result.failure.reason}" if result.failure else f"{len(result.records)} statements"
        click.echo(f"[{done}/{total}] {result.path}: {status}", err=True)

    yield line
