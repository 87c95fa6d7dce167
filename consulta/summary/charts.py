"""Bar charts as inline SVG, drawn on the server: no JavaScript, printable, accessible.

Each chart has a <title> and <desc>; the same numbers are always in a table next
to it, which is the text alternative for people who cannot see the chart.
"""

from flask_babel import gettext as _
from markupsafe import Markup, escape

from consulta.consultations.constants import CHANNELS
from consulta.contributions.constants import KINDS
from consulta.core.taxonomy import region_name, sector_label
from consulta.feedback.constants import OUTCOMES

PALETTE = ("#0b4f8a", "#1e6b34", "#7a4d00", "#b3261e", "#4a5563", "#5b3f8c")


#: Bars drawn at most; a figure with more categories charts its largest ones and its
#: table (always next to the chart) lists them all. 200 commitments as bars were 40 KB.
MAX_BARS = 15


def bar_chart(title, items, description="", bar_height=14, max_bars=MAX_BARS):
    """Horizontal bars for [(label, value)]; returns Markup with an <svg>.

    Each label (class ``l``) sits above its bar, with the value (class ``v``) at the end
    of that line. The SVG has no viewBox: it takes the width of its container and the
    bars are drawn in percentages, so the text keeps its real size on a 360 px phone as
    on a desktop (a scaled drawing shrank it to 6 px there). Colours and fonts come
    from the stylesheet (``.chart`` rules), which keeps each bar to about 150 bytes.
    Over ``max_bars`` categories, the largest are drawn, in order.

    :param title: the chart's <title>.
    :param items: the bars, as (label, value) pairs in the order to draw them.
    :param description: the chart's <desc>; the title when empty.
    :param bar_height: each bar's height in pixels.
    :param max_bars: the most bars drawn.
    """
    items = [(str(label), int(value or 0)) for label, value in items]
    if not items:
        return Markup("")
    if len(items) > max_bars:
        largest = set(sorted(range(len(items)), key=lambda i: -items[i][1])[:max_bars])
        items = [item for i, item in enumerate(items) if i in largest]
        description = _largest_description(description or title, max_bars)
    top = max(value for _label, value in items) or 1
    line = 20  # the label's line (14 px text, see .chart text)
    row = line + bar_height + 10
    parts = [
        f'<svg class="chart" role="img" width="100%" height="{len(items) * row}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(description or title)}</desc>",
    ]
    for index, (label, value) in enumerate(items):
        y = index * row
        percent = max(0.5, 100 * value / top) if value else 0
        short = label if len(label) <= 36 else label[:35] + "…"
        parts.append(
            f'<text x="0" y="{y + 14}" class="l">{escape(short)}</text>'
            f'<text x="100%" y="{y + 14}" class="v">{value}</text>'
            f'<rect y="{y + line}" width="{percent:.1f}%" height="{bar_height}" '
            f'class="c{index % len(PALETTE)}"/>')
    parts.append("</svg>")
    svg = "".join(parts)  # every text above is escaped; the rest is numbers and markup
    return Markup(svg)  # noqa: S704  # nosec B704


def _largest_description(description, count):
    return _("%(description)s: the %(count)s largest; the table lists them all.",
             description=description, count=count)


def column_chart(title, items, description="", height=200):
    """Vertical columns for a time series [(label, value)], as wide as their container
    (percentages, no viewBox: the dates below keep their real size on a phone).

    :param title: the chart's <title>.
    :param items: the columns, as (label, value) pairs in time order.
    :param description: the chart's <desc>; the title when empty.
    :param height: the chart's height in pixels.
    """
    items = [(str(label), int(value or 0)) for label, value in items]
    if not items:
        return Markup("")
    top = max(value for _label, value in items) or 1
    step = 100 / len(items)
    plot = height - 30
    parts = [
        f'<svg class="chart" role="img" width="100%" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title><desc>{escape(description or title)}</desc>",
    ]
    for index, (label, value) in enumerate(items):
        bar = plot * value / top
        x = index * step
        parts.append(f'<rect x="{x + step * 0.1:.2f}%" y="{plot - bar:.1f}" '
                     f'width="{step * 0.8:.2f}%" height="{bar:.1f}" class="c0">'
                     f"<title>{escape(label)}: {value}</title></rect>")
    first, last = items[0][0], items[-1][0]
    parts.append(f'<text x="0" y="{height - 8}">{escape(first)}</text>')
    parts.append(f'<text x="100%" y="{height - 8}" class="v">{escape(last)}</text>')
    parts.append("</svg>")
    svg = "".join(parts)  # every text above is escaped; the rest is numbers and markup
    return Markup(svg)  # noqa: S704  # nosec B704


def figure_rows(kind, mapping):
    """[(label, count)] of a figure, labelled in the reader's language, sorted sensibly.

    :param kind: what the keys are: kind, channel, sector, region, commitment, outcome,
        or anything else (keys shown as they are).
    :param mapping: {key: count}, as ``figures.compute_figures`` gives it.
    """
    # Translated once, not once per row (200 commitments): the same text, formatted here.
    commitment = _("Commitment %(number)s") if kind == "commitment" else None

    def label(key):
        if kind == "kind":
            return str(KINDS.get(key, key))
        if kind == "channel":
            return str(CHANNELS.get(key, key))
        if kind == "sector":
            return str(sector_label(key)) if key else _("Not stated")
        if kind == "region":
            return region_name(key) if key else _("Not stated")
        if kind == "commitment":
            return commitment % {"number": key}
        if kind == "outcome":
            return str(OUTCOMES[key]) if key in OUTCOMES else _("No published response")
        return key or _("Not stated")

    items = list((mapping or {}).items())
    if kind == "commitment":
        items.sort(key=lambda kv: int(kv[0]))
    elif kind == "outcome":
        order = [*OUTCOMES, "none"]
        items.sort(key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    else:
        items.sort(key=lambda kv: (-kv[1], str(kv[0])))
    return [(label(key), count) for key, count in items]
