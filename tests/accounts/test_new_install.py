"""A new install has no organizing entity: the administrator who goes to create a
consultation or to give someone a team role is told to create an entity first, with a
link to the entities' page; once there is one, the pages are as usual."""

import re

from sqlalchemy import func, select

from consulta.consultations.models import Consultation
from consulta.extensions import db

from ..conftest import login

HINT = "No existe todavía ninguna entidad organizadora."
LINK = re.compile(r'<a class="standalone" href="/admin/entities">Crea primero una entidad</a>')
CONSULTATION = {
    "title": "Consulta del V Plan de Acción", "summary": "Propón compromisos.",
    "scope": "national", "entity": "", "forum_name": "Comisión Multisectorial",
    "methodology": "Talleres.", "channels": ["web"],
    "opens_at": "2030-03-01T09:00", "closes_at": "2030-03-31T18:00",
}


def consultations(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Consultation))


def test_a_new_administrator_is_told_to_create_an_entity_first(app, client, create_user):
    admin = create_user(roles=("admin",))
    someone = create_user(email="ana@example.pe")
    landing = login(client, admin).headers["Location"]
    assert landing == "/staff"

    for path in ("/staff", "/consultations/new", f"/admin/users/{someone.id}/roles"):
        page = client.get(path).get_data(as_text=True)
        assert HINT in page, path
        assert LINK.search(page), path
    # The consultation form is not offered: it could not be saved without an entity.
    new = client.get("/consultations/new").get_data(as_text=True)
    assert 'name="title"' not in new
    response = client.post_form("/consultations/new", CONSULTATION)
    assert response.status_code == 200 and HINT in response.get_data(as_text=True)
    assert consultations(app) == 0

    client.post_form("/admin/entities/new", {
        "name": "Secretaría de Gobierno y Transformación Digital", "level": "national",
        "region": "", "parent": ""})
    for path in ("/staff", "/consultations/new", f"/admin/users/{someone.id}/roles"):
        assert HINT not in client.get(path).get_data(as_text=True), path
    response = client.post_form("/consultations/new", {
        **CONSULTATION, "entity": "secretaria-de-gobierno-y-transformacion-digital"})
    assert response.status_code == 302
    assert consultations(app) == 1


def test_staff_without_an_entity_are_told_to_ask_an_administrator(app, client, create_user):
    login(client, create_user(roles=("secretariat",)))
    for path in ("/staff", "/consultations/new"):
        page = client.get(path).get_data(as_text=True)
        assert HINT in page and "Pide a un administrador" in page, path
        assert not LINK.search(page), path


def test_the_hint_reads_in_english(app, client, create_user):
    login(client, create_user(roles=("admin",)))
    page = client.get("/consultations/new", headers={"Accept-Language": "en"},
                      ).get_data(as_text=True)
    assert "No organizing entity exists yet." in page
    assert '<a class="standalone" href="/admin/entities">Create an entity first</a>' in page
