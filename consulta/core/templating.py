"""What every template can use from the ground floor; each part adds its own names in
its ``init_app`` (its constants with their translated labels, its drawing helpers)."""

from datetime import date, datetime

from flask import current_app
from flask_babel import get_locale, get_translations
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup

from .dates import utc_to_local
from .i18n import request_memo
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


def _translated(context, message, translate):
    """What Jinja's new-style gettext does before formatting: the translation, as Markup
    when autoescaping; looked up once per request, locale and message (Flask-Babel's
    lookup of the context, the locale and its name on every ``_()`` was most of what a
    page of 200 commitments spent on its labels)."""
    autoescape = context.eval_ctx.autoescape
    memo = request_memo()
    if memo is None:
        text = translate(get_translations())
        return Markup(text) if autoescape else text  # noqa: S704 (our catalog, as Jinja)
    key = (message, autoescape)
    text = memo[2].get(key)
    if text is None:
        text = translate(memo[1])
        text = memo[2][key] = Markup(text) if autoescape else text  # noqa: S704
    return text


@pass_context
def _gettext(context, message, **variables):
    # As jinja2.ext's new-style gettext: always a format string, even without variables.
    return _translated(context, message, lambda t: t.ugettext(message)) % variables


@pass_context
def _ngettext(context, singular, plural, number, **variables):
    variables.setdefault("num", number)
    return _translated(context, (singular, plural, number),
                       lambda t: t.ungettext(singular, plural, number)) % variables


def register_template_globals(app):
    # Flask-Babel installed new-style gettext callables; the same, memoized per request.
    app.jinja_env.globals.update(gettext=_gettext, _=_gettext, ngettext=_ngettext)
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
