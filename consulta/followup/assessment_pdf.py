"""A self-assessment as a PDF (reportlab), drawn from its frozen content and rows with
the summary PDF's building blocks (fonts, styles, tables that run over pages, "page N
of M"). Small (one row per commitment): drawn when asked for; the page cache keeps it
for anonymous readers."""

import contextlib
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer

from consulta.core.i18n import format_date, format_number, format_share, format_when
from consulta.summary.pdf import (
    MARGIN,
    PageFooter,
    Styles,
    introduction_text,
    long_table,
    numbered_canvas,
    paragraph_markup,
    pdf_font,
)

from .assessment import stored_rows
from .constants import ASSESSMENT_KINDS, MILESTONE_STATUSES
from .queries import COMMITMENT_STATUSES


def render_assessment_pdf(assessment, out, language=None):
    """Write a published self-assessment as a PDF in ``language`` (the reader's when
    None).

    :param assessment: the published ``SelfAssessment``.
    :param out: a binary file to write to.
    """
    with force_locale(language) if language else contextlib.nullcontext():
        _render(assessment, out)


def _status(code):
    return str(MILESTONE_STATUSES.get(code, code))


def _share(counts, status):
    return format_share(100 * counts[status] / counts["total"] if counts["total"] else 0)


def _render(assessment, out):
    font = pdf_font()
    styles = Styles(font)
    content = assessment.content
    rows = [data for _p, data, _d, _s in stored_rows(assessment)]
    frame = Frame(MARGIN, MARGIN, A4[0] - 2 * MARGIN, A4[1] - 2 * MARGIN, id="portrait")
    width, height = frame._aW, frame._aH
    title = str(ASSESSMENT_KINDS[assessment.kind])
    plan = content.get("final_plan") or {}
    consultation = content.get("consultation") or {}
    story = [
        styles.paragraph(title, styles.h1),
        styles.paragraph(f"{plan.get('title', '')} — {consultation.get('organizer', '')}"),
        styles.paragraph(_("Approved by %(reference)s, on %(date)s.",
                           reference=plan.get("approval_reference", ""),
                           date=format_date(datetime.fromisoformat(plan["approved_on"]).date(),
                                            "long") if plan.get("approved_on") else "—")),
        styles.paragraph(_("Published on %(date)s, from the progress reports published "
                           "until then.", date=format_when(assessment.published_at))),
        Paragraph(paragraph_markup(_("SHA-256 digest of this self-assessment:") + " " +
                                   assessment.digest, font), styles.small),
        Spacer(1, 0.4 * cm),
    ]
    if content.get("introduction_html"):
        story.append(styles.paragraph(introduction_text(content["introduction_html"])))
    figures = content.get("figures") or {}
    overall = figures.get("overall") or {}
    story.append(styles.paragraph(_("In figures"), styles.h2))
    if overall.get("total"):
        story.append(styles.paragraph(" · ".join(
            [f"{_('Commitments')}: {format_number(overall['total'])}"]
            + [f"{_status(s)}: {format_number(overall[s])} ({_share(overall, s)})"
               for s in COMMITMENT_STATUSES])))
    header = [_("Component"), *[_status(s) for s in COMMITMENT_STATUSES], _("Total")]
    table_rows = [[styles.cell(item["component"]),
                   *[format_number(item[s]) for s in COMMITMENT_STATUSES],
                   format_number(item["total"])] for item in figures.get("by_component") or []]
    narrow = (width - 5 * cm) / (len(COMMITMENT_STATUSES) + 1)
    story.append(long_table(styles, [styles.cell(h) for h in header], table_rows,
                            [5 * cm] + [narrow] * (len(COMMITMENT_STATUSES) + 1), height))
    story.append(styles.paragraph(_("Commitments"), styles.h2))
    story.append(long_table(
        styles, [styles.cell(h) for h in (_("No."), _("Commitment"), _("Status"),
                                           _("Progress"), _("Milestones"),
                                           _("Last report"))],
        [[str(r["number"]), styles.cell(f"{r['title']}\n{r['component']}"
                                         + (f" · {r['responsible']}" if r["responsible"]
                                            else "")),
          styles.cell(_status(r["status"])), format_share(r["progress"]),
          styles.cell(_("%(completed)s of %(total)s completed; %(overdue)s overdue",
                        completed=sum(1 for m in r["milestones"]
                                      if m["status"] == "completed"),
                        total=len(r["milestones"]),
                        overdue=sum(1 for m in r["milestones"] if m["overdue"]))),
          styles.cell(format_date(datetime.fromisoformat(r["last_report_at"]), "medium")
                      if r.get("last_report_at") else "—")] for r in rows],
        [1.2 * cm, width - 12.2 * cm, 2.4 * cm, 2 * cm, 3.8 * cm, 2.8 * cm], height))
    milestone_rows = [[str(r["number"]), styles.cell(m["description"]), m["due"] or "—",
                       styles.cell(_status(m["status"]) + (" · " + _("Overdue")
                                                           if m["overdue"] else "")),
                       format_share(m["percent"])]
                      for r in rows for m in r["milestones"]]
    if milestone_rows:
        story.append(styles.paragraph(_("Milestones"), styles.h2))
        story.append(long_table(styles, [styles.cell(h) for h in (
            _("No."), _("Milestone"), _("Due"), _("Status"), _("Completion"))],
            milestone_rows, [1.2 * cm, width - 9.2 * cm, 2 * cm, 4 * cm, 2 * cm], height))
    indicator_rows = [[str(r["number"]), styles.cell(i["name"] + (f" ({i['unit']})"
                                                                   if i["unit"] else "")),
                       _value(i["baseline"]), _value(i["target"]), _value(i["latest"])]
                      for r in rows for i in r["indicators"]]
    if indicator_rows:
        story.append(styles.paragraph(_("Indicators"), styles.h2))
        story.append(long_table(styles, [styles.cell(h) for h in (
            _("No."), _("Indicator"), _("Baseline"), _("Target"), _("Latest value"))],
            indicator_rows, [1.2 * cm, width - 8.7 * cm, 2.5 * cm, 2.5 * cm, 2.5 * cm],
            height))
    footer = PageFooter(font, title + " · " + consultation.get("title", ""))
    document = BaseDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                               topMargin=MARGIN, bottomMargin=MARGIN, title=title,
                               author=consultation.get("organizer", ""),
                               pageTemplates=[PageTemplate(id="portrait", frames=[frame],
                                                           pagesize=A4)])
    document.build(story, canvasmaker=numbered_canvas(footer))


def _value(value):
    return "—" if value is None else format_number(value)
