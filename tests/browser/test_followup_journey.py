"""The implementation follow-up in a real browser, in order: each journey builds on the
ones before. Set-up (not a journey: journey 7 of test_journeys.py covers it in the
browser): the IV plan's consultation is closed and its final plan approved three days
ago and published; its forum has not met since.

1. The secretariat finds the follow-up's set-up from the tracking page and sets up
   commitment 5: two milestones, an indicator, and a reporter of the responsible entity.
2. A citizen on a 360 px phone without JavaScript follows commitment 5 by e-mail,
   confirms it from the link in the message, and sees the follow confirmed.
3. The reporter finds "my commitments", writes a progress report (a milestone in
   progress with its percentage, an indicator value, a narrative, a link and a PDF as
   evidence) and sends it for review.
4. The secretariat publishes it.
5. Anyone sees it: the tracking page (status, progress, last report), the commitment's
   page, the report with its evidence (the PDF downloads), the API's progress; the
   follower got one e-mail, and its link stops the follow in one click.
6. IRM guideline 7 says "not met"; the secretariat adds a forum member with an account,
   who posts an observation on the report: still not met, the forum has not met since
   the approval; nor with the forum's session of the approval day; once the secretariat
   records a meeting held during implementation, with attendance and minutes: met.

Every page visited goes through ``review`` (axe-core, labels, phone checks).
"""

import io
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consulta.demo.consultations import IV_PLAN_SLUG
from consulta.extensions import db
from tests.browser.steps import log_in, needs_from

pytestmark = pytest.mark.browser

PLAN = f"/consultations/{IV_PLAN_SLUG}"
TRACKING = f"{PLAN}/follow-up"
SECRETARIAT = "secretaria@demo.consulta.pe"
#: A person of the Ministry of Health, responsible for commitment 5 (medicine prices).
REPORTER = "elena@demo.consulta.pe"
#: A civil-society member of the forum.
FORUM_MEMBER = "rosa@demo.consulta.pe"
CITIZEN = "vecina.de.villa@example.pe"
NUMBER = 5
#: What the journeys leave for the next ones.
state = {}


def needs(*keys):
    return needs_from(state, *keys)


def outbox_until(live_server, email, count, seconds=10):
    """The messages to ``email`` once there are ``count`` (some are queued after the
    response, apart from the request)."""
    deadline = time.monotonic() + seconds
    while True:
        messages = live_server.outbox(email)
        if len(messages) >= count or time.monotonic() > deadline:
            return messages
        time.sleep(0.2)


def tiny_pdf():
    """A one-page PDF, as a scanned act would be (the upload checks the content)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    sheet.drawString(72, 760, "Informe de la DIGEMID: precios de medicamentos en provincias")
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def today(live_server):
    """The deployment's today (its time zone)."""
    from consulta.core.dates import local_today

    with live_server.app.app_context():
        return local_today()


def month(day):
    return day.strftime("%Y-%m")


@pytest.fixture(scope="module")
def approved_plan(live_server):
    """Set-up, not a journey: the IV plan's consultation closed four days ago (it opened
    a week ago), its final plan (the consulted version, unchanged) approved three days
    ago and published. Returns the day of the approval."""
    from consulta.accounts.models import User
    from consulta.consultations.models import Consultation
    from consulta.core.dates import local_today, utcnow
    from consulta.finalplan.operations import publish_final_plan, save_final_plan

    with live_server.app.test_request_context():
        secretariat = db.session.scalar(select(User).where(User.email == SECRETARIAT))
        consultation = db.session.scalar(select(Consultation).where(
            Consultation.slug == IV_PLAN_SLUG))
        consultation.closes_at = utcnow() - timedelta(days=4)
        db.session.flush()
        approved_on = local_today() - timedelta(days=3)
        final_plan = save_final_plan(
            consultation, actor=secretariat, plan_version_id=_published_version(consultation),
            approval_reference="Resolución Ministerial N.° 081-2026-PCM",
            approved_on=approved_on)
        publish_final_plan(final_plan, actor=secretariat, notify=False)
        db.session.commit()
        db.session.remove()
    return approved_on


def _published_version(consultation):
    from consulta.consultations.models import PlanVersion

    return db.session.scalar(select(PlanVersion.id).where(
        PlanVersion.consultation_id == consultation.id).order_by(PlanVersion.id))


def commitment_section(page, name):
    """A section of the commitment's own set-up page: "Hitos", "Indicadores" or
    "Personas que reportan"."""
    return page.get_by_role("region", name=name)


# --- 1. the secretariat sets the commitment up -----------------------------------------

def test_1_secretariat_sets_up_a_commitment(live_server, new_context, review,
                                            approved_plan):
    day = today(live_server)
    page = new_context().new_page()
    log_in(page, live_server, SECRETARIAT)
    page.goto(live_server(PLAN))
    page.get_by_role("link", name="Seguimiento de la implementación").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Seguimiento de la implementación")
    page.get_by_role("link", name="Configurar el seguimiento").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Configurar el seguimiento")
    row = page.locator(f"#compromiso-{NUMBER}")
    expect(row).to_contain_text("Incompleto")
    review(page, "follow-up set-up")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Compromiso {NUMBER}:")
    expect(commitment_section(page, "Hitos")).to_contain_text("Aún no hay hitos.")
    review(page, "commitment set-up")

    milestones = [
        ("Publicar en el observatorio los precios de las farmacias de provincias",
         month(approved_plan), month(day + timedelta(days=120))),
        ("Habilitar un canal para reportar precios abusivos",
         month(day), month(day + timedelta(days=240))),
    ]
    for description, starts, due in milestones:
        section = commitment_section(page, "Hitos")
        section.locator("summary", has_text="Agregar un hito").click()
        section.get_by_label("Hito").fill(description)
        section.get_by_label("Inicio (AAAA-MM)").fill(starts)
        section.get_by_label("Fin (AAAA-MM)").fill(due)
        section.get_by_role("button", name="Agregar el hito").click()
        expect(page.get_by_role("status").first).to_contain_text("Se guardó el hito")
    expect(commitment_section(page, "Hitos").get_by_role("table")).to_contain_text(
        "Habilitar un canal para reportar precios abusivos")

    section = commitment_section(page, "Indicadores")
    section.locator("summary", has_text="Agregar un indicador").click()
    section.get_by_label("Indicador").fill("Farmacias de provincias con precios publicados")
    section.get_by_label("Línea de base").fill("0")
    section.get_by_label("Meta").fill("1.200")
    section.get_by_label("Unidad").fill("farmacias")
    section.get_by_label("Fuente").fill("Observatorio de precios de la DIGEMID")
    section.get_by_role("button", name="Agregar el indicador").click()
    expect(page.get_by_role("status").first).to_contain_text("Se guardó el indicador")
    expect(commitment_section(page, "Indicadores").get_by_role("table")).to_contain_text(
        "1.200")

    section = commitment_section(page, "Personas que reportan")
    section.get_by_label("Correo electrónico de la cuenta").fill(REPORTER)
    section.get_by_role("button", name="Agregar a la persona").click()
    expect(commitment_section(page, "Personas que reportan")).to_contain_text(REPORTER)
    review(page, "commitment set up")
    page.get_by_role("link", name="Configurar el seguimiento").click()
    expect(page.locator(f"#compromiso-{NUMBER}")).to_contain_text("Completo")
    state["set_up"] = True
    review.assert_clean()


# --- 2. a citizen follows the commitment on a phone without JavaScript ---------------------

def test_2_citizen_follows_the_commitment_by_email(live_server, new_context, review,
                                                   approved_plan):
    context = new_context(phone=True, javascript=False)
    review.without_javascript(context)
    page = context.new_page()
    page.goto(live_server(TRACKING))
    expect(page.get_by_role("link", name="Configurar el seguimiento")).to_have_count(0)
    expect(page.get_by_role("link", name="Mis compromisos")).to_have_count(0)
    review(page, "tracking page (phone, no JavaScript)")
    page.get_by_role("link", name=re.compile(rf"^Compromiso {NUMBER}: ")).tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Compromiso {NUMBER}:")
    review(page, "commitment page (phone)")
    page.get_by_role("link", name="Seguir por correo electrónico").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Seguir este compromiso")
    review(page, "follow form (phone)")
    page.get_by_label("Tu correo electrónico").fill(CITIZEN)
    page.get_by_role("button", name="Seguir", exact=True).tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revisa tu correo electrónico")
    review(page, "follow: check your e-mail (phone)")

    (message,) = outbox_until(live_server, CITIZEN, 1)
    link = re.search(r"http://\S+/follow/confirm/\S+", message.body).group(0)
    page.goto(link)
    review(page, "confirm the follow (phone)")
    page.get_by_role("button", name="Sí, quiero seguirlo").tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sigues")
    review(page, "follow confirmed (phone)")
    state["follower"] = CITIZEN
    review.assert_clean()


# --- 3. the reporter writes a progress report -------------------------------------------

def test_3_reporter_writes_a_report_with_evidence(live_server, new_context, review,
                                                  tmp_path):
    needs("set_up")
    pdf = tmp_path / "informe-digemid.pdf"
    pdf.write_bytes(tiny_pdf())
    page = new_context().new_page()
    log_in(page, live_server, REPORTER)
    page.goto(live_server(TRACKING))
    page.get_by_role("link", name="Mis compromisos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis compromisos")
    review(page, "my commitments")
    page.get_by_role("button", name=re.compile("Iniciar un reporte")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Reporte 1: Compromiso {NUMBER}")
    review(page, "report form")

    first = page.get_by_role("group", name=re.compile(r"^Hito 1: "))
    first.get_by_label("Estado").select_option(label="En curso")
    first.get_by_label("Avance (%)").fill("40")
    page.get_by_role("group", name=re.compile("Farmacias de provincias")).get_by_label(
        "Valor").fill("350")
    page.get_by_label("Descripción del avance").fill(
        "El observatorio ya publica los precios de **350 farmacias** de Arequipa, Cusco y "
        "Piura. Falta incorporar las regiones de la selva.")
    page.get_by_role("button", name="Guardar el borrador").click()
    expect(page.get_by_role("status").first).to_contain_text("Se guardó el reporte")

    evidence = page.locator("#evidence")
    evidence.get_by_label("Título").first.fill("Observatorio de precios de medicamentos")
    evidence.get_by_label("Dirección web").fill("https://opm-digemid.minsa.gob.pe/")
    evidence.get_by_role("button", name="Agregar el enlace").click()
    expect(page.get_by_role("status").first).to_contain_text("enlace")
    evidence = page.locator("#evidence")
    evidence.locator("#doc-title").fill("Informe de la DIGEMID")
    evidence.get_by_label("Archivo (PDF, PNG, JPEG o WebP)").set_input_files(pdf)
    evidence.get_by_role("button", name="Subir el archivo").click()
    expect(page.get_by_role("status").first).to_contain_text("archivo")
    expect(page.locator("#evidence")).to_contain_text("Informe de la DIGEMID")
    review(page, "report draft with evidence")
    page.get_by_role("button", name="Enviar a revisión").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Se envió el reporte a la secretaría técnica")
    review(page, "report in review")
    state["report_url"] = page.url
    review.assert_clean()


# --- 4. the secretariat publishes it --------------------------------------------------------

def test_4_secretariat_publishes_the_report(live_server, new_context, review):
    (report_url,) = needs("report_url")
    page = new_context().new_page()
    log_in(page, live_server, SECRETARIAT)
    page.goto(live_server(TRACKING))
    page.get_by_role("link", name="Mis compromisos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis compromisos")
    waiting = page.get_by_role("region", name="Reportes pendientes de revisión")
    waiting.get_by_role("link", name=re.compile(rf"Reporte 1 — Compromiso {NUMBER}:")).click()
    page.wait_for_url(report_url)
    review(page, "report to review")
    page.get_by_role("button", name="Publicar el reporte").click()
    expect(page.get_by_role("status").first).to_contain_text("Se publicó el reporte")
    review(page, "report published (staff)")
    state["published"] = True
    review.assert_clean()


# --- 5. anyone sees it; the follower is told --------------------------------------------------

def test_5_the_report_on_the_tracking_page_the_api_and_in_the_mail(live_server, new_context,
                                                                   review):
    needs("published")
    context = new_context()
    page = context.new_page()
    page.goto(live_server(TRACKING))
    card = page.locator("ul.tracking > li").filter(
        has=page.get_by_role("link", name=re.compile(rf"^Compromiso {NUMBER}: ")))
    expect(card.locator(".badge")).to_have_text("En curso")
    expect(card.locator("progress")).to_have_attribute("value", "20")
    expect(card).to_contain_text("Último reporte:")
    expect(card).not_to_contain_text("Todavía no se publicó ningún reporte")
    review(page, "tracking page with the report")

    card.get_by_role("link", name=re.compile(rf"^Compromiso {NUMBER}: ")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Compromiso {NUMBER}:")
    expect(page.get_by_role("table").first).to_contain_text("En curso")
    expect(page.locator("main")).to_contain_text("350")
    review(page, "commitment page with the report")
    page.get_by_role("link", name=re.compile(r"^Reporte 1, al ")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reporte de avance 1")
    expect(page.locator("main")).to_contain_text("350 farmacias")
    link = page.get_by_role("link", name="Informe de la DIGEMID")
    expect(page.get_by_role("link", name="Observatorio de precios de medicamentos")
           ).to_have_attribute("href", "https://opm-digemid.minsa.gob.pe/")
    review(page, "published report")
    download = page.request.get(live_server(link.get_attribute("href")))
    assert download.ok and download.body().startswith(b"%PDF-")
    state["report_page"] = page.url

    api = page.request.get(live_server(f"/api/v1/consultations/{IV_PLAN_SLUG}/progress"))
    assert api.ok and api.headers["content-type"].startswith("application/json")
    (item,) = [c for c in api.json()["commitments"] if c["number"] == NUMBER]
    assert item["status"] == "in_progress" and item["progress"] == 20
    # An instant (UTC), not a day: from 19:00 in Lima its date is already tomorrow's.
    assert item["last_report_at"]
    assert datetime.fromisoformat(item["last_report_at"]) <= datetime.now(UTC)
    assert [m["percent"] for m in item["milestones"]] == [40, 0]
    (indicator,) = item["indicators"]
    assert float(indicator["target"]) == 1200 and float(indicator["latest"]["value"]) == 350
    (report,) = item["reports"]
    assert report["url"] == state["report_page"]

    # The follower: the confirmation, then one message for the report.
    messages = outbox_until(live_server, CITIZEN, 2)
    assert len(messages) == 2
    told = messages[-1]
    assert told.subject.startswith("Nuevo reporte de avance")
    assert "(reporte 1, al " in told.body
    # One line per milestone, and the link to the report with its evidence.
    assert "\n- Publicar en el observatorio los precios de las farmacias de provincias: En " \
           "curso, 40 %\n- Habilitar un canal para reportar precios abusivos: No iniciado, " \
           "0 %\n" in told.body, told.body
    assert f"\n{state['report_page']}\n" in told.body, told.body
    unsubscribe = re.search(r"http://\S+/follow/unsubscribe/\S+", told.body).group(0)
    citizen = new_context(phone=True, javascript=False)
    review.without_javascript(citizen)
    phone = citizen.new_page()
    phone.goto(unsubscribe)
    review(phone, "stop following (phone)")
    phone.get_by_role("button", name="Dejar de seguir").tap()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Ya no sigues")
    review.assert_clean()


# --- 6. IRM guideline 7: the forum during implementation ------------------------------------

def guideline(page):
    return page.get_by_role("region", name="Directriz 7 del IRM: un foro durante la implementación")


def test_6_guideline_7_is_met_once_the_forum_has_met(live_server, new_context, review,
                                                     approved_plan, tmp_path):
    (report_page,) = needs("report_page")

    public = new_context().new_page()
    public.goto(live_server(TRACKING))
    expect(guideline(public)).to_contain_text("No cumple")
    expect(guideline(public)).to_contain_text("El foro no se ha reunido")

    # The secretariat adds a member of the forum with an account.
    staff = new_context().new_page()
    log_in(staff, live_server, SECRETARIAT)
    staff.goto(live_server(PLAN))
    staff.get_by_role("link", name="Foro multiactor").click()
    staff.get_by_role("link", name="Gestionar el foro").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Gestionar el foro")
    review(staff, "manage the forum")
    staff.get_by_role("link", name="Agregar un miembro").click()
    staff.get_by_label("Nombre").fill("Rosa Quispe")
    staff.get_by_label("Organización o entidad").fill("Red Ciudadana por la Transparencia")
    staff.get_by_label("Sector").select_option("civil_society")
    staff.get_by_label("Representa a").select_option(label="Sociedad civil")
    staff.get_by_label("Miembro desde").fill(approved_plan.isoformat())
    staff.get_by_label("Correo electrónico de su cuenta (opcional)").fill(FORUM_MEMBER)
    review(staff, "forum member form")
    staff.get_by_role("button", name="Guardar el miembro").click()
    expect(staff.get_by_role("status").first).to_contain_text("miembro")

    # The member observes the report: the forum has not met, still not met.
    member = new_context(phone=True).new_page()
    log_in(member, live_server, FORUM_MEMBER)
    member.goto(report_page)
    member.get_by_role("link", name="Agregar una observación del foro").tap()
    expect(member.get_by_label("Observación")).to_be_visible()
    review(member, "observation form (phone)")
    member.get_by_label("Observación").fill(
        "El foro pide que el siguiente reporte diga cuándo se incorporan las farmacias de "
        "Loreto y Ucayali.")
    member.get_by_role("button", name="Publicar la observación").tap()
    expect(member.get_by_role("status").first).to_contain_text("observación")
    expect(member.locator("#observaciones-del-foro")).to_contain_text("Loreto y Ucayali")
    review(member, "report with the forum's observation (phone)")
    public.goto(live_server(TRACKING))
    expect(guideline(public)).to_contain_text("No cumple")
    expect(guideline(public)).to_contain_text("El foro no se ha reunido")
    expect(guideline(public)).to_contain_text("1 de 1")

    # The forum's session of the day the plan was approved is no meeting during
    # implementation; the one it held yesterday, recorded with its minutes, is.
    minutes = tmp_path / "acta-foro.pdf"
    minutes.write_bytes(tiny_pdf())
    meetings = [(approved_plan, "Lima, Presidencia del Consejo de Ministros", "12",
                 "1. Respaldo del plan final.", None),
                (today(live_server) - timedelta(days=1), "Lima, sede de la PCM", "9",
                 "1. Reporte 1 del compromiso 5.\n2. Próxima sesión.", minutes)]
    for number, (held_on, place, attendance, agenda, document) in enumerate(meetings):
        staff.goto(live_server(f"{PLAN}/forum/manage"))
        staff.get_by_role("link", name="Registrar una reunión").click()
        staff.get_by_label("Fecha de la reunión").fill(held_on.isoformat())
        staff.get_by_label("Lugar").fill(place)
        staff.get_by_label("Asistencia (número de personas)").fill(attendance)
        staff.get_by_label("Rosa Quispe").check()
        staff.get_by_label("Agenda").fill(agenda)
        if document:
            staff.get_by_label("Acta (PDF o imagen)").set_input_files(document)
            review(staff, "meeting form")
        staff.get_by_role("button", name="Guardar la reunión").click()
        expect(staff.get_by_role("status").first).to_contain_text("Se guardó la reunión")
        public.goto(live_server(TRACKING))
        if number == 0:
            expect(guideline(public)).to_contain_text("No cumple")
            expect(guideline(public)).to_contain_text("El foro no se ha reunido")
            review(public, "tracking page: guideline 7 not met")

    expect(guideline(public)).to_contain_text("Cumple")
    expect(guideline(public)).not_to_contain_text("No cumple")
    review(public, "tracking page: guideline 7 met")
    public.get_by_role("link", name=re.compile("El foro multiactor")).click()
    expect(guideline(public)).to_contain_text("Cumple")
    meeting = public.locator("article.forum-meeting").filter(has_text="Lima, sede de la PCM")
    expect(meeting).to_contain_text("9 personas: Rosa Quispe")
    acta = meeting.get_by_role("link", name=re.compile(r"^Acta \("))
    response = public.request.get(live_server(acta.get_attribute("href")))
    assert response.ok and response.body().startswith(b"%PDF-")
    review(public, "forum page")
    review.assert_clean()
