"""Open-data exports of the contribution matrix: CSV and XLSX, as downloaded."""

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from consulta.core.dates import local_today
from consulta.summary.matrix import FIELDS

from ..conftest import iv_plan_json
from .conftest import close, pdf_text


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


def _flat(value):
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def test_the_exports_of_a_version_are_its_frozen_rows(app, client, create_consultation,
                                                      create_user, create_contribution,
                                                      publish, pdf_folder):
    secretariat = create_user(roles=("secretariat",))
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-10, closes_in_days=1,
                               actor=secretariat)
    first = [create_contribution(slug, body="Primer aporte."),
             create_contribution(slug, body="Segundo aporte.")]
    close(app, slug)
    publish(slug, secretariat)
    with app.app_context():
        received = local_today() - timedelta(days=2)
    # A sheet from a workshop, typed in after version 1 was published.
    third = create_contribution(slug, channel="written", body="Tercer aporte.",
                                received_on=received, author_name="Ana")

    frozen = client.get(f"/consultations/{slug}/summary/v1.csv")
    assert frozen.status_code == 200 and frozen.mimetype == "text/csv"
    assert f"aportes-{slug}-v1.csv" in frozen.headers["Content-Disposition"]
    text = frozen.get_data().decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == list(FIELDS)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["code"] for r in rows] == first
    # The same rows, value for value, as the API's matrix of version 1.
    api_rows = client.get(f"/api/v1/consultations/{slug}/summary/v1/matrix").get_json()["rows"]
    assert rows == [{key: _flat(row.get(key)) for key in FIELDS} for row in api_rows]
    workbook = load_workbook(io.BytesIO(client.get(f"/consultations/{slug}/summary/v1.xlsx").data))
    sheet = [[c.value for c in row] for row in workbook.active.iter_rows()]
    assert sheet[0] == list(FIELDS) and [row[0] for row in sheet[1:]] == first
    pdf = pdf_text(client.get(f"/consultations/{slug}/summary/v1.pdf").data)
    assert all(code in pdf for code in first) and third not in pdf
    # The live exports have the third, first in the order received (two days ago).
    assert [r["code"] for r in csv.DictReader(io.StringIO(read_csv(client, slug)))] == [
        third, *first]
    assert [row[0].value for row in read_xlsx(client, slug).active.iter_rows(min_row=2)] == [
        third, *first]
    # The summary page of version 1 links to its own files; the live ones say they are live.
    page = client.get(f"/consultations/{slug}/summary?version=1").get_data(as_text=True)
    assert f'href="/consultations/{slug}/summary/v1.csv"' in page
    assert f'href="/consultations/{slug}/summary/v1.xlsx"' in page
    assert f"/consultations/{slug}/summary/v1.pdf?lang=es" in page
    assert "Datos en vivo" in page
    # Version 2 has the third; version 1 still has two.
    publish(slug, secretariat)
    v2 = client.get(f"/consultations/{slug}/summary/v2.csv").get_data().decode("utf-8-sig")
    assert [r["code"] for r in csv.DictReader(io.StringIO(v2))] == [third, *first]
    v1 = client.get(f"/consultations/{slug}/summary/v1.csv").get_data().decode("utf-8-sig")
    assert [r["code"] for r in csv.DictReader(io.StringIO(v1))] == first


def test_the_exports_of_a_version_not_published_are_not_found(client, closed_consultation,
                                                              publish):
    slug = closed_consultation.slug
    for extension in ("csv", "xlsx", "pdf"):
        assert client.get(f"/consultations/{slug}/summary/v1.{extension}").status_code == 404
    publish(slug, closed_consultation.secretariat)
    for extension in ("csv", "xlsx"):
        assert client.get(f"/consultations/{slug}/summary/v2.{extension}").status_code == 404
        assert client.get(f"/consultations/no-such/summary/v1.{extension}").status_code == 404
