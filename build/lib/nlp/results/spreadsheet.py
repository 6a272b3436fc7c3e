"""Every spreadsheet cell is data, never a formula.

A statement, Kommune or Landkreis comes from a report anyone can write; in a CSV opened by Excel or
LibreOffice, a cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
(`=HYPERLINK(…)`, DDE). Following OWASP ("CSV injection"), such a text cell is written with a leading
single quote `'`; numbers we write ourselves (probabilities, counts, shares) are never touched. Reading our
own CSV back (`restore_cell`) takes the quote off again, so a round trip is lossless. In `.xlsx` files the
text stays as it is and every text cell is typed as a string, which Excel never evaluates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO

FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | int | float | None


def _needs_quote(text: str) -> bool:
    # Quotes already in front are looked through, so that a text that itself begins with `'=` gets one
    # more quote and `restore_cell` can always take exactly one off.
    return text.lstrip(QUOTE)[:1] in FORMULA_STARTS


def neutralise_cell(text: str) -> str:
    """A text cell that a spreadsheet shows as text: `'` in front of a formula's first character."""
    return QUOTE + text if _needs_quote(text) else text


def restore_cell(text: str) -> str:
    """The text of a cell written by `neutralise_cell` (its inverse); other cells unchanged."""
    return text[1:] if text[:1] == QUOTE and _needs_quote(text[1:]) else text


def csv_cells(row: Iterable[Cell]) -> list[str | int | float]:
    """A row for `csv.writer`: text neutralised, numbers as they are, None empty. Numbers that the caller
    has already formatted (decimal commas) must be passed as `Number`."""
    return [
        "" if cell is None else cell if isinstance(cell, int | float | Number) else neutralise_cell(cell)
        for cell in row
    ]


class Number(str):
    """A number already formatted as text for a CSV (e.g. "0,5000" with a decimal comma): never quoted."""

    __slots__ = ()


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Cell]], out: IO[bytes], title: str) -> None:
    """One worksheet: the header row in bold, then the rows; numbers as numbers, text always as string
    cells (never a formula), None as an empty cell."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    bold = Font(bold=True)

    def cell(value: Cell, font: Font | None = None) -> WriteOnlyCell:
        if isinstance(value, str):
            # control characters are not allowed in the file format; a formula start is kept as text
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
            c = WriteOnlyCell(sheet, value=value)
            c.data_type = "s"
        else:
            c = WriteOnlyCell(sheet, value=value)
        if font is not None:
            c.font = font
        return c

    sheet.append([cell(name, bold) for name in header])
    for row in rows:
        sheet.append([cell(value) for value in row])
    book.save(out)
