"""`kfd data check`: validate the labelled training data."""

from __future__ import annotations

from pathlib import Path

import click

from cli._util import data_option, main, settings, translate_errors


@main.group("data")
def data_group() -> None:
    """Check the labelled training data."""


@data_group.command("check")
@data_option
@click.option(
    "--labels",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Check this labels file instead of DATA/labels.jsonl.",
)
@click.option("--show-near", default=15, show_default=True, help="How many near-duplicate pairs to list.")
@translate_errors
def data_check_cmd(data_dir: Path, labels: Path | None, show_near: int) -> None:
    """Validate the labels (ids, texts found in their reports, duplicates, coverage) and print the
    label distribution. Exit code 2 when anything is invalid, with one line per problem."""
    from nlp.training.corpus import check_corpus, distribution

    codebook = settings().load_codebook()
    result = check_corpus(data_dir, labels, codebook=codebook)
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
