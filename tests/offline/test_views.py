"""The offline-participation pages as people use them: a moderator imports a file, a
facilitator records a contribution with a person and prints the receipt, anyone follows
it at /track, the secretariat tells the authors without e-mail."""

import subprocess
from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from consulta.contributions.models import Contribution
from consulta.core.dates import local_today
from consulta.extensions import db

from ..conftest import login
from ..pdf import pdf_text
from .conftest import (
    audit_entries,
    consultation_of,
    contribution_of,
    count,
    csv_file,
    xlsx_file,
)


def pdf_info(data):
    """pdfinfo's fields of a PDF: {"Pages": "1", "Title": ..., "Page size": ...}."""
    output = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True,
                            check=True).stdout.decode()
    return {key.strip(): value.strip() for key, _sep, value in
            (line.partition(":") for line in output.splitlines())}


def _row(title="Observatorio ciudadano de precios", **values):
    with_day = {"kind": "Propuesta", "channel": "Taller", "event": "Taller de Cusco",
                "component": "Salud", "title": title, "sector": "Ciudadano/a",
                "region": "Cusco", "author_name": "Rosa Quispe", "name_public": "no"}
    with_day.update(values)
    return with_day


@pytest.fixture
def facilitator(app, create_user):
    user = create_user(roles=("facilitator",))
    client = app.test_client()
    login(client, user)
    return user, client


@pytest.fixture
def secretariat(app, create_user):
    user = create_user(roles=("secretariat",))
    client = app.test_client()
    login(client, user)
    return user, client


def _upload(client, slug, data, filename="aportes.xlsx"):
    return client.post_form(f"/consultations/{slug}/contributions/import",
                            {"file": (BytesIO(data), filename)},
                            content_type="multipart/form-data")


def _confirm_fields(page):
    import re

    digest = re.search(r'name="digest" type="hidden" value="([0-9a-f]{64})"', page)[1]
    file_format = re.search(r'name="format" type="hidden" value="(\w+)"', page)[1]
    return {"digest": digest, "format": file_format}


# --- import --------------------------------------------------------------------------

def test_a_moderator_downloads_the_template_in_both_formats(app, slug, moderator):
    _user, client = moderator
    response = client.get(f"/consultations/{slug}/contributions/import/template.xlsx")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    workbook = load_workbook(BytesIO(response.data))
    headers = [c.value for c in workbook.worksheets[0][1]]
    assert headers[:4] == ["Tipo", "Canal", "Evento", "Fecha de recepción"]
    lists = [row[0] for row in workbook.worksheets[1].iter_rows(values_only=True) if row[0]]
    assert "Salud" in lists and "Ciudadano/a" in lists and "Cusco" in lists
    response = client.get(f"/consultations/{slug}/contributions/import/template.csv")
    assert response.data.startswith("\ufeffTipo,Canal,Evento".encode())


def test_import_checks_shows_a_preview_then_creates_on_confirmation(app, slug, moderator):
    _user, client = moderator
    with app.test_request_context():
        day = (local_today() - timedelta(days=1)).isoformat()
    data = csv_file([_row(received_on=day), _row("Segunda propuesta", received_on=day)])
    response = _upload(client, slug, data, "aportes.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Aportes por crear: 2" in page
    assert "Eventos por crear: Taller de Cusco" in page and "Segunda propuesta" in page
    with app.app_context():
        assert count() == 0  # nothing until confirmed
    response = client.post_form(f"/consultations/{slug}/contributions/import/confirm",
                                _confirm_fields(page))
    assert response.status_code == 302
    assert "Se importaron 2 aportes." in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        assert count() == 2
    # The same file again: a preview that creates nothing, then nothing.
    page = _upload(client, slug, data, "aportes.csv").get_data(as_text=True)
    assert "Aportes por crear: 0" in page and "Filas importadas antes" in page
    client.post_form(f"/consultations/{slug}/contributions/import/confirm",
                     _confirm_fields(page))
    with app.app_context():
        assert count() == 2


def test_a_file_with_a_bad_row_is_refused_with_its_rows_listed(app, slug, moderator):
    _user, client = moderator
    with app.test_request_context():
        future = local_today() + timedelta(days=3)
    data = xlsx_file([_row(received_on=local_today_minus(app, 1)), _row(
        "Segunda", received_on=future, region="Narnia")])
    response = _upload(client, slug, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "El archivo no se importó. Nada ha cambiado." in page
    assert "Fila 3: columna «Fecha de recepción»: La fecha de recepción no puede estar en " \
           "el futuro." in page
    assert "Fila 3: columna «Región»: Esta región no está en la lista." in page
    with app.app_context():
        assert count() == 0


def local_today_minus(app, days):
    with app.test_request_context():
        return local_today() - timedelta(days=days)


def test_a_confirmation_without_its_file_is_refused_cleanly(app, slug, moderator):
    _user, client = moderator
    response = client.post_form(f"/consultations/{slug}/contributions/import/confirm",
                                {"digest": "0" * 64, "format": "xlsx"})
    assert response.status_code == 302
    assert "súbalo de nuevo" in client.get(response.location).get_data(as_text=True)
    response = client.post_form(f"/consultations/{slug}/contributions/import/confirm",
                                {"digest": "../../secret_key", "format": "xlsx"})
    assert response.status_code == 302


def test_a_file_that_is_too_large_or_of_another_kind_is_refused(app, slug, moderator):
    _user, client = moderator
    response = _upload(client, slug, b"%PDF-1.4", "aportes.pdf")
    assert response.status_code == 400
    assert "El archivo debe ser un libro de Excel" in response.get_data(as_text=True)


def test_only_moderators_import(app, slug, facilitator, client):
    _user, staff = facilitator
    assert staff.get(f"/consultations/{slug}/contributions/import").status_code == 403
    assert client.get(f"/consultations/{slug}/contributions/import").status_code == 302


# --- assisted participation and the receipt -----------------------------------------

def _assisted_form(**values):
    form = {"kind": "comment", "channel": "other", "title": "Que el centro de salud abra "
            "los sábados", "body": "En mi comunidad solo atiende de lunes a viernes.",
            "author_name": "Juana Mamani", "name_consent": "no", "sector": "citizen",
            "region": "puno", "contact_channel": "sms", "contact": "951 222 333",
            "component": "0", "event": "0", "commitment": "0", "submission_token": "tok-1"}
    form.update(values)
    return form


def test_a_facilitator_records_a_contribution_with_a_person_and_prints_the_receipt(
        app, slug, facilitator):
    user, client = facilitator
    response = client.post_form(f"/consultations/{slug}/contributions/assisted/new",
                                _assisted_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        contribution = db.session.scalar(select(Contribution))
        code = contribution.tracking_code
        assert contribution.received_on == local_today_minus(app, 0)
        assert (contribution.author_name, contribution.author_name_public) == (
            "Juana Mamani", False)
        assert (contribution.author_contact_channel, contribution.author_contact) == (
            "sms", "951 222 333")
        assert contribution.entered_by_id == user.id
        assert [e.after["name_public"] for e in audit_entries(
            "contribution.recorded_with_person")] == [False]
        assert "951" not in str(audit_entries("contribution.recorded_with_person")[0].after)
    page = client.get(response.location).get_data(as_text=True)
    assert code in page and "/track?code=" + code in page
    # The same form sent again records nothing more.
    again = client.post_form(f"/consultations/{slug}/contributions/assisted/new",
                             _assisted_form())
    assert again.location == response.location
    with app.app_context():
        assert count() == 1
    pdf = client.get(f"/contributions/{code}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert code in text and "/track?code=" + code in text
    info = pdf_info(pdf.data)
    assert info["Pages"] == "1" and info["Title"] == "Constancia del aporte " + code
    assert info["Page size"].startswith("419.528 x 595.276 pts")  # A5: a phone's proportions
    # Nobody else reads it: not the public, not a participant.
    assert app.test_client().get(f"/contributions/{code}/receipt.pdf").status_code == 302


def test_the_person_must_be_asked_about_their_name(app, slug, facilitator):
    _user, client = facilitator
    form = _assisted_form()
    del form["name_consent"]
    page = client.post_form(f"/consultations/{slug}/contributions/assisted/new", form)
    assert page.status_code == 200
    assert "Pregunte a la persona y registre su respuesta." in page.get_data(as_text=True)
    page = client.post_form(f"/consultations/{slug}/contributions/assisted/new",
                            _assisted_form(contact="llámenme"))
    assert "Escriba un número de teléfono" in page.get_data(as_text=True)
    with app.app_context():
        assert count() == 0


def test_no_receipt_for_a_hidden_or_voided_contribution(app, slug, facilitator,
                                                         create_contribution, create_user):
    from consulta.contributions.operations import void_contribution
    from consulta.moderation.operations import hide_contribution

    _user, client = facilitator
    moderator = create_user(roles=("moderator",))
    hidden = create_contribution(slug, channel="other", author=moderator)
    voided = create_contribution(slug, channel="other", author=moderator, body="Otro.")
    with app.test_request_context():
        from consulta.accounts.models import User

        actor = db.session.get(User, moderator.id)
        hide_contribution(contribution_of(hidden), actor=actor, reason="spam", note="")
        void_contribution(contribution_of(voided), actor=actor, reason="Dos veces.")
        db.session.commit()
    page = client.get(f"/contributions/{hidden}/receipt")
    assert page.status_code == 409
    assert "ocultado por la moderación: no tiene constancia" in page.get_data(as_text=True)
    assert client.get(f"/contributions/{hidden}/receipt.pdf").status_code == 302
    # A voided record exists for moderators only: for a facilitator it is not found.
    assert client.get(f"/contributions/{voided}/receipt.pdf").status_code == 404
    staff = app.test_client()
    login(staff, moderator)
    page = staff.get(f"/contributions/{voided}/receipt")
    assert page.status_code == 409 and "anuló" in page.get_data(as_text=True)


# --- /track ----------------------------------------------------------------------------

def test_anyone_follows_a_contribution_by_its_code(app, slug, client, create_contribution,
                                                    create_response):
    code = create_contribution(slug, channel="written", author_name="Juana Mamani",
                               author_contact_channel="phone", author_contact="951222333")
    page = client.get(f"/track?code={code.lower().replace('-', ' ')}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and code in text and "Recibido; será clasificado" in text
    assert "951222333" not in text and "Juana" not in text
    create_response(code)
    text = client.get(f"/track?code={code}").get_data(as_text=True)
    assert "Respondido: la respuesta está publicada." in text
    assert "El borrador ya lo considera." in text


def test_unknown_codes_and_consultations_in_preparation_answer_the_same(
        app, create_consultation, create_contribution, client, slug):
    private = create_consultation(announced=False, title="En preparación")
    with app.test_request_context():
        from consulta.contributions import operations
        from consulta.contributions.queries import contribution_by_code

        known = create_contribution(slug)
        # A contribution of a consultation still in preparation (as a test fixture can
        # only make it: nobody can send one there).
        consultation = consultation_of(private)
        contribution = contribution_by_code(known)
        copy = Contribution(consultation_id=consultation.id, kind="comment",
                            channel="web", author_id=contribution.author_id, body="x")
        db.session.add(copy)
        db.session.flush()
        operations.assign_tracking_code(copy)
        hidden_code = copy.tracking_code
        db.session.commit()
    answers = []
    for code in (hidden_code, "APO-2026-999999", "nada"):
        response = client.get(f"/track?code={code}")
        answers.append((response.status_code, response.get_data(as_text=True)
                        .replace(code, "CODE")))
    assert answers[0] == answers[1] and answers[0][0] == 404
    assert "No se encontró ningún aporte con este código." in answers[0][1]
    assert answers[2][0] == 404


def test_track_is_rate_limited(app, client, slug):
    limit = int(app.config["RATELIMIT_TRACK_IP"].split()[0])
    for _n in range(limit):
        assert client.get("/track?code=APO-2026-000001").status_code == 404
    assert client.get("/track?code=APO-2026-000001").status_code == 429
    assert client.get("/track").status_code == 200  # the empty form stays available


# --- authors to tell ----------------------------------------------------------------------

def test_the_secretariat_sees_whom_to_tell_and_marks_them_told(
        app, slug, secretariat, create_contribution, create_response):
    _user, client = secretariat
    waiting = create_contribution(slug, channel="written", author_name="Juana Mamani",
                                  author_contact_channel="sms", author_contact="951222333")
    unanswered = create_contribution(slug, channel="written", body="Sin respuesta aún.",
                                     author_contact_channel="post",
                                     author_contact="Jr. Lima 123, Puno")
    create_response(waiting)
    page = client.get(f"/consultations/{slug}/to-notify").get_data(as_text=True)
    assert "Por avisar (1)" in page and waiting in page and "951222333" in page
    assert unanswered not in page
    response = client.post_form(f"/contributions/{waiting}/told")
    assert response.status_code == 302
    page = client.get(f"/consultations/{slug}/to-notify").get_data(as_text=True)
    assert "Por avisar (0)" in page and "Ya avisados (1)" in page
    with app.app_context():
        [entry] = audit_entries("contribution.author_told")
        assert entry.after["channel"] == "sms" and "951222333" not in str(entry.after)
        assert contribution_of(waiting).author_told_at is not None
    # A contribution without a published response cannot be marked.
    client.post_form(f"/contributions/{unanswered}/told")
    with app.app_context():
        assert contribution_of(unanswered).author_told_at is None


def test_contact_data_never_reaches_the_public(app, slug, client, create_contribution):
    code = create_contribution(slug, channel="written", author_name="Juana Mamani",
                               author_contact_channel="sms", author_contact="951222333")
    for url in (f"/contributions/{code}", f"/consultations/{slug}/contributions",
                f"/api/v1/consultations/{slug}/contributions",
                f"/api/v1/consultations/{slug}/contributions.csv"):
        assert "951222333" not in client.get(url).get_data(as_text=True), url
    with app.app_context():
        assert set(Contribution.PERSONAL_FIELDS) >= {"author_contact_channel",
                                                      "author_contact"}


# --- printables ---------------------------------------------------------------------------

@pytest.mark.parametrize("what, expected", [
    ("plan", "Compromiso 5."), ("proposal-sheet", "Ficha de propuesta de compromiso"),
    ("how-to-take-part", "Cómo participar")])
def test_printables_for_workshops(app, slug, client, what, expected):
    response = client.get(f"/consultations/{slug}/print/{what}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True,
                          check=True).stdout.decode()
    assert expected in text and "/track" in text
    info = pdf_info(response.data)
    assert info["Page size"] == "595.276 x 841.89 pts (A4)"
    assert info["Subject"] == "Consulta de prueba" and info["Author"]
    assert b"/Lang (es)" in response.data
    if what == "how-to-take-part":
        assert info["Pages"] == "1"


def test_printables_of_a_consultation_in_preparation_are_not_found(
        app, create_consultation, client):
    private = create_consultation(announced=False)
    assert client.get(f"/consultations/{private}/print/how-to-take-part.pdf").status_code == 404
