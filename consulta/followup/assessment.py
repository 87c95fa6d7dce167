"""The mid-term and end-of-term self-assessments of a final plan.

Computed, when the secretariat publishes one, from what the published reports say at
that moment (each milestone's current status, each indicator's latest value), then
frozen: one row per commitment, sealed with the summary's digest (SHA-256 over the
canonical content, then each row's salted digest: ``consulta.summary.digest``), so that
anyone can check the open data against the digest printed in the PDF.
"""

import csv
import io
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consulta.audit.operations import record
from consulta.core.cache import forget_pages
from consulta.core.dates import utcnow
from consulta.core.operations import OperationError
from consulta.core.sanitize import render_markdown
from consulta.core.spreadsheet import csv_safe
from consulta.extensions import db
from consulta.summary.digest import SummaryDigest, digest_of, new_salt, row_digest

from .constants import ASSESSMENT_KINDS
from .models import SelfAssessment, SelfAssessmentRow
from .queries import (
    current_month,
    figures,
    has_published_report,
    indicators_of,
    is_overdue,
    latest_values,
    milestones_of,
    plan_components,
    tracked_commitments,
)


def _number(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == int(value) else float(value)
    return value


def _iso(value):
    return value.isoformat() if value is not None else None


def compute_assessment(final_plan, month=None):
    """(content, rows) of a self-assessment if it were published now: figures overall
    and by component, and one row per commitment with its status, progress, milestones
    and indicators. Changes nothing.

    :param final_plan: a published ``FinalPlan``.
    :param month: the current month ("YYYY-MM"); the deployment's when None.
    """
    month = month or current_month()
    components = plan_components(final_plan)
    tracked = tracked_commitments(final_plan, month=month)
    ids = [commitment.id for commitment, _progress in tracked]
    milestones, indicators = milestones_of(ids), indicators_of(ids)
    values = latest_values(ids)
    counted = figures(final_plan, components, month)
    names = {c.id: c.name for c in components}
    rows = []
    for commitment, progress in tracked:
        rows.append({
            "number": commitment.number, "lineage": commitment.lineage,
            "title": commitment.title, "component": names.get(commitment.component_id, ""),
            "responsible": commitment.responsible or "",
            "status": progress.status, "progress": progress.percent,
            "reports": progress.reports, "last_report_at": _iso(progress.last_report_at),
            "milestones": [{
                "description": m.description, "starts": m.starts, "due": m.due,
                "status": m.current_status, "percent": m.current_percent,
                "as_of": _iso(m.current_as_of), "overdue": is_overdue(m, month)}
                for m in milestones.get(commitment.id, [])],
            "indicators": [{
                "name": i.name, "unit": i.unit, "source": i.source,
                "baseline": _number(i.baseline), "target": _number(i.target),
                "latest": _number(values[i.id][0]) if i.id in values else None,
                "latest_as_of": _iso(values[i.id][1]) if i.id in values else None}
                for i in indicators.get(commitment.id, [])],
        })
    version = final_plan.plan_version
    consultation = final_plan.consultation
    content = {
        "consultation": {"slug": consultation.slug, "title": consultation.title,
                         "organizer": consultation.organizer},
        "final_plan": {"title": version.title, "version": version.number,
                       "approval_reference": final_plan.approval_reference,
                       "approved_on": _iso(final_plan.approved_on)},
        "month": month,
        "figures": {"overall": counted["overall"],
                    "by_component": [{"component": c.name, **counts}
                                     for c, counts in counted["by_component"]]},
        "reports": sum(row["reports"] for row in rows),
    }
    return content, rows


def publish_assessment(final_plan, *, kind, actor, introduction=""):
    """Publish the plan's ``kind`` self-assessment, computed now and frozen.

    Refused (``OperationError``) for a final plan not published, an unknown kind, a
    kind already published (each is published once), or while no progress report has
    been published (there would be nothing to assess).

    :param final_plan: the published ``FinalPlan``.
    :param kind: "mid_term" or "end_of_term".
    :param actor: the member of the secretariat who publishes it.
    :param introduction: the secretariat's introduction (Markdown; sanitized).
    :return: the new ``SelfAssessment``.
    """
    if final_plan is None or not final_plan.is_published:
        raise OperationError(_l("The final plan is not published yet."))
    if kind not in ASSESSMENT_KINDS:
        raise OperationError(_l("Choose the mid-term or the end-of-term self-assessment."))
    if assessment_of(final_plan, kind) is not None:
        raise OperationError(_l("The %(kind)s has already been published; it never changes.",
                                kind=str(ASSESSMENT_KINDS[kind]).lower()))
    if not has_published_report(final_plan):
        raise OperationError(_l("No progress report has been published yet: a "
                                "self-assessment is computed from the published reports."))
    now = utcnow()
    content, rows = compute_assessment(final_plan)
    content.update({"kind": kind, "published_at": now.isoformat(),
                    "introduction_html": str(render_markdown(introduction or ""))})
    digest = SummaryDigest(content)
    sealed = []
    for row in rows:
        salt = new_salt()
        row_seal = row_digest(salt, row)
        digest.add(row_seal)
        sealed.append((row, row_seal, salt))
    assessment = SelfAssessment(final_plan_id=final_plan.id, kind=kind, published_at=now,
                                published_by_id=actor.id, content=content,
                                row_count=len(rows), digest=digest.hexdigest())
    db.session.add(assessment)
    db.session.flush()
    db.session.add_all(SelfAssessmentRow(assessment_id=assessment.id, position=position,
                                         data=row, digest=row_seal, salt=salt)
                       for position, (row, row_seal, salt) in enumerate(sealed, start=1))
    db.session.flush()
    record("self_assessment.published", assessment, actor=actor,
           consultation_id=final_plan.consultation_id,
           after={"kind": kind, "rows": len(rows), "digest": assessment.digest})
    forget_pages(final_plan.consultation.slug)
    return assessment


def assessment_of(final_plan, kind):
    """The plan's published self-assessment of ``kind``, or None."""
    return db.session.scalar(select(SelfAssessment).where(
        SelfAssessment.final_plan_id == final_plan.id, SelfAssessment.kind == kind))


def assessments_of(final_plan):
    """{kind: SelfAssessment} of the plan's published self-assessments."""
    return {a.kind: a for a in db.session.scalars(select(SelfAssessment).where(
        SelfAssessment.final_plan_id == final_plan.id))}


def stored_rows(assessment):
    """[(position, data, digest, salt)] of a self-assessment, in order."""
    return db.session.execute(
        select(SelfAssessmentRow.position, SelfAssessmentRow.data, SelfAssessmentRow.digest,
               SelfAssessmentRow.salt)
        .where(SelfAssessmentRow.assessment_id == assessment.id)
        .order_by(SelfAssessmentRow.position)).all()


def recompute_digest(assessment):
    """The digest recomputed from what is public (content, rows and their salts): equal
    to ``assessment.digest`` as long as nothing published was changed."""
    return digest_of(assessment.content,
                     (row_digest(salt, data) for _p, data, _d, salt in stored_rows(assessment)))


def open_data(assessment, rows=None):
    """The JSON open data of a self-assessment: its content, rows, salts and digest."""
    rows = rows if rows is not None else stored_rows(assessment)
    return {"kind": assessment.kind, "published_at": _iso(assessment.published_at),
            "digest_sha256": assessment.digest, "content": assessment.content,
            "rows": [data for _p, data, _d, _s in rows],
            "row_digests": [{"position": position, "digest": digest, "salt": salt}
                            for position, _data, digest, salt in rows]}


CSV_FIELDS = ("number", "title", "component", "responsible", "status", "progress",
              "reports", "last_report_at", "milestones", "milestones_completed",
              "milestones_overdue", "indicators")


def assessment_csv(assessment):
    """One line per commitment as CSV text (UTF-8 with BOM, formulas neutralized)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(CSV_FIELDS)
    for _position, row, _digest, _salt in stored_rows(assessment):
        milestones = row.get("milestones") or []
        indicators = "; ".join(
            f"{i['name']}: {i['baseline']} → {i['target']} ({i['latest']})"
            for i in row.get("indicators") or [])
        values = [row.get("number"), row.get("title"), row.get("component"),
                  row.get("responsible"), row.get("status"), row.get("progress"),
                  row.get("reports"), row.get("last_report_at") or "", len(milestones),
                  sum(1 for m in milestones if m.get("status") == "completed"),
                  sum(1 for m in milestones if m.get("overdue")), indicators]
        writer.writerow([csv_safe(v) for v in values])
    return buffer.getvalue()
