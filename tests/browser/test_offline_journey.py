"""Taking part without internet or e-mail, in a real browser, in order:

1. A moderator imports the written contributions of a workshop from the template in one
   go, after the same file with one bad row was refused cleanly.
2. A facilitator at a service point, on a 360 px phone with JavaScript off, records a
   contribution with a person who has no e-mail, and prints the receipt: the PDF is
   rendered to an image (pdftoppm) and read.
3. The secretariat publishes the response and sees whom to tell by SMS; the person,
   without an account (phone, JavaScript off), looks the code up at /track and reads it.

Every page visited goes through ``review`` (axe-core, labels, phone checks).
"""

import subprocess
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consulta.demo.consultations import IV_PLAN_SLUG
from consulta.extensions import db
from tests.browser.steps import follow, log_in

from ..offline.conftest import csv_file

pytestmark = pytest.mark.browser

PLAN = f"/consultations/{IV_PLAN_SLUG}"
FACILITATOR = "facilitadora@demo.consulta.pe"
state = {}


@pytest.fixture(scope="module")
def facilitator(live_server):
    """The demo's facilitator account (created here on a database loaded before the demo
    had one)."""
    from sqlalchemy import select

    from consulta.accounts.models import User, UserRole
    from consulta.core.dates import utcnow
    from consulta.demo.people import demo_password_hash

    with live_server.app.app_context():
        if db.session.scalar(select(User.id).where(User.email == FACILITATOR)):
            db.session.remove()
            return FACILITATOR
        now = utcnow()
        user = User(email=FACILITATOR, password_hash=demo_password_hash(),
                    display_name="Facilitadora del Tambo", sector="national_government",
                    region="puno", privacy_accepted_at=now, privacy_version="2026-11",
                    email_confirmed_at=now, created_at=now)
        user.roles.append(UserRole(role="facilitator", granted_at=now))
        db.session.add(user)
        db.session.commit()
        db.session.remove()
    return FACILITATOR


def _today(live_server):
    from consulta.core.dates import local_today

    with live_server.app.test_request_context():
        return local_today()


def test_1_moderator_imports_a_workshop_file_after_a_refused_one(live_server, new_context,
                                                                  review, tmp_path):
    day = (_today(live_server) - timedelta(days=1)).isoformat()
    rows = [{"kind": "Propuesta", "channel": "Taller", "event": "Taller en Juliaca",
             "received_on": day, "component": "Salud", "title": f"Ficha {n} del taller",
             "problem": "Un problema público de la región.", "sector": "Ciudadano/a",
             "region": "Puno", "name_public": "no"} for n in range(1, 6)]
    bad = [*rows[:2], {**rows[2], "region": "Atlántida"}, *rows[3:]]
    (tmp_path / "mala.csv").write_bytes(csv_file(bad))
    (tmp_path / "buena.csv").write_bytes(csv_file(rows))
    page = new_context().new_page()
    log_in(page, live_server, "moderador@demo.consulta.pe")
    page.goto(live_server(PLAN))
    follow(page, page.get_by_role(
        "link", name="Importar aportes fuera de línea desde una hoja de cálculo"))
    review(page, "import page")
    page.get_by_label("Hoja de cálculo (.xlsx o .csv)").set_input_files(tmp_path / "mala.csv")
    page.get_by_role("button", name="Revisar el archivo").click()
    expect(page.get_by_text("Fila 4: columna «Región»: Esta región no está en la lista."
                            )).to_be_visible()
    review(page, "import refused")
    page.get_by_label("Hoja de cálculo (.xlsx o .csv)").set_input_files(tmp_path / "buena.csv")
    page.get_by_role("button", name="Revisar el archivo").click()
    expect(page.get_by_text("Aportes por crear: 5")).to_be_visible()
    review(page, "import preview")
    page.get_by_role("button", name="Importar 5 aportes").click()
    expect(page.get_by_text("Se importaron 5 aportes.")).to_be_visible()
    review.assert_clean()


def test_2_facilitator_records_with_a_person_on_a_phone_without_javascript(
        live_server, new_context, review, facilitator, tmp_path, screenshot_dir):
    context = new_context(phone=True, javascript=False)
    review.without_javascript(context)
    page = context.new_page()
    log_in(page, live_server, facilitator)
    page.goto(live_server(PLAN))
    follow(page, page.get_by_role("link", name="Registrar un aporte con una persona"))
    review(page, "assisted form (phone, no JavaScript)")
    page.get_by_label("Nombre de la persona").fill("Juana Mamani Quispe")
    page.get_by_label("No: el público ve «Participante» y el sector").check()
    page.get_by_label("¿Cómo quiere recibir el aviso de la respuesta?").select_option("sms")
    page.get_by_label("Teléfono o dirección (opcional; nunca se publica)").fill("951 222 333")
    page.get_by_label("Región").select_option("puno")
    page.get_by_label("Tipo").select_option("comment")
    page.get_by_label("Título").fill("Que el centro de salud atienda los sábados")
    page.get_by_label("Texto del aporte").fill(
        "En mi comunidad el centro de salud solo atiende de lunes a viernes y trabajamos "
        "en la chacra toda la semana.")
    page.get_by_role("button", name="Guardar y generar la constancia").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Constancia del aporte APO-")
    code = heading.inner_text().rsplit(" ", 1)[-1]
    review(page, "receipt page (phone)")
    state["code"] = code
    response = page.request.get(live_server(f"/contributions/{code}/receipt.pdf"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "constancia.pdf"
    pdf.write_bytes(response.body())
    # Read as an image, as a phone or a printer shows it: one page, large, in colour.
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(tmp_path / "page")],
                   check=True)
    images = sorted(tmp_path.glob("page*.png"))
    assert len(images) == 1
    (screenshot_dir / "receipt-pdf.png").write_bytes(images[0].read_bytes())
    from PIL import Image

    with Image.open(images[0]) as image:
        width, height = image.size
        assert height > width  # portrait, a phone's proportions
        assert image.convert("L").getextrema()[0] < 100  # dark text is drawn
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                          check=True).stdout.decode()
    assert code in text and f"/track?code={code}" in "".join(text.split())
    assert "Juana Mamani Quispe" in text and "SMS" in text
    review.assert_clean()


def test_3_the_person_follows_the_code_and_reads_the_published_answer(
        live_server, new_context, review):
    if "code" not in state:
        pytest.skip("the assisted journey did not get this far")
    code = state["code"]
    from consulta.accounts.models import User
    from consulta.contributions.models import Contribution
    from consulta.feedback.operations import publish_response, save_response

    context = new_context(phone=True, javascript=False)
    review.without_javascript(context)
    page = context.new_page()
    page.goto(live_server("/track"))
    review(page, "track form (phone)")
    page.get_by_label("Código de seguimiento").fill(code.lower())
    page.get_by_role("button", name="Buscar").click()
    expect(page.get_by_text("Recibido; será clasificado y respondido.")).to_be_visible()
    expect(page.get_by_text("Juana")).to_have_count(0)
    review(page, "track: received (phone)")

    with live_server.app.test_request_context():
        secretariat = db.session.scalar(select(User).where(
            User.email == "secretaria@demo.consulta.pe"))
        contribution = db.session.scalar(select(Contribution).where(
            Contribution.tracking_code == code))
        response = save_response(contribution, actor=secretariat, outcome="already_covered",
                                 justification="El compromiso 5 ya amplía el horario de "
                                               "atención. Lo que propone está considerado.")
        publish_response(response, actor=secretariat, notify=False)
        db.session.commit()
        db.session.remove()

    staff = new_context().new_page()
    log_in(staff, live_server, "secretaria@demo.consulta.pe")
    staff.goto(live_server(f"{PLAN}/to-notify"))
    expect(staff.get_by_text("951 222 333")).to_be_visible()
    review(staff, "authors to tell")
    staff.get_by_role("button", name=f"Marcar como avisado — {code}").click()
    expect(staff.get_by_text("Ya avisados (1)")).to_be_visible()

    page.goto(live_server(f"/track?code={code}"))
    expect(page.get_by_text("Respondido: la respuesta está publicada.")).to_be_visible()
    expect(page.get_by_text("El compromiso 5 ya amplía el horario de atención.")
           ).to_be_visible()
    review(page, "track: answered (phone)")
    review.assert_clean()
