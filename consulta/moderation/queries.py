"""Read-side queries of moderation: counts by state."""

from sqlalchemy import func, select

from consulta.contributions.models import Contribution
from consulta.extensions import db


def moderation_counts(consultation):
    """Counts by state: received, unclassified, classified, grouped, hidden, withdrawn."""
    c = Contribution
    row = db.session.execute(
        select(
            func.count(),
            func.count(c.classified_at),
            func.count(c.group_id),
            func.count(c.hidden_at),
            func.count(c.withdrawn_at),
            func.sum(db.case((c.classified_at.is_(None) & c.hidden_at.is_(None)
                              & c.withdrawn_at.is_(None), 1), else_=0)),
        ).where(c.consultation_id == consultation.id)).one()
    by_reason = dict(db.session.execute(
        select(c.hidden_reason, func.count()).where(
            c.consultation_id == consultation.id, c.hidden_at.is_not(None))
        .group_by(c.hidden_reason)).all())
    return {"received": row[0], "classified": row[1], "grouped": row[2], "hidden": row[3],
            "withdrawn": row[4], "unclassified": int(row[5] or 0),
            "hidden_by_reason": by_reason}
