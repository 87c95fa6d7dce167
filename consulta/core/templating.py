"""What every template can use from the ground floor; each part adds its own names in
its ``init_app`` (its constants with their translated labels, its drawing helpers)."""

from datetime import date, datetime

from flask import current_app, g
from flask_babel import get_locale, get_translations
from flask_wtf.csrf import generate_csrf

from .dates import utc_to_local
from .personal_data import label as personal_data_label
from .sanitize import render_markdown
from .taxonomy import (
    GENDERS,
    level_label,
    privacy_notice,
    region_label,
    region_name,
    regions,
    sector_label,
    sectors,
    timezone_label,
)


def _translations():
    """The request's translations, looked up once per request and locale rather than on
    every ``_()`` of a template: Flask-Babel's lookup (the context, the locale, its name)
    was most of what a page of 200 commitments spent on its labels. Kept beside the
    locale in Flask-Babel's own per-request namespace; a forced locale (e-mails in the
    recipient's language) is another locale object, so it is looked up afresh. Where
    that namespace is not there (no request, another Flask-Babel), Flask-Babel's lookup."""
    state = g.get("_flask_babel") if g else None
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        return get_translations()
    memo = getattr(state, "consulta_translations", None)
    if memo is None or memo[0] is not locale:
        memo = state.consulta_translations = (locale, get_translations())
    return memo[1]


def register_template_globals(app):
    # Same callables as Flask-Babel installs, over the translations memoized per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(
        csrf_token=generate_csrf,
        get_locale=get_locale,
        regions=regions,
        sectors=sectors,
        GENDERS=GENDERS,
        region_name=region_name,
        region_label=region_label,
        sector_label=sector_label,
        personal_data_label=personal_data_label,
        level_label=level_label,
        timezone_label=timezone_label,
        privacy_notice=privacy_notice,
        site_name=lambda: current_app.config["SITE_NAME"],
    )
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["local"] = utc_to_local
    app.jinja_env.filters["parse_iso"] = datetime.fromisoformat
    app.jinja_env.filters["parse_date"] = date.fromisoformat
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
