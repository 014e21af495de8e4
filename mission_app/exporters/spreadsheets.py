"""Cells of the CSV and Excel files the app writes, made safe to open in a spreadsheet.

Names, notes and addresses come from people who typed them, and a spreadsheet runs a cell that
starts with `=`, `+`, `-` or `@` as a formula (tab and carriage return too, which some programs
skip before looking). `=HYPERLINK("http://x","y")` in a firm's name must not become a live link,
nor `=cmd|' /C calc'!A0` a command. Every writer of CSV or XLSX in the app goes through here:

- XLSX: such text is stored as a string cell (`t="inlineStr"`, never a `<f>` formula) with the
  cell's quotePrefix set, which is what Excel records when someone types a leading apostrophe:
  the cell shows the text as it is, and stays text when edited. The value read back is the
  original text, without any added character.
- CSV has no types, so such text is written with a leading apostrophe, which Excel and
  LibreOffice show instead of running the cell. Imports keep what they read: a file typed by
  someone may hold a leading apostrophe on purpose.

Numbers, dates and booleans are real values, never formulas, and are written as they are.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable
from datetime import date, time
from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _text(value: object) -> object:
    """Lazy translations and other text-like objects as plain str; other values unchanged."""
    if value is None or isinstance(value, bool | int | float | str | Decimal | date | time):
        return value
    return str(value)


def set_cell(cell, value: object) -> None:
    """Put `value` in an openpyxl cell; text that could run as a formula stays inert text."""
    value = _text(value)
    if isinstance(value, str):
        # Control characters are not allowed in the file's XML; openpyxl would refuse them.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"  # openpyxl made it a formula ("f") because it starts with "="
        cell.quotePrefix = True


def append_row(sheet, values: Iterable[object]) -> None:
    """Write `values` on the next row of `sheet`, each cell through `set_cell`."""
    cells = []
    for value in values:
        cell = Cell(sheet)
        set_cell(cell, value)
        cells.append(cell)
    sheet.append(cells)


def csv_text(value: object) -> str:
    """A CSV field: text that could run as a formula gets a leading apostrophe."""
    value = _text(value)
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)  # a number, not text: -1 keeps its sign
    text = str(value)
    return QUOTE + text if looks_like_formula(text) else text


def write_csv(headers: Iterable[object], rows: Iterable[Iterable[object]], separator=";") -> bytes:
    """UTF-8 with a BOM and semicolons (what French Excel opens with its accents right), every
    field through `csv_text`."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow([csv_text(value) for value in headers])
    writer.writerows([csv_text(value) for value in row] for row in rows)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
