"""Printable documents for taking part without internet (reportlab).

The receipt a person gets when a facilitator records their contribution (one page,
large type, readable on a phone screen too), and what a regional workshop prints: the
draft plan, a blank proposal sheet and a one-page "how to take part".

Every document is A4 (the receipt A5: half a sheet, the proportions of a phone screen),
in large type, with its title, author, subject and language in the PDF's metadata.
reportlab does not write tagged PDF (no structure tree for screen readers): the
documents are plain text in reading order, one column, so that text extraction and
screen readers that read untagged PDFs get the right order; the web pages remain the
accessible version.
"""

from io import BytesIO

from flask import url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    KeepInFrame,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from consulta.consultations.constants import CHANNEL_HOW_TO, CHANNELS
from consulta.contributions.constants import CONTACT_CHANNELS, KINDS
from consulta.core.i18n import format_when
from consulta.core.taxonomy import region_label, region_name, sector_label
from consulta.summary.pdf import paragraph_markup, pdf_font

#: How much of a contribution's text the one-page receipt repeats.
RECEIPT_TEXT_CHARS = 700
MARGIN = 1.6 * cm


class _Styles:
    """Large type: 13 points for text (12 on the dense plan), headings from 17."""

    def __init__(self, font, body=13):
        self.font = font
        self.body = ParagraphStyle("body", fontName=font, fontSize=body, leading=body * 1.35,
                                   spaceAfter=body * 0.4)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=body - 2,
                                    leading=(body - 2) * 1.35)
        self.h1 = ParagraphStyle("h1", parent=self.body, fontSize=body + 7,
                                 leading=(body + 7) * 1.25, spaceAfter=8)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontSize=body + 3,
                                 leading=(body + 3) * 1.3, spaceBefore=10, spaceAfter=4)
        self.code = ParagraphStyle("code", parent=self.body, fontSize=body + 9,
                                   leading=(body + 9) * 1.3, textColor=colors.HexColor("#0b3d91"))

    def p(self, value, style=None):
        return Paragraph(paragraph_markup(value, self.font), style or self.body)


def _document(out, title, consultation, pagesize=A4):
    language = str(get_locale() or "es")
    return SimpleDocTemplate(out, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
                             topMargin=MARGIN, bottomMargin=MARGIN, title=title,
                             author=consultation.organizer, subject=consultation.title,
                             creator="Consulta", lang=language)


def _build(title, consultation, story, pagesize=A4):
    buffer = BytesIO()
    _document(buffer, title, consultation, pagesize).build(story)
    return buffer.getvalue()


def track_url(code=None):
    """The public address where anyone follows a contribution by its code."""
    return url_for("offline.track", code=code, _external=True)


def _dates(consultation):
    return _("From %(opens)s to %(closes)s.", opens=format_when(consultation.opens_at),
             closes=format_when(consultation.closes_at))


def _following(styles, consultation, code=None):
    """How to follow a contribution: the /track address (large: it is typed by hand),
    the direct link with the code, and the consultation's page."""
    story = [
        styles.p(_("How to follow it"), styles.h2),
        styles.p(_("Anyone can see the state of a contribution and its response, without an "
                   "account, by typing its tracking code at:")),
        styles.p(track_url(), styles.h2),
    ]
    if code:
        story.append(styles.p(track_url(code), styles.small))
    story.append(styles.p(_("The consultation: %(url)s", url=url_for(
        "consultations.detail", slug=consultation.slug, _external=True)), styles.small))
    return story


# --- the receipt --------------------------------------------------------------------

def receipt_pdf(contribution):
    """The one-page receipt of a contribution recorded with its author (bytes): tracking
    code, what was recorded, how to follow it and the consultation's dates.

    :param contribution: a visible contribution (neither hidden nor voided: the view
        refuses those).
    """
    c = contribution
    consultation = c.consultation
    styles = _Styles(pdf_font(), body=12)
    text = "\n".join(p for p in (c.problem, c.objective, c.body) if p)
    if len(text) > RECEIPT_TEXT_CHARS:
        text = text[:RECEIPT_TEXT_CHARS - 1].rstrip() + "…"
    received = format_date(c.received_on, "long") if c.received_on \
        else format_when(c.received_at)
    if c.author_name:
        shown = c.author_name if c.author_name_public else _(
            "Not published: the public sees “Participant” and the sector.")
    else:
        shown = "—"
    rows = [
        (_("Consultation"), consultation.title),
        (_("Received on"), received),
        (_("Kind"), str(KINDS[c.kind])),
        (_("Channel"), str(c.channel_label)),
        (_("Author"), c.author_name or "—"),
        (_("Name shown publicly"), shown),
    ]
    if c.sector:
        rows.append((_("Sector"), str(sector_label(c.sector))))
    if c.region:
        rows.append((region_label(), region_name(c.region)))
    if c.author_contact_channel:
        rows.append((_("You will be told of the answer by"),
                     str(CONTACT_CHANNELS[c.author_contact_channel])))
    elif c.author_email:
        rows.append((_("You will be told of the answer by"), _("E-mail")))
    table = Table([[styles.p(k, styles.small), styles.p(v, styles.small)] for k, v in rows],
                  colWidths=[3.6 * cm, None], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.grey)]))
    story = [
        styles.p(_("Receipt of your contribution"), styles.h1),
        styles.p(_("Tracking code"), styles.small),
        styles.p(c.tracking_code, styles.code),
        Spacer(1, 4),
        table,
        styles.p(_("What was recorded"), styles.h2),
        styles.p(c.title or "—", styles.body),
    ]
    if text:
        story.append(styles.p(text, styles.small))
    story += _following(styles, consultation, c.tracking_code)
    story.append(styles.p(_("Contributions are received: %(dates)s", dates=_dates(consultation)),
                          styles.small))
    width, height = A5[0] - 2 * MARGIN, A5[1] - 2 * MARGIN
    # One page whatever was written: shrunk to fit rather than spilling onto a second.
    title = _("Receipt of contribution %(code)s", code=c.tracking_code)
    return _build(title, consultation, [KeepInFrame(width, height, story, mode="shrink")],
                  pagesize=A5)


# --- for workshops ------------------------------------------------------------------

def plan_pdf(consultation):
    """The published draft plan in large type (bytes): sections, then each commitment
    with its proposal-sheet fields, and how to take part and follow contributions.

    :param consultation: a consultation whose draft plan was published.
    """
    plan = consultation.published_plan
    styles = _Styles(pdf_font(), body=12)
    story = [styles.p(plan.title or consultation.title, styles.h1),
             styles.p(consultation.title), styles.p(_dates(consultation))]
    for section in plan.sections:
        story.append(styles.p(section.title, styles.h2))
        story.append(styles.p(section.body or ""))
    for commitment in plan.commitments:
        story.append(styles.p(_("Commitment %(number)s. %(title)s", number=commitment.number,
                                title=commitment.title), styles.h2))
        for label, value in (
                (_("Component"), commitment.component.name if commitment.component else ""),
                (_("Public problem"), commitment.problem),
                (_("Objective"), commitment.objective),
                (_("Responsible entity"), commitment.responsible)):
            if value:
                story.append(styles.p(f"{label}: {value}"))
        for action in commitment.actions or []:
            months = " – ".join(m for m in (action.get("start"), action.get("end")) if m)
            story.append(styles.p(f"• {action.get('description') or ''}"
                                  + (f" ({months})" if months else "")))
    story += _following(styles, consultation)
    return _build(_("Draft plan: %(title)s", title=consultation.title), consultation, story)


def proposal_sheet_pdf(consultation):
    """A blank proposal sheet (ficha de propuesta de compromiso) to fill in by hand at a
    workshop (bytes): every field with room to write, the components to choose from,
    and a box for the moderators to note the tracking code once typed in.

    :param consultation: the consultation the sheet is for.
    """
    styles = _Styles(pdf_font(), body=13)

    def box(label, lines_count):
        rows = [[styles.p(label, styles.small)]] + [[""] for _ in range(lines_count)]
        table = Table(rows, colWidths=[A4[0] - 2 * MARGIN],
                      rowHeights=[None] + [0.85 * cm] * lines_count)
        table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                                   ("LINEBELOW", (0, 1), (-1, -2), 0.3, colors.grey)]))
        return [table, Spacer(1, 6)]

    components = ", ".join(c.name for c in consultation.components) or "—"
    story = [styles.p(_("Proposal sheet"), styles.h1), styles.p(consultation.title),
             styles.p(_("Component (circle one): %(names)s", names=components), styles.small)]
    for label, count in ((_("Title"), 2), (_("Public problem"), 4), (_("Objective"), 3),
                         (_("Responsible entity"), 1), (_("Co-responsible entities"), 2),
                         (_("Actions, with start and end month"), 5),
                         (_("Expected completion (month and year)"), 1),
                         (_("Your name, organization, sector and %(region)s",
                            region=region_label().lower()), 2)):
        story += box(label, count)
    story.append(styles.p(_("May your name be published next to the proposal?  ☐ Yes   ☐ No"),
                          styles.body))
    story += box(_("For the moderators: received on, and tracking code once typed in"), 1)
    story += _following(styles, consultation)
    return _build(_("Proposal sheet: %(title)s", title=consultation.title), consultation,
                  story)


def how_to_take_part_pdf(consultation):
    """One page: how to take part in the consultation, each channel with its dates (its
    participation windows), and how to follow a contribution (bytes).

    :param consultation: a public consultation.
    """
    styles = _Styles(pdf_font(), body=12)
    story = [styles.p(_("How to take part"), styles.h1), styles.p(consultation.title, styles.h2),
             styles.p(consultation.organizer), styles.p(_dates(consultation))]
    for channel in consultation.channels or []:
        if channel not in CHANNELS:
            continue
        story.append(styles.p(str(CHANNELS[channel]), styles.h2))
        story.append(styles.p(str(CHANNEL_HOW_TO.get(channel, ""))))
        for window in consultation.windows_of(channel):
            story.append(styles.p("• " + _("From %(opens)s to %(closes)s.",
                                           opens=format_when(window.opens_at),
                                           closes=format_when(window.closes_at))))
    story += _following(styles, consultation)
    width, height = A4[0] - 2 * MARGIN, A4[1] - 2 * MARGIN
    return _build(_("How to take part: %(title)s", title=consultation.title), consultation,
                  [KeepInFrame(width, height, story, mode="shrink")])
