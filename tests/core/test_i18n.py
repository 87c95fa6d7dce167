import re
from datetime import UTC, datetime

from flask import render_template_string
from sqlalchemy import event

from consulta.accounts.models import User
from consulta.core.i18n import format_number, format_share
from consulta.extensions import db

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


def test_language_switch_ignores_next_pointing_to_another_host(client):
    response = client.get("/language/en?next=//evil.example")
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client):
    client.get("/language/xx")
    assert '<html lang="es">' in client.get("/").get_data(as_text=True)


def test_logging_in_brings_the_accounts_language_over_the_cookie(client, create_user):
    user = create_user(locale="en")
    client.set_cookie("consulta_lang", "es")
    login(client, user)
    assert '<html lang="en">' in client.get("/account").get_data(as_text=True)


def language(client, url="/", **headers):
    page = client.get(url, headers=headers).get_data(as_text=True)
    return re.search(r'<html lang="(\w+)">', page).group(1)


def statements_while(app, action):
    """(what ``action()`` returned, the SQL statements it sent)."""
    statements = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        return action(), statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def stored_locale(app, user):
    with app.app_context():
        return db.session.get(User, user.id).locale


def test_the_language_switch_writes_nothing_even_for_a_logged_in_user(app, client,
                                                                     create_user):
    user = create_user(locale="es")
    login(client, user)
    response, statements = statements_while(
        app, lambda: client.get("/language/en?next=/account"))
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert statements  # the account was loaded...
    assert not [s for s in statements
                if s.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert stored_locale(app, user) == "es"  # ...and left as it was
    # The new language at once, and on the following pages.
    assert language(client, "/account") == "en"
    assert language(client, "/", **{"Accept-Language": "es"}) == "en"
    client.get("/language/es")
    assert language(client, "/account") == "es"


def test_the_accounts_language_follows_it_to_another_browser(app, create_user):
    user = create_user(locale="en")
    laptop = app.test_client()
    login(laptop, user)
    laptop.get("/language/es")  # this browser only
    assert language(laptop, "/account") == "es"
    phone = app.test_client()
    assert language(phone, **{"Accept-Language": "es"}) == "es"
    response = login(phone, user)
    assert any(c.startswith("consulta_lang=en;")
               for c in response.headers.getlist("Set-Cookie"))
    assert language(phone, "/account", **{"Accept-Language": "es"}) == "en"
    # Without the cookie (set before this version, or cleared), the account's language.
    phone.delete_cookie("consulta_lang")
    assert language(phone, "/account", **{"Accept-Language": "es"}) == "en"


def test_an_account_without_a_language_keeps_the_browsers_choice_at_login(client,
                                                                          create_user):
    client.get("/language/en")
    login(client, create_user(locale=None))
    assert language(client, "/account", **{"Accept-Language": "es"}) == "en"


PROFILE = {"display_name": "Ana", "sector": "citizen", "region": "cusco"}


def test_saving_the_profile_language_applies_it_to_this_browser(app, client, create_user):
    user = create_user(locale=None)
    login(client, user)
    client.post_form("/account", {**PROFILE, "locale": "en"})
    assert stored_locale(app, user) == "en"
    assert language(client, "/account", **{"Accept-Language": "es"}) == "en"
    client.post_form("/account", {**PROFILE, "locale": ""})  # automatic: the browser's
    assert stored_locale(app, user) is None
    assert language(client, "/account", **{"Accept-Language": "es"}) == "es"
    assert language(client, "/account", **{"Accept-Language": "en"}) == "en"


def test_saving_the_profile_keeps_the_switch_of_an_account_without_a_language(client,
                                                                               create_user):
    login(client, create_user(locale=None))
    client.get("/language/en")
    client.post_form("/account", {**PROFILE, "display_name": "Ana María", "locale": ""})
    assert language(client, "/account", **{"Accept-Language": "es"}) == "en"


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


#: A share as each language writes it: at most one decimal, its decimal separator, its
#: percent sign (Spanish with a no-break space before it).
SHARE_PATTERNS = {"es": re.compile(r"^(0|[1-9]\d{0,2})(,\d)?\xa0%$"),
                  "en": re.compile(r"^(0|[1-9]\d{0,2})(\.\d)?%$")}


def test_every_share_from_0_to_100_has_one_decimal_at_most(app):
    with app.test_request_context("/"):
        for language, pattern in SHARE_PATTERNS.items():
            decimal = "," if language == "es" else "."
            for tenths in range(1001):
                # The value as written, as a float sum gives it (0.1 * 3 is
                # 0.30000000000000004), and as a figure computes it.
                for value in (tenths / 10, tenths * 0.1, round(100 * tenths / 1000, 1)):
                    text = format_share(value, language)
                    assert pattern.match(text), (language, value, text)
                    number = text.rstrip("%").rstrip("\xa0").replace(decimal, ".")
                    assert float(number) == tenths / 10, (language, value, text)


def test_shares_and_decimals_in_pages_follow_the_readers_language(app):
    template = "{{ 28.300000000000004|percent }} {{ 1.3999999999999999|percent }} " \
               "{{ 100.0|percent }} {{ 0.05|percent }} {{ 3.14159|number }} {{ 12345|number }}"
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert render_template_string(template) == \
            "28,3\xa0% 1,4\xa0% 100\xa0% 0,1\xa0% 3,1 12.345"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(template) == "28.3% 1.4% 100% 0.1% 3.1 12,345"


def test_shares_that_are_not_numbers_show_zero(app):
    with app.test_request_context("/"):
        assert [format_share(v, "en") for v in (None, "x", float("nan"))] == ["0%"] * 3
        assert format_number(None, "en") == "0" and format_number(2.25, "es") == "2,3"


def test_a_lazy_string_is_escaped_in_a_select_a_label_and_a_template(app):
    """A lazy string used to count as markup (Flask-Babel's ``__html__``): a translator's
    "<", or someone's input formatted into it, reached the page unescaped."""
    from flask import render_template_string
    from flask_babel import lazy_gettext
    from flask_wtf import FlaskForm
    from wtforms import RadioField, SelectField

    from consulta.consultations.forms import ConsultationForm

    class Form(FlaskForm):
        choice = SelectField(lazy_gettext("<b>Elección</b>"),
                             choices=[("a", lazy_gettext("<b>negrita</b>")),
                                      ("b", lazy_gettext("%(name)s", name="<i>x</i>"))])
        radio = RadioField(choices=[("c", lazy_gettext("<script>y</script>"))])

    with app.test_request_context():
        form = Form()
        real = ConsultationForm()
        real.scope.choices = [("national", lazy_gettext("<b>Nacional</b>"))]
        # join: adding to Markup would escape the other part.
        html = "".join([form.choice(), form.choice.label(), form.radio(), real.scope(),
                        render_template_string("{{ label }} {{ _('Scope: %(s)s', s=label) }}",
                                               label=lazy_gettext("<u>u</u>"))])
    for tag in ("b", "i", "script", "u"):
        assert f"<{tag}>" not in html
    assert "&lt;b&gt;negrita&lt;/b&gt;" in html and "&lt;b&gt;Nacional&lt;/b&gt;" in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html and "&lt;script&gt;" in html
    assert html.count("&lt;u&gt;u&lt;/u&gt;") == 2


def test_a_long_accept_language_header_is_read_all_the_same(client):
    """Headers are kept per worker only when short; a long one is read each time."""
    header = ",".join(f"x{n}-YY;q=0.{n % 9 + 1}" for n in range(60)) + ",en;q=0.05"
    assert len(header) > 200
    for _ in range(2):
        page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
        assert '<html lang="en">' in page
