"""What awaits the staff, counted in SQL: one grouped query per kind of work, whatever
the number of contributions; the consultations considered are bounded."""

from sqlalchemy import false, func, or_, select

from consulta.consultations.models import Consultation
from consulta.core.dates import utcnow
from consulta.core.permissions import entity_filter_ids
from consulta.extensions import db
from consulta.feedback.constants import STATUSES
from consulta.feedback.models import CoverageTally, Response
from consulta.moderation.queries import counts_by_consultation, pending_reviews

#: The most consultations the start page lists (the latest to open first).
MAX_CONSULTATIONS = 30


def _of(entity_ids):
    """A condition: the consultation belongs to one of ``entity_ids`` (None: any)."""
    if entity_ids is None:
        return Consultation.id.is_not(None)
    return Consultation.entity_id.in_(entity_ids) if entity_ids else false()


def work_consultations(*, include_private, entity_ids=None, private_entity_ids=None):
    """The consultations the start page lists: announced ones, and those still being
    prepared for the secretariat; the latest to open first, ``MAX_CONSULTATIONS`` at
    most.

    :param include_private: also the consultations not announced yet.
    :param entity_ids: only those of these entities (None: every entity).
    :param private_entity_ids: the entities whose unannounced consultations are listed
        (None: every entity).
    """
    query = select(Consultation).order_by(Consultation.opens_at.desc()).limit(
        MAX_CONSULTATIONS).where(_of(entity_ids))
    if not include_private:
        query = query.where(Consultation.is_public)
    elif private_entity_ids is not None:
        query = query.where(or_(Consultation.is_public, _of(private_entity_ids)))
    return db.session.scalars(query).all()


def unanswered_by_consultation(ids):
    """``{consultation id: visible contributions without a published response}``, read
    from the coverage tallies the database keeps (``feedback.models.CoverageTally``: a
    few rows per consultation), not by counting its contributions (which grew with
    them on SQLite: 3 ms at 5,000, 33 ms at 200,000)."""
    if not ids:
        return {}
    tally = CoverageTally
    return {consultation_id: int(count) for consultation_id, count in db.session.execute(
        select(tally.consultation_id, func.sum(tally.visible - tally.answered))
        .where(tally.consultation_id.in_(ids))
        .group_by(tally.consultation_id)).all()}


#: The statuses of a response not published yet, named (``!= "published"`` read every
#: response of the status index: 160,000 published ones at 200,000 contributions).
UNPUBLISHED = tuple(status for status in STATUSES if status != "published")


def responses_by_status(ids):
    """``{consultation id: {status: count}}`` of the responses not published yet (those
    published again after an edit count as what they are now)."""
    counts = {}
    if not ids:
        return counts
    for consultation_id, status, count in db.session.execute(
            select(Response.consultation_id, Response.status, func.count())
            .where(Response.consultation_id.in_(ids), Response.status.in_(UNPUBLISHED))
            .group_by(Response.consultation_id, Response.status)):
        counts.setdefault(consultation_id, {})[status] = count
    return counts


def awaiting(user, now=None):
    """What awaits ``user`` on each consultation, as rows for the start page.

    :param user: a staff account; a moderator sees the contributions to classify, the
        secretariat the responses and summaries, an administrator both.
    :param now: the moment "closed" is judged at (default: now).
    :return: ``{"rows": [{"consultation", "to_classify", "unanswered", "drafts",
        "in_review", "approved", "summary_due"}], "organizations": n, "requests": n}``
        (counts of the other role are None).
    """
    now = now or utcnow()
    # Only the consultations of the user's entities (see core/permissions.py).
    moderated = entity_filter_ids(user, "moderator") if user.holds_role("moderator") \
        else set()
    answered = entity_filter_ids(user, "secretariat") if user.holds_role("secretariat") \
        else set()
    both = None if moderated is None or answered is None else moderated | answered
    consultations = work_consultations(include_private=answered != set(),
                                       entity_ids=both, private_entity_ids=answered)

    def within(ids, consultation):
        return ids is None or consultation.entity_id in ids

    moderates = any(within(moderated, c) for c in consultations)
    answers = any(within(answered, c) for c in consultations)
    ids = [c.id for c in consultations]
    states = counts_by_consultation(consultations) if moderates else {}
    unanswered = unanswered_by_consultation(ids) if answers else {}
    statuses = responses_by_status(ids) if answers else {}
    rows = []
    for consultation in consultations:
        responses = statuses.get(consultation.id, {})
        mod, ans = within(moderated, consultation), within(answered, consultation)
        rows.append({
            "consultation": consultation,
            "to_classify": states[consultation.id]["unclassified"] if mod else None,
            "unanswered": unanswered.get(consultation.id, 0) if ans else None,
            "drafts": responses.get("draft", 0) if ans else None,
            "in_review": responses.get("in_review", 0) if ans else None,
            "approved": responses.get("approved", 0) if ans else None,
            "summary_due": ans and consultation.is_public
            and consultation.closes_at <= now and consultation.summary_published_at is None,
        })
    # Organizations are reviewed by platform-wide moderators.
    organizations, requests = pending_reviews() if moderated is None else (None, None)
    return {"rows": rows, "organizations": organizations, "requests": requests}
