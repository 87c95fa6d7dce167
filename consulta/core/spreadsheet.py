"""Spreadsheets that never run what people wrote.

A cell starting with =, +, -, @, a tab or a carriage return is a formula to Excel
or LibreOffice (formula injection). In CSV such a cell is prefixed with an
apostrophe; in XLSX every text cell is written with the string type, so it is
shown as text and never evaluated.

XML, and so XLSX, cannot carry most control characters (U+0001 to U+001F but tab and
line breaks) nor U+FFFE and U+FFFF, which people can still send and which are stored
verbatim: in a workbook each becomes a space, so one pasted vertical tab never breaks
the export of a whole consultation.
"""

import csv
import re
import zipfile
from io import BytesIO, StringIO

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xlsx_text(value):
    """A value as a workbook can hold it: characters XML refuses become spaces."""
    if isinstance(value, str):
        return NOT_IN_XML.sub(" ", value)
    return value


def csv_safe(value):
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _text_cell(sheet, value, bold=False):
    cell = WriteOnlyCell(sheet, value=xlsx_text(value))
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_bytes(title, headers, rows, widths=None):
    """An XLSX file (bytes) written row by row in openpyxl's write-only mode."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, width in enumerate(widths or []):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_text_cell(sheet, h, bold=True) for h in headers])
    for row in rows:
        sheet.append([_text_cell(sheet, value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class SpreadsheetError(Exception):
    pass


MAX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_CELL = 20_000


class TooManyRows(SpreadsheetError):
    """More data rows than the reader was allowed to read."""


class TooLarge(SpreadsheetError):
    """A workbook that would be too large once uncompressed (a zip bomb, or just huge)."""


def read_xlsx_rows(data, max_rows=100_000, max_uncompressed=MAX_UNCOMPRESSED):
    """(headers, [(row number, [values])]) of the first sheet. Formulas are not run:
    a formula cell reads as its text (``=SUM(A1:A3)``), never as its result.

    Refuses zip bombs (uncompressed size checked before opening: ``TooLarge``), more
    than ``max_rows`` rows (``TooManyRows``, as soon as one more row is read), huge
    cells and malformed workbooks with SpreadsheetError, never a crash.
    """
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            if sum(item.file_size for item in archive.infolist()) > max_uncompressed:
                raise TooLarge("too large once uncompressed")
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            headers = [str(h).strip() if h is not None else "" for h in next(rows)]
        except StopIteration:
            raise SpreadsheetError("empty") from None
        result = []
        for number, values in enumerate(rows, start=2):
            if number > max_rows + 1:
                raise TooManyRows("too many rows")
            if values is None or all(v in (None, "") for v in values):
                continue
            if any(isinstance(v, str) and len(v) > MAX_CELL for v in values):
                raise SpreadsheetError("cell too long")
            result.append((number, list(values)))
        workbook.close()
    except SpreadsheetError:
        raise
    except Exception as exc:  # not a zip, not a workbook, corrupted parts
        raise SpreadsheetError(str(exc)) from None
    return headers, result


def read_csv_rows(data, max_rows=100_000):
    """(headers, [(row number, [values])]) of a CSV file (UTF-8, with or without BOM;
    comma or semicolon, as spreadsheets in Spanish write it). Every value is text:
    nothing is evaluated. Refuses files that are not UTF-8 text, more than ``max_rows``
    rows (``TooManyRows``) and huge cells with SpreadsheetError.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError("not UTF-8") from None
    if "\x00" in text:
        raise SpreadsheetError("binary")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        raise SpreadsheetError("empty") from None
    except csv.Error as exc:
        raise SpreadsheetError(str(exc)) from None
    result = []
    try:
        for number, values in enumerate(reader, start=2):
            if number > max_rows + 1:
                raise TooManyRows("too many rows")
            if all(v.strip() == "" for v in values):
                continue
            if any(len(v) > MAX_CELL for v in values):
                raise SpreadsheetError("cell too long")
            result.append((number, values))
    except csv.Error as exc:
        raise SpreadsheetError(str(exc)) from None
    return headers, result


def whole_number(text):
    """"5", "5.0" (spreadsheets store numbers as floats) → 5; anything else → None."""
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None
