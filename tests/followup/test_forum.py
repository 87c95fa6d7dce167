"""The standing forum: members by sector, meetings with their minutes, observations on
published reports, and IRM guideline 7 during implementation.

Reports are made directly with the models (a published report: state "published",
``published_at`` set), as the follow-up's reports part is built alongside.
"""

import io
import json
from datetime import timedelta

import pytest
from flask_login import login_user
from sqlalchemy import func, select

from consulta.accounts.models import User
from consulta.audit.models import AuditEntry
from consulta.consultations.models import Consultation
from consulta.core.dates import local_today, utcnow
from consulta.extensions import db
from consulta.finalplan.models import FinalPlan
from consulta.followup import forum
from consulta.followup.models import (
    Document,
    DocumentBlob,
    ForumMeeting,
    ForumMember,
    ForumObservation,
    ProgressReport,
)
from consulta.followup.signals import fragments, report_page, tracking_page

from ..conftest import login
from ..test_query_counts import _statements

PLAN = json.dumps({
    "plan": {"title": "Plan de prueba"},
    "themes": [
        {"name": "Salud", "commitments": [
            {"number": 1, "title": "Observatorio de precios de medicamentos",
             "institution": "MINSA", "due": "2027-12"},
            {"number": 2, "title": "Quejas ciudadanas en el observatorio"}]},
    ],
}).encode()

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: How many days before today the final plan was approved.
APPROVED_DAYS_AGO = 200


def consultation_of(slug):
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def user(ref):
    return db.session.get(User, ref.id)


def today(app):
    with app.app_context():
        return local_today()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def secretariat(create_user):
    return create_user(roles=("secretariat",))


@pytest.fixture
def followed(app, create_consultation, secretariat):
    """A consultation whose final plan was approved APPROVED_DAYS_AGO days ago, with a
    published report on commitment 1 and a draft report on commitment 2.

    → {"slug", "report" (published id), "draft" (id), "final_plan" (id)}"""
    slug = create_consultation(plan=PLAN, actor=secretariat, opens_in_days=-400,
                               closes_in_days=-300, announced_days_ago=420)
    with app.test_request_context():
        consultation = consultation_of(slug)
        version = consultation.published_plan
        today = local_today()
        final_plan = FinalPlan(
            consultation_id=consultation.id, plan_version_id=version.id,
            consulted_version_id=version.id, approval_reference="Resolución N.° 1-2026",
            approved_on=today - timedelta(days=APPROVED_DAYS_AGO),
            published_at=utcnow() - timedelta(days=APPROVED_DAYS_AGO))
        db.session.add(final_plan)
        first, second = sorted(version.commitments, key=lambda c: c.number)
        report = ProgressReport(commitment_id=first.id, number=1,
                                as_of=today - timedelta(days=30),
                                narrative="Avance del observatorio.", state="published",
                                published_at=utcnow() - timedelta(days=29))
        draft = ProgressReport(commitment_id=second.id, number=1,
                               as_of=today - timedelta(days=5), narrative="Borrador.")
        db.session.add_all([report, draft])
        db.session.commit()
        ids = {"slug": slug, "report": report.id, "draft": draft.id,
               "final_plan": final_plan.id}
        db.session.remove()
    return ids


def add_member(app, slug, secretariat, **values):
    """A member saved through the operation → its id."""
    defaults = {"name": "Rosa Quispe", "organization": "Proética",
                "sector": "civil_society", "role": "co_chair", "side": "civil_society"}
    defaults.update(values)
    with app.test_request_context():
        member = forum.save_member(consultation_of(slug), actor=user(secretariat),
                                   **defaults)
        db.session.commit()
        member_id = member.id
        db.session.remove()
    return member_id


def add_meeting(app, slug, secretariat, days_ago, **values):
    with app.test_request_context():
        meeting = forum.save_meeting(consultation_of(slug), actor=user(secretariat),
                                     held_on=local_today() - timedelta(days=days_ago),
                                     **values)
        db.session.commit()
        meeting_id = meeting.id
        db.session.remove()
    return meeting_id


def observe(app, report_id, actor, body="El foro pide publicar los datos en formato "
            "abierto.", member_id=None):
    with app.test_request_context():
        report = db.session.get(ProgressReport, report_id)
        member = db.session.get(ForumMember, member_id) if member_id else None
        observation = forum.post_observation(report, actor=user(actor), body=body,
                                             member=member)
        db.session.commit()
        observation_id = observation.id
        db.session.remove()
    return observation_id


def report_fragments(app, report_id, as_user=None):
    """The HTML the follow-up's receivers add to the report's public page."""
    with app.test_request_context():
        if as_user is not None:
            login_user(user(as_user))
        report = db.session.get(ProgressReport, report_id)
        html = "".join(str(f) for f in fragments(report_page, report))
        db.session.remove()
    return html


def nothing_changed(app, before):
    with app.app_context():
        return {model: count(model) for model in before} == before


# --- members -------------------------------------------------------------------------

def test_the_secretariat_adds_members_and_the_public_page_lists_them_by_sector(
        app, client, followed, secretariat, create_user):
    slug = followed["slug"]
    linked = create_user(email="rosa@example.pe")
    login(client, secretariat)
    assert client.get(f"/consultations/{slug}/forum/members/new").status_code == 200
    response = client.post_form(f"/consultations/{slug}/forum/members/new", {
        "name": "Rosa Quispe", "organization": "Proética", "sector": "civil_society",
        "side": "civil_society", "role": "co_chair", "starts_on": "2026-01-10",
        "email": " Rosa@Example.pe "})
    assert response.status_code == 302
    client.post_form(f"/consultations/{slug}/forum/members/new", {
        "name": "Jorge Díaz", "organization": "Secretaría de Gobierno Digital",
        "sector": "national_government", "side": "government", "role": "member"})
    with app.app_context():
        members = db.session.scalars(select(ForumMember).order_by(ForumMember.name)).all()
        assert [(m.name, m.user_id) for m in members] == [("Jorge Díaz", None),
                                                           ("Rosa Quispe", linked.id)]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "forum_member.saved")) == 2
    html = app.test_client().get(f"/consultations/{slug}/forum").get_data(as_text=True)
    assert "Rosa Quispe" in html and "Proética" in html and "Copresidencia" in html
    assert "Jorge Díaz" in html and "Gobierno" in html
    assert "rosa@example.pe" not in html.lower()
    assert html.index("Organización de la sociedad civil") < html.index("Rosa Quispe")


@pytest.mark.parametrize("values, message", [
    ({"sector": "martians"}, "Elige un sector de la lista."),
    ({"side": ""}, "Indica si el miembro representa al gobierno o a la sociedad civil."),
    ({"role": "king"}, "Elige el rol del miembro en el foro."),
    ({"email": "nadie@example.pe"}, "Ninguna cuenta tiene la dirección nadie@example.pe"),
    ({"starts_on": "2026-05-01", "ends_on": "2026-04-01"},
     "Una membresía no puede terminar antes de empezar."),
    ({"name": ""}, "Escribe el nombre del miembro."),
])
def test_a_member_with_bad_values_is_refused_and_nothing_is_saved(
        app, client, followed, secretariat, values, message):
    slug = followed["slug"]
    login(client, secretariat)
    data = {"name": "Rosa Quispe", "sector": "civil_society", "side": "civil_society",
            "role": "member", **values}
    response = client.post_form(f"/consultations/{slug}/forum/members/new", data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert count(ForumMember) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "forum_member.saved")) == 0


def test_managing_the_forum_needs_the_secretariat(app, client, followed, create_user):
    slug = followed["slug"]
    assert app.test_client().get(f"/consultations/{slug}/forum/manage").status_code == 302
    login(client, create_user())
    for path in ("manage", "members/new", "meetings/new"):
        assert client.get(f"/consultations/{slug}/forum/{path}").status_code == 403
    assert client.post_form(f"/consultations/{slug}/forum/members/new", {
        "name": "Intruso", "sector": "citizen", "side": "civil_society",
        "role": "member"}).status_code == 403
    with app.app_context():
        assert count(ForumMember) == 0


def test_a_member_of_another_consultation_is_not_found(
        app, client, followed, secretariat, create_consultation):
    other = create_consultation(plan=PLAN, actor=secretariat)
    member_id = add_member(app, other, secretariat)
    login(client, secretariat)
    assert client.get(f"/consultations/{followed['slug']}/forum/members/{member_id}/edit"
                      ).status_code == 404


def test_former_members_are_listed_apart(app, followed, secretariat):
    slug = followed["slug"]
    day = today(app)
    add_member(app, slug, secretariat, name="Ana Serving")
    add_member(app, slug, secretariat, name="Beto Former",
               starts_on=day - timedelta(days=400), ends_on=day - timedelta(days=30))
    html = app.test_client().get(f"/consultations/{slug}/forum").get_data(as_text=True)
    assert html.index("Ana Serving") < html.index("Miembros anteriores") < \
        html.index("Beto Former")


# --- meetings ------------------------------------------------------------------------

def test_a_meeting_with_its_minutes_is_public_and_the_minutes_download(
        app, client, followed, secretariat):
    slug = followed["slug"]
    member_id = add_member(app, slug, secretariat)
    login(client, secretariat)
    held_on = today(app) - timedelta(days=10)
    response = client.post_form(f"/consultations/{slug}/forum/meetings/new", {
        "held_on": held_on.isoformat(), "place": "Sala de la PCM, Lima",
        "attendance": "12", "attendees": [str(member_id)],
        "agenda": "1. Informe del **compromiso 1**\n\n<script>alert(1)</script>",
        "minutes": (io.BytesIO(PDF), "acta de la sesión.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.scalar(select(ForumMeeting))
        assert meeting.held_on == held_on and meeting.attendance == 12
        assert [m.id for m in meeting.attendees] == [member_id]
        assert meeting.minutes_document.content_type == "application/pdf"
        meeting_id = meeting.id
    anonymous = app.test_client()
    html = anonymous.get(f"/consultations/{slug}/forum").get_data(as_text=True)
    assert "Sala de la PCM, Lima" in html and "12 personas" in html
    assert "<strong>compromiso 1</strong>" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    minutes_path = f"/consultations/{slug}/forum/meetings/{meeting_id}/minutes"
    assert minutes_path in html
    download = anonymous.get(minutes_path)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_replaced_or_removed_minutes_leave_no_file_behind(app, followed, secretariat):
    """The minutes a meeting no longer has are deleted with their bytes: an upload
    replaced by another, then the other removed."""
    from werkzeug.datastructures import FileStorage

    slug = followed["slug"]

    def minutes(name):
        return FileStorage(io.BytesIO(PDF), filename=name, content_type="application/pdf")

    meeting_id = add_meeting(app, slug, secretariat, 3, minutes_file=minutes("uno.pdf"))
    with app.test_request_context():
        meeting = db.session.get(ForumMeeting, meeting_id)
        first = meeting.minutes_document_id
        forum.save_meeting(consultation_of(slug), actor=user(secretariat), meeting=meeting,
                           held_on=meeting.held_on, minutes_file=minutes("dos.pdf"))
        db.session.commit()
        second = meeting.minutes_document_id
        assert second != first
        assert db.session.get(Document, first) is None
        assert db.session.scalar(select(func.count()).select_from(DocumentBlob).where(
            DocumentBlob.document_id == first)) == 0
        forum.save_meeting(consultation_of(slug), actor=user(secretariat), meeting=meeting,
                           held_on=meeting.held_on, remove_minutes=True)
        db.session.commit()
        assert meeting.minutes_document_id is None
        assert db.session.get(Document, second) is None
        assert db.session.scalar(select(func.count()).select_from(DocumentBlob)) == 0
        db.session.remove()


def test_a_meeting_without_minutes_has_no_download(app, followed, secretariat):
    slug = followed["slug"]
    meeting_id = add_meeting(app, slug, secretariat, 3,
                             minutes_url="https://example.pe/acta.pdf")
    anonymous = app.test_client()
    assert anonymous.get(f"/consultations/{slug}/forum/meetings/{meeting_id}/minutes"
                         ).status_code == 404
    assert 'href="https://example.pe/acta.pdf"' in anonymous.get(
        f"/consultations/{slug}/forum").get_data(as_text=True)


@pytest.mark.parametrize("values, message", [
    ({"held_on": ""}, "Ingresa la fecha de la reunión."),
    ({"attendance": "-3"}, "La asistencia es un número entero desde 0."),
    ({"attendance": "doce"}, "La asistencia es un número entero desde 0."),
    ({"attendance": "99999999999999999999"}, "La asistencia no puede ser mayor que"),
    ({"held_on": "2199-01-01"}, "Una reunión se registra una vez realizada"),
    ({"minutes": (io.BytesIO(b"<html><script>alert(1)</script></html>"), "acta.pdf")},
     "Solo se pueden subir documentos PDF"),
    ({"minutes": (io.BytesIO(b"Acta en texto plano"), "acta.txt")},
     "Solo se pueden subir documentos PDF"),
    ({"minutes_url": "javascript:alert(1)"}, "El enlace al acta debe empezar por https://"),
    ({"minutes": (io.BytesIO(PDF), "acta.pdf"), "minutes_url": "https://example.pe/a.pdf"},
     "Entrega el acta como archivo o como enlace, no ambos."),
])
def test_a_meeting_with_bad_values_is_refused_and_nothing_is_saved(
        app, client, followed, secretariat, values, message):
    slug = followed["slug"]
    login(client, secretariat)
    data = {"held_on": (today(app) - timedelta(days=3)).isoformat(),
            "place": "Lima", "attendance": "5", **values}
    response = client.post_form(f"/consultations/{slug}/forum/meetings/new", data,
                                content_type="multipart/form-data")
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert count(ForumMeeting) == 0 and count(Document) == 0


def test_more_attendees_than_the_attendance_is_refused(app, followed, secretariat):
    slug = followed["slug"]
    ids = [add_member(app, slug, secretariat, name=n) for n in ("Ana", "Beto")]
    with app.test_request_context():
        with pytest.raises(forum.OperationError) as refused:
            forum.save_meeting(consultation_of(slug), actor=user(secretariat),
                               held_on=local_today(), attendance=1, attendee_ids=ids)
        assert "Hay más miembros marcados como presentes" in refused.value.message


# --- observations --------------------------------------------------------------------

def test_a_forum_member_observes_a_published_report_next_to_it(
        app, client, followed, secretariat, create_user):
    slug, report_id = followed["slug"], followed["report"]
    rosa = create_user(email="rosa@example.pe")
    add_member(app, slug, secretariat, email="rosa@example.pe")
    login(client, rosa)
    page = client.get(f"/forum/reports/{report_id}/observations/new")
    assert page.status_code == 200 and "Rosa Quispe" in page.get_data(as_text=True)
    response = client.post_form(f"/forum/reports/{report_id}/observations/new", {
        "body": "El foro observa que **falta** el padrón. <script>alert(1)</script>",
        "member": "999"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/consultations/{slug}/follow-up/reports/{report_id}#observaciones-del-foro")
    with app.app_context():
        observation = db.session.scalar(select(ForumObservation))
        assert observation.member.name == "Rosa Quispe" and not observation.on_behalf
        assert observation.posted_by_id == rosa.id
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "forum_observation.posted"))
        assert entry.actor_id == rosa.id and entry.after["report"] == report_id
    html = report_fragments(app, report_id)
    assert "Observaciones del foro multiactor" in html and "(1)" in html
    assert "Rosa Quispe" in html and "<strong>falta</strong>" in html
    assert "<script>alert(1)" not in html
    assert "Agregar una observación del foro" not in html  # anonymous
    assert "Agregar una observación del foro" in report_fragments(app, report_id, rosa)
    forum_page = app.test_client().get(f"/consultations/{slug}/forum").get_data(
        as_text=True)
    assert f"/consultations/{slug}/follow-up/reports/{report_id}" in forum_page


def test_the_secretariat_types_an_observation_in_on_the_forums_behalf(
        app, client, followed, secretariat):
    slug, report_id = followed["slug"], followed["report"]
    member_id = add_member(app, slug, secretariat, name="Jorge Díaz")
    login(client, secretariat)
    assert client.post_form(f"/forum/reports/{report_id}/observations/new", {
        "body": "Acuerdo de la sesión: pedir el cronograma.", "member": "0"}
        ).status_code == 302
    assert client.post_form(f"/forum/reports/{report_id}/observations/new", {
        "body": "Observación del representante.", "member": str(member_id)}
        ).status_code == 302
    with app.app_context():
        observations = db.session.scalars(select(ForumObservation).order_by(
            ForumObservation.id)).all()
        assert [(o.member_id, o.on_behalf) for o in observations] == [(None, True),
                                                                      (member_id, True)]
    html = report_fragments(app, report_id)
    assert "El foro en su conjunto" in html and "Jorge Díaz" in html
    assert "registrada por la secretaría técnica" in html and "(2)" in html


def test_only_forum_members_observe(app, client, followed, secretariat, create_user):
    slug, report_id = followed["slug"], followed["report"]
    former = create_user(email="former@example.pe")
    add_member(app, slug, secretariat, name="Ex miembro", email="former@example.pe",
               starts_on=today(app) - timedelta(days=300),
               ends_on=today(app) - timedelta(days=1))
    url = f"/forum/reports/{report_id}/observations/new"
    assert app.test_client().get(url).status_code == 302  # to log in
    for account in (create_user(), former, create_user(roles=("moderator",))):
        other = app.test_client()
        login(other, account)
        assert other.get(url).status_code == 403
        assert other.post_form(url, {"body": "No soy del foro."}).status_code == 403
    with app.app_context():
        assert count(ForumObservation) == 0
        with app.test_request_context():
            with pytest.raises(forum.OperationError) as refused:
                forum.post_observation(db.session.get(ProgressReport, report_id),
                                       actor=user(former), body="Tampoco así.")
            assert refused.value.message == ("Solo los miembros del foro publican sus "
                                             "observaciones.")


def test_an_empty_observation_is_refused(app, client, followed, secretariat):
    login(client, secretariat)
    response = client.post_form(f"/forum/reports/{followed['report']}/observations/new",
                                {"body": "   ", "member": "0"})
    assert response.status_code == 200
    assert "Escribe la observación." in response.get_data(as_text=True)
    with app.app_context():
        assert count(ForumObservation) == 0


def test_a_draft_report_cannot_be_observed(app, client, followed, secretariat):
    login(client, secretariat)
    url = f"/forum/reports/{followed['draft']}/observations/new"
    assert client.get(url).status_code == 404
    assert client.post_form(url, {"body": "Sobre el borrador."}).status_code == 404
    assert client.get("/forum/reports/999999/observations/new").status_code == 404
    with app.app_context():
        assert count(ForumObservation) == 0
        draft = db.session.get(ProgressReport, followed["draft"])
        with app.test_request_context():
            # Neither the observations nor the comments show under a draft (other
            # modules' fragments, such as the follow box, are theirs to decide).
            from consulta.followup.comments import comments_on_the_report
            assert forum.observations_on_the_report(draft) is None
            assert comments_on_the_report(draft) is None


# --- IRM guideline 7 during implementation -------------------------------------------

def guideline(app, followed):
    with app.test_request_context():
        result = forum.implementation_guideline_7(
            db.session.get(FinalPlan, followed["final_plan"]))
        db.session.remove()
    return result


def test_guideline_7_is_met_only_after_a_meeting_since_approval_and_an_observation(
        app, followed, secretariat):
    slug = followed["slug"]
    first = guideline(app, followed)
    assert first["verdict"] == "not_met" and len(first["missing"]) == 2
    assert first["missing"][0].startswith("El foro no se ha reunido desde que se aprobó")
    assert "no ha hecho observaciones sobre ninguno de los 1" in first["missing"][1]
    # A meeting before the approval (and one the very day) is not during implementation.
    add_meeting(app, slug, secretariat, APPROVED_DAYS_AGO + 20)
    add_meeting(app, slug, secretariat, APPROVED_DAYS_AGO)
    assert guideline(app, followed)["evidence"]["meetings_since_approval"] == 0
    add_meeting(app, slug, secretariat, 10)
    second = guideline(app, followed)
    assert second["verdict"] == "not_met" and len(second["missing"]) == 1
    assert second["evidence"]["meetings_since_approval"] == 1
    observe(app, followed["report"], secretariat)
    third = guideline(app, followed)
    assert third["verdict"] == "met" and third["missing"] == []
    assert third["evidence"]["observed_reports"] == 1
    assert third["evidence"]["published_reports"] == 1
    # Shown on the tracking page (receiver) and on the forum page.
    with app.test_request_context():
        panel = "".join(str(f) for f in fragments(
            tracking_page, db.session.get(FinalPlan, followed["final_plan"])))
    assert "Directriz 7 del IRM" in panel and "Cumple" in panel
    html = app.test_client().get(f"/consultations/{slug}/forum").get_data(as_text=True)
    assert "Directriz 7 del IRM" in html and "Cumple" in html


def test_guideline_7_says_when_no_report_is_published(app, followed, secretariat):
    with app.app_context():
        db.session.get(ProgressReport, followed["report"]).state = "draft"
        db.session.get(ProgressReport, followed["report"]).published_at = None
        db.session.commit()
    result = guideline(app, followed)
    assert "Aún no se ha publicado ningún reporte de avance" in result["missing"][1]


def test_the_summarys_checklist_still_reads_the_consultations_forum(app, followed):
    from consulta.summary.irm import consultation_during_implementation

    with app.app_context():
        consultation = consultation_of(followed["slug"])
        consultation.forum_name = "Foro multiactor"
        consultation.forum_members = {"civil_society": 3}
        consultation.forum_meetings = ["2026-01-10"]
        assert consultation_during_implementation(consultation)["verdict"] == "partly_met"


# --- the page in a fixed number of statements ----------------------------------------

def test_the_forum_page_sends_at_most_twelve_statements(
        app, client, followed, secretariat, create_user):
    slug, report_id = followed["slug"], followed["report"]

    def add_more(n):
        for i in range(n):
            member_id = add_member(app, slug, secretariat, name=f"Miembro {n}-{i}",
                                   sector=("civil_society", "academia")[i % 2])
            add_meeting(app, slug, secretariat, 5 + i, attendance=3,
                        attendee_ids=[member_id])
            observe(app, report_id, secretariat, member_id=member_id)

    add_more(2)
    login(client, create_user())
    urls = (f"/consultations/{slug}/forum",)
    before = {url: len(_statements(app, client, url)) for url in urls}
    add_more(3)
    after = {url: len(_statements(app, client, url)) for url in urls}
    assert all(n <= 12 for n in after.values()), after
    assert after == before
    anonymous = app.test_client()
    assert len(_statements(app, anonymous, urls[0])) <= 12


def test_the_consultation_page_leads_to_the_forum(app, followed, create_consultation,
                                                  secretariat):
    slug = followed["slug"]
    anonymous = app.test_client()
    assert f"/consultations/{slug}/forum" in anonymous.get(
        f"/consultations/{slug}").get_data(as_text=True)
    # Without a final plan, the forum page shows no guideline panel (and no link from a
    # consultation that names no forum).
    other = create_consultation(plan=PLAN, actor=secretariat)
    assert f"/consultations/{other}/forum" not in anonymous.get(
        f"/consultations/{other}").get_data(as_text=True)
    page = anonymous.get(f"/consultations/{other}/forum")
    assert page.status_code == 200 and "Directriz 7 del IRM" not in page.get_data(
        as_text=True)
    private = create_consultation(plan=PLAN, actor=secretariat, announced=False)
    assert anonymous.get(f"/consultations/{private}/forum").status_code == 404


def test_the_secretariat_corrects_a_member_and_a_meeting(
        app, client, followed, secretariat, create_user):
    slug = followed["slug"]
    create_user(email="rosa@example.pe")
    member_id = add_member(app, slug, secretariat, email="rosa@example.pe")
    meeting_id = add_meeting(app, slug, secretariat, 4, place="Lima",
                             minutes_url="https://example.pe/acta.pdf")
    login(client, secretariat)
    edit_member = f"/consultations/{slug}/forum/members/{member_id}/edit"
    assert 'value="rosa@example.pe"' in client.get(edit_member).get_data(as_text=True)
    assert client.post_form(edit_member, {
        "name": "Rosa Quispe Huamán", "organization": "Proética", "sector": "civil_society",
        "side": "civil_society", "role": "alternate", "email": ""}).status_code == 302
    edit_meeting = f"/consultations/{slug}/forum/meetings/{meeting_id}/edit"
    page = client.get(edit_meeting).get_data(as_text=True)
    assert "https://example.pe/acta.pdf" in page
    assert client.post_form(edit_meeting, {
        "held_on": (today(app) - timedelta(days=4)).isoformat(), "place": "Trujillo",
        "attendance": "", "remove_minutes": "y"}).status_code == 302
    with app.app_context():
        member = db.session.get(ForumMember, member_id)
        assert (member.name, member.role, member.user_id) == ("Rosa Quispe Huamán",
                                                              "alternate", None)
        meeting = db.session.get(ForumMeeting, meeting_id)
        assert (meeting.place, meeting.attendance, meeting.minutes_url) == ("Trujillo", None,
                                                                            None)
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "forum_meeting.saved").order_by(AuditEntry.id)).all()
        assert entries[-1].before["place"] == "Lima"
        assert entries[-1].after["place"] == "Trujillo"
