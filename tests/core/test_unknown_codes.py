"""A region or sector code that is not in the deployment profile (a made-up one, or one of
another country's profile) is refused wherever it can be sent: every form shows a field
error in Spanish and saves nothing, the lists say they ignored the filter (never a 500),
and the API answers 400 with the codes it accepts."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consulta.accounts.models import Organization, User
from consulta.audit.models import AuditEntry
from consulta.consultations.models import Consultation, Event
from consulta.contributions.models import Contribution
from consulta.core.dates import utcnow
from consulta.extensions import db

from ..conftest import iv_plan_json, login

#: A code in no profile, and codes of the Mexican profile that Peru does not have.
FOREIGN_REGIONS = ("atlantis", "jalisco")
FOREIGN_SECTORS = ("hacker", "indigenous_peoples")

REGISTRATION = {
    "email": "maria.quispe@example.pe", "password": "una frase larga y segura",
    "password_confirm": "una frase larga y segura", "display_name": "María Quispe",
    "sector": "civil_society", "region": "cusco", "gender": "female",
    "accept_privacy": "y"}
PROFILE = {"display_name": "Ana", "sector": "citizen", "region": "cusco", "locale": "es"}
ORGANIZATION = {"name": "Colectivo Ciudadano de Cusco", "sector": "civil_society",
                "region": "cusco", "website": ""}
CONSULTATION = {"title": "Consulta regional", "slug": "", "summary": "Resumen breve.",
                "description": "", "scope": "regional", "scope_region": "cusco",
                "scope_locality": "", "organizer": "Gobierno Regional del Cusco",
                "forum_name": "", "methodology": "", "channels": "web",
                "opens_at": "2030-05-01T09:00", "closes_at": "2030-06-01T18:00"}
EVENT = {"kind": "workshop", "title": "Taller", "held_on": "2026-05-11", "place": "Cusco",
         "region": "cusco", "attendance-0-sector": "academia",
         "attendance-0-participants": "5", "attendance-0-women": "2"}
OFFLINE = {"kind": "comment", "channel": "written", "received_on": "", "component": "0",
           "event": "0", "commitment": "0", "title": "Carta del colectivo",
           "body": "Lo que se pidió.", "sector": "citizen", "region": "cusco",
           "received_outside_window": "y"}
ASSISTED = {"kind": "comment", "channel": "other", "title": "Que el centro de salud abra "
            "los sábados", "body": "Solo atiende de lunes a viernes.",
            "author_name": "Juana Mamani", "name_consent": "no", "sector": "citizen",
            "region": "cusco", "contact_channel": "", "contact": "", "component": "0",
            "event": "0", "commitment": "0"}


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def audit_count(app):
    return count(app, AuditEntry)


@pytest.fixture
def slug(create_consultation):
    return create_consultation(plan=iv_plan_json())


@pytest.fixture
def staff(app, create_user):
    """A logged-in client for a role."""
    def client_for(*roles):
        client = app.test_client()
        login(client, create_user(roles=roles))
        return client
    return client_for


def refused_then_accepted(app, client, url, valid, field, value, message, model,
                          **tokens):
    """Post ``valid`` with ``field`` set to ``value``: the form comes back with ``message``
    and nothing is saved; then the valid form is accepted (so the code alone was refused).
    """
    before = (count(app, model), audit_count(app))
    extra = {"submission_token": tokens["token"] + "-bad"} if tokens else {}
    response = client.post_form(url, {**valid, field: value, **extra})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:500]
    assert message in page
    assert (count(app, model), audit_count(app)) == before
    extra = {"submission_token": tokens["token"]} if tokens else {}
    accepted = client.post_form(url, {**valid, **extra})
    assert accepted.status_code == 302, accepted.get_data(as_text=True)[:3000]
    assert count(app, model) == before[0] + 1


@pytest.mark.parametrize("field, value, message", [
    *[("region", code, "Elige una región de la lista.") for code in FOREIGN_REGIONS],
    *[("sector", code, "Elige tu sector de la lista.") for code in FOREIGN_SECTORS]])
def test_registration_refuses_a_code_not_in_the_profile(app, client, field, value, message):
    refused_then_accepted(app, client, "/register", REGISTRATION, field, value, message, User)


@pytest.mark.parametrize("field, value, message", [
    ("region", "jalisco", "Elige una región de la lista."),
    ("sector", "indigenous_peoples", "Elige tu sector de la lista.")])
def test_the_profile_refuses_a_code_not_in_the_profile(app, create_user, field, value,
                                                       message):
    user = create_user()
    client = app.test_client()
    login(client, user)
    page = client.post_form("/account", {**PROFILE, field: value}).get_data(as_text=True)
    assert message in page
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert (stored.sector, stored.region) == ("citizen", "cusco")
    assert client.post_form("/account", PROFILE).status_code == 302


@pytest.mark.parametrize("field, value, message", [
    ("region", "jalisco", "Elige una región de la lista."),
    ("sector", "indigenous_peoples", "Elige un sector de la lista.")])
def test_a_new_organization_refuses_a_code_not_in_the_profile(app, create_user, field, value,
                                                              message):
    client = app.test_client()
    login(client, create_user())
    refused_then_accepted(app, client, "/organizations/new", ORGANIZATION, field, value,
                          message, Organization)


@pytest.mark.parametrize("value", FOREIGN_REGIONS)
def test_a_consultation_scope_refuses_a_region_not_in_the_profile(app, staff, value,
                                                                   create_entity):
    entity = create_entity("Gobierno Regional de La Libertad", level="regional")
    client = staff("secretariat")
    refused_then_accepted(app, client, "/consultations/new", {**CONSULTATION, "entity": entity},
                          "scope_region", value, "Elige una región de la lista.",
                          Consultation)


@pytest.mark.parametrize("field, value, message", [
    ("region", "jalisco", "Elige una región de la lista."),
    ("attendance-0-sector", "indigenous_peoples", "Elige sectores de la lista.")])
def test_an_event_refuses_a_code_not_in_the_profile(app, slug, staff, field, value, message):
    refused_then_accepted(app, staff("moderator"), f"/consultations/{slug}/events/new",
                          EVENT, field, value, message, Event)


@pytest.mark.parametrize("field, value, message", [
    ("region", "jalisco", "Elige una región de la lista."),
    ("sector", "hacker", "Elige un sector de la lista.")])
def test_a_typed_in_contribution_refuses_a_code_not_in_the_profile(app, slug, staff, field,
                                                                   value, message):
    refused_then_accepted(app, staff("moderator"),
                          f"/consultations/{slug}/contributions/offline/new", OFFLINE,
                          field, value, message, Contribution, token="tok-offline")


@pytest.mark.parametrize("field, value, message", [
    ("region", "atlantis", "Elige una región de la lista."),
    ("sector", "indigenous_peoples", "Elige un sector de la lista.")])
def test_an_assisted_contribution_refuses_a_code_not_in_the_profile(app, slug, staff, field,
                                                                    value, message):
    refused_then_accepted(app, staff("facilitator"),
                          f"/consultations/{slug}/contributions/assisted/new", ASSISTED,
                          field, value, message, Contribution, token="tok-assisted")


# --- lists: the filter is ignored, and the page says so ----------------------------------

@pytest.mark.parametrize("query, label", [("region=jalisco", "Región"),
                                          ("sector=hacker", "Sector"),
                                          ("region=atlantis&sector=citizen", "Región")])
def test_the_public_list_ignores_an_unknown_code_and_says_so(app, client, slug, create_user,
                                                             create_contribution, query,
                                                             label):
    create_contribution(slug)  # by a citizen of Cusco
    response = client.get(f"/consultations/{slug}/contributions?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Se ignoró el filtro «{label}»" in page
    assert "1 aporte encontrado" in page
    # The plain list, cached meanwhile, does not carry the message.
    plain = client.get(f"/consultations/{slug}/contributions").get_data(as_text=True)
    assert "Se ignoró el filtro" not in plain
    # A known code is no reason for a message.
    known = client.get(f"/consultations/{slug}/contributions?sector=citizen&region=cusco")
    assert "Se ignoró el filtro" not in known.get_data(as_text=True)


def test_the_moderation_queue_ignores_an_unknown_sector_and_says_so(app, slug, staff):
    page = staff("moderator").get(f"/consultations/{slug}/moderation?sector=hacker")
    assert page.status_code == 200
    assert "Se ignoró el filtro «Sector»" in page.get_data(as_text=True)


# --- the API: 400 with the codes it accepts ----------------------------------------------

@pytest.mark.parametrize("name, value", [("region", "jalisco"), ("sector", "hacker")])
def test_the_api_refuses_a_filter_code_not_in_the_profile(app, client, slug, name, value):
    response = client.get(f"/api/v1/consultations/{slug}/contributions?{name}={value}",
                          headers={"Accept-Language": "es"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == 400 and body["parameter"] == name
    assert value in body["message"] and "allowed" in body["message"]
    with app.app_context():
        from consulta.core.profile import load_profile, resolve_profile_path

        profile = load_profile(resolve_profile_path("peru"))
    expected = [r["code"] for r in profile.regions] if name == "region" \
        else list(profile.sectors)
    assert body["allowed"] == expected


def test_the_api_filters_by_a_code_of_the_profile(app, client, slug, create_user,
                                                  create_contribution):
    create_contribution(slug)  # by a citizen of Cusco
    create_contribution(slug, author=create_user(sector="academia", region="puno"))
    url = f"/api/v1/consultations/{slug}/contributions"
    assert client.get(url).get_json()["total"] == 2
    cusco = client.get(f"{url}?region=cusco").get_json()
    assert cusco["total"] == 1
    assert client.get(f"{url}?sector=academia&region=cusco").get_json()["total"] == 0
    assert "region=cusco" in client.get(f"{url}?region=cusco").headers["Link"]
    assert json.dumps(cusco)  # plain JSON


def test_a_mexican_import_refuses_a_peruvian_region_in_its_row_and_column(
        app, database_url, create_consultation):
    from consulta.offline.importer import check_import

    from ..conftest import make_app
    from ..offline.conftest import consultation_of, xlsx_file
    from ..offline.test_import import a_row, problems_of

    slug = create_consultation(plan=iv_plan_json())
    mexico = make_app(database_url, CONSULTA_PROFILE="mexico")
    with mexico.test_request_context():
        row = a_row(event="", channel="Correo electrónico", sector="Ciudadanía")
        good = xlsx_file([{**row, "region": "Jalisco"}])
        check_import(consultation_of(slug), good, "aportes.xlsx")  # no problem
        bad = xlsx_file([{**row, "region": "Jalisco"}, {**row, "region": "Cusco"}])
        problems = problems_of(lambda: check_import(consultation_of(slug), bad,
                                                    "aportes.xlsx"))
        # The refusal names the field as the country does, never "región".
        assert problems == [(3, "Entidad federativa",
                             "Esta entidad federativa no está en la lista.")]
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0


def test_the_consultation_operations_refuse_a_region_not_in_the_profile(app, create_user):
    from consulta.consultations import operations
    from consulta.core.operations import OperationError

    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        actor = db.session.get(User, secretariat.id)
        with pytest.raises(OperationError) as refused:
            operations.create_consultation(
                actor=actor, title="Consulta", summary="Resumen.", organizer="Gobierno",
                scope="regional", scope_region="jalisco", channels=["web"],
                opens_at=utcnow() + timedelta(days=1), closes_at=utcnow() + timedelta(days=9))
        assert str(refused.value) == "Elige una región de la lista."
        db.session.rollback()
    assert count(app, Consultation) == 0


def test_the_response_matrix_ignores_an_unknown_outcome_and_says_so(app, slug, staff):
    page = staff("secretariat").get(f"/consultations/{slug}/matrix?outcome=maybe&region=x")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Se ignoró el filtro «Respuesta»" in text and "Se ignoró el filtro «Región»" in text
