"""The moderators' bulk work and the staff's start page in a real browser, with and
without JavaScript, and the staff tables and the proposal form on a 360 px phone.

Its own server and demo database (module scope): it does not depend on the journeys.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from consulta.demo.consultations import IV_PLAN_SLUG
from consulta.extensions import db
from tests.browser.steps import log_in

pytestmark = pytest.mark.browser

PLAN = f"/consultations/{IV_PLAN_SLUG}"
QUEUE = f"{PLAN}/moderation"


def unclassified(app, channel):
    from consulta.contributions.models import Contribution

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Contribution).where(
            Contribution.channel == channel, Contribution.classified_at.is_(None),
            Contribution.hidden_at.is_(None), Contribution.withdrawn_at.is_(None),
            Contribution.voided_at.is_(None)))
        db.session.remove()
        return count


def sideways(page):
    """How far the page scrolls sideways (0: it does not)."""
    return page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")


def test_a_moderator_lands_on_the_start_page_and_classifies_all_with_select_all(
        live_server, new_context, review):
    page = new_context().new_page()
    log_in(page, live_server, "moderador@demo.consulta.pe")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lo que te espera")
    review(page, "staff start page")
    page.get_by_role("link", name=re.compile("aportes? por clasificar")).first.click()
    # The workshop's sheets wait: filter the queue by channel, select all on the page.
    page.get_by_label("Canal").select_option(label="Talleres presenciales")
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_url(re.compile(r"channel=workshop"))  # the filtered page, not the one left
    waiting = unclassified(live_server.app, "workshop")
    assert waiting > 1
    boxes = page.locator("table.queue tbody input[name=selected]")
    expect(boxes).to_have_count(waiting)
    page.get_by_label("Seleccionar todo en esta página").check()
    for index in range(waiting):
        expect(boxes.nth(index)).to_be_checked()
    page.locator("#bulk-component").select_option(label="Seguridad ciudadana")
    page.locator("#bulk-tags").fill("taller")
    review(page, "queue, all selected")
    page.get_by_role("button", name="Aplicar a los seleccionados").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"{waiting} aportes han sido clasificados")
    assert unclassified(live_server.app, "workshop") == 0
    assert "channel=workshop" in page.url  # back to the queue as it was filtered


def test_without_javascript_the_page_scope_does_the_same(live_server, new_context, review):
    context = new_context(javascript=False)
    review.without_javascript(context)
    page = context.new_page()
    log_in(page, live_server, "moderador@demo.consulta.pe")
    page.goto(live_server(f"{QUEUE}?channel=web"))
    waiting = unclassified(live_server.app, "web")
    assert waiting > 0
    expect(page.get_by_label("Seleccionar todo en esta página")).to_be_hidden()
    page.get_by_label(re.compile(r"aportes? de esta página")).check()
    page.locator("#bulk-component").select_option(label="Salud")
    review(page, "queue without javascript")
    page.get_by_role("button", name="Aplicar a los seleccionados").click()
    expect(page.get_by_role("status").first).to_contain_text("han sido clasificados")
    assert unclassified(live_server.app, "web") == 0
    review.assert_clean()


def test_keyboard_shortcuts_and_every_tag_completes(live_server, new_context):
    page = new_context().new_page()
    log_in(page, live_server, "moderador@demo.consulta.pe")
    page.goto(live_server(f"{QUEUE}?state=all"))
    expect(page.get_by_text("Atajos de teclado")).to_be_visible()
    page.locator("h1").click()  # the focus on the page, not in a field
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("table.queue tbody input[name=selected]").first).to_be_checked()
    page.keyboard.press("a")
    expect(page.locator("table.queue tbody input[name=selected]:not(:checked)")) \
        .to_have_count(0)
    # The tag field: what is typed after a comma is completed too.
    page.goto(live_server(f"{QUEUE}?state=all"))
    page.locator("table.queue tbody a").first.click()
    # The script binds the field once the page has loaded: typing before that is
    # typing into a plain datalist (what a slow CI run once caught).
    page.wait_for_load_state("load")
    tags = page.locator("#tags")
    tags.fill("")
    tags.type("seguridad, ")
    page.wait_for_function(
        "() => Array.from(document.getElementById('tag-suggestions').options)"
        ".some(o => o.value.startsWith('seguridad, '))")
    options = page.evaluate(
        "() => Array.from(document.getElementById('tag-suggestions').options, o => o.value)")
    assert options and all(o.startswith("seguridad, ") for o in options), options
    assert "seguridad, taller" in options
    assert "seguridad, seguridad" not in options


def test_staff_tables_do_not_scroll_sideways_on_a_phone(live_server, new_context):
    page = new_context(phone=True).new_page()
    log_in(page, live_server, "admin@demo.consulta.pe")
    for path in ("/admin/users", QUEUE, f"{QUEUE}?state=all", f"{PLAN}/moderation/audit",
                 f"{PLAN}/feedback", "/staff"):
        page.goto(live_server(path))
        assert sideways(page) <= 0, (path, sideways(page))


def test_the_proposal_form_on_a_phone(live_server, new_context):
    page = new_context(phone=True).new_page()
    log_in(page, live_server, "lucia@demo.consulta.pe")
    page.goto(live_server(f"{PLAN}/proposals/new"))
    rows = page.locator(".action-row")
    before = rows.count()
    page.get_by_role("button", name="Agregar otra acción").click()
    expect(rows).to_have_count(before + 1)
    assert page.url.endswith(f"#action-{before + 1}")
    expect(page.locator(f"#action-{before + 1}")).to_be_in_viewport()
    page.get_by_label("Componente").select_option(label="Salud")
    page.get_by_label("Título").fill("Agua segura en los centros poblados")
    page.get_by_label("Problema público").fill("No se publica la calidad del agua.")
    page.get_by_label("Objetivo").fill("Publicar la calidad del agua cada mes.")
    page.get_by_role("button", name="Vista previa").click()
    preview = page.locator("[data-preview]")
    expect(preview).to_contain_text("Agua segura")
    send = preview.get_by_role("button", name="Enviar", exact=True)
    expect(send).to_be_visible()
    # Right after the preview's summary: within a screen of its end, not six below.
    gap = page.evaluate(
        "() => { const p = document.querySelector('[data-preview]');"
        " const b = p.querySelector('button[name=send]');"
        " return b.getBoundingClientRect().top"
        " - p.querySelector('h2').getBoundingClientRect().top; }")
    assert gap < 2 * 740
    send.click()
    expect(page.get_by_role("status")).to_contain_text("Recibimos tu aporte")
