"""A published final plan with milestones, indicators and reports in every state, for
the tests of the follow-up's read side (tracking page, commitment and report pages,
progress API, self-assessments).

Reports are made directly with the models, as publishing would leave them (state
"published", ``published_at`` set, the milestones' ``current_*`` copied); the staff
side's operations will replace this at merge. Months are far in the past or the
future, so nothing depends on today's date:

    1 Observatorio (Salud, MINSA)      completed: one milestone done, one cancelled
    2 Quejas (Salud, MINSA)            in progress: 40 %, due 2099-12
    3 Becas (Educación, PRONABEC)      delayed: a milestone due 2020-01 not started
    4 Datos escolares (Educación, MINEDU)  not started: no milestone
    5 Cancelado (Educación, MINEDU)    cancelled: its only milestone cancelled
"""

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from consulta.accounts.models import User
from consulta.consultations.models import Consultation
from consulta.core.dates import utcnow
from consulta.extensions import db
from consulta.finalplan import operations as finalplan
from consulta.followup.models import (
    Document,
    DocumentBlob,
    Indicator,
    Milestone,
    ProgressReport,
    ReportEvidence,
    ReportIndicatorValue,
    ReportMilestone,
)

PLAN = json.dumps({
    "plan": {"title": "Plan de Gobierno Abierto de prueba"},
    "themes": [
        {"name": "Salud", "commitments": [
            {"number": 1, "title": "Observatorio de precios", "institution": "MINSA"},
            {"number": 2, "title": "Quejas ciudadanas", "institution": "MINSA"}]},
        {"name": "Educación", "commitments": [
            {"number": 3, "title": "Becas con datos abiertos", "institution": "PRONABEC"},
            {"number": 4, "title": "Datos escolares", "institution": "MINEDU"},
            {"number": 5, "title": "Compromiso cancelado", "institution": "MINEDU"}]},
    ],
}).encode()


@dataclass
class PlanWorld:
    slug: str
    secretariat: object
    #: {number: commitment id}
    commitments: dict = field(default_factory=dict)
    #: {name: report id}
    reports: dict = field(default_factory=dict)
    indicator: int = 0


def consultation_of(slug):
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def publish_final_plan(app, slug, secretariat):
    """Close the consultation and publish its only version as the final plan."""
    with app.test_request_context():
        consultation = consultation_of(slug)
        actor = db.session.get(User, secretariat.id)
        consultation.closes_at = utcnow() - timedelta(days=1)
        for window in consultation.windows:
            window.closes_at = consultation.closes_at
        db.session.flush()
        plan = finalplan.save_final_plan(
            consultation, actor=actor, plan_version_id=consultation.published_plan.id,
            approval_reference="Resolución Ministerial N.° 045-2026-PCM",
            approved_on=date(2026, 3, 1))
        finalplan.publish_final_plan(plan, actor=actor, notify=False)
        db.session.commit()
        db.session.remove()


def milestone(commitment_id, position, *, due, status="not_started", percent=0,
              description=None):
    item = Milestone(commitment_id=commitment_id, position=position, due=due,
                     starts="2026-01", description=description or f"Hito {position}",
                     current_status=status, current_percent=percent,
                     current_as_of=date(2026, 6, 30) if status != "not_started" else None)
    db.session.add(item)
    db.session.flush()
    return item


def report(commitment_id, number, *, state="published", actor_id=None, as_of=None,
           milestones=(), values=(), narrative="", evidence=()):
    """A report of ``milestones`` [(milestone, status, percent, reason)] and ``values``
    [(indicator, value)]; published ones as publishing leaves them."""
    now = utcnow()
    item = ProgressReport(commitment_id=commitment_id, number=number,
                          as_of=as_of or date(2026, 6, 30), narrative=narrative, state=state,
                          created_by_id=actor_id,
                          published_at=now if state == "published" else None,
                          published_by_id=actor_id if state == "published" else None)
    for ms, status, percent, reason in milestones:
        item.milestones.append(ReportMilestone(milestone_id=ms.id, status=status,
                                               percent=percent, reason=reason))
    for indicator, value in values:
        item.indicator_values.append(ReportIndicatorValue(indicator_id=indicator.id,
                                                          value=Decimal(value)))
    for title, target in evidence:
        if isinstance(target, str):
            item.evidence.append(ReportEvidence(title=title, url=target))
        else:
            item.evidence.append(ReportEvidence(title=title, document_id=target.id))
    db.session.add(item)
    db.session.flush()
    return item


def build_plan_world(app, create_user, create_consultation, *, reports=True):
    secretariat = create_user(roles=("secretariat",))
    slug = create_consultation(plan=PLAN, actor=secretariat, opens_in_days=-30,
                               closes_in_days=1)
    publish_final_plan(app, slug, secretariat)
    world = PlanWorld(slug=slug, secretariat=secretariat)
    with app.test_request_context():
        consultation = consultation_of(slug)
        by_number = {c.number: c.id for c in consultation.published_plan.commitments}
        world.commitments = by_number
        one = [milestone(by_number[1], 1, due="2026-03", status="completed", percent=100),
               milestone(by_number[1], 2, due="2026-05", status="cancelled", percent=20)]
        two = [milestone(by_number[2], 1, due="2099-12", status="in_progress", percent=40,
                         description="Sistema de quejas en línea")]
        three = [milestone(by_number[3], 1, due="2020-01", description="Convocatoria abierta"),
                 milestone(by_number[3], 2, due="2099-06", status="completed", percent=100)]
        five = [milestone(by_number[5], 1, due="2026-09", status="cancelled")]
        indicator = Indicator(commitment_id=by_number[2], position=1,
                              name="Quejas atendidas en plazo", baseline=Decimal("10"),
                              target=Decimal("80"), unit="%", source="Libro de reclamaciones")
        db.session.add(indicator)
        db.session.flush()
        world.indicator = indicator.id
        if reports:
            document = Document(filename="acta-avance.pdf", content_type="application/pdf",
                                size=2048, sha256="0" * 64, storage="database")
            db.session.add(document)
            db.session.flush()
            db.session.add(DocumentBlob(document_id=document.id, data=b"%PDF-1.4 prueba"))
            actor = secretariat.id
            world.reports["one"] = report(
                by_number[1], 1, actor_id=actor,
                milestones=[(one[0], "completed", 100, ""),
                            (one[1], "cancelled", 20, "Lo asumió otra entidad.")],
                narrative="Se **publicó** el observatorio. <script>alert(1)</script>",
                evidence=[("Portal del observatorio", "https://example.pe/observatorio"),
                          ("Acta de avance", document),
                          ("Enlace raro", "javascript:alert(1)")]).id
            world.reports["one_draft"] = report(by_number[1], 2, state="draft",
                                                actor_id=actor).id
            world.reports["two_old"] = report(
                by_number[2], 1, actor_id=actor, as_of=date(2026, 3, 31),
                milestones=[(two[0], "in_progress", 10, "")], values=[(indicator, "25")]).id
            world.reports["two"] = report(
                by_number[2], 2, actor_id=actor, as_of=date(2026, 6, 30),
                milestones=[(two[0], "in_progress", 40, "")], values=[(indicator, "42.5")]).id
            world.reports["three_review"] = report(by_number[3], 1, state="review",
                                                   actor_id=actor).id
        del three, five
        db.session.commit()
        db.session.remove()
    return world



def add_reports(commitment_ids, states=("published",)):
    """Three more milestones, indicators and reports (due and delayed in the past) on
    each of ``commitment_ids``, the reports' states taken in turn from ``states``: the
    "more rows" of the query-count tests. Inside an app context; does not commit."""
    for commitment_id in commitment_ids:
        for position in range(10, 13):
            done = milestone(commitment_id, position, due="2021-01", status="delayed",
                             percent=10)
            indicator = Indicator(commitment_id=commitment_id, position=position,
                                  name=f"Indicador {position}", baseline=Decimal(1),
                                  target=Decimal(9))
            db.session.add(indicator)
            db.session.flush()
            report(commitment_id, position, as_of=date(2026, 9, 30),
                   state=states[position % len(states)],
                   milestones=[(done, "delayed", 10, "Falta presupuesto.")],
                   values=[(indicator, "3")])
