"""The texts of the tracking page's commitments.

The "last report" day on each: Babel takes tens of microseconds for each, and the
request's locale and time zone were looked up again for each: these write a page's days
with the locale and zone looked up once, each distinct day once, and keep each text per
language, as ``core.i18n`` does for counts and shares. The texts are those of the
``date`` filter (the same function).

Each commitment's row: written from its values alone, so kept by them (per worker and
language): a row is written again only when one of its values changes.
"""

from datetime import datetime
from functools import lru_cache

from flask import get_template_attribute, request
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from consulta.consultations.sheets import kept_per_worker
from consulta.core.i18n import format_date, formatting_locale

#: How many rows (commitment, values, language) a worker keeps: a plan's 200 commitments
#: in two languages many times over; then all forgotten at once.
ROWS_KEPT = 4000


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


def tracking_rows(items, slug, component_names, report_days, overdue, status_labels):
    """The HTML of the tracking page's rows (``followup/public/_tracking_row.html``),
    each kept under every value it is written from: the page's ``_()``, formatting and
    macros per commitment (about half of the page) are done once per row and language.

    :param items: (commitment row, ``Progress``) of the page.
    :param slug: the consultation's (its links).
    :param component_names: {component id: name}.
    :param report_days: from ``day_texts``: {last report moment: day text}.
    :param overdue: {commitment id: overdue milestones}, from ``overdue_milestones``.
    :param status_labels: {status code: label} in the request's language.
    """
    language = (str(get_locale()), request.script_root, slug)
    rows = []
    for c, p in items:
        name = component_names.get(c.component_id, "")
        day = report_days.get(p.last_report_at)
        late = tuple((m.description, m.due, m.current_status)
                     for m in overdue.get(c.id, ()))
        key = (*language, c.id, c.number, c.title, name, c.responsible, p.status,
               p.percent, p.milestones, p.completed, day, late)
        rows.append(kept_per_worker(
            "consulta_tracking_rows", key,
            lambda c=c, p=p, name=name, day=day: str(get_template_attribute(
                "followup/public/_tracking_row.html", "row")(
                c, p, slug, name, day, overdue.get(c.id), status_labels)),
            size=ROWS_KEPT))
    # Written by the template, escaped; kept as text.
    return [Markup(html) for html in rows]  # noqa: S704
