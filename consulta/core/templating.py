"""What every template can use from the ground floor; each part adds its own names in
its ``init_app`` (its constants with their translated labels, its drawing helpers)."""

from datetime import date, datetime
from urllib.parse import quote

from flask import current_app, g, url_for
from flask_babel import get_locale, get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup

from .dates import utc_to_local
from .i18n import request_memo
from .personal_data import label as personal_data_label
from .sanitize import render_markdown
from .security import form_token
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


def _translated(eval_ctx, message, translate):
    """What Jinja's new-style gettext does before formatting: the translation, as Markup
    when autoescaping; looked up once per request, locale and message (Flask-Babel's
    lookup of the context, the locale and its name on every ``_()`` was most of what a
    page of 200 commitments spent on its labels)."""
    autoescape = eval_ctx.autoescape
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


def _format(text, variables):
    """``text % variables``; numbers need no escaping, so Markup's escaping ``%`` (a
    wrapper per value, a third of a plan page's 400 counts) is skipped for them."""
    if isinstance(text, Markup) and all(type(v) is int for v in variables.values()):
        return Markup(str.__mod__(text, variables))  # noqa: S704 (escaped, numbers)
    return text % variables


# Given the evaluation context, not the template's context: Jinja calls a function that
# takes the context, inside a loop or a block that sets variables, with a copy of the
# context made for that call (every global and variable), which cost more than the
# translation itself (a third of the moderation queue's rendering, 150 calls a page).
@pass_eval_context
def _gettext(eval_ctx, message, **variables):
    # As jinja2.ext's new-style gettext: always a format string, even without variables.
    return _format(_translated(eval_ctx, message, lambda t: t.ugettext(message)), variables)


@pass_eval_context
def _ngettext(eval_ctx, singular, plural, number, **variables):
    variables.setdefault("num", number)
    return _format(_translated(eval_ctx, (singular, plural, number),
                               lambda t: t.ungettext(singular, plural, number)), variables)


# ``url_for`` costs 20-40 µs (the URL map's rule, its converters, the script root): a list
# of 20 cards built two or three links each. A link repeated on a page is built once per
# request; a link per item (a contribution's page) is built once per request around a
# placeholder, then each item's value is quoted into it as Werkzeug's converter would.

#: Stand for the item's value while the link around it is built (a number for a path
#: variable with the ``int`` converter).
_PLACEHOLDER = "__consulta_value__"
_NUMBER_PLACEHOLDER = 987654321012345
#: What Werkzeug's default path converter leaves unquoted in a path segment.
_SEGMENT_SAFE = "!$&'()*+,/:;=@"


def _request_urls():
    urls = g.get("_consulta_urls")
    if urls is None:
        urls = g._consulta_urls = {}
    return urls


def page_url_for(endpoint, **values):
    """``url_for`` for a link a page repeats (the same endpoint and values on every
    card): built once per request."""
    urls = _request_urls()
    key = (endpoint, *sorted(values.items()))
    url = urls.get(key)
    if url is None:
        url = urls[key] = url_for(endpoint, **values)
    return url


def item_url_for(endpoint, name, value, **values):
    """``url_for(endpoint, **{name: value}, **values)`` for a link of each item of a list,
    where ``name`` is a plain path segment (``<code>``, a string converter) or a number
    (``<int:id>``): the link is built once per request around a placeholder and the
    value quoted into it.

    :param name: the path variable that differs from item to item.
    :param value: this item's value (a non-empty string, or an int).
    """
    urls = _request_urls()
    number = type(value) is int
    key = (endpoint, name, number, *sorted(values.items()))
    parts = urls.get(key)
    if parts is None:
        placeholder = _NUMBER_PLACEHOLDER if number else _PLACEHOLDER
        built = url_for(endpoint, **{name: placeholder}, **values)
        text = str(placeholder)
        parts = urls[key] = tuple(built.split(text, 1)) if built.count(text) == 1 else None
    if parts is None:  # the value is not in one place of the path: build it whole
        return url_for(endpoint, **{name: value}, **values)
    return parts[0] + quote(str(value), safe=_SEGMENT_SAFE) + parts[1]


def register_template_globals(app):
    # Flask-Babel installed new-style gettext callables; the same, memoized per request.
    app.jinja_env.globals.update(gettext=_gettext, _=_gettext, ngettext=_ngettext)
    app.jinja_env.globals.update(
        csrf_token=form_token,
        page_url_for=page_url_for,
        item_url_for=item_url_for,
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
    # Flask-WTF's context processor puts its generate_csrf in every template's context,
    # over this global; it adds nothing the globals do not hold (csrf_meta_tag too).
    processors = app.template_context_processors[None]
    processors[:] = [processor for processor in processors
                     if getattr(processor, "__module__", None) != "flask_wtf.csrf"]
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["local"] = utc_to_local
    app.jinja_env.filters["parse_iso"] = datetime.fromisoformat
    app.jinja_env.filters["parse_date"] = date.fromisoformat
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
