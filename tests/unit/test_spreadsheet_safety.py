"""Exported spreadsheets never carry a live formula: text that starts like one is read back by
openpyxl as a plain string cell marked with a quote prefix, and in CSV behind an apostrophe."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from mission_app.exporters.spreadsheets import (
    append_row,
    csv_text,
    write_csv,
)
from mission_app.services import spreadsheets

DANGEROUS = [
    '=HYPERLINK("http://x","y")',
    "+33 1 23",
    "-1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]
HARMLESS = ["Atlas Logiciels", "Banque de la Téranga", "1 + 1 = 2", "a=b", "'quoted"]


def _workbook(values: list[object]) -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    for value in values:
        append_row(workbook.active, ["label", value])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_formula_like_text_is_stored_as_quoted_string():
    data = _workbook(DANGEROUS)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [row[1] for row in sheet.iter_rows()]
    # XML parsers read a carriage return in text as a line feed.
    assert [cell.value for cell in cells] == [value.replace("\r", "\n") for value in DANGEROUS]
    assert [cell.data_type for cell in cells] == ["s"] * len(DANGEROUS)
    assert [cell.quotePrefix for cell in cells] == [True] * len(DANGEROUS)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    assert xml.count('t="inlineStr"') == 2 * len(DANGEROUS)


def test_xlsx_harmless_text_and_numbers_are_left_as_they_are():
    data = _workbook([*HARMLESS, -1, Decimal("-12.50"), 3.5])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [row[1] for row in sheet.iter_rows()]
    assert [cell.value for cell in cells] == [*HARMLESS, -1, -12.5, 3.5]
    assert [cell.data_type for cell in cells] == ["s"] * len(HARMLESS) + ["n"] * 3
    assert not any(cell.quotePrefix for cell in cells)


def test_xlsx_control_characters_are_dropped_instead_of_failing():
    sheet = openpyxl.load_workbook(io.BytesIO(_workbook(["Atlas\x01 Logiciels\x1f"]))).active
    assert sheet["B1"].value == "Atlas Logiciels"


@pytest.mark.parametrize("value", DANGEROUS)
def test_csv_formula_like_text_gets_an_apostrophe(value):
    assert csv_text(value) == "'" + value


@pytest.mark.parametrize("value", HARMLESS)
def test_csv_harmless_text_is_unchanged(value):
    assert csv_text(value) == value


def test_csv_file_read_back_keeps_no_field_that_starts_a_formula():
    data = write_csv(["Nom", "Valeur"], [[value, -1] for value in DANGEROUS])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Nom", "Valeur"]
    assert [row[0] for row in rows[1:]] == ["'" + value for value in DANGEROUS]
    # A real number is not text: it keeps its sign.
    assert {row[1] for row in rows[1:]} == {"-1"}


def test_participant_template_xlsx_quotes_the_phone_numbers(app_ctx):
    data = spreadsheets.write_xlsx(
        "Participants", ["Nom", "Téléphone"], [["Atlas", "+212 6 61 23 45 67"], ["=1+1", "-"]]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Nom", "Téléphone"],
        ["Atlas", "+212 6 61 23 45 67"],
        ["=1+1", "-"],
    ]
    assert [sheet["B2"].quotePrefix, sheet["A3"].quotePrefix, sheet["A3"].data_type] == [
        True,
        True,
        "s",
    ]


def test_participant_template_csv_quotes_formula_like_cells(app_ctx):
    data = spreadsheets.write_csv(["Nom", "Téléphone"], [["=1+1", "+212 6 61 23 45 67"]])
    assert data.decode("utf-8-sig") == "Nom;Téléphone\r\n'=1+1;'+212 6 61 23 45 67\r\n"
