"""Language and time-zone selection, and the Jinja filters that format with Babel."""

from flask import current_app, request
from flask_babel import format_date, format_datetime, format_decimal
from flask_login import current_user

LANGUAGE_COOKIE = "consulta_lang"


def select_locale():
    """The user's setting, then the language cookie, then Accept-Language, then Spanish."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def select_timezone():
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def register_filters(app):
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, fmt) if value else ""
    )
    app.jinja_env.filters["number"] = lambda value: format_decimal(value or 0)
