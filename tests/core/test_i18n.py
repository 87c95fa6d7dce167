from datetime import UTC, datetime

from flask import render_template_string

from ..conftest import login


def test_spanish_is_the_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Iniciar sesión" in page


def test_browser_language_is_used_when_nothing_else_is_set(client):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page


def test_peruvian_browsers_get_spanish_even_with_english_as_second_choice(client):
    for header in ("es-PE,en;q=0.9", "es-419,en;q=0.9", "es-PE,en-US;q=0.9,en;q=0.8"):
        page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
        assert '<html lang="es">' in page, header


def test_anonymous_public_pages_set_no_session_cookie(client):
    for url in ("/", "/consultations", "/privacy"):
        response = client.get(url)
        assert not any(c.startswith("consulta_session=")
                       for c in response.headers.getlist("Set-Cookie")), url


def test_unsupported_browser_language_falls_back_to_spanish(client):
    page = client.get("/", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="es">' in page


def test_language_switch_is_stored_in_a_cookie_and_beats_the_browser(client):
    response = client.get("/language/en?next=/privacy")
    assert response.status_code == 302 and response.headers["Location"] == "/privacy"
    page = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    client.get("/language/es")
    assert '<html lang="es">' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.get("/language/xx")
    assert '<html lang="es">' in client.get("/").get_data(as_text=True)


def test_user_setting_beats_the_cookie(client, create_user):
    user = create_user(locale="en")
    client.set_cookie("consulta_lang", "es")
    login(client, user)
    assert '<html lang="en">' in client.get("/account").get_data(as_text=True)


def test_dates_are_shown_in_lima_time(app):
    moment = datetime(2026, 1, 1, 3, 30, tzinfo=UTC)  # 22:30 on 31 Dec in Lima
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        text = render_template_string("{{ moment|datetime('short') }}", moment=moment)
    assert "31/12/25" in text and "22:30" in text


def test_numbers_are_formatted_for_the_language(app):
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert render_template_string("{{ 12345|number }}") in ("12 345", "12\xa0345", "12.345")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string("{{ 12345|number }}") == "12,345"


def test_error_pages_are_in_the_users_language(client):
    assert "Página no encontrada" in client.get("/no-existe").get_data(as_text=True)
    page = client.get("/no-existe", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Page not found" in page
