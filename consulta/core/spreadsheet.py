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

import re
import zipfile
from io import BytesIO

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


def read_xlsx_rows(data, max_rows=100_000):
    """(headers, [(row number, [values])]) of the first sheet. Formulas are not run.

    Refuses zip bombs (uncompressed size checked before opening), huge cells and
    malformed workbooks with SpreadsheetError, never a crash.
    """
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            if sum(item.file_size for item in archive.infolist()) > MAX_UNCOMPRESSED:
                raise SpreadsheetError("too large once uncompressed")
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
                raise SpreadsheetError("too many rows")
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
