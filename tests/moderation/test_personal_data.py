"""Personal data caught on the way in and held masked until a moderator reviews it;
masking a fragment that spans list items, action rows or lines."""

import re

import pytest
from sqlalchemy import select

from consulta.audit.models import AuditEntry
from consulta.contributions.models import Contribution
from consulta.core.operations import OperationError
from consulta.extensions import db
from consulta.moderation import operations, queries
from consulta.moderation.signals import fragment_masked

from ..conftest import login
from ..inert import main_content
from .conftest import consultation_of, contribution, user


def entries(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def api_items(app, slug):
    response = app.test_client().get(f"/api/v1/consultations/{slug}/contributions?per_page=100")
    return response.get_json()["contributions"]


# --- held on the way in ------------------------------------------------------------------

PROBLEM = "Nadie responde. Mi DNI es 45678912 y mi celular 987 654 321, escríbanme."


def test_a_dni_typed_into_a_proposal_is_held_masked_until_reviewed(
        app, consultation, create_contribution, in_request):
    code = create_contribution(consultation, kind="proposal", values={"problem": PROBLEM})

    item = contribution(code)
    assert item.problem == PROBLEM  # stored as received
    assert item.public("problem") == "Nadie responde. Mi DNI es […] y mi celular […], " \
                                     "escríbanme."
    assert item.awaits_personal_data_review
    assert item.personal_data_held == [{"code": "dni", "text": "45678912"},
                                       {"code": "phone", "text": "987 654 321"}]
    assert "45678912" not in item.search_document
    [entry] = entries("contribution.submitted")
    assert entry.after["personal_data_held"] == ["dni", "phone"]
    assert "45678912" not in str(entry.after)  # the log names the kind, never the data
    page = app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
    assert "45678912" not in page and "987 654 321" not in page
    assert "45678912" not in str(api_items(app, consultation))


def test_typed_in_records_and_list_items_are_checked_too(
        consultation, create_contribution, in_request):
    code = create_contribution(
        consultation, kind="proposal", channel="email", author_name="Juana Mamani",
        values={"co_responsible": ["MINSA", "Contacto: juana@example.pe"],
                "actions": [{"description": "Reunión en Av. Arequipa 1234",
                             "start": "2026-03", "end": "2026-04"}]})

    item = contribution(code)
    assert item.public_list("co_responsible") == ["MINSA", "Contacto: […]"]
    assert item.public_actions()[0]["description"] == "Reunión en […]"
    assert [h["code"] for h in item.personal_data_held] == ["email", "address"]


def test_a_contribution_without_personal_data_awaits_no_review(
        consultation, create_contribution, in_request):
    code = create_contribution(consultation, body="En 2026 el compromiso 12 cuesta 1.500.000.")
    item = contribution(code)
    assert not item.awaits_personal_data_review and item.masked_fragments == []


def test_the_queue_shows_the_contributions_with_personal_data_to_review(
        consultation, create_contribution, in_request):
    held = create_contribution(consultation, body="Llámenme al 987654321.")
    create_contribution(consultation, body="Sin datos personales.")

    counts = queries.moderation_counts(consultation_of(consultation))
    listed = db.session.scalars(queries.queue_query(consultation_of(consultation),
                                                    "personal_data", {})).all()
    assert counts["personal_data"] == 1
    assert [c.tracking_code for c in listed] == [held]


def test_the_moderator_confirms_a_mask_and_releases_another(
        consultation, create_contribution, moderator, in_request):
    code = create_contribution(consultation, kind="proposal", values={"problem": PROBLEM})

    operations.review_personal_data(contribution(code), actor=user(moderator),
                                    release=["987 654 321"])
    db.session.commit()

    item = contribution(code)
    assert item.public("problem") == "Nadie responde. Mi DNI es […] y mi celular " \
                                     "987 654 321, escríbanme."
    assert not item.awaits_personal_data_review and item.personal_data_to_review == []
    assert item.personal_data_held == [
        {"code": "dni", "text": "45678912", "decision": "confirmed"},
        {"code": "phone", "text": "987 654 321", "decision": "released"}]
    assert item.masked_fragments == ["45678912"]
    assert "987" in item.search_document
    [entry] = entries("contribution.personal_data_reviewed")
    assert entry.after["confirmed"] == ["dni"] and entry.after["released"] == ["phone"]
    assert "45678912" not in str(entry.before) + str(entry.after)
    # Reviewed: nothing is left to review.
    with pytest.raises(OperationError):
        operations.review_personal_data(item, actor=user(moderator))


def test_only_held_fragments_can_be_released(consultation, create_contribution, moderator,
                                             in_request):
    code = create_contribution(consultation, body="Mi DNI es 45678912.")
    with pytest.raises(OperationError):
        operations.review_personal_data(contribution(code), actor=user(moderator),
                                        release=["Mi DNI"])
    db.session.rollback()
    assert contribution(code).masked_fragments == ["45678912"]


# --- masking across list items, action rows and lines ---------------------------------

def test_masking_a_fragment_that_spans_two_co_responsible_lines_masks_both_parts(
        app, consultation, create_contribution, moderator, in_request):
    code = create_contribution(consultation, kind="proposal", values={
        "co_responsible": ["MINSA y la señora Rosa", "Quispe Mamani", "DIGEMID"]})

    # Copied from the page, where the items follow each other.
    operations.mask_contribution(contribution(code), actor=user(moderator),
                                 fragment="Rosa Quispe Mamani")
    db.session.commit()

    item = contribution(code)
    assert item.public_list("co_responsible") == ["MINSA y la señora […]", "[…]", "DIGEMID"]
    assert "quispe" not in item.search_document
    [api] = [c for c in api_items(app, consultation) if c["tracking_code"] == code]
    assert api["co_responsible"] == ["MINSA y la señora […]", "[…]", "DIGEMID"]
    page = main_content(app.test_client().get(f"/contributions/{code}").get_data(as_text=True))
    assert "Quispe" not in page and "DIGEMID" in page


def test_masking_a_fragment_that_spans_two_action_rows_masks_both_parts(
        consultation, create_contribution, moderator, in_request):
    code = create_contribution(consultation, kind="proposal", values={"actions": [
        {"description": "Coordinar con Rosa", "start": "2026-03", "end": "2026-04"},
        {"description": "Quispe la convocatoria", "start": "2026-05", "end": None}]})

    operations.mask_contribution(contribution(code), actor=user(moderator),
                                 fragment="Rosa Quispe")

    assert contribution(code).public_actions() == [
        {"description": "Coordinar con […]", "start": "2026-03", "end": "2026-04"},
        {"description": "[…] la convocatoria", "start": "2026-05", "end": None}]


@pytest.mark.parametrize("stored", ["Hablar con Rosa\nQuispe en Cusco.",
                                    "Hablar con Rosa\r\n  Quispe en Cusco."])
def test_masking_a_fragment_over_two_lines_of_a_text(
        consultation, create_contribution, moderator, in_request, stored):
    code = create_contribution(consultation, body=stored)

    operations.mask_contribution(contribution(code), actor=user(moderator),
                                 fragment="Rosa Quispe")

    assert contribution(code).public("body") == "Hablar con […] en Cusco."


def test_a_fragment_split_across_two_fields_is_refused_not_reported_as_masked(
        consultation, create_contribution, moderator, in_request):
    code = create_contribution(consultation, kind="proposal",
                               values={"title": "Salud para Rosa", "problem": "Quispe dice"})
    with pytest.raises(OperationError):
        operations.mask_contribution(contribution(code), actor=user(moderator),
                                     fragment="Rosa Quispe")
    db.session.rollback()
    assert contribution(code).masked_fragments == []


def test_masking_sends_fragment_masked(consultation, create_contribution, moderator,
                                       in_request):
    code = create_contribution(consultation, body="Pregunten por Rosa Quispe.")
    received = []

    def receiver(sender, **extra):
        received.append((sender, extra))

    with fragment_masked.connected_to(receiver):
        operations.mask_contribution(contribution(code), actor=user(moderator),
                                     fragment="Rosa Quispe")
    [(sender, extra)] = received
    assert isinstance(sender, Contribution) and sender.tracking_code == code
    assert extra == {"fragment": "Rosa Quispe"}


# --- what only HTTP shows ----------------------------------------------------------------

def test_the_preview_names_each_fragment_and_nothing_is_stored(
        app, consultation, create_user):
    client = app.test_client()
    login(client, create_user())
    page = client.post_form(f"/consultations/{consultation}/comments/new", {
        "body": "Soy Rosa, DNI 45678912, correo rosa@example.pe.", "preview": "1"})
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "Esto parece un dato personal" in html
    assert "DNI: <q>45678912</q>" in html
    assert "correo electrónico: <q>rosa@example.pe</q>" in html
    with app.app_context():
        assert db.session.scalar(select(Contribution)) is None


def test_the_moderator_reviews_held_data_from_the_queue(
        app, consultation, create_contribution, moderator_login):
    code = create_contribution(consultation, body="Mi DNI es 45678912 y vivo en Av. Sol 123.")

    queue = moderator_login.get(f"/consultations/{consultation}/moderation"
                                "?state=personal_data").get_data(as_text=True)
    assert code in queue and "Datos personales por revisar" in queue
    workspace = moderator_login.get(f"/moderation/{code}").get_data(as_text=True)
    assert "DNI: <q>45678912</q>" in workspace

    response = moderator_login.post_form(f"/moderation/{code}/personal-data",
                                         {"release": "Av. Sol 123"})

    assert response.status_code == 302
    with app.app_context():
        item = contribution(code)
        assert item.masked_fragments == ["45678912"] and not item.awaits_personal_data_review
    queue = moderator_login.get(f"/consultations/{consultation}/moderation"
                                "?state=personal_data").get_data(as_text=True)
    assert code not in queue


def test_sent_anyway_the_author_is_told_and_the_public_never_sees_it(
        app, consultation, create_user):
    client = app.test_client()
    login(client, create_user())
    url = f"/consultations/{consultation}/comments/new"
    body = {"body": "Mi DNI es 45678912, llámenme."}
    preview = client.post_form(url, {**body, "preview": "1"}).get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"',
                      preview).group(1)

    sent = client.post_form(url, {**body, "submission_token": token, "send": "1"})
    confirmation = client.get(sent.headers["Location"]).get_data(as_text=True)

    assert "hasta que un moderador lo revise" in confirmation
    assert "45678912" not in main_content(confirmation)
    public = app.test_client().get(sent.headers["Location"].split("?")[0])
    assert "45678912" not in public.get_data(as_text=True)


def test_a_released_fragment_is_not_held_again_when_the_record_is_corrected(
        consultation, create_contribution, moderator, in_request):
    from consulta.contributions.operations import correct_offline_contribution

    code = create_contribution(consultation, channel="written", author=moderator,
                               body="Presupuesto del año 20202021 para el comedor.")
    operations.review_personal_data(contribution(code), actor=user(moderator),
                                    release=["20202021"])  # a budget line, not a DNI

    correct_offline_contribution(
        contribution(code), moderator=user(moderator), details={},
        values={"body": "Presupuesto del año 20202021; contacto 987 654 321."})

    item = contribution(code)
    assert item.awaits_personal_data_review
    assert [i["text"] for i in item.personal_data_to_review] == ["987 654 321"]
    assert item.public("body") == "Presupuesto del año 20202021; contacto […]."
