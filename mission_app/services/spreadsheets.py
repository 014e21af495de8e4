"""Reading and writing the spreadsheets organisers keep: CSV and Excel workbooks (.xlsx).

Reading turns the bytes of an uploaded file into rows of trimmed text cells, each with its row
number as the organiser sees it in Excel, or refuses the file with a reason the organiser can act
on. Nothing here knows what the columns mean.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePath

import openpyxl
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from mission_app.exporters.spreadsheets import append_row
from mission_app.exporters.spreadsheets import write_csv as exporters_write_csv
from mission_app.services.errors import ValidationFailed

CSV_EXTENSIONS = (".csv", ".txt")
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
SEPARATORS = (";", ",", "\t")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx
# A workbook is compressed XML; past this size once unpacked it is not a list of participants.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Table:
    """The non-empty rows of a file, each as (row number in the spreadsheet, cells)."""

    rows: list[tuple[int, tuple[str, ...]]]
    kind: str  # "csv" or "xlsx"
    encoding: str = ""  # CSV only: "UTF-8", "UTF-8 (BOM)" or "Windows-1252"
    separator: str = ""  # CSV only
    sheet: str = ""  # XLSX only: the sheet that was read
    sheet_count: int = 1
    truncated: bool = False  # more than `max_rows` rows: the rest was not read


class LocalNumber:
    """A number formatted in the reader's language when the message that holds it is shown."""

    def __init__(self, value: float):
        self.value = value

    def __str__(self) -> str:
        try:
            return format_decimal(self.value, format="#,##0.##")
        except RuntimeError:  # no app context: plain digits
            return f"{self.value:g}"


def _refuse(reason) -> ValidationFailed:
    return ValidationFailed({"file": [reason]})


def _too_big(size: int, limit: int) -> ValidationFailed:
    if limit >= MEGABYTE:
        return _refuse(
            _l(
                "The file is %(size)s MB; the limit is %(limit)s MB. Split it into several files.",
                size=LocalNumber(round(size / MEGABYTE, 2)),
                limit=LocalNumber(round(limit / MEGABYTE, 2)),
            )
        )
    return _refuse(
        _l(
            "The file is %(size)s KB; the limit is %(limit)s KB. Split it into several files.",
            size=LocalNumber(round(size / 1024, 2)),
            limit=LocalNumber(round(limit / 1024, 2)),
        )
    )


def clean_cell(value) -> str:
    """A cell as trimmed text: numbers without a useless '.0', dates in ISO form, NFC accents."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == time(0) else value.replace(microsecond=0)
    if isinstance(value, date | time):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def read_table(filename: str, data: bytes, max_bytes: int, max_rows: int) -> Table:
    """The rows of an uploaded .csv or .xlsx file, or ValidationFailed({'file': [reason]})."""
    if len(data) > max_bytes:
        raise _too_big(len(data), max_bytes)
    extension = PurePath(filename or "").suffix.lower()
    if extension == ".xls" or (data.startswith(OLE_MAGIC) and extension not in XLSX_EXTENSIONS):
        raise _refuse(
            _l(
                "Old Excel files (.xls) cannot be read. In Excel, save the file as "
                "“Excel Workbook (.xlsx)” or as CSV, then import it again."
            )
        )
    if extension not in CSV_EXTENSIONS + XLSX_EXTENSIONS:
        raise _refuse(
            _l(
                "Only .csv and .xlsx files can be imported; “%(name)s” is neither.",
                name=filename or "?",
            )
        )
    if not data:
        raise _refuse(_l("The file is empty."))
    if extension in XLSX_EXTENSIONS or data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, max_rows)
    return _read_csv(data, max_rows)


def _decode(data: bytes) -> tuple[str, str]:
    not_utf8_nor_1252 = _l(
        "The file is neither in UTF-8 nor in Windows-1252. In Excel, save it as "
        "“CSV UTF-8 (comma delimited)” and import it again."
    )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)):
        raise _refuse(
            _l(
                "The file is in UTF-16 (Excel's “Unicode text”), neither in UTF-8 nor in "
                "Windows-1252. In Excel, save it as “CSV UTF-8 (comma delimited)” and import "
                "it again."
            )
        )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 (BOM)"
        except UnicodeDecodeError:
            raise _refuse(not_utf8_nor_1252) from None
    if b"\x00" in data:
        raise _refuse(
            _l("This is not a CSV file: it contains binary data. Choose a .csv or .xlsx file.")
        )
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise _refuse(not_utf8_nor_1252) from None


def _outside_quotes(line: str) -> str:
    return re.sub(r'"[^"]*"?', "", line)


def sniff_separator(text: str) -> str:
    """The separator that the first non-empty line uses most (outside quotes); comma if none.

    Excel pads every row it saves to the same number of columns, so even a title line above
    the headers shows the separator.
    """
    for line in text.splitlines():
        if line.strip():
            bare = _outside_quotes(line)
            counts = {separator: bare.count(separator) for separator in SEPARATORS}
            best = max(SEPARATORS, key=lambda separator: counts[separator])
            return best if counts[best] else ","
    return ","


def _read_csv(data: bytes, max_rows: int) -> Table:
    text, encoding = _decode(data)
    if CONTROL_CHARACTERS.search(text):
        raise _refuse(
            _l("This is not a CSV file: it contains binary data. Choose a .csv or .xlsx file.")
        )
    text = unicodedata.normalize("NFC", text)
    separator = sniff_separator(text)
    rows: list[tuple[int, tuple[str, ...]]] = []
    truncated = False
    # Excel shows one row per record, even when a quoted cell spans several lines.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            cells = tuple(cell.strip() for cell in record)
            if not any(cells):
                continue
            if len(rows) >= max_rows:
                truncated = True
                break
            rows.append((number, cells))
    except csv.Error:
        raise _refuse(
            _l(
                "Row %(row)d cannot be read: a cell is too long or a quote is not closed.",
                row=number + 1,
            )
        ) from None
    return Table(rows, "csv", encoding=encoding, separator=separator, truncated=truncated)


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    unreadable = _l(
        "This file cannot be read as an Excel workbook (.xlsx): it may be damaged. Open it in "
        "Excel, save it again as .xlsx and import it again."
    )
    if data.startswith(OLE_MAGIC):
        raise _refuse(
            _l(
                "This workbook is protected by a password. Remove the protection in Excel, "
                "save it and import it again."
            )
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise _refuse(unreadable) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _refuse(unreadable)
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception:  # openpyxl raises many kinds of errors on damaged files
        raise _refuse(unreadable) from None
    try:
        sheets = [sheet for sheet in workbook.worksheets if sheet.sheet_state == "visible"]
        sheets = [sheet for sheet in sheets if hasattr(sheet, "iter_rows")]
        if not sheets:
            raise _refuse(_l("The workbook has no visible sheet."))
        sheet = sheets[0]
        rows: list[tuple[int, tuple[str, ...]]] = []
        truncated = False
        try:
            for number, values in enumerate(
                sheet.iter_rows(min_row=1, min_col=1, values_only=True), start=1
            ):
                cells = tuple(clean_cell(value) for value in values)
                if not any(cells):
                    continue
                if len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append((number, cells))
        except Exception:
            raise _refuse(unreadable) from None
        return Table(
            rows,
            "xlsx",
            sheet=sheet.title,
            sheet_count=len(sheets),
            truncated=truncated,
        )
    finally:
        workbook.close()


def write_xlsx(
    sheet_title: str,
    headers: list[str],
    rows: list[list[str]],
    choices: dict[str, list[str]] | None = None,
) -> bytes:
    """A workbook with a bold, frozen header row; `choices` adds drop-down lists to columns."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    append_row(sheet, headers)
    for row in rows:
        append_row(sheet, row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E3F2EC")
        cell.alignment = Alignment(vertical="center")
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        longest = max([len(header), *(len(str(row[index - 1])) for row in rows if row)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(12, longest + 2), 50)
    for header, values in (choices or {}).items():
        column = get_column_letter(headers.index(header) + 1)
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(values) + '"',
            allow_blank=True,
            showErrorMessage=False,  # a suggestion: other spellings are accepted on import
        )
        validation.add(f"{column}2:{column}5000")
        sheet.add_data_validation(validation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(headers: list[str], rows: list[list[str]], separator: str = ";") -> bytes:
    """UTF-8 with a BOM and semicolons: what French Excel opens with its accents right."""
    return exporters_write_csv(headers, rows, separator)
