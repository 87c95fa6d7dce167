"""The summary as a PDF: the official document people attach to reports (reportlab)."""

from pathlib import Path
from xml.sax.saxutils import escape

from flask import current_app
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from consulta.consultations.constants import CHANNELS
from consulta.contributions.constants import HIDE_REASONS
from consulta.core.dates import utc_to_local
from consulta.core.sanitize import plain_text
from consulta.feedback.constants import OUTCOMES

from .charts import figure_rows
from .constants import IRM_VERDICTS
from .irm import guidelines
from .queries import stored_rows

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
]


def _font():
    """DejaVu Sans when the system has it (all of Unicode Spanish needs), else Helvetica."""
    if "ConsultaSans" in pdfmetrics.getRegisteredFontNames():
        return "ConsultaSans"
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont("ConsultaSans", path))
            return "ConsultaSans"
    return "Helvetica"


def _text(value, font):
    text = escape(str(value or ""))
    if font == "Helvetica":  # Latin-1 only: keep accents, replace what cannot be drawn
        text = text.encode("latin-1", "replace").decode("latin-1")
    return text.replace("\n", "<br/>")


def render_pdf(consultation, snapshot, out):
    """Write a published version of the summary as a PDF: figures, IRM checklist and the
    frozen contribution matrix.

    :param consultation: the consultation the summary belongs to.
    :param snapshot: the published ``SummarySnapshot``.
    :param out: a binary file (or path) to write to.
    """
    font = _font()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName=font, fontSize=9,
                          leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5)
    h1 = ParagraphStyle("h1", parent=styles["Heading1"], fontName=font, fontSize=16)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontName=font, fontSize=12.5)
    content = snapshot.content
    figures = content["figures"]
    story = [
        Paragraph(_text(_("Summary of the consultation"), font), h1),
        Paragraph(_text(f"{consultation.title} — {consultation.organizer}", font), body),
        Paragraph(_text(_("Version %(version)s, published on %(date)s.",
                          version=snapshot.version,
                          date=utc_to_local(snapshot.published_at).strftime("%d/%m/%Y %H:%M")),
                        font), body),
        Paragraph(_text(_("SHA-256 digest of this version:") + " " + snapshot.digest, font),
                  small),
        Spacer(1, 0.4 * cm),
    ]
    if content.get("introduction_html"):
        # Paragraphs become blank lines. The text keeps its entities and _text escapes
        # them again (issue 18): what published PDFs show, kept until that is fixed.
        plain = plain_text(content["introduction_html"].replace("</p>", "\n\n"))
        story.append(Paragraph(_text(plain.strip(), font), body))
    story.append(Paragraph(_text(_("Figures"), font), h2))
    totals = figures["contributions"]
    story.append(Paragraph(_text(
        f"{_('Contributions received')}: {totals['total']} · {_('Participants')}: "
        f"{figures['participants']['total']} · {_('Event attendees')}: "
        f"{figures['events']['attendees']} ({_('Women')}: {figures['events']['women']}) · "
        f"{_('With a published response')}: {totals['answered_share']}%", font), body))
    grid = TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8),
                       ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                       ("VALIGN", (0, 0), (-1, -1), "TOP")])
    for title, kind, key in ((_("By channel"), "channel", "by_channel"),
                             (_("By sector"), "sector", "by_sector"),
                             (_("By region"), "region", "by_region"),
                             (_("By component"), "component", "by_component"),
                             (_("By outcome of the response"), "outcome", "by_outcome")):
        rows = [[_text(title, font), _("Contributions")]] + [
            [Paragraph(_text(label, font), small), str(n)]
            for label, n in figure_rows(kind, figures[key])]
        table = Table(rows, colWidths=[10 * cm, 3 * cm])
        table.setStyle(grid)
        story += [Spacer(1, 0.25 * cm), table]
    story.append(Paragraph(_text(_("IRM checklist"), font), h2))
    names = {g["key"]: g["es"] for g in guidelines()}
    irm_rows = [[_("Guideline"), _("Verdict"), _("Note of the secretariat:")]] + [
        [Paragraph(_text(names[i["key"]], font), small),
         _text(IRM_VERDICTS[i["verdict"]], font), Paragraph(_text(i.get("note"), font), small)]
        for i in content["irm"]]
    table = Table(irm_rows, colWidths=[7 * cm, 3 * cm, 7 * cm])
    table.setStyle(grid)
    story.append(table)
    story.append(Paragraph(_text(_("Contribution matrix"), font), h2))
    header = [_("Code"), _("Date"), _("Channel"), _("Contribution"), _("Outcome"),
              _("Justification")]
    matrix = [header]
    for r in stored_rows(snapshot):
        if r["status"].startswith("hidden:"):
            text = _("Hidden by moderation: %(reason)s.",
                     reason=HIDE_REASONS.get(r["status"][7:], ""))
        else:
            text = (r["title"] + ". " if r["title"] else "") + (r["text"] or "")[:600]
        matrix.append([Paragraph(_text(r["code"], font), small),
                       Paragraph(_text(r["date"], font), small),
                       Paragraph(_text(CHANNELS.get(r["channel"], ""), font), small),
                       Paragraph(_text(text, font), small),
                       Paragraph(_text(OUTCOMES.get(r["outcome"], "—") if r["outcome"]
                                       else "—", font), small),
                       Paragraph(_text(r["justification"], font), small)])
    table = LongTable(matrix, colWidths=[2.9 * cm, 1.9 * cm, 2.1 * cm, 5 * cm, 2.2 * cm,
                                         3.9 * cm], repeatRows=1)
    table.setStyle(grid)
    story.append(table)
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=1.5 * cm, rightMargin=1.5 * cm,
                                 topMargin=1.5 * cm, bottomMargin=1.5 * cm,
                                 title=_("Summary of the consultation"),
                                 author=consultation.organizer)
    document.build(story)


def stored_pdf(consultation, snapshot):
    """The path of the version's PDF, rendered the first time it is asked for and kept:
    a published version never changes, and its digest is in the file's name.

    :param consultation: the consultation the summary belongs to.
    :param snapshot: the published ``SummarySnapshot``.
    """
    folder = Path(current_app.instance_path) / "summaries"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{consultation.slug}-v{snapshot.version}-{snapshot.digest[:12]}.pdf"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            render_pdf(consultation, snapshot, fh)
        tmp.replace(path)
    return path
