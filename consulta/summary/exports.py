"""Open-data exports of the contribution matrix: CSV streamed row by row, XLSX spooled.

Two sources, one format: the live matrix (``iter_rows``: changes as responses are
published) and the frozen rows of a published summary version (``stored_rows``: what
that version certified, never changing; the same rows the API's
``summary/vN/matrix`` serves).
"""

import csv
import io
import tempfile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from consulta.core.spreadsheet import csv_safe, xlsx_text

from .matrix import FIELDS, iter_rows
from .queries import stored_rows


def _flat(row):
    values = []
    for key in FIELDS:
        # A version frozen before a column existed has no value for it: empty.
        value = row.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        values.append("" if value is None else value)
    return values


def rows_csv(rows):
    """Yield matrix rows as CSV in chunks: memory stays flat whatever the number of
    rows. UTF-8 with a BOM; cells that a spreadsheet would read as a formula are
    neutralized (``csv_safe``).

    :param rows: the matrix rows (dicts keyed by ``FIELDS``), in order.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"  # BOM, so spreadsheet programs read the accents right
    writer.writerow(FIELDS)
    for number, row in enumerate(rows, start=1):
        writer.writerow([csv_safe(v) for v in _flat(row)])
        if number % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def rows_xlsx(rows):
    """A temporary file with matrix rows as XLSX, at its start (openpyxl's write-only
    mode keeps memory low). Text cells stay text, never a formula.

    :param rows: the matrix rows (dicts keyed by ``FIELDS``), in order.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="aportes")
    sheet.append(list(FIELDS))
    for row in rows:
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


def csv_stream(consultation):
    """The live contribution matrix as CSV chunks (``rows_csv``).

    :param consultation: the consultation.
    """
    return rows_csv(iter_rows(consultation))


def xlsx_file(consultation):
    """The live contribution matrix as an XLSX temporary file (``rows_xlsx``).

    :param consultation: the consultation.
    """
    return rows_xlsx(iter_rows(consultation))


def snapshot_csv(snapshot):
    """The frozen matrix of a published version as CSV chunks (``rows_csv``).

    :param snapshot: the published ``SummarySnapshot``.
    """
    return rows_csv(stored_rows(snapshot))


def snapshot_xlsx(snapshot):
    """The frozen matrix of a published version as an XLSX temporary file.

    :param snapshot: the published ``SummarySnapshot``.
    """
    return rows_xlsx(stored_rows(snapshot))
