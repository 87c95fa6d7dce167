"""Every message about the region field names it as the deployment's country does: a
Mexican user reads "entidad federativa" ("state" in English), never Peru's "región"."""

import html
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from consulta.accounts.models import Organization, User
from consulta.core.operations import OperationError
from consulta.extensions import db

from ..conftest import login, make_app

REGISTRATION = {
    "email": "itzel.hernandez@ejemplo.gob.mx", "password": "una frase larga y segura",
    "password_confirm": "una frase larga y segura", "display_name": "Itzel Hernández",
    "sector": "citizen", "region": "jalisco", "show_name_publicly": "y",
    "accept_privacy": "y",
}
ERROR = re.compile(r'<p class="field-error"[^>]*>(.*?)</p>', re.S)


@pytest.fixture
def mexico(app, database_url):
    return make_app(database_url, CONSULTA_PROFILE="mexico")


def field_errors(response):
    """The text of the errors shown beside the fields of a refused form."""
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
    return " ".join(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", found)).split())
                    for found in ERROR.findall(page))


def no_peruvian_word(errors):
    assert errors, "the form must say what is wrong"
    assert not re.search(r"\bregi[oó]n(es)?\b", errors, re.I), errors


@pytest.mark.parametrize("language, expected", [
    ("es", "Elige una entidad federativa de la lista."),
    ("en", "Choose a state from the list."),
])
def test_a_mexican_registration_names_the_state_not_the_region(mexico, language, expected):
    client = mexico.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    errors = field_errors(client.post_form("/register", {**REGISTRATION, "region": "cusco"}))
    assert expected in errors
    no_peruvian_word(errors)
    missing = field_errors(client.post_form("/register", {**REGISTRATION, "region": ""}))
    assert {"es": "Elige tu entidad federativa.", "en": "Choose your state."}[language] in missing
    no_peruvian_word(missing)
    with mexico.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_mexican_organization_consultation_and_entity_name_the_state(mexico, create_user):
    version = mexico.config["PRIVACY_NOTICE_VERSION"]
    admin = create_user(email="admin@ejemplo.gob.mx", region="jalisco", roles=("admin",),
                        privacy_version=version)
    client = mexico.test_client()
    login(client, admin)

    errors = field_errors(client.post_form("/organizations/new", {
        "name": "Colectivo Jalisco Abierto", "sector": "civil_society", "region": ""}))
    assert "Elige una entidad federativa." in errors
    no_peruvian_word(errors)
    with mexico.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organization)) == 0

    form = client.get("/admin/entities/new").get_data(as_text=True)
    assert "Entidad federativa (opcional)" in form
    errors = field_errors(client.post_form("/admin/entities/new", {
        "name": "Gobierno del Estado de Jalisco", "level": "regional", "region": "cusco",
        "parent": ""}))
    assert "Elige una entidad federativa de la lista." in errors
    no_peruvian_word(errors)

    client.post_form("/admin/entities/new", {
        "name": "Gobierno del Estado de Jalisco", "level": "regional", "region": "jalisco",
        "parent": ""})
    errors = field_errors(client.post_form("/consultations/new", {
        "title": "Plan de Acción Local de Jalisco", "summary": "Propón compromisos.",
        "scope": "regional", "scope_region": "", "entity": "gobierno-del-estado-de-jalisco",
        "forum_name": "Secretariado Técnico Local", "methodology": "Mesas de trabajo.",
        "channels": ["web"], "opens_at": "2030-03-01T09:00", "closes_at": "2030-03-31T18:00"}))
    assert "Elige la entidad federativa de una consulta regional o local." in errors
    no_peruvian_word(errors)


def test_an_operation_refuses_a_region_code_in_the_countrys_words(mexico, create_user):
    from consulta.accounts.operations import update_profile

    user = create_user(email="persona@ejemplo.gob.mx", region="jalisco")
    with mexico.test_request_context():
        account = db.session.get(User, user.id)
        for language, expected in (("es", "Elige una entidad federativa de la lista."),
                                   ("en", "Choose a state from the list.")):
            with force_locale(language), pytest.raises(OperationError) as refused:
                update_profile(account, region="cusco")
            assert str(refused.value) == expected


def test_peru_still_says_region(app, client):
    errors = field_errors(client.post_form("/register", {**REGISTRATION, "region": "jalisco"}))
    assert "Elige una región de la lista." in errors


def test_an_offline_authors_page_names_the_state(mexico, create_user, create_consultation,
                                                 create_contribution):
    from ..conftest import iv_plan_json

    slug = create_consultation(plan=iv_plan_json())
    secretariat = create_user(roles=("secretariat", "moderator"), region="jalisco",
                              privacy_version=mexico.config["PRIVACY_NOTICE_VERSION"])
    code = create_contribution(slug, channel="written", author=secretariat,
                               author_name="Juana Pérez")
    client = mexico.test_client()
    login(client, secretariat)
    page = html.unescape(client.get(f"/contributions/{code}/author").get_data(as_text=True))
    assert "el sector y la entidad federativa solo cuentan en cifras agregadas" in page
    assert not re.search(r"\bregi[oó]n\b", re.sub(r"<[^>]+>", " ", page), re.I)
