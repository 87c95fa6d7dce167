"""End-to-end journeys in a real browser, in order: each builds on the ones before.

1. A newcomer registers, confirms the e-mail, sends a proposal and a comment on
   commitment 5 without JavaScript; a second newcomer does it with JavaScript.
2. A participant on a 360x740 phone finds the consultation, reads the draft plan,
   searches the contributions, opens the newcomer's proposal and supports it.
3. A moderator, with the keyboard only, types in a paper contribution from the La
   Libertad workshop, classifies the queue, groups similar contributions and hides an
   offensive one.
4. The secretariat closes the consultation, answers the group and the newcomer's
   proposal; a second person approves (four eyes); the answers and the summary are
   published; the CSV and the PDF are downloaded.
5. The newcomer sees the answer on "Mis aportes".
6. Spanish, English through the language switch, and back.
7. The secretariat approves the final plan; the newcomer gets one e-mail with the fate
   of their contributions.
8. On a phone without JavaScript, someone reads the finished consultation's final plan
   and follows a contribution to where it landed.

Every page visited goes through ``review`` (tests/browser/review.py): axe-core, labels,
screenshots at desktop and phone width, no sideways scroll, readable text, tap targets.
"""

import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from consulta.demo.consultations import IV_PLAN_SLUG
from consulta.demo.people import DEMO_PASSWORD
from consulta.extensions import db
from tests.browser.steps import follow, log_in, needs_from

pytestmark = pytest.mark.browser

PLAN = f"/consultations/{IV_PLAN_SLUG}"
NEW_PASSWORD = "olla-comun-de-villa-2026"
#: What the journeys leave for the next ones (codes, e-mails).
state = {}


def needs(*keys):
    return needs_from(state, *keys)


def row(app, model, **where):
    """A row read straight from the server's database (expunged, safe to read)."""
    with app.app_context():
        item = db.session.scalar(select(model).filter_by(**where))
        if item is not None:
            db.session.expunge(item)
        db.session.remove()
        return item


# --- 1. newcomers ----------------------------------------------------------------------

def register_and_confirm(page, live_server, review, *, email, name, check=True):
    """From the home page to a confirmed, logged-in account."""
    page.goto(live_server("/"))
    if check:
        review(page, "home")
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Registrarse").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Crea")
    if check:
        review(page, "register")
        # Sent empty: the errors are listed, announced and linked to their fields.
        page.get_by_role("button", name="Crear mi cuenta").click()
        assert_errors_announced(page)
        review(page, "register with errors")
    page.get_by_label("Correo electrónico").fill(email)
    page.locator("#password").fill(NEW_PASSWORD)
    page.get_by_label("Repite la contraseña").fill(NEW_PASSWORD)
    page.get_by_label("Nombre para mostrar").fill(name)
    page.get_by_label("Sector").select_option(label="Ciudadano/a")
    page.get_by_label("Región").select_option(label="Lima Metropolitana")
    page.get_by_label("Mostrar públicamente mi nombre").check()
    page.get_by_label("He leído el aviso de privacidad").check()
    page.get_by_role("button", name="Crear mi cuenta").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revisa tu correo")
    if check:
        review(page, "registered")

    (message,) = live_server.outbox(email)
    link = re.search(r"http://\S+/confirm/\S+", message.body).group(0)
    page.goto(link)
    expect(page.get_by_role("status")).to_contain_text("tu correo electrónico ha sido confirmado")
    if check:
        review(page, "login after confirming")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()


def assert_errors_announced(page):
    """The error summary gets the focus (read at once by screen readers, with or without
    JavaScript), the title says there is an error, and each error links to its field."""
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.title().startswith("Error:")
    first = summary.get_by_role("link").first
    target = first.get_attribute("href")
    assert target.startswith("#")
    field = page.locator(target)
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby") or ""
    assert any(page.locator(f"#{i}").get_attribute("class") == "field-error"
               for i in described.split()), "the field must point to its error message"


def send_proposal(page, live_server, review, *, title, check=True):
    page.get_by_role("link", name="Consultas", exact=True).first.click()
    if check:
        review(page, "consultations")
    page.get_by_role("link", name=re.compile("IV Plan de Acción")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("IV Plan de Acción")
    if check:
        review(page, "consultation")
    page.get_by_role("link", name="Participa", exact=True).click()
    page.wait_for_url(re.compile(r"/contribute$"))  # reviewed once it is there
    if check:
        review(page, "take part")
    page.get_by_role("link", name="Escribe una propuesta").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propón un nuevo compromiso")
    if check:
        review(page, "proposal form")
    page.get_by_label("Componente").select_option(label="Salud")
    page.get_by_label("Título").fill(title)
    page.get_by_label("Problema público").fill(
        "Las comunidades rurales no saben si el agua que consumen es potable: los resultados "
        "de la vigilancia sanitaria no se publican.")
    page.get_by_label("Objetivo").fill(
        "Publicar cada mes la calidad del agua por centro poblado, en datos abiertos.")
    page.get_by_label("Entidad responsable").fill("Ministerio de Salud - DIGESA")
    page.get_by_label("Entidades corresponsables").fill("SUNASS\nGobiernos regionales")
    actions = [("Inventariar los puntos de vigilancia del agua", "2026-03", "2026-05"),
               ("Publicar los resultados mensuales en datos abiertos", "2026-06", "2026-12"),
               ("Capacitar a las juntas vecinales en el uso de los datos", "2026-07", "2027-03")]
    for index, (description, start, end) in enumerate(actions):
        page.locator(f"#actions-{index}-description").fill(description)
        page.locator(f"#actions-{index}-start").fill(start)
        page.locator(f"#actions-{index}-end").fill(end)
    page.get_by_label("Fecha prevista de cumplimiento").fill("2027-06")
    page.get_by_role("button", name="Vista previa").click()
    preview = page.locator("[data-preview]")
    expect(preview).to_contain_text(title)
    for description, _start, _end in actions:
        expect(preview).to_contain_text(description)
    if check:
        review(page, "proposal preview")
    page.get_by_role("button", name="Enviar", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Recibimos tu aporte")
    if check:
        review(page, "proposal sent")
    return page.locator(".confirmation .code").inner_text()


def send_comment_on_commitment_5(page, live_server, review, *, text, check=True):
    page.get_by_role("link", name=re.compile("IV Plan de Acción")).first.click()
    page.get_by_role("link", name="Lee el borrador del plan").click()
    if check:
        review(page, "draft plan")
    commitment = page.locator("article.commitment").filter(
        has=page.get_by_role("heading", name=re.compile(r"^Compromiso 5:")))
    commitment.get_by_role("link", name=re.compile("Comenta este compromiso")).click()
    expect(page.locator(".card")).to_contain_text("Compromiso 5")
    if check:
        review(page, "comment form")
    page.get_by_label("Tu comentario").fill(text)
    page.get_by_role("button", name="Vista previa").click()
    expect(page.locator("[data-preview]")).to_contain_text(text[:40])
    page.get_by_role("button", name="Enviar", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Recibimos tu aporte")
    if check:
        review(page, "comment sent")
    return page.locator(".confirmation .code").inner_text()


def test_1_newcomer_takes_part_without_and_with_javascript(live_server, new_context, review):
    from consulta.contributions.models import Contribution

    context = new_context(javascript=False)
    review.without_javascript(context)
    page = context.new_page()
    register_and_confirm(page, live_server, review, email="ana.torres@example.pe",
                         name="Ana Torres")
    code = send_proposal(page, live_server, review,
                         title="Calidad del agua potable en datos abiertos")
    comment = send_comment_on_commitment_5(
        page, live_server, review,
        text="El observatorio de precios de medicamentos debe mostrar también los precios de "
             "las farmacias de provincias y permitir reportar precios abusivos.")
    proposal = row(live_server.app, Contribution, tracking_code=code)
    assert [a["description"][:10] for a in proposal.actions] == [
        "Inventaria", "Publicar l", "Capacitar "]
    assert proposal.channel == "web" and proposal.kind == "proposal"
    assert row(live_server.app, Contribution, tracking_code=comment).commitment_id
    state.update(newcomer="ana.torres@example.pe", proposal=code, comment=comment)

    # With JavaScript: the same journey for a second newcomer; its pages were reviewed
    # above, what JavaScript changes is checked here (the error summary gets the focus).
    page = new_context().new_page()
    register_and_confirm(page, live_server, review, email="luis.mamani@example.pe",
                         name="Luis Mamani", check=False)
    page.goto(live_server(f"{PLAN}/proposals/new"))
    page.get_by_role("button", name="Vista previa").click()
    assert_errors_announced(page)
    review(page, "proposal form with errors (JavaScript)")
    send_proposal(page, live_server, review, title="Mapa abierto de postas médicas rurales",
                  check=False)
    send_comment_on_commitment_5(
        page, live_server, review, check=False,
        text="Propongo que el observatorio de precios de medicamentos publique alertas "
             "cuando una farmacia cobre mucho más que el precio de referencia.")
    review.assert_clean()


# --- 2. the phone ----------------------------------------------------------------------

def test_2_participant_on_a_phone_reads_searches_and_supports(live_server, new_context,
                                                               review):
    from consulta.contributions.models import Contribution

    (proposal,) = needs("proposal")
    page = new_context(phone=True).new_page()
    assert page.viewport_size == {"width": 360, "height": 740}
    page.goto(live_server("/"))
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Consultas").tap()
    page.get_by_role("link", name=re.compile("IV Plan de Acción")).tap()
    page.get_by_role("link", name="Lee el borrador del plan").tap()
    # The table of contents leads to commitment 5, which is then on the screen.
    page.get_by_role("navigation", name="Contenido").get_by_role(
        "link", name="Compromiso 5", exact=True).tap()
    expect(page).to_have_url(re.compile("#compromiso-5$"))
    expect(page.get_by_role("heading", name=re.compile(r"^Compromiso 5:"))).to_be_in_viewport()

    page.locator(".breadcrumbs").get_by_role("link").tap()
    page.get_by_role("link", name="Aportes recibidos").tap()
    page.get_by_role("searchbox", name="Buscar").fill("agua potable")
    page.get_by_role("button", name="Aplicar").tap()
    result = page.get_by_role("link", name="Calidad del agua potable en datos abiertos")
    expect(result).to_be_visible()
    review(page, "contributions search (phone)")
    result.tap()
    expect(page.locator(".code").first).to_have_text(proposal)
    page.get_by_role("link", name="Inicia sesión para apoyarla").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    review(page, "login to support (phone)")
    page.get_by_label("Correo electrónico").fill("lucia@demo.consulta.pe")
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").tap()
    # Back on the proposal, logged in.
    expect(page.locator(".code").first).to_have_text(proposal)
    page.get_by_role("button", name="Apoyar esta propuesta").tap()
    expect(page.get_by_role("status").first).to_contain_text("Gracias por tu apoyo")
    expect(page.locator("#supports")).to_contain_text("1 persona apoya esta propuesta")
    expect(page.get_by_role("button", name="Retirar mi apoyo")).to_be_visible()
    review(page, "proposal supported (phone)")
    assert row(live_server.app, Contribution, tracking_code=proposal).supports_count == 1
    review.assert_clean()


# --- 3. the moderator, with the keyboard only -------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: 'body', id: '', name: '', visible: true};
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  let name = el.getAttribute('aria-label') || '';
  if (!name && el.labels && el.labels.length) {
    name = [...el.labels].map((l) => l.textContent).join(' ');
  }
  if (!name) name = el.innerText || el.value || '';
  return {tag: el.tagName.toLowerCase(), id: el.id, type: el.type || '',
          name: name.trim().replace(/\\s+/g, ' '), visible: outline};
}"""


def focused(page):
    return page.evaluate(FOCUSED)


def tab_to(page, name=None, *, id=None, where=None, limit=200):
    """Press Tab until the element with this accessible name (start), id, or for which
    ``where(info)`` is true, has the focus.

    At every stop the focus must be visible (an outline of at least 2 px), and the
    element must be reached within ``limit`` presses: no keyboard trap on the way.
    """
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        assert info["visible"], f"the focus is not visible on {info}"
        if (id and info["id"] == id) or (name and info["name"].startswith(name)) \
                or (where and where(info)):
            return info
    raise AssertionError(f"Tab never reached {name or id} on {page.url}")


def press_and_load(page, key="Enter"):
    """Press a key that follows a link or sends a form, and wait for the new page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def choose(page, text):
    """Pick an option of the focused <select> by typing its start, as people do."""
    page.keyboard.type(text)
    label = page.evaluate("() => document.activeElement.selectedOptions[0].textContent")
    assert label.strip().startswith(text), f"typing {text!r} chose {label!r}"


def open_queue(page):
    """From any page, through the menu: Moderation, then the consultation's queue."""
    tab_to(page, "Moderación")
    press_and_load(page)
    tab_to(page, "Consulta pública del IV Plan")
    press_and_load(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderación")


def post_offensive_comment(app, base_url):
    """Set-up, not the journey: an angry participant insults the officials."""
    import secrets

    from consulta.accounts.models import User
    from consulta.consultations.models import Consultation
    from consulta.contributions.operations import submit_contribution

    with app.test_request_context(base_url=base_url):
        author = db.session.scalar(select(User).filter_by(email="jorge@demo.consulta.pe"))
        consultation = db.session.scalar(select(Consultation).filter_by(slug=IV_PLAN_SLUG))
        contribution, _created = submit_contribution(
            consultation, author=author, kind="comment", target="plan",
            values={"body": "Son todos unos ladrones y unos inútiles, no sirven para nada."},
            submission_token=secrets.token_urlsafe(16))
        db.session.commit()
        code = contribution.tracking_code
        db.session.remove()
        return code


def test_3_moderator_with_the_keyboard_only(live_server, new_context, review):
    from consulta.contributions.models import Contribution, ContributionGroup

    (comment,) = needs("comment")
    offensive = post_offensive_comment(live_server.app, live_server.url)
    context = new_context()
    # Any mouse or touch on the page would be noted here: this journey has none.
    context.add_init_script("document.addEventListener('pointerdown',"
                            " () => sessionStorage.setItem('pointer', 'used'), true);")
    page = context.new_page()
    keyboard = page.keyboard

    page.goto(live_server("/login"))  # typed in the address bar
    tab_to(page, id="email")
    keyboard.type("moderador@demo.consulta.pe")
    keyboard.press("Tab")
    keyboard.type(DEMO_PASSWORD)
    press_and_load(page)
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()

    tab_to(page, "Moderación")
    press_and_load(page)
    review(page, "moderation home")
    tab_to(page, "Consulta pública del IV Plan")
    press_and_load(page)
    review(page, "moderation queue")

    # A paper sheet from the La Libertad workshop.
    tab_to(page, "Registrar un aporte fuera de línea")
    press_and_load(page)
    review(page, "offline contribution form")
    tab_to(page, id="kind")
    choose(page, "Propuesta")
    keyboard.press("Tab")
    choose(page, "Talleres presenciales")
    keyboard.press("Tab")
    choose(page, "Taller descentralizado")
    tab_to(page, id="author_name")
    keyboard.type("María Rodríguez")
    keyboard.press("Tab")
    keyboard.press("Space")  # she agreed that her name be published
    keyboard.press("Tab")
    keyboard.type("Junta vecinal de El Porvenir")
    tab_to(page, id="region")
    choose(page, "La Libertad")
    tab_to(page, id="component")
    choose(page, "Seguridad ciudadana")
    tab_to(page, id="title")
    keyboard.type("Alumbrado público y vigilancia vecinal en El Porvenir")
    keyboard.press("Tab")
    keyboard.type("Las calles sin alumbrado concentran los robos por la noche.")
    tab_to(page, "Guardar")
    press_and_load(page)
    expect(page.get_by_role("status").first).to_contain_text("ha sido registrado")
    paper = page.locator(".code").first.inner_text()
    typed = row(live_server.app, Contribution, tracking_code=paper)
    assert (typed.channel, typed.author_name, typed.author_name_public) == (
        "workshop", "María Rodríguez", True)
    assert typed.event_id and typed.region == "la-libertad"
    review(page, "paper contribution recorded")

    # Classify the queue one by one with "Save and next".
    open_queue(page)
    tab_to(page, "Empezar a clasificar")
    press_and_load(page)
    classified = []
    for round_ in range(3):
        expect(page.get_by_role("heading", level=1)).to_contain_text("Clasificar APO-")
        classified.append(page.get_by_role("heading", level=1).inner_text().split()[-1])
        info = focused(page)
        assert info["id"] == "component", "the first field has the focus"
        choose(page, "Seguridad ciudadana")
        keyboard.press("Tab")  # commitment: none (it proposes a new one)
        keyboard.press("Tab")
        assert focused(page)["id"] == "new_commitment"
        if not page.locator("#new_commitment").is_checked():
            keyboard.press("Space")
        keyboard.press("Tab")
        keyboard.press("Space")  # the first principle: transparency
        tab_to(page, id="tags")
        keyboard.type("seguridad, talleres")
        if round_ == 0:
            review(page, "classify")
            # Enter in a text field sends the form with its first button, "Save and next".
            # (Its access key cannot be tested: Chromium ignores synthetic Alt+N.)
            press_and_load(page)
        else:
            tab_to(page, "Guardar y siguiente")
            press_and_load(page)
        expect(page.get_by_role("status").first).to_contain_text("ha sido clasificado")
    for code in classified:
        item = row(live_server.app, Contribution, tracking_code=code)
        assert item.classified_at is not None and item.principles == ["transparency"]
        # "Save and next" goes through the queue in its order (by the day received), where
        # comments come between proposals: only a proposal proposes a new commitment.
        assert item.is_new_commitment == (item.kind == "proposal")

    # Then in bulk: filter the queue, tick what it shows, classify them together.
    open_queue(page)
    tab_to(page, id="q")
    keyboard.type("medicamentos")
    press_and_load(page)
    boxes = page.locator("table.queue tbody input[name=selected]")  # not "select all"
    expect(boxes.first).to_be_visible()
    to_tick = boxes.count()
    for _ in range(to_tick):
        tab_to(page, "Seleccionar APO-")
        keyboard.press("Space")
    tab_to(page, id="bulk-component")
    choose(page, "Salud")
    review(page, "queue with a selection")
    tab_to(page, "Aplicar a los seleccionados")
    press_and_load(page)
    expect(page.get_by_role("status").first).to_contain_text(
        f"{to_tick} aportes han sido clasificados")

    # Group the newcomer's comment with two similar contributions from the suggestions.
    # (It was classified in bulk just now: it is under "All", with the same filter.)
    tab_to(page, "Todos")
    press_and_load(page)
    tab_to(page, comment)
    press_and_load(page)
    expect(page.locator(".suggestions input[type=checkbox]").first).to_be_visible()
    for _ in range(2):
        tab_to(page, where=lambda info: info["id"].startswith("with-"))
        keyboard.press("Space")
    review(page, "classify with suggestions")
    tab_to(page, id="title")
    keyboard.type("Fiscalización ciudadana de los precios de medicamentos")
    tab_to(page, "Agrupar")
    press_and_load(page)
    expect(page.get_by_role("status").first).to_contain_text("Agrupado en")
    item = row(live_server.app, Contribution, tracking_code=comment)
    assert item.group_id
    group = row(live_server.app, ContributionGroup, id=item.group_id)
    with live_server.app.app_context():
        members = db.session.scalars(select(Contribution.tracking_code).filter_by(
            group_id=group.id)).all()
        db.session.remove()
    assert len(members) == 3 and comment in members

    # Hide the insult, with a public reason: the moderator finds it by a word of it.
    open_queue(page)
    tab_to(page, id="q")
    keyboard.type("ladrones")
    press_and_load(page)
    tab_to(page, offensive)
    press_and_load(page)
    tab_to(page, id="reason")
    choose(page, "Lenguaje ofensivo")
    keyboard.press("Tab")
    keyboard.type("Insulta a personas; se invita a reformular la crítica con respeto.")
    tab_to(page, "Ocultarlo")
    press_and_load(page)
    expect(page.get_by_role("status").first).to_contain_text("ha sido ocultado")
    assert page.evaluate("() => sessionStorage.getItem('pointer')") is None, \
        "journey 3 must need no mouse"

    public = new_context().new_page()
    public.goto(live_server(f"/contributions/{offensive}"))
    expect(public.locator(".hidden-placeholder")).to_contain_text(
        "Ocultado por moderación: Lenguaje ofensivo o discriminatorio.")
    expect(public.locator("main")).not_to_contain_text("ladrones")
    assert any("ocult" in m.subject.lower() for m in live_server.outbox("jorge@demo.consulta.pe"))
    state.update(group_id=group.id, paper=paper)
    review.assert_clean()


# --- 4. the secretariat -----------------------------------------------------------------

def test_4_secretariat_answers_publishes_and_downloads(live_server, new_context, review):
    from consulta.consultations.models import Consultation
    from consulta.contributions.models import Contribution
    from consulta.feedback.models import Response

    proposal, group_id, newcomer = needs("proposal", "group_id", "newcomer")
    page = new_context().new_page()
    log_in(page, live_server, "secretaria@demo.consulta.pe")

    # Contributions close now (the summary needs it), and answers need four eyes.
    page.goto(live_server(PLAN))
    page.get_by_role("link", name="Gestionar esta consulta").click()
    follow(page, page.get_by_role("link", name="Detalles y fechas"))
    review(page, "consultation settings")
    page.get_by_label("Cuatro ojos").check()
    now = datetime.now(ZoneInfo("America/Lima")) - timedelta(minutes=2)
    page.get_by_label("Cierre de aportes").fill(now.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Por qué cambian las fechas").fill(
        "Se cierra la recepción para sistematizar los aportes.")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("status").first).to_contain_text("La consulta ha sido guardada")

    page.get_by_role("link", name="Retroalimentación").first.click()
    expect(page.locator("main")).to_contain_text("principio de cuatro ojos está activo")
    review(page, "feedback dashboard")
    follow(page, page.get_by_role("region", name="Grupos").get_by_role(
        "link", name="Fiscalización ciudadana de los precios de medicamentos"))
    review(page, "response to a group")
    page.get_by_label("Resultado").select_option(label="Incorporado parcialmente")
    page.get_by_label("Justificación").fill(
        "El compromiso 5 ya prevé la fiscalización ciudadana de los precios. Se agrega la "
        "publicación de los precios de las farmacias de provincias y un canal para reportar "
        "precios abusivos.")
    page.get_by_role("group", name=re.compile("Incorporado en los compromisos")).get_by_label(
        re.compile(r"^5\. ")).check()
    page.get_by_role("button", name="Guardar y enviar a revisión").click()
    expect(page.get_by_role("status").first).to_contain_text("enviada a revisión")
    # Four eyes: who wrote it cannot approve it.
    page.get_by_role("button", name="Aprobar").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Cuatro ojos: la respuesta debe ser aprobada por una persona distinta")

    page.goto(live_server(f"/contributions/{proposal}"))
    page.get_by_role("link", name="Redactar o editar la respuesta").click()
    page.get_by_label("Resultado").select_option(label="Derivado a otra entidad")
    page.get_by_label("Justificación").fill(
        "La vigilancia de la calidad del agua corresponde al sector saneamiento. Derivamos la "
        "propuesta a la SUNASS, que publica indicadores de calidad del servicio.")
    page.get_by_label("Entidad a la que se derivó").fill(
        "Superintendencia Nacional de Servicios de Saneamiento (SUNASS)")
    page.get_by_role("button", name="Guardar y enviar a revisión").click()
    expect(page.get_by_role("status").first).to_contain_text("enviada a revisión")
    review(page, "response in review")

    # A second person approves both (the administrator holds every role).
    second = new_context().new_page()
    log_in(second, live_server, "admin@demo.consulta.pe")
    second.goto(live_server(f"{PLAN}/feedback?status=in_review"))
    for box in second.locator("input[name=selected]").all():
        box.check()
    second.get_by_role("button", name="Aprobar las seleccionadas").click()
    expect(second.get_by_role("status").first).to_contain_text("2 respuestas actualizadas")

    # The secretariat publishes them: the authors are told.
    page.goto(live_server(f"{PLAN}/feedback"))
    page.get_by_role("link", name="Aprobada").click()
    boxes = page.locator("input[name=selected]")
    expect(boxes).to_have_count(2)
    for box in boxes.all():
        box.check()
    page.get_by_role("button", name="Publicar las seleccionadas").click()
    expect(page.get_by_role("status").first).to_contain_text("2 respuestas actualizadas")
    with live_server.app.app_context():
        statuses = db.session.scalars(select(Response.status).where(
            Response.group_id == group_id)).all()
        db.session.remove()
    assert statuses == ["published"]
    assert any(proposal in m.body for m in live_server.outbox(newcomer)[1:])

    # The summary, frozen and published.
    page.goto(live_server(PLAN))
    page.get_by_role("link", name="Preparar el resumen").click()
    page.get_by_label("Introducción (Markdown)").fill(
        "La consulta recibió aportes por la web y en el taller de La Libertad. Cada aporte "
        "tiene su respuesta.")
    page.get_by_role("button", name="Guardar los textos").click()
    expect(page.get_by_role("status").first).to_contain_text("han sido guardad")
    review(page, "prepare the summary")
    page.get_by_role("button", name="Publicar el resumen").click()
    expect(page.get_by_role("status").first).to_contain_text("ha sido publicada")
    review(page, "published summary")

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Datos abiertos: CSV").click()
    data = Path(csv_download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, as spreadsheets expect"
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    header, rows = reader.fieldnames, list(reader)
    assert header[0] == "code" and {"outcome", "justification", "referred_to"} <= set(header)
    (answered,) = [r for r in rows if r["code"] == proposal]
    assert "SUNASS" in answered["referred_to"] and "saneamiento" in answered["justification"]
    with live_server.app.app_context():
        received = db.session.scalar(select(func.count()).select_from(Contribution).join(
            Consultation).where(Consultation.slug == IV_PLAN_SLUG))
        db.session.remove()
    assert len(rows) == received, "one row per contribution, the hidden one too"
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Descargar PDF").click()
    assert Path(pdf_download.value.path()).read_bytes()[:5] == b"%PDF-"
    review.assert_clean()


# --- 5. the newcomer reads the answer ---------------------------------------------------

def test_5_newcomer_sees_the_response_in_my_contributions(live_server, new_context, review):
    proposal, comment, newcomer = needs("proposal", "comment", "newcomer")
    page = new_context(phone=True).new_page()
    log_in(page, live_server, newcomer, NEW_PASSWORD)
    page.get_by_role("link", name="Mis aportes").tap()
    table = page.get_by_role("table", name="Mis aportes")
    mine = table.get_by_role("row").filter(has_text=proposal)
    expect(mine).to_contain_text("Con respuesta")
    expect(mine).to_contain_text("Derivado a otra entidad")
    expect(table.get_by_role("row").filter(has_text=comment)).to_contain_text(
        "Incorporado parcialmente")
    review(page, "my contributions (phone)")
    mine.get_by_role("link", name="Con respuesta").tap()
    response = page.locator("#response")
    expect(response).to_contain_text("Superintendencia Nacional de Servicios de Saneamiento")
    expect(response).to_be_in_viewport()
    review(page, "my proposal with its response (phone)")
    review.assert_clean()


# --- 6. the language --------------------------------------------------------------------

def test_6_spanish_then_english_and_back(live_server, new_context, review):
    page = new_context().new_page()
    page.goto(live_server(PLAN))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    nav = page.get_by_role("navigation", name="Menú principal")
    expect(nav).to_contain_text("Consultas")
    expect(page.get_by_role("link", name="Lee el borrador del plan")).to_be_visible()

    page.get_by_role("navigation", name="Idioma").get_by_role("link", name="English").click()
    # Same page, now in English: the interface changes, the consultation's text does not.
    assert page.url.rstrip("/").endswith(PLAN)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("navigation", name="Main menu")).to_contain_text("Consultations")
    expect(page.get_by_role("link", name="Read the draft plan")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("IV Plan de Acción")
    review(page, "consultation in English")
    page.get_by_role("link", name="Read the draft plan").click()
    expect(page.get_by_role("navigation", name="Contents")).to_contain_text("Commitment 5")

    page.get_by_role("navigation", name="Language").get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("navigation", name="Contenido")).to_contain_text("Compromiso 5")
    page.get_by_role("link", name="Consultas", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Consultas")
    review.assert_clean()


# --- 7. the final plan ------------------------------------------------------------------

def test_7_secretariat_approves_the_final_plan(live_server, new_context, review):
    comment, newcomer, _group = needs("comment", "newcomer", "group_id")
    page = new_context().new_page()
    log_in(page, live_server, "secretaria@demo.consulta.pe")
    page.goto(live_server(PLAN))
    follow(page, page.get_by_role("link", name="Preparar el plan final"))
    review(page, "prepare the final plan")
    page.get_by_label("Versión aprobada del plan").select_option(index=0)
    page.get_by_label("Referencia de la aprobación").fill(
        "Resolución Ministerial N.° 070-2026-PCM")
    page.get_by_label("Aprobado el").fill("2026-11-30")
    page.get_by_label("Respaldado por el foro el").fill("2026-11-27")
    page.get_by_label("Respaldo del foro").fill(
        "Acta de la sesión ordinaria de la Comisión Multisectorial de Gobierno Abierto.")
    page.get_by_label("Nota pública").fill("El plan aprobado recoge los aportes de la consulta.")
    page.get_by_role("button", name="Guardar", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("Se guardó el plan final")
    page.get_by_role("button", name="Publicar el plan final").click()
    expect(page.get_by_role("status").first).to_contain_text("Se publicó el plan final")
    expect(page.locator("#compromiso-5")).to_contain_text(comment)
    told = [m for m in live_server.outbox(newcomer) if "plan final" in m.subject]
    assert len(told) == 1 and comment in told[0].body
    review.assert_clean()


# --- 8. a finished consultation's final plan, on a phone without JavaScript ----------------

def test_8_final_plan_read_on_a_phone_without_javascript(live_server, new_context, review):
    context = new_context(phone=True, javascript=False)
    review.without_javascript(context)
    page = context.new_page()
    page.goto(live_server("/consultations/plan-gobierno-abierto-la-libertad"))
    follow(page, page.get_by_role("link", name="Lee el plan final y lo que le dio forma"))
    review(page, "final plan (phone, no JavaScript)")
    changes = page.locator("#changes")
    expect(changes).to_contain_text("zonas de riesgo")
    commitment = page.locator("#compromiso-2")
    code = commitment.locator("table a.code").first
    expect(code).to_be_visible()
    code.click()
    response = page.locator("#response")
    expect(response).to_contain_text("Este aporte dio forma al plan final aprobado")
    review(page, "a contribution that landed in the final plan (phone)")
    response.get_by_role("link", name=re.compile(r"^Compromiso 2: ")).click()
    page.wait_for_url(re.compile(r"/final-plan#compromiso-2$"))
    review.assert_clean()
