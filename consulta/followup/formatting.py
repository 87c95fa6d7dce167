"""The follow-up's lists write the same kinds of values on every row: a progress share
(a whole number from 0 to 100) and a "last report" day on each commitment of the
tracking page. Babel takes tens of microseconds for each, and the request's locale and
time zone were looked up again for each: a fifth of a page of 200 commitments. These
write the values of a page with the locale and zone looked up once, each distinct value once,
and
keep each text per language, as ``core.i18n._format_count`` does for counts. The texts
are those of the ``percent`` and ``date`` filters (the same functions).
"""

from datetime import datetime
from functools import lru_cache

from flask_babel import get_timezone

from consulta.core.i18n import format_date, format_share, formatting_locale


def share_writer():
    """A function writing a share (0–100) as ``value|percent`` does, for the request's
    language, each value written once."""
    locale = formatting_locale()
    return lambda value: _share(value, locale)


@lru_cache(maxsize=2048)
def _share(value, locale):
    # ``locale`` is the key only: format_share writes in the request's, which it is.
    return format_share(value)


def day_texts(values, fmt="long"):
    """{value: ``value|date(fmt)``} of these aware datetimes (their day in the reader's
    time zone); None is left out."""
    zone, locale = get_timezone(), formatting_locale()
    return {value: _day(value.astimezone(zone).date(), fmt, locale)
            for value in set(values) if isinstance(value, datetime)}


@lru_cache(maxsize=2048)
def _day(day, fmt, locale):
    # As ``_share``: ``locale`` is the key, format_date writes in the request's.
    return format_date(day, fmt)
