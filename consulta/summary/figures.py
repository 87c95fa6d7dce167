"""The figures of a consultation, computed with aggregate queries (never row by row)."""

from collections import Counter

from sqlalchemy import func, select

from consulta.accounts.models import User
from consulta.consultations.models import Commitment, Component, Event, EventAttendance
from consulta.contributions.models import Contribution
from consulta.contributions.queries import (
    commitment_key,
    component_key,
    counted_in,
    is_visible,
    not_withdrawn,
)
from consulta.core.dates import local_zone
from consulta.extensions import db
from consulta.feedback.queries import EffectiveVersion


def _counts(consultation, column, visible_only=False):
    query = select(column, func.count()).where(counted_in(consultation))
    if visible_only:
        query = query.where(not_withdrawn())
    return dict(db.session.execute(query.group_by(column)).all())


def compute_figures(consultation):
    """A JSON-ready dict of every figure the summary shows, from aggregate queries.

    Contributions by kind, channel, sector, region, component, commitment and outcome
    of their published response; unique participants; declared genders, in aggregate
    only; events and their attendance; contributions per day received. Voided records
    (typed in by mistake) count nowhere.

    :param consultation: the consultation to count.
    """
    c = Contribution
    base = counted_in(consultation)
    total, withdrawn, hidden = db.session.execute(
        select(func.count(), func.count(c.withdrawn_at), func.count(c.hidden_at))
        .where(base)).one()
    by_kind = _counts(consultation, c.kind, visible_only=True)
    by_channel = _counts(consultation, c.channel, visible_only=True)
    by_sector = _counts(consultation, func.coalesce(c.sector, ""), visible_only=True)
    by_region = _counts(consultation, func.coalesce(c.region, ""), visible_only=True)
    by_hidden_reason = dict(db.session.execute(
        select(c.hidden_reason, func.count()).where(base, c.hidden_at.is_not(None))
        .group_by(c.hidden_reason)).all())

    components = {x.id: x.name for x in db.session.scalars(
        select(Component).where(Component.consultation_id == consultation.id))}
    component = component_key()
    by_component = {components.get(k, ""): n for k, n in db.session.execute(
        select(component, func.count()).where(base, not_withdrawn())
        .group_by(component)).all() if k in components}
    by_commitment = Counter()
    for number, n in db.session.execute(
            select(Commitment.number, func.count()).select_from(c)
            .join(Commitment, Commitment.id == commitment_key())
            .where(base, not_withdrawn()).group_by(Commitment.number)).all():
        by_commitment[str(number)] += n

    version = EffectiveVersion()
    outcome = version.column("outcome")
    query = version.join(select(outcome, func.count()).select_from(c)
                         .where(base, is_visible()))
    by_outcome = {(k or "none"): n for k, n in db.session.execute(query.group_by(outcome))}
    visible = sum(by_outcome.values())
    answered = visible - by_outcome.get("none", 0)

    # Unique participants: accounts, plus offline authors told apart by what the
    # sheet gives (e-mail, else name and organization).
    accounts = db.session.scalar(select(func.count(func.distinct(c.author_id))).where(
        base, c.author_id.is_not(None)))
    offline = {
        ((email or "").lower() or f"{(name or '').lower()}|{(org or '').lower()}")
        for email, name, org in db.session.execute(
            select(c.author_email, c.author_name, c.author_organization)
            .where(base, c.author_id.is_(None)))
        if email or name or org
    }
    genders = {g or "undeclared": n for g, n in db.session.execute(
        select(User.gender, func.count(func.distinct(User.id)))
        .join(c, c.author_id == User.id).where(base).group_by(User.gender)).all()}

    attendance_rows = db.session.execute(
        select(EventAttendance.sector, func.sum(EventAttendance.participants),
               func.sum(EventAttendance.women))
        .join(Event).where(Event.consultation_id == consultation.id)
        .group_by(EventAttendance.sector)).all()
    attendance = {sector: {"participants": int(p or 0), "women": int(w or 0)}
                  for sector, p, w in attendance_rows}
    events = db.session.scalar(select(func.count()).select_from(Event).where(
        Event.consultation_id == consultation.id))
    attendees = sum(v["participants"] for v in attendance.values())
    attendee_women = sum(v["women"] for v in attendance.values())
    declared = sum(n for g, n in genders.items() if g != "undeclared")
    women_declared = genders.get("female", 0)
    women_total = women_declared + attendee_women
    known_total = declared + attendees

    zone = local_zone()
    per_day = Counter()
    for (received,) in db.session.execute(select(c.received_at).where(base)):
        per_day[received.astimezone(zone).date().isoformat()] += 1

    return {
        "contributions": {"total": total, "withdrawn": withdrawn, "hidden": hidden,
                          "visible": visible, "answered": answered,
                          "answered_share": round(100 * answered / visible, 1)
                          if visible else 100.0},
        "by_kind": by_kind,
        "by_channel": by_channel,
        "by_sector": by_sector,
        "by_region": by_region,
        "by_component": by_component,
        "by_commitment": dict(sorted(by_commitment.items(), key=lambda kv: int(kv[0]))),
        "by_outcome": by_outcome,
        "by_hidden_reason": by_hidden_reason,
        "participants": {"accounts": accounts, "offline_authors": len(offline),
                         "total": accounts + len(offline)},
        "declared_genders": {"declared": declared, "women_declared": women_declared,
                   "undeclared": genders.get("undeclared", 0)},
        "events": {"count": events, "attendees": attendees, "women": attendee_women,
                   "by_sector": attendance},
        "women": {"count": women_total, "known": known_total,
                  "share": round(100 * women_total / known_total, 1) if known_total else None},
        "per_day": dict(sorted(per_day.items())),
    }
