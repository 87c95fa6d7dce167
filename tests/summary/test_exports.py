"""Open-data exports of the contribution matrix: CSV and XLSX, as downloaded."""

import csv
import io

from openpyxl import load_workbook

from consulta.summary.matrix import FIELDS

from ..conftest import iv_plan_json


def read_csv(client, slug):
    response = client.get(f"/api/v1/consultations/{slug}/contributions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # UTF-8 with BOM
    return raw.decode("utf-8-sig")


def read_xlsx(client, slug):
    response = client.get(f"/api/v1/consultations/{slug}/contributions.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def test_exports_are_safe_against_formula_injection(client, create_consultation,
                                                    create_contribution):
    slug = create_consultation(plan=iv_plan_json())
    for text in ('=HYPERLINK("http://x","y")', "@SUM(1+1)", "+1-1", "-2+3"):
        create_contribution(slug, body=text)

    rows = list(csv.DictReader(io.StringIO(read_csv(client, slug))))
    texts = {r["text"] for r in rows}
    assert texts == {"'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(1+1)", "'+1-1", "'-2+3"}
    workbook = read_xlsx(client, slug)
    cells = [c for row in workbook.active.iter_rows(min_row=2) for c in row
             if isinstance(c.value, str) and c.value[:1] in "=@+-"]
    assert len(cells) >= 4 and all(c.data_type == "s" for c in cells)


def test_the_exports_hold_one_public_row_per_contribution(client, closed_consultation):
    text = read_csv(client, closed_consultation.slug)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert next(csv.reader(io.StringIO(text))) == list(FIELDS)
    assert [r["code"] for r in rows] == list(closed_consultation.codes)
    by_code = {r["code"]: r for r in rows}
    assert by_code[closed_consultation.grouped[0]]["outcome"] == "already_covered"
    assert by_code[closed_consultation.hidden]["status"] == "hidden:offensive"
    assert "Texto ofensivo" not in text

    sheet = read_xlsx(client, closed_consultation.slug).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == list(FIELDS)
    assert [row[0] for row in values[1:]] == list(closed_consultation.codes)
    assert not [v for row in values for v in row if v and "Texto ofensivo" in str(v)]
