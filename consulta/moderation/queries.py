"""Read-side queries of moderation: counts by state."""

from sqlalchemy import func, select

from consulta.contributions.models import Contribution
from consulta.extensions import db

#: The states a consultation's contributions are counted by, in a fixed order.
STATES = ("received", "classified", "grouped", "hidden", "withdrawn", "unclassified")


def _state_counts():
    """One aggregate column per state of ``STATES``, over the selected contributions."""
    c = Contribution
    return (
        func.count(),
        func.count(c.classified_at),
        func.count(c.group_id),
        func.count(c.hidden_at),
        func.count(c.withdrawn_at),
        func.sum(db.case((c.classified_at.is_(None) & c.hidden_at.is_(None)
                          & c.withdrawn_at.is_(None), 1), else_=0)),
    )


def counts_by_consultation(consultations):
    """The contributions of several consultations counted by state, in one query.

    :param consultations: the consultations to count (a consultation without
        contributions counts zero in every state).
    :return: ``{consultation id: {state: count}}`` with every state of ``STATES``.
    """
    ids = [consultation.id for consultation in consultations]
    counts = {ident: dict.fromkeys(STATES, 0) for ident in ids}
    if not ids:
        return counts
    rows = db.session.execute(
        select(Contribution.consultation_id, *_state_counts())
        .where(Contribution.consultation_id.in_(ids))
        .group_by(Contribution.consultation_id))
    for consultation_id, *values in rows:
        counts[consultation_id] = {state: int(value or 0)
                                   for state, value in zip(STATES, values, strict=True)}
    return counts


def moderation_counts(consultation):
    """One consultation's contributions counted by state, and the hidden ones by reason.

    :param consultation: the consultation whose contributions are counted.
    :return: ``{state: count}`` for every state of ``STATES``, plus
        ``"hidden_by_reason"``: ``{reason: count}``.
    """
    c = Contribution
    by_reason = dict(db.session.execute(
        select(c.hidden_reason, func.count()).where(
            c.consultation_id == consultation.id, c.hidden_at.is_not(None))
        .group_by(c.hidden_reason)).all())
    return {**counts_by_consultation([consultation])[consultation.id],
            "hidden_by_reason": by_reason}
