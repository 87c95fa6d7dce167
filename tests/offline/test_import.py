"""Importing offline contributions from a spreadsheet: every row checked first, all or
nothing, idempotent, and every kind of bad file refused with a message by row and
column."""

import json
import zipfile
from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from consulta.consultations.models import Event
from consulta.contributions.models import Contribution
from consulta.core.dates import local_today
from consulta.demo.la_libertad import load_la_libertad
from consulta.extensions import db
from consulta.offline.constants import IMPORT_MAX_ROWS
from consulta.offline.importer import (
    COLUMNS,
    ImportProblems,
    check_import,
    import_contributions,
)

from ..conftest import SHARED_DATA
from .conftest import (
    audit_entries,
    consultation_of,
    count,
    csv_file,
    spanish_headers,
    user_of,
    xlsx_file,
)


@pytest.fixture(autouse=True)
def _in_a_request(app):
    """Rows are made with the deployment's today, which needs the app."""
    with app.test_request_context():
        yield


def a_row(**values):
    """A complete, valid row of the template, received two days ago at a workshop."""
    row = {"kind": "Propuesta", "channel": "Taller", "event": "Taller regional de Cusco",
           "received_on": local_today() - timedelta(days=2), "component": "Salud",
           "title": "Observatorio ciudadano de precios de medicamentos",
           "problem": "Los precios de los medicamentos varían sin control.",
           "objective": "Que la ciudadanía vigile los precios.",
           "responsible": "MINSA", "co_responsible": "DIGEMID; Defensoría del Pueblo",
           "actions": "Publicar los precios | 2026-03 | 2026-06\nCapacitar a vigilantes | 2026",
           "due": "2026-12", "body": "", "author_name": "Rosa Quispe", "name_public": "sí",
           "organization": "Asociación de usuarios", "sector": "Ciudadano/a",
           "region": "Cusco", "gender": "Mujer", "contact": "+51 984 123 456"}
    row.update(values)
    return row


def problems_of(call):
    with pytest.raises(ImportProblems) as refused:
        call()
    db.session.rollback()
    return refused.value.problems


def check(slug, data, filename="aportes.xlsx"):
    return check_import(consultation_of(slug), data, filename)


def run_import(slug, data, moderator, filename="aportes.xlsx"):
    plan = import_contributions(consultation_of(slug), data, filename,
                                actor=user_of(moderator))
    db.session.commit()
    return plan


# --- what a good file creates ---------------------------------------------------------

def thirty_real_rows():
    """30 written contributions with real texts: the 21 commitments of Peru's IV plan as
    they were proposed (by e-mail), the 7 proposal sheets of the La Libertad workshop of
    2016 and 2 of the letters a district mayor sent after it, as comments on the plan."""
    day = local_today() - timedelta(days=3)
    plan = json.loads((SHARED_DATA / "paga-iv-2020-2021.json").read_text("utf-8"))
    rows = []
    for theme in plan["themes"]:
        for commitment in theme["commitments"]:
            rows.append({"kind": "propuesta", "channel": "Correo electrónico",
                         "received_on": day.strftime("%d/%m/%Y"), "component": theme["name"],
                         "title": commitment["title"], "body": commitment.get("summary", ""),
                         "sector": "Organización de la sociedad civil", "name_public": "no"})
    workshop = json.loads((SHARED_DATA / "taller-la-libertad-2016.json").read_text("utf-8"))
    for proposal in workshop["proposals"]:
        rows.append({"kind": "comentario", "channel": "taller",
                     "event": workshop["event"]["title"], "received_on": day,
                     "title": proposal["title"], "problem": proposal.get("problem"),
                     "objective": proposal.get("objective"),
                     "responsible": proposal.get("responsible"),
                     "co_responsible": "\n".join(proposal.get("co_responsible") or []),
                     "actions": "\n".join(
                         f"{a['description']} | {a.get('start') or ''} | {a.get('end') or ''}"
                         for a in proposal.get("actions") or []),
                     "sector": "Gobierno regional", "region": "La Libertad"})
    letters = workshop["later_written_contributions"]
    for item in letters["items"][:2]:
        rows.append({"kind": "Comentario", "channel": "Documentos escritos",
                     "received_on": day.isoformat(), "title": item["title"],
                     "problem": item.get("problem"), "objective": item.get("objective"),
                     "author_name": letters["author"], "name_public": "Sí",
                     "sector": letters["author_kind"], "region": "la-libertad"})
    assert len(rows) == 30
    return rows


def test_import_creates_thirty_real_written_contributions_in_one_go(app, slug, moderator):
    user, _client = moderator
    data = xlsx_file(thirty_real_rows())
    with app.test_request_context():
        plan = check(slug, data)
        assert len(plan.rows) == 30 and plan.new_events == [
            "Taller descentralizado de gobierno abierto - Región La Libertad"]
        assert count() == 0  # checking writes nothing
        plan = run_import(slug, data, user)
        assert len(plan.created) == 30
        contributions = db.session.scalars(select(Contribution).order_by(Contribution.id)).all()
        assert [c.tracking_code for c in contributions] == plan.created
        first = contributions[0]
        assert (first.kind, first.channel, first.component.name, first.sector) == (
            "proposal", "email", "Infraestructura", "civil_society")
        assert first.received_on == local_today() - timedelta(days=3)
        assert first.entered_by_id == user.id and first.is_offline
        sheet = contributions[21]
        assert sheet.kind == "comment" and sheet.target == "plan"
        assert sheet.event.title.startswith("Taller descentralizado") and sheet.region == \
            "la-libertad"
        assert sheet.actions[0]["start"] == "2016-06"
        assert sheet.co_responsible[:2] == ["Ministerio de Educación", "Ministerio del Interior"]
        letter = contributions[-1]
        assert letter.public_author == "Alcaldía Distrital de Pacasmayo"
        assert letter.sector == "local_government"
        assert db.session.scalar(select(Event).where(Event.consultation_id == first.consultation_id)
                                 ).region == "la-libertad"
        assert len(audit_entries("contribution.entered_offline")) == 30
        [entry] = audit_entries("contributions.imported")
        assert entry.after["created"] == 30


def test_import_of_a_real_past_consultation_keeps_its_dates_and_codes(app, moderator,
                                                                       create_user):
    """The La Libertad consultation of 2016, recorded after the fact: the workshop's 7
    sheets and the mayor's 3 letters, with the days they were received."""
    user, _client = moderator
    workshop = json.loads((SHARED_DATA / "taller-la-libertad-2016.json").read_text("utf-8"))
    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        consultation, _created = load_la_libertad(user_of(secretariat))
        db.session.commit()
        slug = consultation.slug
    rows = [{"kind": "Propuesta", "channel": "Taller", "event": workshop["event"]["title"],
             "received_on": "11/05/2016", "component": p["component"], "title": p["title"],
             "problem": p.get("problem"), "objective": p.get("objective"),
             "sector": "Gobierno regional", "region": "La Libertad"}
            for p in workshop["proposals"]]
    letters = workshop["later_written_contributions"]
    rows += [{"kind": "Comentario", "channel": "Documentos escritos",
              "received_on": date(2016, 5, 12), "title": item["title"],
              "problem": item.get("problem"), "author_name": letters["author"],
              "name_public": "sí", "sector": letters["author_kind"],
              "region": "La Libertad"} for item in letters["items"]]
    with app.test_request_context():
        plan = run_import(slug, xlsx_file(rows), user)
        assert len(plan.created) == 10
        assert all(code.startswith("APO-2016-") for code in plan.created)
        received = sorted({c.received_on for c in db.session.scalars(select(Contribution))})
        assert received == [date(2016, 5, 11), date(2016, 5, 12)]
        assert not any(c.received_outside_window for c in db.session.scalars(select(Contribution)))


def test_the_same_file_twice_creates_nothing_new(app, slug, moderator):
    user, _client = moderator
    data = xlsx_file([a_row(), a_row(title="Otra propuesta")])
    with app.test_request_context():
        first = run_import(slug, data, user)
        again = check(slug, data)
        assert again.rows == [] and again.already_imported == {2: first.created[0],
                                                               3: first.created[1]}
        second = run_import(slug, data, user)
        assert second.created == [] and count() == 2
        # The same rows in CSV, with other spacing and case, are the same rows.
        same = csv_file([a_row(title="  OTRA propuesta "), a_row(title="Una tercera")])
        third = run_import(slug, same, user, filename="aportes.csv")
        assert len(third.created) == 1 and count() == 3


def test_the_values_of_the_row_reach_the_contribution(app, slug, moderator):
    user, _client = moderator
    with app.test_request_context():
        [code] = run_import(slug, xlsx_file([a_row()]), user).created
        c = db.session.scalar(select(Contribution).where(Contribution.tracking_code == code))
        assert (c.author_name, c.author_name_public, c.author_organization) == (
            "Rosa Quispe", True, "Asociación de usuarios")
        assert (c.sector, c.region, c.author_gender) == ("citizen", "cusco", "female")
        assert (c.author_contact_channel, c.author_contact) == ("phone", "+51 984 123 456")
        assert c.actions == [
            {"description": "Publicar los precios", "start": "2026-03", "end": "2026-06"},
            {"description": "Capacitar a vigilantes", "start": "2026", "end": None}]
        assert c.co_responsible == ["DIGEMID", "Defensoría del Pueblo"]
        assert c.due == "2026-12"


# --- all or nothing, by row and column --------------------------------------------------

def test_one_bad_row_refuses_the_whole_file_and_says_where(app, slug, moderator):
    user, _client = moderator
    rows = [a_row(), a_row(title="Segunda", region="Atlántida"), a_row(title="Tercera")]
    with app.test_request_context():
        problems = problems_of(lambda: run_import(slug, xlsx_file(rows), user))
        assert problems == [(3, "Región", "Esta región no está en la lista.")]
        assert count() == 0 and count(Event) == 0


def test_a_sector_not_in_the_list_is_refused(app, slug):
    with app.test_request_context():
        [(row, column, message)] = problems_of(
            lambda: check(slug, xlsx_file([a_row(sector="Iglesia")])))
        assert (row, column, message) == (2, "Sector", "Este sector no está en la lista.")


@pytest.mark.parametrize("header_change", ["extra", "missing", "renamed", "repeated"])
def test_columns_must_be_the_templates(app, slug, header_change):
    header_row = spanish_headers()
    rows = [[a_row().get(k) for k in COLUMNS]]
    if header_change == "extra":
        header_row = [*header_row, "Observaciones"]
        rows[0].append("nota")
    elif header_change == "missing":
        del header_row[7]
        del rows[0][7]
    elif header_change == "renamed":
        header_row[7] = "Nombre de la propuesta"
    else:
        header_row[8] = header_row[7]
    with app.test_request_context():
        problems = problems_of(lambda: check(slug, xlsx_file(rows, header_row=header_row)))
    assert problems and all(row == 1 for row, _column, _message in problems)
    if header_change == "extra":
        assert problems[0][1:] == ("Observaciones", "Columna desconocida: use las columnas "
                                                    "de la plantilla, sin cambiarles el nombre.")
    if header_change in ("missing", "renamed"):
        assert (1, "Título", "Falta la columna.") in problems


def test_headers_in_english_are_read_too(app, slug):
    from flask_babel import force_locale

    from consulta.offline.importer import headers

    with app.test_request_context():
        with force_locale("en"):
            english = [headers()[k] for k in COLUMNS]
        assert len(check(slug, xlsx_file([a_row()], header_row=english)).rows) == 1


def test_formulas_are_refused_never_evaluated(app, slug):
    data = xlsx_file([a_row(title="=HYPERLINK(\"http://example.com\",\"clic\")"),
                      a_row(title="Otra", body="=1+1")])
    with app.test_request_context():
        problems = problems_of(lambda: check(slug, data))
        assert problems == [
            (2, "Título", "No se aceptan fórmulas: escriba el valor mismo."),
            (3, "Texto del aporte", "No se aceptan fórmulas: escriba el valor mismo.")]
        problems = problems_of(lambda: check(slug, csv_file([a_row(title="=cmd|' /C calc'!A0")]),
                                             filename="aportes.csv"))
        assert [row for row, _c, _m in problems] == [2]
        # What a CSV export neutralized comes back as the text it was.
        plan = check(slug, csv_file([a_row(title="'=no es una fórmula")]), "aportes.csv")
        assert plan.rows[0].sheet["title"] == "=no es una fórmula"


def test_dates_as_text_are_read_or_refused_clearly(app, slug):
    day = local_today() - timedelta(days=2)
    with app.test_request_context():
        for written in (day.strftime("%d/%m/%Y"), day.isoformat(), day.strftime("%d-%m-%Y")):
            assert check(slug, csv_file([a_row(received_on=written)]),
                         "aportes.csv").rows[0].received_on == day
        for bad in ("11 de mayo", "2026/13/45", "31/02/2026", "45678"):
            [(row, column, message)] = problems_of(
                lambda bad=bad: check(slug, xlsx_file([a_row(received_on=bad)])))
            assert (row, column, message) == (
                2, "Fecha de recepción", "Escriba la fecha como DD/MM/AAAA o AAAA-MM-DD.")


def test_a_received_date_in_the_future_is_refused(app, slug):
    with app.test_request_context():
        [(row, _column, message)] = problems_of(lambda: check(slug, xlsx_file(
            [a_row(received_on=local_today() + timedelta(days=1))])))
        assert (row, message) == (2, "La fecha de recepción no puede estar en el futuro.")


def test_a_date_outside_the_windows_needs_the_confirmation_column(app, slug):
    before = local_today() - timedelta(days=30)  # the consultation opened 7 days ago
    with app.test_request_context():
        [(row, column, message)] = problems_of(
            lambda: check(slug, xlsx_file([a_row(received_on=before)])))
        assert (row, column) == (2, "Fecha de recepción")
        assert "fuera de las ventanas" in message and message.endswith(
            "escriba «sí» en la columna «Recibido fuera de las ventanas (sí/no)».")
        plan = check(slug, xlsx_file([a_row(received_on=before, outside_windows="sí")]))
        assert plan.rows[0].outside_windows


def test_duplicate_rows_inside_the_file_are_refused(app, slug):
    with app.test_request_context():
        problems = problems_of(lambda: check(slug, xlsx_file(
            [a_row(), a_row(title="Otra"), a_row(title=" observatorio CIUDADANO de precios "
                                                      "de medicamentos")])))
        assert problems == [(4, None, "Esta fila repite la fila 2.")]


def test_a_new_event_needs_its_date_and_region(app, slug):
    with app.test_request_context():
        problems = problems_of(lambda: check(slug, xlsx_file(
            [a_row(received_on=None, region=None)])))
        assert problems == [
            (2, "Evento", "Un evento nuevo necesita la fecha en que se realizó: escriba la "
                          "fecha de recepción."),
            (2, "Evento", "Un evento nuevo necesita su región: escriba la región.")]


# --- files that are not what they claim ------------------------------------------------

def test_a_file_above_the_row_limit_is_refused_as_soon_as_it_is_read(app, slug, monkeypatch):
    """A workbook of many more rows than the limit is refused at the row after the limit:
    the rows after it are never read (counted, not timed)."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    read = []
    iter_rows = ReadOnlyWorksheet.iter_rows

    def counted(self, *args, **kwargs):
        for row in iter_rows(self, *args, **kwargs):
            read.append(1)
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "iter_rows", counted)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(spanish_headers())
    for n in range(3 * IMPORT_MAX_ROWS):
        sheet.append(["Propuesta", "Taller", None, None, None, "Salud", None, f"P{n}"])
    buffer = BytesIO()
    workbook.save(buffer)
    [(row, _column, message)] = problems_of(lambda: check(slug, buffer.getvalue()))
    # The headers, the rows up to the limit, and the one after it.
    assert len(read) == IMPORT_MAX_ROWS + 2
    limit = f"{IMPORT_MAX_ROWS:,}".replace(",", " ")
    assert row is None and message in (
        f"El archivo tiene más de {IMPORT_MAX_ROWS} filas: divídalo en varios archivos.",
        f"El archivo tiene más de {limit} filas: divídalo en varios archivos.")
    big_csv = csv_file([a_row(title=f"P {n}") for n in range(IMPORT_MAX_ROWS + 1)])
    [(_row, _column, same)] = problems_of(lambda: check(slug, big_csv, "a.csv"))
    assert same == message


def test_a_zip_bomb_is_refused_before_it_is_read(app, slug):
    buffer = BytesIO()
    good = load_workbook(BytesIO(xlsx_file([a_row()])))  # a real workbook's parts...
    assert good.active.max_row == 2
    with zipfile.ZipFile(BytesIO(xlsx_file([a_row()]))) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            bomb.writestr(item, source.read(item))
        # ...and one more that weighs 100 MB once uncompressed, 100 KB compressed.
        bomb.writestr("xl/media/padding.bin", b"\0" * (100 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    with app.test_request_context():
        [(_row, _column, message)] = problems_of(lambda: check(slug, data))
        assert message == "El libro es demasiado grande una vez descomprimido (más de 25 MB)."


@pytest.mark.parametrize("data, filename", [
    (b"PK\x03\x04 not really a zip", "aportes.xlsx"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "aportes.xlsx"),
    ("título;canal\n".encode("latin-1"), "aportes.csv"),
    (b"", "aportes.csv"),
])
def test_files_that_are_not_spreadsheets_are_refused(app, slug, data, filename):
    with app.test_request_context():
        [(row, _column, _message)] = problems_of(lambda: check(slug, data, filename))
        assert row is None


def test_a_file_with_headers_only_has_nothing_to_import(app, slug):
    with app.test_request_context():
        [(_row, _column, message)] = problems_of(lambda: check(slug, xlsx_file([])))
        assert message == "El archivo no tiene filas que importar."


def test_a_consultation_in_preparation_takes_no_import(app, create_consultation):
    private = create_consultation(announced=False)
    with app.test_request_context():
        assert problems_of(lambda: check(private, xlsx_file([a_row()])))
