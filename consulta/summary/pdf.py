"""The summary as a PDF: the official document people attach to reports (reportlab).

One PDF per published version and language, written once and kept: a version never
changes, so neither does its document. Whatever the text (10,000 characters, hundreds
of line breaks), it is wrapped, and a cell taller than a page goes on in a next row on
the next page: building the document cannot fail on the length of what people wrote.

The drawing helpers other documents share (the self-assessment's PDF, the offline
printables) are public: ``pdf_font``, ``paragraph_markup``, ``introduction_text``,
``Styles``, ``long_table``, ``numbered_canvas``, ``PageFooter`` and ``MARGIN``.
"""

import contextlib
import hashlib
import html
import json
import logging
import os
import re
import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from flask import current_app, render_template, render_template_string
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    LongTable,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from sqlalchemy import func, select

from consulta.consultations.constants import CHANNELS
from consulta.contributions.constants import HIDE_REASONS
from consulta.core.i18n import format_date, format_number, format_share, format_when
from consulta.core.sanitize import plain_text
from consulta.core.taxonomy import region_label, sector_label
from consulta.extensions import db
from consulta.feedback.constants import OUTCOMES

from .charts import figure_rows
from .constants import IRM_VERDICTS, REASONS, redacted_text
from .irm import guidelines
from .models import SummaryRedaction
from .queries import redaction_log, stored_rows
from .suppression import public_content

try:  # POSIX: one process renders a version's PDF, the others wait for it
    import fcntl
except ImportError:  # pragma: no cover - elsewhere each renders and the last rename wins
    fcntl = None

log = logging.getLogger(__name__)

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
]
MARGIN = 1.5 * cm
#: Cell padding of every table (reportlab's default: 6 points on the sides, 3 above
#: and below).
PADDING_X, PADDING_Y = 6, 3
#: The most a text of the contribution matrix shows; the full text is in the open data.
MATRIX_TEXT_CHARS = 1500
#: Characters that are not text (C0 controls but tab and line break, DEL): drawn as
#: boxes or refused by reportlab's paragraph parser.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SOURCE_FILES = (Path(__file__), TEMPLATES / "summary" / "_evidence.html",
                TEMPLATES / "consultations" / "_macros.html")


def _code_version():
    """A short digest of the code that draws the PDF: in each stored file's name, so a
    change of that code makes new files and tries again a version that failed."""
    digest = hashlib.sha256()
    for path in SOURCE_FILES:
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


CODE_VERSION = _code_version()


class PDFUnavailable(Exception):
    """The PDF of a version could not be made; ``error_id`` is in the log with why."""

    def __init__(self, error_id):
        super().__init__(error_id)
        self.error_id = error_id


def pdf_font():
    """DejaVu Sans when the system has it (all of Unicode Spanish needs), else Helvetica."""
    if "ConsultaSans" in pdfmetrics.getRegisteredFontNames():
        return "ConsultaSans"
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont("ConsultaSans", path))
            return "ConsultaSans"
    return "Helvetica"


def paragraph_markup(value, font):
    """Any text as paragraph markup: escaped once, line breaks kept (whatever their
    kind), control characters dropped."""
    text = str(value if value is not None else "")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = escape(CONTROL_CHARACTERS.sub("", text))
    if font == "Helvetica":  # Latin-1 only: keep accents, replace what cannot be drawn
        text = text.encode("latin-1", "replace").decode("latin-1")
    return text.replace("\n", "<br/>")


def introduction_text(introduction_html):
    """The introduction's HTML (sanitized when published) as plain text, unescaped once:
    ``paragraph_markup`` escapes it again for the PDF, once."""
    marked = re.sub(r"</(p|h\d|li|blockquote|pre)>", "\n\n",
                    re.sub(r"<br\s*/?>", "\n", introduction_html))
    marked = re.sub(r"<li[^>]*>", "• ", marked)
    text = html.unescape(plain_text(marked))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class Styles:
    """The paragraph styles of Consulta's PDFs in ``font``, and the cell and paragraph
    of any text (``paragraph_markup``)."""

    def __init__(self, font):
        base = getSampleStyleSheet()
        self.font = font
        self.body = ParagraphStyle("body", parent=base["BodyText"], fontName=font,
                                   fontSize=9, leading=12)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7.5, leading=9.5,
                                    spaceBefore=0, spaceAfter=0)
        self.h1 = ParagraphStyle("h1", parent=base["Heading1"], fontName=font, fontSize=16,
                                 leading=20)
        self.h2 = ParagraphStyle("h2", parent=base["Heading2"], fontName=font,
                                 fontSize=12.5, leading=16)
        self.h3 = ParagraphStyle("h3", parent=base["Heading3"], fontName=font,
                                 fontSize=10.5, leading=13)

    def cell(self, value):
        return Paragraph(paragraph_markup(value, self.font), self.small)

    def paragraph(self, value, style=None):
        return Paragraph(paragraph_markup(value, self.font), style or self.body)


def _bounded_rows(row, widths, limit, continued):
    """``row`` as one or more rows, none taller than ``limit`` points: a paragraph that
    would be taller is split, its next parts in the next rows (the other cells empty,
    the first says so: ``continued(first cell)`` makes what it says).

    reportlab moves a row that does not fit to the next page, and fails on a row taller
    than a page; rows bounded below a page always fit on the next one. (Its own in-row
    splitting, ``splitInRow``, repeats the header in the middle of pages.)
    """
    columns = []
    for cell, width in zip(row, widths, strict=True):
        parts = [cell]
        if isinstance(cell, Paragraph):
            inner = width - 2 * PADDING_X
            _w, height = cell.wrap(inner, limit)
            if height > limit:
                parts, rest = [], cell
                while rest is not None:
                    _w, height = rest.wrap(inner, limit)
                    if height <= limit:
                        parts.append(rest)
                        break
                    pieces = rest.split(inner, limit)
                    if len(pieces) < 2:  # cannot be split further: leave it whole
                        parts.append(rest)
                        break
                    parts.append(pieces[0])
                    rest = pieces[1]
        columns.append(parts)
    count = max(len(parts) for parts in columns)
    rows = [[parts[i] if i < len(parts) else "" for parts in columns] for i in range(count)]
    for piece in rows[1:]:
        piece[0] = piece[0] or continued(row[0])
    return rows


def long_table(styles, header, rows, widths, frame_height):
    """A table that runs over as many pages as it needs, its header on each one."""
    # Two parts of a long cell fit on a page under the header: little is left blank
    # when the next part goes to the next page.
    limit = 0.45 * frame_height
    def continued(first):
        name = first.getPlainText() if isinstance(first, Paragraph) else str(first)
        name = " ".join(name.split())
        name = name if len(name) <= 60 else name[:59] + "…"
        return styles.cell(_("%(name)s (continued)", name=name) if name
                           else _("(continued)"))

    data = [header]
    for row in rows:
        data += _bounded_rows(row, widths, limit, continued)
    table = LongTable(data, colWidths=widths, repeatRows=1, splitByRow=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), styles.font), ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("LEADING", (0, 0), (-1, -1), 9.5),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING_X),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING_X),
        ("TOPPADDING", (0, 0), (-1, -1), PADDING_Y),
        ("BOTTOMPADDING", (0, 0), (-1, -1), PADDING_Y)]))
    return table


def numbered_canvas(footer):
    """A canvas class that writes "Page N of M" on every page (M known at the end).

    :param footer: ``footer(page, pages)`` → the text at the foot of a page.
    """

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                width, _height = self._pagesize
                self.setFont(footer.font, 7.5)
                self.setFillColor(colors.HexColor("#4a5563"))
                self.drawString(MARGIN, 0.8 * cm, footer.title)
                self.drawRightString(width - MARGIN, 0.8 * cm, footer(number, total))
                super().showPage()
            super().save()

    return NumberedCanvas


class PageFooter:
    """The foot of every page (for ``numbered_canvas``): ``title`` on the left, "Page N
    of M" on the right."""

    def __init__(self, font, title):
        self.font, self.title = font, title

    def __call__(self, page, pages):
        return _("Page %(page)s of %(pages)s", page=page, pages=pages)


def _evidence(item):
    """The evidence of an IRM verdict as the summary page words it (one template)."""
    try:
        text = render_template("summary/_evidence.html", item=item)
    except Exception:  # a version frozen with evidence the template no longer knows
        log.warning("the evidence of %s could not be written in the PDF", item.get("key"),
                    exc_info=True)
        return ""
    return " ".join(html.unescape(plain_text(text)).split())


def _figures(story, styles, figures, frame_height, width):
    totals = figures.get("contributions") or {}
    participants = figures.get("participants") or {}
    parts = [f"{_('Contributions received')}: {format_number(totals.get('total'))}",
             f"{_('Participants')}: {format_number(participants.get('total'))}"]
    events = figures.get("events") or {}
    if events.get("attendees") is not None:
        parts.append(f"{_('Event attendees')}: {format_number(events['attendees'])}")
    parts.append(f"{_('With a published response')}: "
                 f"{format_share(totals.get('answered_share'))}")
    story.append(styles.paragraph(" · ".join(parts)))
    if totals.get("outside_windows"):
        story.append(styles.paragraph(ngettext(
            "%(num)d contribution received outside the participation windows (late or "
            "early): typed in by the moderators, who confirmed the date.",
            "%(num)d contributions received outside the participation windows (late or "
            "early): typed in by the moderators, who confirmed the date.",
            totals["outside_windows"])))
    women = figures.get("women") or {}
    if isinstance(women.get("share"), dict):  # a small group: suppressed
        marker = women["share"]
        story.append(styles.paragraph(_(
            "Participation of women: not shown, so that no group of fewer than %(number)s "
            "people is singled out (gender is shown only for groups of at least %(number)s "
            "people and their complement).",
            number=marker.get("fewer_than") or marker.get("withheld"))))
    elif women.get("share") is not None:
        story.append(styles.paragraph(_(
            "Participation of women: %(count)s of %(known)s people whose gender is known "
            "(%(share)s), counting profiles that declared it and event attendance.",
            count=format_number(women.get("count")), known=format_number(women.get("known")),
            share=format_share(women["share"]))))
    for title, kind, key in ((_("By channel"), "channel", "by_channel"),
                             (_("By sector"), "sector", "by_sector"),
                             (_("By %(label)s", label=region_label().lower()), "region",
                              "by_region"),
                             (_("By component"), "component", "by_component"),
                             (_("By outcome of the response"), "outcome", "by_outcome")):
        rows = [[styles.cell(label), format_number(n)]
                for label, n in figure_rows(kind, figures.get(key) or {})]
        story += [Spacer(1, 0.25 * cm),
                  long_table(styles, [styles.cell(title), _("Contributions")], rows,
                             [width - 3 * cm, 3 * cm], frame_height)]


def _plain(markup):
    return " ".join(html.unescape(plain_text(str(markup))).split())


def _date_change(change):
    """A change of dates as the summary page words it (one macro)."""
    try:
        return _plain(render_template_string(
            '{% from "consultations/_macros.html" import date_change_text %}'
            "{{ date_change_text(change) }}", change=change))
    except Exception:  # a version frozen with a change the macro no longer knows
        log.warning("a change of dates could not be written in the PDF", exc_info=True)
        return ""


def _timeline(story, styles, timeline):
    """The process as it happened, as the summary page shows it: the "recorded after the
    fact" label with where it was announced, the dates, the participation windows and
    every change of dates (from the frozen content, in the reader's language)."""
    if not timeline:
        return

    def moment(value):
        return format_when(datetime.fromisoformat(value), "long") if value else "—"

    story.append(styles.paragraph(_("The process as it happened"), styles.h2))
    reference = timeline.get("announcement_reference")
    if timeline.get("recorded_after_at"):
        label = _("Recorded after it took place, on %(date)s.", date=format_date(
            datetime.fromisoformat(timeline["recorded_after_at"]), "long"))
        label += " " + _("Its dates are a record of what happened, entered after the fact.")
        if reference:
            label += " " + _("Announced in:") + " " + reference
        story.append(styles.paragraph(label))
    announced = timeline.get("announced_at")
    if announced and timeline.get("recorded_after_at"):
        announced = format_date(datetime.fromisoformat(announced), "long")
    else:
        announced = moment(announced)
    if reference:
        announced += f" ({reference})"
    story.append(styles.paragraph("\n".join([
        f"{_('Announced')}: {announced}",
        f"{_('Opened')}: {moment(timeline.get('opens_at'))}",
        f"{_('Closed')}: {moment(timeline.get('closes_at'))}",
        f"{_('Summary first published')}: {moment(timeline.get('first_summary_at'))}"])))
    if timeline.get("windows"):
        story.append(styles.paragraph(_("Participation windows"), styles.h3))
        for w in timeline["windows"]:
            line = (f"• {CHANNELS.get(w['channel'], w['channel'])}: "
                    f"{moment(w.get('opens_at'))} – {moment(w.get('closes_at'))}")
            if w.get("reason"):
                line += f" ({w['reason']})"
            story.append(styles.paragraph(line))
    if "date_changes" in timeline:
        story.append(styles.paragraph(_("Changes of dates"), styles.h3))
        for change in timeline["date_changes"]:
            story.append(styles.paragraph("• " + _date_change(change)))
        if not timeline["date_changes"]:
            story.append(styles.paragraph(_("No date was changed after the announcement.")))


def _irm(story, styles, content, frame_height, width):
    language = str(get_locale())
    names = {g["key"]: g.get(language) or g["es"] for g in guidelines()}
    rows = []
    for item in content.get("irm") or []:
        explanation = _evidence(item)
        if item.get("note"):
            explanation += "\n" + _("Note of the secretariat:") + " " + item["note"]
        rows.append([styles.cell(names.get(item["key"], item["key"])),
                     styles.cell(IRM_VERDICTS.get(item["verdict"], item["verdict"])),
                     styles.cell(explanation)])
    widths = [5 * cm, 2.5 * cm, width - 7.5 * cm]
    story.append(long_table(styles, [_("Guideline"), _("Verdict"), _("Evidence")], rows,
                            widths, frame_height))


def _matrix_row(r):
    """The texts of a frozen matrix row, in the columns of ``_matrix`` (redacted texts
    in the reader's language)."""
    r = {key: redacted_text(value) for key, value in r.items()}
    status = r.get("status") or ""
    if status.startswith("hidden:"):
        contribution = _("Hidden by moderation: %(reason)s.",
                         reason=HIDE_REASONS.get(status[7:], ""))
    else:
        text = r.get("text") or ""
        if len(text) > MATRIX_TEXT_CHARS:
            text = text[:MATRIX_TEXT_CHARS].rstrip() + " […]"
        contribution = (r["title"] + ". " if r.get("title") else "") + text
        if status == "withdrawn":
            contribution = _("Withdrawn by its author") + ". " + contribution
    author = r.get("author") or (_("Participant") + (
        " · " + str(sector_label(r["sector"])) if r.get("sector") else ""))
    if r.get("organization"):
        author += " — " + r["organization"]
    component = r.get("component") or ""
    if r.get("commitment") not in (None, ""):
        component += (" · " if component else "") + _("Commitment %(number)s",
                                                      number=r["commitment"])
    outcome = r.get("outcome")
    # Where it went, in the outcome's cell, as the page says it.
    response = [str(OUTCOMES.get(outcome, outcome)) if outcome else "—"]
    if r.get("incorporated_in"):
        response.append(_("incorporated in commitment(s) %(numbers)s",
                          numbers=", ".join(str(n) for n in r["incorporated_in"])))
    if r.get("referred_to"):
        response.append(_("referred to %(entity)s", entity=r["referred_to"]))
    return [r.get("code") or "", r.get("date") or "", author,
            str(CHANNELS.get(r.get("channel"), r.get("channel") or "")), component,
            contribution, "\n".join(response), r.get("justification") or ""]


#: The columns of the matrix that hold the texts people wrote: they share the width the
#: others leave, each at least TEXT_LEAST (cm).
TEXT_COLUMNS = (5, 7)
TEXT_LEAST = 5.5
#: Least width of the other columns (cm); each is widened to its longest word, up to
#: NARROW_MOST and as far as the texts keep TEXT_LEAST, so that a word is not cut.
#: Codes and dates (0 and 1) never wrap.
NARROW_LEAST = {0: 2, 1: 1.6, 2: 2.3, 3: 1.7, 4: 2.2, 6: 2.6}
NARROW_MOST = 3.2


def _matrix(story, styles, snapshot, frame_height, width):
    texts = [_matrix_row(r) for r in stored_rows(snapshot)]
    header = [_("Code"), _("Date"), _("Author or sector"), _("Channel"), _("Component"),
              _("Contribution"), _("Outcome"), _("Justification")]
    widths, least = {}, {}
    for column, minimum in NARROW_LEAST.items():
        words = {w for row in [header, *texts] for w in row[column].split()} or {""}
        widest = max(pdfmetrics.stringWidth(w, styles.font, 7.5) for w in words) \
            + 2 * PADDING_X + 2
        least[column] = widest if column < 2 else minimum * cm
        widths[column] = max(min(widest, NARROW_MOST * cm), minimum * cm) if column > 1 \
            else max(widest, minimum * cm)
    # Widened columns give back what the texts need to keep their least width.
    spare = width - len(TEXT_COLUMNS) * TEXT_LEAST * cm - sum(widths[c] for c in (0, 1)) \
        - sum(least[c] for c in widths if c > 1)
    extra = sum(widths[c] - least[c] for c in widths if c > 1)
    if extra > max(spare, 0):
        scale = max(spare, 0) / extra
        for column in (c for c in widths if c > 1):
            widths[column] = least[column] + (widths[column] - least[column]) * scale
    rest = max(width - sum(widths.values()), len(TEXT_COLUMNS) * 3 * cm)
    widths.update({column: rest / len(TEXT_COLUMNS) for column in TEXT_COLUMNS})
    rows = [[value if column < 2 else styles.cell(value) for column, value in enumerate(row)]
            for row in texts]
    story.append(long_table(styles, [styles.cell(h) for h in header], rows,
                            [widths[column] for column in range(len(header))], frame_height))


def _redactions(story, styles, snapshot, frame_height, width):
    """The version's public redaction log: when, which row, which field, why."""
    story.append(styles.paragraph(_("Redaction log"), styles.h2))
    log_rows = redaction_log(snapshot)
    if not log_rows:
        story.append(styles.paragraph(_("Nothing has been redacted in this version.")))
        return
    rows = [[styles.cell(format_when(when, "medium")),
             styles.cell(f"{code} ({_('row %(number)s', number=position)})"),
             styles.cell(field), styles.cell(REASONS.get(reason, reason))]
            for when, position, code, field, reason in log_rows]
    story.append(long_table(styles, [_("Date"), _("Code"), _("Field"), _("Reason")], rows,
                            [4.5 * cm, 5 * cm, 3 * cm, width - 12.5 * cm], frame_height))


def render_pdf(consultation, snapshot, out, language=None):
    """Write a published version of the summary as a PDF: figures, IRM checklist and the
    frozen contribution matrix, every label and number in ``language``.

    :param consultation: the consultation the summary belongs to.
    :param snapshot: the published ``SummarySnapshot``.
    :param out: a binary file (or path) to write to.
    :param language: a language code of LANGUAGES; the reader's when None.
    """
    with force_locale(language) if language else contextlib.nullcontext():
        _render(consultation, snapshot, out)


def _render(consultation, snapshot, out):
    font = pdf_font()
    styles = Styles(font)
    content = public_content(snapshot)
    figures = content["figures"]
    portrait, wide = A4, landscape(A4)
    frames = {}
    templates = []
    for name, size in (("portrait", portrait), ("landscape", wide)):
        frame = Frame(MARGIN, MARGIN, size[0] - 2 * MARGIN, size[1] - 2 * MARGIN,
                      id=name)
        frames[name] = frame
        templates.append(PageTemplate(id=name, frames=[frame], pagesize=size))
    portrait_width = frames["portrait"]._aW
    portrait_height = frames["portrait"]._aH
    published = format_when(snapshot.published_at, "long")
    story = [
        styles.paragraph(_("Summary of the consultation"), styles.h1),
        styles.paragraph(f"{consultation.title} — {consultation.organizer}"),
        styles.paragraph(_("Version %(version)s, published on %(date)s.",
                           version=snapshot.version, date=published)),
        Paragraph(paragraph_markup(_("SHA-256 digest of this version:") + " "
                                   + snapshot.digest, font), styles.small),
        Spacer(1, 0.4 * cm),
    ]
    if content.get("introduction_html"):
        story.append(styles.paragraph(introduction_text(content["introduction_html"])))
    story.append(styles.paragraph(_("Figures"), styles.h2))
    _figures(story, styles, figures, portrait_height, portrait_width)
    _timeline(story, styles, content.get("timeline"))
    story.append(styles.paragraph(_("IRM checklist"), styles.h2))
    _irm(story, styles, content, portrait_height, portrait_width)
    story += [NextPageTemplate("landscape"), PageBreak(),
              styles.paragraph(_("Contribution matrix"), styles.h2)]
    _matrix(story, styles, snapshot, frames["landscape"]._aH, frames["landscape"]._aW)
    _redactions(story, styles, snapshot, frames["landscape"]._aH, frames["landscape"]._aW)
    footer = PageFooter(font, _("Summary of the consultation") + " · " +
                        _("Version %(version)s", version=snapshot.version))
    document = BaseDocTemplate(out, pagesize=portrait, leftMargin=MARGIN,
                               rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
                               title=_("Summary of the consultation"),
                               author=consultation.organizer, pageTemplates=templates)
    document.build(story, canvasmaker=numbered_canvas(footer))


# --- stored once per version and language ----------------------------------------------

def _folder():
    folder = Path(current_app.instance_path) / "summaries"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pdf_path(consultation, snapshot, language):
    """Where the PDF of a version in a language is kept: its name carries the version,
    the digest, the language and the version of the code that draws it.

    :param consultation: the consultation the summary belongs to.
    :param snapshot: the published ``SummarySnapshot``.
    :param language: a language code of LANGUAGES.
    """
    redactions = db.session.scalar(select(func.count()).select_from(SummaryRedaction)
                                   .where(SummaryRedaction.snapshot_id == snapshot.id))
    # A redaction leaves the digest as it was: the count of redactions makes a new file.
    redacted = f"-r{redactions}" if redactions else ""
    return _folder() / (f"{consultation.slug}-v{snapshot.version}-{snapshot.digest[:12]}"
                        f"-{language}-{CODE_VERSION}{redacted}.pdf")


def forget_pdfs(slug, version):
    """Delete every stored PDF of a version (after a redaction: none of them may be
    served again, and none should stay on disk with what was redacted).

    :param slug: the consultation's address.
    :param version: the version number.
    """
    for old in _folder().glob(f"{slug}-v{version}-*"):
        if old.suffix in (".pdf", ".failed"):
            with contextlib.suppress(OSError):
                old.unlink()


def failure_path(path):
    """The marker that remembers why the PDF at ``path`` could not be made."""
    return path.with_suffix(".failed")


@contextlib.contextmanager
def _exclusive(path):
    """Hold the lock of one PDF: whoever holds it renders; the others wait, then find
    the file written."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remembered_failure(path):
    marker = failure_path(path)
    if not marker.exists():
        return None
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("error_id") or "?"
    except (OSError, ValueError):
        return "?"


def _write_atomically(path, write):
    """Write a file through a temporary file of its own in the same folder, renamed over
    ``path`` once complete: readers see the whole file or none."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _forget_older_files(consultation, snapshot, language, keep):
    """Remove the files this version and language had from older code (best effort)."""
    prefix = f"{consultation.slug}-v{snapshot.version}-{snapshot.digest[:12]}-{language}-"
    for old in keep.parent.glob(prefix + "*"):
        if old.stem != keep.stem and old.suffix in (".pdf", ".failed", ".lock"):
            with contextlib.suppress(OSError):
                old.unlink()


def stored_pdf(consultation, snapshot, language):
    """The path of the version's PDF in ``language``, rendered the first time it is
    asked for and kept.

    Concurrent first requests render it once (a lock per file; the file is written under
    a unique temporary name, then renamed). A failure is logged with an error id and
    remembered, so it is not tried again on every request: until the code that draws
    PDFs changes, or ``forget_pdf_failures`` (``flask summary-pdf --retry``).

    :param consultation: the consultation the summary belongs to.
    :param snapshot: the published ``SummarySnapshot``.
    :param language: a language code of LANGUAGES.
    :raises PDFUnavailable: with the error id, when it could not be made.
    """
    path = pdf_path(consultation, snapshot, language)
    if path.exists():
        return path
    with _exclusive(path):
        if path.exists():
            return path
        error_id = _remembered_failure(path)
        if error_id is not None:
            raise PDFUnavailable(error_id)
        try:
            _write_atomically(path, lambda fh: render_pdf(consultation, snapshot, fh,
                                                          language=language))
        except Exception as error:
            error_id = uuid.uuid4().hex[:12]
            log.error("error %s: the PDF of %s, summary version %s (%s), could not be made",
                      error_id, consultation.slug, snapshot.version, language,
                      exc_info=error)
            record = json.dumps({"error_id": error_id, "error": type(error).__name__})
            with contextlib.suppress(OSError):
                _write_atomically(failure_path(path),
                                  lambda fh: fh.write(record.encode("utf-8")))
            raise PDFUnavailable(error_id) from error
    _forget_older_files(consultation, snapshot, language, path)
    return path


def forget_pdf_failures(consultation, snapshot):
    """Let the PDFs of a version be tried again in every language (an administrator's
    retry, once what made them fail is fixed).

    :param consultation: the consultation the summary belongs to.
    :param snapshot: the published ``SummarySnapshot``.
    :return: how many remembered failures were forgotten.
    """
    forgotten = 0
    for language in current_app.config["LANGUAGES"]:
        marker = failure_path(pdf_path(consultation, snapshot, language))
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()
            forgotten += 1
    return forgotten
