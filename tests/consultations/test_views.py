"""The secretariat prepares, announces and edits a consultation; everyone reads it."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from consulta.audit.models import AuditEntry
from consulta.consultations.models import Commitment, Component, Consultation, Phase
from consulta.extensions import db

from ..conftest import iv_plan_json, login
from ..inert import active_html, main_content

FORM = {
    "title": "Consulta del V Plan de Acción de Gobierno Abierto",
    "summary": "Propón compromisos para el V Plan.",
    "description": "Texto **importante**.",
    "scope": "national",
    "entity": "secretaria-de-gobierno-y-transformacion-digital",
    "forum_name": "Comisión Multisectorial de Gobierno Abierto",
    "methodology": "Talleres y web.",
    "channels": ["web", "workshop"],
    "opens_at": "2030-03-01T09:00",
    "closes_at": "2030-03-31T18:00",
}


@pytest.fixture(autouse=True)
def organizing_entity(create_entity):
    """The entity the form's consultations belong to."""
    return create_entity("Secretaría de Gobierno y Transformación Digital")


@pytest.fixture
def secretariat(app, client, create_user):
    user = create_user(roles=("secretariat",))
    login(client, user)
    return user


def get_consultation(app, slug=None):
    with app.app_context():
        query = select(Consultation)
        if slug:
            query = query.where(Consultation.slug == slug)
        item = db.session.scalar(query)
        if item is not None:
            item.phases, item.plan_versions  # noqa: B018 (load before detaching)
        db.session.expunge_all()
        return item


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def change_notices(page):
    """The text of the "Change notices" section of a consultation's page ("" if none)."""
    section = re.search(r'<section aria-labelledby="h-notices".*?</section>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", section.group(0)).split()) if section else ""


def medium(app, value):
    """A moment as the pages write it in Spanish ("15 jun 2030, 18:00")."""
    with app.test_request_context():
        from consulta.core.i18n import format_when

        return format_when(value, "medium")


def test_secretariat_creates_a_private_consultation_in_lima_time(app, client, secretariat):
    response = client.post_form("/consultations/new", FORM)
    assert response.status_code == 302
    item = get_consultation(app)
    assert item.slug == "consulta-del-v-plan-de-accion-de-gobierno-abierto"
    # 09:00 in Lima (UTC-5) is 14:00 UTC.
    assert item.opens_at == datetime(2030, 3, 1, 14, 0, tzinfo=UTC)
    assert item.closes_at == datetime(2030, 3, 31, 23, 0, tzinfo=UTC)
    assert item.announced_at is None and item.status() == "draft"
    assert item.channels == ["web", "workshop"]
    # Private: invisible to visitors and to the API (404, not 403).
    visitor = app.test_client()
    assert visitor.get(f"/consultations/{item.slug}").status_code == 404
    assert visitor.get(f"/api/v1/consultations/{item.slug}").status_code == 404
    assert item.slug not in visitor.get("/consultations").get_data(as_text=True)
    assert visitor.get("/api/v1/consultations").get_json()["consultations"] == []
    # The edit form shows the dates back in Lima time.
    page = client.get(f"/consultations/{item.slug}/edit").get_data(as_text=True)
    assert 'value="2030-03-01T09:00"' in page


def test_a_private_consultation_is_404_for_participants_and_moderators(app, create_user,
                                                                      create_consultation):
    slug = create_consultation(announced=False)
    for roles in ((), ("moderator",)):
        client = app.test_client()
        login(client, create_user(roles=roles))
        assert client.get(f"/consultations/{slug}").status_code == 404
        assert client.get(f"/consultations/{slug}/plan").status_code == 404


def test_slug_is_editable_unique_and_restricted(app, client, secretariat):
    client.post_form("/consultations/new", {**FORM, "slug": "mi-consulta"})
    assert get_consultation(app).slug == "mi-consulta"
    response = client.post_form("/consultations/new", {**FORM, "slug": "mi-consulta"})
    assert response.status_code == 200
    assert "ya se usa" in response.get_data(as_text=True) or "ya est" in \
        response.get_data(as_text=True)
    for bad in ("Mi Consulta", "consulta_2030", "ñandú", "a--b", "-a"):
        response = client.post_form("/consultations/new", {**FORM, "slug": bad})
        assert response.status_code == 200, bad
    assert count(app, Consultation) == 1
    # A generated slug never collides.
    client.post_form("/consultations/new", {**FORM, "title": "Mi consulta"})
    assert get_consultation(app, "mi-consulta-2") is not None


def test_closing_before_opening_is_refused(app, client, secretariat):
    response = client.post_form("/consultations/new", {**FORM, "closes_at": "2030-02-01T09:00"})
    assert response.status_code == 200
    assert "posterior a la apertura" in response.get_data(as_text=True)
    assert count(app, Consultation) == 0


def test_an_edit_without_its_opening_date_is_a_form_error_not_a_crash(app, client,
                                                                      secretariat):
    client.post_form("/consultations/new", {**FORM, "slug": "sin-apertura"})
    form = {k: v for k, v in FORM.items() if k != "opens_at"}
    response = client.post_form("/consultations/sin-apertura/edit", form)
    assert response.status_code == 200
    assert "Ingresa una fecha y una hora." in response.get_data(as_text=True)
    assert get_consultation(app).closes_at.replace(tzinfo=UTC) == \
        datetime(2030, 3, 31, 23, 0, tzinfo=UTC)  # 18:00 in Lima, unchanged


def test_over_long_fields_are_refused(app, client, secretariat):
    for field, length in (("title", 201), ("summary", 501), ("description", 20001)):
        response = client.post_form("/consultations/new", {**FORM, field: "x" * length})
        assert response.status_code == 200, field
    assert count(app, Consultation) == 0


def test_regional_and_local_scope_need_region_and_locality(app, client, secretariat):
    response = client.post_form("/consultations/new", {**FORM, "scope": "regional"})
    assert response.status_code == 200
    response = client.post_form("/consultations/new", {**FORM, "scope": "local",
                                                       "scope_region": "cusco"})
    assert response.status_code == 200
    assert count(app, Consultation) == 0
    client.post_form("/consultations/new", {**FORM, "scope": "local", "scope_region": "cusco",
                                            "scope_locality": "Wanchaq"})
    item = get_consultation(app)
    assert (item.scope, item.scope_region, item.scope_locality) == ("local", "cusco", "Wanchaq")


HOSTILE_DESCRIPTION = (
    "<script>alert('x')</script> [click](javascript:alert(1)) "
    "<img src=x onerror=alert(2)> <iframe src='https://evil.example'></iframe> "
    '<a href="javascript:alert(3)" onclick="alert(4)">a</a>'
)


def test_hostile_description_is_rendered_inert(app, client, secretariat, create_consultation):
    client.post_form("/consultations/new", {**FORM, "description": HOSTILE_DESCRIPTION,
                                            "methodology": HOSTILE_DESCRIPTION})
    item = get_consultation(app)
    page = client.get(f"/consultations/{item.slug}").get_data(as_text=True)
    body = main_content(page)
    assert active_html(body) == []
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in body  # shown as text
    api = client.get(f"/api/v1/consultations/{item.slug}")
    assert api.status_code == 404  # still private
    with app.app_context():
        from consulta.core.sanitize import render_markdown

        assert active_html(str(render_markdown(HOSTILE_DESCRIPTION))) == []


def test_phase_ending_before_it_starts_is_refused(app, client, secretariat):
    client.post_form("/consultations/new", FORM)
    slug = get_consultation(app).slug
    response = client.post_form(f"/consultations/{slug}/phases", {
        "name": "Talleres", "starts_on": "2030-03-10", "ends_on": "2030-03-01"})
    assert response.status_code == 200
    assert "no puede ser anterior" in response.get_data(as_text=True)
    assert count(app, Phase) == 0
    response = client.post_form(f"/consultations/{slug}/phases", {
        "name": "Talleres", "starts_on": "2030-03-01", "ends_on": "2030-03-10"})
    assert response.status_code == 302
    assert count(app, Phase) == 1


def test_dates_outside_the_years_1900_to_2200_are_form_errors(app, client, secretariat):
    """Year 9999 in Lima is year 10000 in UTC: it used to be a 500."""
    for opens, closes in (("0001-01-01T00:00", "2030-03-31T18:00"),
                          ("2030-03-01T09:00", "9999-12-31T23:59"),
                          ("1899-12-31T23:59", "2030-03-31T18:00")):
        response = client.post_form("/consultations/new",
                                    {**FORM, "opens_at": opens, "closes_at": closes})
        assert response.status_code == 200, (opens, closes)
        assert "Ingresa una fecha entre los años 1900 y 2200." in \
            response.get_data(as_text=True)
    assert count(app, Consultation) == 0
    client.post_form("/consultations/new", {**FORM, "closes_at": "2200-12-31T23:59"})
    slug = get_consultation(app).slug
    for starts, ends in (("0001-01-01", "2030-03-10"), ("2030-03-01", "9999-12-31")):
        response = client.post_form(f"/consultations/{slug}/phases", {
            "name": "Talleres", "starts_on": starts, "ends_on": ends})
        assert response.status_code == 200
    assert count(app, Phase) == 0


def test_announcing_records_the_date_and_makes_it_public(app, client, secretariat):
    client.post_form("/consultations/new", FORM)
    slug = get_consultation(app).slug
    # No timeline yet: refused.
    client.post_form(f"/consultations/{slug}/announce")
    assert get_consultation(app).announced_at is None
    client.post_form(f"/consultations/{slug}/phases", {
        "name": "Recepción de aportes", "starts_on": "2030-03-01", "ends_on": "2030-03-31"})
    client.post_form(f"/consultations/{slug}/announce")
    item = get_consultation(app)
    assert item.announced_at is not None and item.status() == "announced"
    visitor = app.test_client()
    page = visitor.get(f"/consultations/{slug}").get_data(as_text=True)
    assert "Recepción de aportes" in page and "Comisión Multisectorial" in page
    listing = visitor.get("/api/v1/consultations").get_json()["consultations"]
    assert [c["slug"] for c in listing] == [slug]
    assert listing[0]["status"] == "announced"
    assert listing[0]["announced_at"].endswith("+00:00")


def test_announcing_with_the_opening_in_the_past_is_refused(app, client, secretariat):
    client.post_form("/consultations/new", {**FORM, "opens_at": "2020-03-01T09:00"})
    slug = get_consultation(app).slug
    client.post_form(f"/consultations/{slug}/phases", {
        "name": "Aportes", "starts_on": "2020-03-01", "ends_on": "2030-03-31"})
    response = client.post_form(f"/consultations/{slug}/announce", follow_redirects=True)
    assert "en el pasado" in response.get_data(as_text=True)
    assert get_consultation(app).announced_at is None


def test_date_changes_after_announcement_are_public_notices(app, client, secretariat,
                                                             create_consultation):
    slug = create_consultation(opens_in_days=10, closes_in_days=40)
    item = get_consultation(app, slug)
    old_close = item.closes_at
    edit = {**FORM, "title": item.title, "slug": slug, "opens_at": "2030-05-01T09:00",
            "closes_at": "2030-06-15T18:00"}
    response = client.post_form(f"/consultations/{slug}/edit", edit)
    assert response.status_code == 200  # refused: no reason given
    assert "Indica por qué" in response.get_data(as_text=True)
    assert get_consultation(app, slug).closes_at == old_close
    response = client.post_form(f"/consultations/{slug}/edit", {
        **edit, "date_change_reason": "Se alinea con el calendario regional"})
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "window.dates_changed"))
        assert entry.before["closes_at"] == old_close.isoformat()
        assert entry.after["closes_at"] == "2030-06-15T23:00:00+00:00"
        assert entry.actor_id == secretariat.id
    notices = change_notices(app.test_client().get(f"/consultations/{slug}")
                             .get_data(as_text=True))
    assert notices.startswith("Avisos de cambio")
    assert "Ventana de participación (Web" in notices
    assert "al 1 de mayo de 2030, 9:00 – 15 de junio de 2030, 18:00." in notices
    assert "Motivo: Se alinea con el calendario regional." in notices
    assert "Cambio hecho por Persona" in notices
    # Before the announcement no notice is recorded.
    client.post_form("/consultations/new", FORM)
    private = get_consultation(app, "consulta-del-v-plan-de-accion-de-gobierno-abierto")
    client.post_form(f"/consultations/{private.slug}/edit",
                     {**FORM, "closes_at": "2030-04-30T18:00"})
    assert get_consultation(app, private.slug).closes_at == datetime(2030, 4, 30, 23, 0,
                                                                     tzinfo=UTC)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "window.dates_changed")) == 1


def test_status_is_computed_from_dates(app, create_consultation):
    open_slug = create_consultation(opens_in_days=-2, closes_in_days=5, title="Abierta")
    soon = create_consultation(opens_in_days=5, closes_in_days=30, title="Pronto")
    done = create_consultation(opens_in_days=-30, closes_in_days=-2, title="Terminada")
    statuses = {c["slug"]: c["status"] for c in
                app.test_client().get("/api/v1/consultations").get_json()["consultations"]}
    assert statuses == {open_slug: "open", soon: "announced", done: "closed"}
    page = app.test_client().get("/consultations").get_data(as_text=True)
    assert page.index("Abierta") < page.index("Pronto") < page.index("Terminada")


MANAGE_URLS = [
    ("GET", "/consultations/new"), ("POST", "/consultations/new"),
    ("GET", "/consultations/{slug}/edit"), ("POST", "/consultations/{slug}/edit"),
    ("GET", "/consultations/{slug}/manage"), ("POST", "/consultations/{slug}/announce"),
    ("GET", "/consultations/{slug}/phases"), ("POST", "/consultations/{slug}/phases"),
    ("GET", "/consultations/{slug}/windows"), ("POST", "/consultations/{slug}/windows"),
    ("POST", "/consultations/{slug}/record-past"),
    ("GET", "/consultations/{slug}/components"), ("POST", "/consultations/{slug}/components"),
    ("GET", "/consultations/{slug}/plan/manage"), ("POST", "/consultations/{slug}/plan/import"),
    ("POST", "/consultations/{slug}/plan/publish"),
    ("POST", "/consultations/{slug}/plan/start-draft"),
    ("GET", "/consultations/{slug}/plan/commitments/new"),
    ("POST", "/consultations/{slug}/plan/commitments/new"),
    ("GET", "/consultations/{slug}/plan/sections/new"),
]


@pytest.mark.parametrize("roles", [(), ("moderator",)])
def test_participants_and_moderators_get_403_on_every_secretariat_page(app, create_user,
                                                                       create_consultation,
                                                                       roles):
    slug = create_consultation(opens_in_days=10)
    client = app.test_client()
    login(client, create_user(roles=roles))
    for method, url in MANAGE_URLS:
        url = url.format(slug=slug)
        response = client.get(url) if method == "GET" else client.post_form(url, FORM)
        assert response.status_code == 403, (method, url)
    # The secretariat-only endpoints are exactly those checked above (plus id-based ones).
    manage_rules = {r.rule for r in app.url_map.iter_rules()
                    if r.endpoint.startswith("consultations.") and r.endpoint not in (
                        "consultations.index", "consultations.detail", "consultations.plan",
                        "consultations.plan_version")}
    checked = {url.replace("{slug}", "<slug>") for _m, url in MANAGE_URLS}
    id_routes = {r for r in manage_rules if "_id>" in r}
    assert manage_rules - id_routes <= checked
    assert count(app, Consultation) == 1


def test_admin_can_do_what_the_secretariat_does(app, client, create_user):
    login(client, create_user(roles=("admin",)))
    assert client.post_form("/consultations/new", FORM).status_code == 302


def test_phase_date_changes_after_announcement_are_public_notices(app, client, secretariat,
                                                                   create_consultation):
    slug = create_consultation(opens_in_days=10, closes_in_days=40)
    with app.app_context():
        phase_id = db.session.scalar(select(Phase.id))
    response = client.post_form(f"/consultations/{slug}/phases/{phase_id}/edit", {
        "name": "Recepción de aportes", "starts_on": "2030-04-01", "ends_on": "2030-05-15",
        "reason": "Los talleres se reprogramaron"})
    assert response.status_code == 302
    notices = change_notices(app.test_client().get(f"/consultations/{slug}")
                             .get_data(as_text=True))
    assert notices.startswith("Avisos de cambio")
    assert 'Fase "Recepción de aportes": cambió del ' in notices
    assert " al 1 de abril de 2030 – 15 de mayo de 2030." in notices
    assert "Motivo: Los talleres se reprogramaron." in notices
    # Phases of an announced consultation can be edited but not deleted.
    client.post_form(f"/consultations/{slug}/phases/{phase_id}/delete")
    with app.app_context():
        assert db.session.get(Phase, phase_id) is not None


def test_a_component_used_by_contributions_cannot_be_deleted(app, create_user,
                                                             create_consultation,
                                                             create_contribution):
    slug = create_consultation(plan=iv_plan_json())
    with app.app_context():
        component_id = db.session.scalar(select(Component.id).where(Component.name == "Salud"))
    create_contribution(slug, kind="proposal", values={"component_id": component_id})
    with app.app_context():
        db.session.execute(Commitment.__table__.delete().where(
            Commitment.component_id == component_id))
        db.session.commit()
    secretariat = app.test_client()
    login(secretariat, create_user(roles=("secretariat",)))
    response = secretariat.post_form(f"/consultations/{slug}/components/{component_id}/delete",
                                     follow_redirects=True)
    assert response.status_code == 200
    assert "no se puede eliminar" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Component, component_id) is not None


def test_the_api_publishes_sanitized_html_not_the_raw_markdown(app, create_consultation):
    slug = create_consultation(plan=iv_plan_json(),
                               description="**Hola** <script>alert(1)</script>",
                               methodology="[x](javascript:alert(1))")
    data = app.test_client().get(f"/api/v1/consultations/{slug}").get_json()
    assert "description" not in data and "methodology" not in data
    assert "<script>" not in data["description_html"]
    assert "<strong>Hola</strong>" in data["description_html"]
    assert "javascript:" not in data["methodology_html"]
