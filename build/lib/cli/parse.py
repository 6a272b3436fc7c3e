"""`kfd parse`: a report file in, its typed fields, sections and statements out."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cli._util import main, translate_errors


@main.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the parsed report(s) as JSON.")
@translate_errors
def parse_cmd(files: tuple[Path, ...], as_json: bool) -> None:
    """Parse report FILES (.txt, .docx, .html) into fields, sections and statements.

    With one file, --json prints one object; with several, a JSON array.
    """
    from nlp.reading.report import parse_report
    from nlp.results.output import check_input_file

    for path in files:
        if path.exists():  # a FIFO or a link to /dev/zero would block or never end
            check_input_file(path)
    reports = [parse_report(path) for path in files]
    if as_json:
        data = [r.to_dict() for r in reports]
        json.dump(data[0] if len(data) == 1 else data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    for path, report in zip(files, reports, strict=True):
        click.echo(_summary(path, report))


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
