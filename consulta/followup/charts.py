"""The tracking page's figures as inline SVG drawn on the server, as the summary's are:
no JavaScript, printable, a <title> and a <desc>, sizes in percentages (no viewBox, so
the text keeps its size on a phone), colours from the stylesheet's ``.chart .cN``
classes. The same numbers are always in a table next to the chart."""

from flask_babel import gettext as _
from markupsafe import Markup, escape

from .queries import COMMITMENT_STATUSES, status_label

#: The colour class of each status (``.chart .cN`` in the stylesheet).
STATUS_CLASSES = {"completed": "c1", "in_progress": "c0", "delayed": "c3",
                  "not_started": "c4", "cancelled": "c5"}


def status_chart(title, rows, bar_height=18):
    """One bar per row, split by status in proportion to its commitments (100 % wide).

    :param title: the chart's <title>.
    :param rows: [(label, {status: count, "total": n})], in the order to draw them.
    :param bar_height: each bar's height in pixels.
    :return: Markup with an <svg>, or "" with no row.
    """
    rows = [(str(label), counts) for label, counts in rows if counts.get("total")]
    if not rows:
        return Markup("")
    names = _status_names()
    line = 20
    row_height = line + bar_height + 10
    description = "; ".join(
        f"{label}: " + ", ".join(f"{names[s]} {counts[s]}"
                                 for s in COMMITMENT_STATUSES if counts.get(s))
        for label, counts in rows)
    parts = [
        f'<svg class="chart" role="img" width="100%" height="{len(rows) * row_height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(description)}</desc>",
    ]
    for index, (label, counts) in enumerate(rows):
        y = index * row_height
        short = label if len(label) <= 40 else label[:39] + "…"
        total = counts["total"]
        parts.append(f'<text x="0" y="{y + 14}" class="l">{escape(short)}</text>'
                     f'<text x="100%" y="{y + 14}" class="v">{total}</text>')
        x = 0.0
        for status in COMMITMENT_STATUSES:
            count = counts.get(status) or 0
            if not count:
                continue
            width = 100 * count / total
            parts.append(
                f'<rect x="{x:.2f}%" y="{y + line}" width="{width:.2f}%" '
                f'height="{bar_height}" class="{STATUS_CLASSES[status]}">'
                f"<title>{escape(names[status])}: {count}</title></rect>")
            x += width
    parts.append("</svg>")
    svg = "".join(parts)  # every text above is escaped; the rest is numbers and markup
    return Markup(svg)  # noqa: S704  # nosec B704


def _status_names():
    """{status: its name in the reader's language}, translated once for a whole chart."""
    return {status: str(status_label(status)) for status in COMMITMENT_STATUSES}


def legend():
    """The colours of the statuses, as a list (text: the chart never relies on colour
    alone, its table says the same)."""
    items = "".join(
        f'<li><svg class="swatch" width="14" height="14" aria-hidden="true">'
        f'<rect width="14" height="14" class="{STATUS_CLASSES[s]}"/></svg> '
        f"{escape(status_label(s))}</li>" for s in COMMITMENT_STATUSES)
    return Markup(f'<ul class="chart-legend" aria-label="{escape(_("Legend"))}">'  # noqa: S704
                  f"{items}</ul>")
