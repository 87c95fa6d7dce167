"""Language and time-zone selection, and the Jinja filters that format with Babel.

The language is the browser's choice, kept in a cookie: the language switch (a plain
link, so it writes nothing but the cookie), logging in (the account's language, when it
has one) and saving the profile set it. Without the cookie, the account's language,
then the browser's Accept-Language, then Spanish.
"""

from babel.numbers import format_percent
from flask import current_app, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale
from flask_login import current_user

LANGUAGE_COOKIE = "consulta_lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def select_locale():
    """The language cookie, then the user's setting, then Accept-Language, then Spanish."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    cookie = language_cookie()
    if cookie is not None:
        return cookie
    try:
        if current_user and current_user.is_authenticated and current_user.locale in languages:
            return current_user.locale
    except Exception:  # the database may be down while an error page is shown
        current_app.logger.debug("locale: the current user could not be loaded")
    # By preference order, on the primary subtag: es-PE and es-419 mean Spanish even when
    # en-US comes next (Werkzeug's best_match would prefer an exact "en" further down).
    for tag, _quality in request.accept_languages:
        primary = tag.split("-")[0].split("_")[0].lower()
        if primary in languages:
            return primary
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def language_cookie():
    """The language this browser chose (the cookie), if it is one the site offers."""
    value = request.cookies.get(LANGUAGE_COOKIE)
    return value if value in current_app.config["LANGUAGES"] else None


def select_timezone():
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def set_language_cookie(response, language):
    """Make ``language`` the language of this browser from the next request on (a
    language that is not offered is ignored).

    :param response: the response that carries the cookie.
    :param language: a code of LANGUAGES, or None (nothing is set).
    """
    if language in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_MAX_AGE,
                            samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def forget_language_cookie(response):
    """Let the account's setting or the browser choose the language again."""
    response.delete_cookie(LANGUAGE_COOKIE, samesite="Lax", httponly=True,
                           secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def register_filters(app):
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, fmt) if value else ""
    )
    app.jinja_env.filters["number"] = lambda value: format_decimal(value or 0)
    app.jinja_env.filters["percent"] = format_share
    app.jinja_env.filters["when"] = format_when


def format_share(value):
    """A share given out of 100, as the reader's language writes it ("73,2 %")."""
    return format_percent((value or 0) / 100, locale=get_locale(),
                          decimal_quantization=False)


def format_when(value, date_format="long"):
    """A date and time for people: "12 de diciembre de 2026, 23:59" (local zone)."""
    if not value:
        return ""
    return f"{format_date(value, date_format)}, {format_time(value, 'short')}"
