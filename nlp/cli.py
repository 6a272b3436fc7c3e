"""The `kfd` command line: a thin edge over the library. Library errors become exit code 2 and one line."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from .errors import KfdError


class UserError(click.ClickException):
    """A problem with the user's input: one readable line on stderr, exit code 2."""

    exit_code = 2


def translate_errors(func):
    """Turn the library's typed errors into UserError, so no stack trace reaches the user."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KfdError as e:
            raise UserError(str(e)) from None

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kfd-tagger")
def main() -> None:
    """kfd-tagger: parse, tag and aggregate Kommunale Flüchtlingsdialoge reports."""


@main.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the parsed report(s) as JSON.")
@translate_errors
def parse_cmd(files: tuple[Path, ...], as_json: bool) -> None:
    """Parse report FILES (.txt, .docx, .html) into fields, sections and statements.

    With one file, --json prints one object; with several, a JSON array.
    """
    from .report import parse_report

    reports = [parse_report(path) for path in files]
    if as_json:
        data = [r.to_dict() for r in reports]
        json.dump(data[0] if len(data) == 1 else data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    for path, report in zip(files, reports, strict=True):
        click.echo(_summary(path, report))


@main.group("data")
def data_group() -> None:
    """Check the labelled training data."""


@data_group.command("check")
@click.option("--data", "data_dir", default="training_data", show_default=True,
              type=click.Path(path_type=Path, file_okay=False), help="Folder with codebook.yaml, labels.jsonl, reports/.")
@click.option("--labels", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Check this labels file instead of DATA/labels.jsonl.")
@click.option("--show-near", default=15, show_default=True, help="How many near-duplicate pairs to list.")
@translate_errors
def data_check_cmd(data_dir: Path, labels: Path | None, show_near: int) -> None:
    """Validate the labels (ids, texts found in their reports, duplicates, coverage) and print the
    label distribution. Exit code 2 when anything is invalid, with one line per problem."""
    from .codebook import load_codebook
    from .corpus import check_corpus, distribution

    result = check_corpus(data_dir, labels)
    codebook = load_codebook(data_dir / "codebook.yaml")
    dist = distribution(result.statements, codebook)
    n_reports = len({r.report for r in result.statements if r.report})
    click.echo(f"{len(result.statements)} labelled statements from {n_reports} reports\n")
    click.echo(f"{'theme':<26}{'name':<30}{'n':>6}")
    for theme in codebook.themes:
        click.echo(f"{theme.id:<26}{theme.name:<30}{dist['themes'][theme.id]:>6}")
    no_theme = sum(1 for r in result.statements if not r.themes)
    click.echo(f"{'(no theme)':<56}{no_theme:>6}\n")
    click.echo(f"{'sentiment':<56}{'n':>6}")
    for sentiment in codebook.sentiment_ids:
        click.echo(f"{sentiment:<56}{dist['sentiments'][sentiment]:>6}")
    click.echo("\n" + "section".ljust(56) + "n".rjust(6))
    for section, n in sorted(dist["sections"].items()):
        click.echo(f"{section:<56}{n:>6}")
    if result.near_duplicates:
        click.echo(f"\n{len(result.near_duplicates)} near-duplicate pairs (character 4-gram Jaccard >= 0.8):")
        for score, a, b in result.near_duplicates[:show_near]:
            click.echo(f"  {score:.2f}  line {a.line} ~ line {b.line}: {a.text[:50]!r} ~ {b.text[:50]!r}")
    if result.problems:
        for problem in result.problems:
            click.echo(problem, err=True)
        raise SystemExit(2)
    click.echo("\nok: the labelled data is valid")


def _summary(path: Path, report) -> str:
    k, v = report.kommune, report.veranstaltung
    by_section: dict[str, int] = {}
    for s in report.statements:
        by_section[s.section] = by_section.get(s.section, 0) + 1
    lines = [
        f"{path}",
        f"  Kommune:        {k.name or '?'} (Landkreis {k.landkreis or '?'}, "
        f"Regierungsbezirk {k.regierungsbezirk or '?'}, {k.einwohner or '?'} Einwohner)",
        f"  Termine:        {', '.join(v.termine) or '?'}{'  ' + v.uhrzeit if v.uhrzeit else ''}",
        f"  Teilnehmende:   {v.teilnehmende if v.teilnehmende is not None else '?'}"
        f" (davon Geflüchtete: {v.gefluechtete if v.gefluechtete is not None else '?'})",
        f"  Kosten gesamt:  {_euro(report.kosten.gesamt_eur)}",
        f"  Sections:       {', '.join(report.sections)}",
        f"  Statements:     {len(report.statements)} ("
        + ", ".join(f"{key} {n}" for key, n in by_section.items())
        + ")",
    ]
    lines += [f"  warning: {w}" for w in report.warnings]
    return "\n".join(lines)


def _euro(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,.2f} €".replace(",", "X").replace(".", ",").replace("X", ".")


if __name__ == "__main__":  # pragma: no cover
    main()
