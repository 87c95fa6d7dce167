"""The "last report" day on each commitment of the tracking page. Babel takes tens of
microseconds for each, and the request's locale and time zone were looked up again for
each: these write a page's days with the locale and zone looked up once, each distinct
day once, and keep each text per language, as ``core.i18n`` does for counts and shares.
The texts are those of the ``date`` filter (the same function).
"""

from datetime import datetime
from functools import lru_cache

from flask_babel import get_timezone

from consulta.core.i18n import format_date, formatting_locale


def day_texts(values, fmt="long"):
    """{value: ``value|date(fmt)``} of these aware datetimes (their day in the reader's
    time zone); None is left out."""
    zone, locale = get_timezone(), formatting_locale()
    return {value: _day(value.astimezone(zone).date(), fmt, locale)
            for value in set(values) if isinstance(value, datetime)}


@lru_cache(maxsize=2048)
def _day(day, fmt, locale):
    # ``locale`` is the key only: format_date writes in the request's, which it is.
    return format_date(day, fmt)
