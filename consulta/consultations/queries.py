"""Read-side queries of consultations: what the pages and commands load."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consulta.audit.models import AuditEntry
from consulta.core.dates import utcnow
from consulta.extensions import db

from .models import Consultation, Event, PlanVersion


def consultation_by_slug(slug):
    """The consultation with this address, or None (whoever may see it)."""
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def consultations_by_status(*, include_private=False, now=None):
    """The consultations as the index lists them: {"open", "announced", "finished",
    "draft"} → consultations. Open ones closing soonest first, announced ones opening
    soonest first, the others from the latest opening.

    :param include_private: also the consultations not yet announced (for the
        secretariat); otherwise "draft" stays empty.
    :param now: the moment the status is computed for (default: now).
    """
    now = now or utcnow()
    query = select(Consultation).order_by(Consultation.opens_at.desc())
    if not include_private:
        query = query.where(Consultation.is_public)
    groups = {"open": [], "announced": [], "finished": [], "draft": []}
    for consultation in db.session.scalars(query):
        status = consultation.status(now)
        groups["finished" if status in ("closed", "summary_published") else status].append(
            consultation)
    groups["open"].sort(key=lambda c: c.closes_at)
    groups["announced"].sort(key=lambda c: c.opens_at)
    return groups


def published_plan_version(consultation, number):
    """Published version ``number`` of the consultation's draft plan with its commitments
    and sections, or None (a draft version is never shown)."""
    return db.session.scalar(
        select(PlanVersion)
        .where(PlanVersion.consultation_id == consultation.id, PlanVersion.number == number,
               PlanVersion.is_published)
        .options(selectinload(PlanVersion.commitments), selectinload(PlanVersion.sections)))


def events_of(consultation):
    """The consultation's events (workshops, work tables...), by date."""
    return db.session.scalars(
        select(Event).where(Event.consultation_id == consultation.id)
        .order_by(Event.held_on)).all()


def date_change_notices(consultation):
    """Public notices of dates changed after the announcement, newest first."""
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.consultation_id == consultation.id,
               AuditEntry.action.in_(("consultation.dates_changed", "phase.dates_changed")))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    ).all()
