"""Open-data exports of the contribution matrix: CSV streamed row by row, XLSX spooled."""

import csv
import io
import tempfile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from consulta.core.spreadsheet import csv_safe, xlsx_text

from .matrix import FIELDS, iter_rows


def _flat(row):
    values = []
    for key in FIELDS:
        value = row[key]
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        values.append("" if value is None else value)
    return values


def csv_stream(consultation):
    """Yield the contribution matrix as CSV in chunks: memory stays flat whatever the
    number of rows. UTF-8 with a BOM; cells that a spreadsheet would read as a formula
    are neutralized (``csv_safe``).

    :param consultation: the consultation.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"  # BOM, so spreadsheet programs read the accents right
    writer.writerow(FIELDS)
    for number, row in enumerate(iter_rows(consultation), start=1):
        writer.writerow([csv_safe(v) for v in _flat(row)])
        if number % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(consultation):
    """A temporary file with the contribution matrix as XLSX, at its start (openpyxl's
    write-only mode keeps memory low). Text cells stay text, never a formula.

    :param consultation: the consultation.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="aportes")
    sheet.append(list(FIELDS))
    for row in iter_rows(consultation):
        cells = []
        for value in _flat(row):
            cell = WriteOnlyCell(sheet, value=xlsx_text(value))
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text: never a formula
            cells.append(cell)
        sheet.append(cells)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    return spool
