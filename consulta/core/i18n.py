"""Language and time-zone selection, and the Jinja filters that format with Babel.

The language is the browser's choice, kept in a cookie: the language switch (a plain
link, so it writes nothing but the cookie), logging in (the account's language, when it
has one) and saving the profile set it. Without the cookie, the account's language,
then the browser's Accept-Language, then Spanish.
"""

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, UnknownLocaleError, dates
from babel.numbers import parse_pattern
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import Domain, get_domain, get_locale, get_timezone, gettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import escape
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from .security import without_session_cookies
from .taxonomy import timezone_label

# --- what a request looks up once: its translations and formatting locale -------------
#
# Flask-Babel finds the context, the locale and the locale's name again on every
# ``gettext`` (about 10 µs): a summary or a plan of 200 commitments made thousands of
# such calls. They are kept beside the locale in Flask-Babel's own per-request namespace
# (``g._flask_babel``); a forced locale (e-mails in the recipient's language) is another
# locale object, so it starts afresh; where that namespace is not there (no request,
# another Flask-Babel), everything goes through Flask-Babel's own lookup.


def request_memo():
    """(locale, translations, {key: value}) of the current request's locale, or None
    before its locale is known (then ask Flask-Babel) or outside a request."""
    state = g.get("_flask_babel") if has_app_context() else None
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        return None
    memo = getattr(state, "consulta_translations", None)
    if memo is None or memo[0] is not locale:
        memo = (locale, Domain.get_translations(get_domain()), {})
        state.consulta_translations = memo
    return memo


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the translations looked up once per request
    and locale (``gettext``, ``_l`` labels, ``ngettext`` in Python code)."""

    def get_translations(self):
        memo = request_memo()
        return memo[1] if memo is not None else super().get_translations()


def install_request_domain(app):
    """Make Flask-Babel's default domain a ``RequestDomain`` (same domain, same
    directories: only the lookup is memoized)."""
    babel = app.extensions["babel"]
    babel.instance.__dict__["domain_instance"] = RequestDomain(domain=babel.default_domain)


LANGUAGE_COOKIE = "consulta_lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def select_locale():
    """The language cookie, then the user's setting, then Accept-Language, then Spanish;
    as Babel's ``Locale``, made once per language (Flask-Babel parsed the code on every
    request)."""
    return _locale(request_language())


@lru_cache(maxsize=16)
def _locale(code):
    return Locale.parse(code)


def request_language():
    """The code of the language ``select_locale`` chooses for this request (``"es"``),
    without Flask-Babel's context and ``Locale`` around it: the page cache's key asks
    on every request for a page from the cache. (Inside ``force_locale`` ask
    ``get_locale()``.)"""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    cookie = language_cookie()
    if cookie is not None:
        return cookie
    try:
        if not without_session_cookies() and current_user \
                and current_user.is_authenticated and current_user.locale in languages:
            return current_user.locale
    except Exception:  # the database may be down while an error page is shown
        current_app.logger.debug("locale: the current user could not be loaded")
    header = request.environ.get("HTTP_ACCEPT_LANGUAGE", "")
    # Kept per header, but not a long one (a browser's is short): what a worker keeps
    # stays small whatever is sent.
    choose = _accepted_language if len(header) <= 200 else _accepted_language.__wrapped__
    return choose(header, tuple(languages), current_app.config["BABEL_DEFAULT_LOCALE"])


@lru_cache(maxsize=1024)
def _accepted_language(header, languages, default):
    """The first language of the Accept-Language ``header`` the site offers, else
    ``default``; read once per header a worker sees (a browser sends the same one on
    every request).

    By preference order, on the primary subtag: es-PE and es-419 mean Spanish even when
    en-US comes next (Werkzeug's best_match would prefer an exact "en" further down).
    """
    for tag, _quality in parse_accept_header(header, LanguageAccept):
        primary = tag.split("-")[0].split("_")[0].lower()
        if primary in languages:
            return primary
    return default


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


@lru_cache(maxsize=32)
def _formatting_locale(language, profile_locale):
    base = Locale.parse(profile_locale)
    if base.language == language:
        return profile_locale
    if base.territory:
        try:
            return str(Locale.parse(f"{language}_{base.territory}"))
        except (UnknownLocaleError, ValueError):
            pass
    return language


def formatting_locale(language=None):
    """The locale that writes numbers and dates: the reader's language with the
    country's conventions (the profile's ``locale``): "es_MX" for a Spanish reader of a
    Mexican site, "en" for an English one (CLDR has no "en_MX").

    :param language: a language code; the reader's language when None.
    """
    if language is None:
        memo = request_memo()
        if memo is not None:
            found = memo[2].get("formatting locale")
            if found is None:
                found = memo[2]["formatting locale"] = formatting_locale(str(memo[0]))
            return found
    language = str(language or get_locale() or "es")
    if not has_app_context() or "PROFILE" not in current_app.config:
        return language
    return _formatting_locale(language, current_app.config["PROFILE"].locale)


def several_time_zones():
    """Whether the country has several time zones (the profile's ``several_time_zones``):
    then every time shown names its zone."""
    return (has_app_context() and "PROFILE" in current_app.config
            and current_app.config["PROFILE"].several_time_zones)


def with_zone(text, zone=None):
    """A displayed time followed by its zone where the country has several: "18:00 (hora
    del centro de México)"; as it is otherwise (a country with one zone: every time is in it).

    :param text: the time (or date and time) already written for the reader.
    :param zone: None: as the profile says; True: always (a page that names the zone
        whatever the country); False: never.
    """
    if not (several_time_zones() if zone is None else zone):
        return text
    return gettext("%(time)s (%(zone)s)", time=text, zone=timezone_label())


def request_timezone():
    """The reader's time zone (Flask-Babel's), looked up once per request."""
    memo = request_memo()
    if memo is None:
        return get_timezone()
    zone = memo[2].get("time zone")
    if zone is None:
        zone = memo[2]["time zone"] = get_timezone()
    return zone


# Babel writes a date through its CLDR pattern on every call (about 40 µs, a fifth of a
# list's cards); a page shows the same dates on every request, and a list many of the
# same day: the text is kept per (value, format, zone, locale).


@lru_cache(maxsize=4096)
def _format_datetime(value, fmt, zone, locale):
    return dates.format_datetime(value, fmt, tzinfo=zone, locale=locale)


@lru_cache(maxsize=4096)
def _format_date(value, fmt, locale):
    return dates.format_date(value, fmt, locale=locale)


@lru_cache(maxsize=4096)
def _format_time(value, fmt, zone, locale):
    return dates.format_time(value, fmt, tzinfo=zone, locale=locale)


def format_datetime(value, fmt="medium"):
    """A date and time in the local zone, as the reader's language and country write it
    (with the zone where the country has several, see ``with_zone``)."""
    return with_zone(_format_datetime(value, fmt, request_timezone(), formatting_locale()))


def format_date(value, fmt="medium"):
    """A date (of a datetime: in the local zone), as the reader's language and country
    write it."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        zone = request_timezone()
        value = zone.normalize(value.astimezone(zone)).date()
    return _format_date(value, fmt, formatting_locale())


def format_time(value, fmt="short", zone=True):
    """A time in the local zone, as the reader's language and country write it (with
    the zone where the country has several, unless ``zone`` is false)."""
    text = _format_time(value, fmt, request_timezone(), formatting_locale())
    return with_zone(text) if zone else text


def _escaped_html(lazy_string):
    # A label (``CHANNELS[code]``, ``KINDS[kind]``) is written once per card: its text,
    # escaped, is kept for the request (the memo holds the object, so its id is not
    # reused meanwhile).
    memo = request_memo()
    if memo is None:
        return str(escape(str(lazy_string)))
    key = ("lazy", id(lazy_string))
    found = memo[2].get(key)
    if found is None or found[0] is not lazy_string:
        found = memo[2][key] = (lazy_string, str(escape(str(lazy_string))))
    return found[1]


def escape_lazy_strings():
    """Let a lazy string (``lazy_gettext``, ``LazyString``) escape as the text it stands
    for.

    Flask-Babel gives lazy strings an ``__html__`` that returns their text as it is, so
    markupsafe takes them for markup: a select's option label (WTForms escapes choice
    labels with ``escape``), a field's label, a ``{{ CHANNELS[code] }}`` in a template, or
    a lazy string formatted with someone's input would reach the page unescaped. Once,
    for the process: the lazy strings are module-level objects shared by every app.
    """
    LazyString.__html__ = _escaped_html


def register_filters(app):
    install_request_domain(app)
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, fmt) if value else ""
    )
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["percent"] = format_share
    app.jinja_env.filters["when"] = format_when


# Numbers: the one place where counts, decimals and shares become text. Every page,
# frozen summary, PDF and export that writes a number for people goes through these two
# functions, so a share reads the same everywhere: rounded to one decimal (half up, on
# the decimal the value was meant to be: 28.3, not the 28.300000000000003 of a float),
# with the separators and the percent sign of the reader's language.

ONE_DECIMAL = Decimal("0.1")


def _one_decimal(value):
    """``value`` (int, float, Decimal, or None for 0) as a Decimal rounded to one decimal.

    A float goes through its shortest repr ("28.300000000000004" → 28.3), so the value a
    person computed is rounded, not its binary approximation.
    """
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(float(value or 0)))
        if number.is_finite():
            return number.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError, OverflowError):
        pass
    return Decimal(0)  # NaN, infinity or not a number: nothing to show but 0


@lru_cache(maxsize=16)
def _patterns(language):
    """(decimal pattern, percent pattern, locale) of a language, with at most one
    decimal. The parsed ``Locale`` goes with them: given a code, Babel parses it again
    on every number (a third of the tracking page's time went there)."""
    locale = Locale.parse(language)
    patterns = []
    for formats in (locale.decimal_formats, locale.percent_formats):
        pattern = parse_pattern(formats[None].pattern)  # a new object: babel's stays as is
        pattern.frac_prec = (0, 1)
        patterns.append(pattern)
    return (*patterns, locale)


def _language(locale):
    return formatting_locale(locale)


def format_number(value, locale=None):
    """A number as the reader's language writes it: a count as it is ("12.345" in
    Spanish, "12,345" in English), a decimal rounded to one decimal ("3,5" / "3.5").

    :param value: an int, float or Decimal; None counts as 0.
    :param locale: a language code; the reader's language when None.
    """
    if isinstance(value, dict):
        return suppressed_text(value)
    language = _language(locale)
    if isinstance(value, int) and not isinstance(value, bool):
        return _format_count(value, language)
    decimal, _percent, parsed = _patterns(language)
    return decimal.apply(_one_decimal(value), parsed)


@lru_cache(maxsize=4096)
def _format_count(value, language):
    # Babel's pattern is most of a figure's cost, and pages repeat the same counts.
    decimal, _percent, parsed = _patterns(language)
    return decimal.apply(value, parsed)


def format_share(value, locale=None):
    """A share given out of 100, rounded to one decimal, as the reader's language writes
    it: "73,2 %" and "100 %" in Spanish, "73.2%" in English.

    :param value: the share, from 0 to 100 (28.3 for 28.3 %); None counts as 0.
    :param locale: a language code; the reader's language when None.
    """
    if isinstance(value, dict):
        return suppressed_text(value)
    return _format_share(_one_decimal(value), _language(locale))


@lru_cache(maxsize=4096)
def _format_share(value, language):
    # As counts: pages repeat the same shares (a progress bar per commitment).
    _decimal, percent, parsed = _patterns(language)
    return percent.apply(value / 100, parsed)


def suppressed_text(marker):
    """What a published figure reads in place of a count that is not shown, so that no
    small group of people can be singled out: ``{"fewer_than": 5}`` → "fewer than 5";
    ``{"withheld": 5}`` (it would reveal such a group next to an earlier version) →
    "not shown (small group)".

    :param marker: the dict a suppressed figure holds (see ``summary/suppression.py``).
    """
    if "fewer_than" in marker:
        return gettext("fewer than %(number)s", number=marker["fewer_than"])
    return gettext("not shown (small group)")


def format_when(value, date_format="long", zone=None):
    """A date and time for people: "12 de diciembre de 2026, 23:59" (local zone; where
    the country has several zones, "…, 23:59 (hora del centro de México)").

    :param zone: see ``with_zone``.
    """
    if not value:
        return ""
    return with_zone(f"{format_date(value, date_format)}, "
                     f"{format_time(value, 'short', zone=False)}", zone)
