"""Entities over HTTP: the administrator's pages, each entity's team page, the public
entity pages, the consultations page's filters, the API, and the staff lists limited
to the user's own entities."""

from sqlalchemy import func, select

from consulta.accounts.models import Entity, UserRole
from consulta.consultations.models import Consultation
from consulta.extensions import db

from ..conftest import login


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_an_administrator_creates_an_entity_and_appoints_its_first_secretariat(
        app, client, create_user):
    login(client, create_user(roles=("admin",)))
    lead = create_user(email="lider@example.org")
    page = client.post_form("/admin/entities/new", {
        "name": "Gobierno Regional de Piura", "level": "federal", "parent": "",
        "region": "", "secretariat_email": lead.email})
    assert page.status_code == 200
    assert "Elige un nivel de gobierno de la lista." in page.get_data(as_text=True)
    page = client.post_form("/admin/entities/new", {
        "name": "Gobierno Regional de Piura", "level": "regional", "region": "piura",
        "parent": "", "secretariat_email": "nadie@example.org"})
    assert "No hay ninguna cuenta con este correo." in page.get_data(as_text=True)
    assert _count(app, Entity) == 0  # all or nothing
    response = client.post_form("/admin/entities/new", {
        "name": "Gobierno Regional de Piura", "acronym": "GRP", "level": "regional",
        "region": "piura", "parent": "", "secretariat_email": lead.email})
    assert response.headers["Location"] == "/entities/gobierno-regional-de-piura"
    with app.app_context():
        role = db.session.scalar(select(UserRole).where(UserRole.user_id == lead.id))
        assert (role.role, role.entity.slug) == ("secretariat", "gobierno-regional-de-piura")
    page = client.get("/admin/entities").get_data(as_text=True)
    assert "Gobierno Regional de Piura (GRP)" in page


def test_an_entity_secretariat_manages_its_team_and_not_another_entitys(
        app, client, create_user, create_entity):
    a, b = create_entity("Entidad A"), create_entity("Entidad B")
    login(client, create_user(roles=(("secretariat", a),)))
    newcomer = create_user(email="nuevo@example.org")
    response = client.post_form(f"/entities/{a}/team", {"email": newcomer.email,
                                                         "role": "moderator"})
    assert response.status_code == 302
    page = client.get(f"/entities/{a}/team").get_data(as_text=True)
    assert "nuevo@example.org" in page
    # A platform role cannot be given from the team page.
    page = client.post_form(f"/entities/{a}/team", {"email": newcomer.email, "role": "admin"})
    assert "Elige un rol del equipo de la entidad." in page.get_data(as_text=True)
    before = _count(app, UserRole)
    assert client.get(f"/entities/{b}/team").status_code == 403
    assert client.post_form(f"/entities/{b}/team", {"email": newcomer.email,
                                                    "role": "moderator"}).status_code == 403
    assert client.get("/admin/entities").status_code == 403
    assert _count(app, UserRole) == before


def test_entity_pages_list_the_public_consultations_and_filters_refuse_unknown_values(
        app, client, create_user, create_entity, create_consultation):
    region = create_entity("Gobierno Regional La Libertad", level="regional",
                           region="la-libertad")
    create_entity("Ministerio de Ejemplo", level="national")
    create_consultation(title="Consulta regional abierta", organizer="Gobierno Regional "
                        "La Libertad", scope="regional", scope_region="la-libertad")
    create_consultation(title="Consulta regional reservada", announced=False,
                        organizer="Gobierno Regional La Libertad", scope="regional",
                        scope_region="la-libertad")
    create_consultation(title="Consulta nacional", organizer="Ministerio de Ejemplo")
    index = client.get("/entities").get_data(as_text=True)
    assert "Gobierno regional" in index and "Ministerio de Ejemplo" in index
    page = client.get(f"/entities/{region}").get_data(as_text=True)
    assert "Consulta regional abierta" in page
    assert "reservada" not in page and "Consulta nacional" not in page
    assert client.get("/entities/no-existe").status_code == 404
    # Its own secretariat sees the one being prepared.
    login(client, create_user(roles=(("secretariat", region),)))
    assert "Consulta regional reservada" in client.get(f"/entities/{region}").get_data(
        as_text=True)
    client.get("/logout")
    anonymous = app.test_client()
    page = anonymous.get("/consultations?level=regional").get_data(as_text=True)
    assert "Consulta regional abierta" in page and "Consulta nacional" not in page
    page = anonymous.get("/consultations?entity=ministerio-de-ejemplo").get_data(as_text=True)
    assert "Consulta nacional" in page and "Consulta regional abierta" not in page
    for query, message in (("level=federal", "No existe ese nivel de gobierno"),
                           ("entity=no-existe", "No existe esa entidad")):
        response = anonymous.get(f"/consultations?{query}")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_the_api_gives_the_organizer_and_lists_entities(
        client, create_entity, create_consultation):
    create_entity("Gobierno Regional La Libertad", level="regional", region="la-libertad")
    slug = create_consultation(organizer="Gobierno Regional La Libertad", scope="regional",
                               scope_region="la-libertad")
    listed = client.get("/api/v1/consultations").get_json()["consultations"][0]
    organizer = {"slug": "gobierno-regional-la-libertad",
                 "name": "Gobierno Regional La Libertad", "level": "regional"}
    assert listed["organizer"] == organizer
    assert listed["organizer_name"] == "Gobierno Regional La Libertad"
    assert client.get(f"/api/v1/consultations/{slug}").get_json()["organizer"] == organizer
    entities = client.get("/api/v1/entities?level=regional").get_json()["entities"]
    assert [(e["slug"], e["level"], e["region"]) for e in entities] == [
        ("gobierno-regional-la-libertad", "regional", "la-libertad")]
    assert client.get("/api/v1/entities?level=national").get_json() == {"entities": []}
    refused = client.get("/api/v1/entities?level=federal")
    assert refused.status_code == 400 and "federal" not in refused.get_json()["message"]


def test_staff_lists_show_only_the_users_own_entities(
        app, client, create_user, create_entity, create_consultation):
    a, b = create_entity("Entidad A"), create_entity("Entidad B")
    create_consultation(title="Consulta de A", organizer="Entidad A")
    create_consultation(title="Consulta de A en preparación", organizer="Entidad A",
                        announced=False)
    private_b = create_consultation(title="Consulta de B en preparación",
                                    organizer="Entidad B", announced=False)
    public_b = create_consultation(title="Consulta de B", organizer="Entidad B")
    login(client, create_user(roles=(("secretariat", a), ("moderator", a))))
    for path in ("/staff", "/moderation", "/consultations"):
        page = client.get(path).get_data(as_text=True)
        assert "Consulta de A" in page, path
        assert "Consulta de B en preparación" not in page, path
        if path != "/consultations":  # the public list shows B's announced one
            assert "Consulta de B" not in page, path
    assert "Consulta de A en preparación" in client.get("/staff").get_data(as_text=True)
    # B's consultation being prepared does not exist for A's staff; B's public one is
    # forbidden; nothing changes.
    with app.app_context():
        before = db.session.scalar(select(Consultation).where(
            Consultation.slug == public_b)).title
    assert client.get(f"/consultations/{private_b}/manage").status_code == 404
    assert client.get(f"/consultations/{public_b}/manage").status_code == 403
    assert client.get(f"/consultations/{public_b}/moderation").status_code == 403
    assert client.post_form(f"/consultations/{public_b}/edit", {
        "title": "Cambiada", "entity": a}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Consultation).where(
            Consultation.slug == public_b)).title == before
    # The form offers only the user's own entity, already chosen.
    form = client.get("/consultations/new").get_data(as_text=True)
    assert f'<option selected value="{a}">' in form and f'value="{b}"' not in form


def test_the_edit_form_shows_the_consultations_entity_chosen(
        client, create_user, create_entity, create_consultation):
    create_entity("Entidad A")
    create_entity("Entidad B")
    slug = create_consultation(organizer="Entidad B")
    login(client, create_user(roles=("secretariat",)))
    form = client.get(f"/consultations/{slug}/edit").get_data(as_text=True)
    assert '<option selected value="entidad-b">' in form
    assert '<option selected value="entidad-a">' not in form
