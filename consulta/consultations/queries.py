"""Read-side queries of consultations."""

from sqlalchemy import select

from consulta.audit.models import AuditEntry
from consulta.extensions import db


def date_change_notices(consultation):
    """Public notices of dates changed after the announcement, newest first."""
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.consultation_id == consultation.id,
               AuditEntry.action.in_(("consultation.dates_changed", "phase.dates_changed")))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    ).all()
