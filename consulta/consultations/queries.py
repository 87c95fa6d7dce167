"""Read-side queries of consultations: what the pages and commands load."""

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from consulta.accounts.models import Entity
from consulta.audit.models import AuditEntry
from consulta.core.dates import utcnow
from consulta.extensions import db

from .models import Commitment, Consultation, Event, PlanVersion

#: The audit actions that are public notices: dates changed after the announcement.
#: (``consultation.dates_changed`` is what earlier versions recorded for the period.)
NOTICE_ACTIONS = ("consultation.dates_changed", "phase.dates_changed", "window.dates_changed")


def consultation_by_slug(slug):
    """The consultation with this address, or None (whoever may see it), with its
    organizing entity (every page of it names the entity, and staff checks resolve it)."""
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug)
                             .options(joinedload(Consultation.entity)))


def lean_consultation(ident):
    """The consultation ``ident`` with its address and announcement only (what the
    personal parts of its kept page read), or None."""
    return db.session.scalar(select(Consultation).where(Consultation.id == ident).options(
        load_only(Consultation.id, Consultation.slug, Consultation.announced_at)))


def consultations_by_status(*, include_private=False, now=None, private_entity_ids=None,
                            level=None, entity=None):
    """The consultations as the index lists them: {"open", "announced", "finished",
    "draft"} → consultations. Open ones closing soonest first, announced ones (and
    those between two participation windows) opening soonest first, the others from the
    latest opening.

    :param include_private: also the consultations not yet announced (for the
        secretariat); otherwise "draft" stays empty.
    :param now: the moment the status is computed for (default: now).
    :param private_entity_ids: with ``include_private``, the entities whose unannounced
        consultations are listed (None: every entity).
    :param level: only the consultations of entities of this level of government.
    :param entity: only this entity's consultations.
    """
    now = now or utcnow()
    query = (select(Consultation).order_by(Consultation.opens_at.desc())
             .options(selectinload(Consultation.windows)))
    if not include_private:
        query = query.where(Consultation.is_public)
    elif private_entity_ids is not None:
        query = query.where(or_(Consultation.is_public,
                                Consultation.entity_id.in_(private_entity_ids)))
    if level is not None:
        query = query.where(Consultation.entity_id.in_(
            select(Entity.id).where(Entity.level == level)))
    if entity is not None:
        query = query.where(Consultation.entity_id == entity.id)
    groups = {"open": [], "announced": [], "finished": [], "draft": []}
    for consultation in db.session.scalars(query):
        status = consultation.status(now)
        if status == "closed" and consultation.next_window(now) is not None:
            status = "announced"  # between two windows: it opens again, it is not over
        groups["finished" if status in ("closed", "summary_published") else status].append(
            consultation)
    groups["open"].sort(key=lambda c: c.closes_at)
    groups["announced"].sort(key=lambda c: (c.next_window(now) or c).opens_at)
    return groups


def published_plan_version_row(consultation, number):
    """``(version, commitments)``: published version ``number`` of the consultation's
    draft plan alone (not its commitments nor its sections) and how many commitments it
    holds, in one query; None when there is no such published version.

    For a page that has what it shows of the commitments already (``views.public``
    keeps a published version's sheets) and asks for the version's own fields only.
    """
    count = (select(func.count()).select_from(Commitment)
             .where(Commitment.plan_version_id == PlanVersion.id).scalar_subquery())
    return db.session.execute(
        select(PlanVersion, count)
        .where(PlanVersion.consultation_id == consultation.id, PlanVersion.number == number,
               PlanVersion.is_published)).first()


def plan_version_with_commitments(version_id):
    """A version of the plan with its commitments (and their components) and sections."""
    return db.session.scalar(
        select(PlanVersion).where(PlanVersion.id == version_id)
        .options(selectinload(PlanVersion.commitments).joinedload(Commitment.component),
                 selectinload(PlanVersion.sections)))


def published_plan_version(consultation, number):
    """Published version ``number`` of the consultation's draft plan with its commitments
    and sections, or None (a draft version is never shown)."""
    return db.session.scalar(
        select(PlanVersion)
        .where(PlanVersion.consultation_id == consultation.id, PlanVersion.number == number,
               PlanVersion.is_published)
        .options(selectinload(PlanVersion.commitments).joinedload(Commitment.component),
                 selectinload(PlanVersion.sections)))


def commitment_choices(consultation):
    """``(id, number, title)`` rows of the commitments of the latest published version of
    the plan, by number: what a filter or a form offers, without loading the commitments
    (their sheets, actions and principles) nor the plan's versions.

    :param consultation: the consultation whose plan it is.
    """
    latest = (select(PlanVersion.id).where(PlanVersion.consultation_id == consultation.id,
                                           PlanVersion.is_published)
              .order_by(PlanVersion.number.desc()).limit(1).scalar_subquery())
    return db.session.execute(
        select(Commitment.id, Commitment.number, Commitment.title)
        .where(Commitment.plan_version_id == latest).order_by(Commitment.number)).all()


#: The published versions of a consultation's plan as (id, published at, commitments),
#: built once (the classification page asks it on every view).
_PUBLISHED_VERSIONS = (
    select(PlanVersion.id, PlanVersion.published_at,
           select(func.count()).select_from(Commitment)
           .where(Commitment.plan_version_id == PlanVersion.id).scalar_subquery())
    .where(PlanVersion.consultation_id == bindparam("consultation"), PlanVersion.is_published)
    .order_by(PlanVersion.number))


def published_versions_key(consultation):
    """What says which commitments the consultation's published versions of the plan
    hold, without loading them: ``((id, published at, commitments), ...)`` by number
    (a published version never changes; a new one changes the key).

    :param consultation: the consultation whose plan it is.
    """
    return tuple(tuple(row) for row in db.session.execute(
        _PUBLISHED_VERSIONS, {"consultation": consultation.id}))


def commitment_count(plan_version):
    """How many commitments a version of the plan holds, counted in SQL (the consultation
    page says so without loading the 200 commitments and their sheets).

    :param plan_version: the ``PlanVersion``, or None (then 0).
    """
    if plan_version is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(Commitment)
                             .where(Commitment.plan_version_id == plan_version.id))


def channel_windows(consultation, channel):
    """The windows during which ``channel`` receives, as (opens_at, closes_at) spans by
    opening: its participation windows or, when the consultation has none of that
    channel ("other", a channel announced without its own dates, rows made before
    windows existed), the consultation's participation period (opening to closing).

    :param consultation: the consultation.
    :param channel: a channel code (``constants.CHANNELS``).
    """
    spans = [(w.opens_at, w.closes_at) for w in consultation.windows_of(channel)]
    return spans or [(consultation.opens_at, consultation.closes_at)]


def events_of(consultation):
    """The consultation's events (workshops, work tables...), by date."""
    return db.session.scalars(
        select(Event).where(Event.consultation_id == consultation.id)
        .order_by(Event.held_on)).all()


def date_change_notices(consultation):
    """Public notices of dates changed after the announcement, newest first: each
    entry keeps the old and new values, who (``actor``), when and why
    (``after["reason"]``, absent in notices recorded before reasons were asked)."""
    # Ordered by an expression, not the bare column: SQLite otherwise walks the whole
    # log in the created_at index's order (to skip a sort) and tests every entry, where
    # the (consultation, action) index finds the few notices at once.
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.consultation_id == consultation.id,
               AuditEntry.action.in_(NOTICE_ACTIONS))
        .order_by(func.coalesce(AuditEntry.created_at, AuditEntry.created_at).desc(),
                  AuditEntry.id.desc())
    ).all()


def date_changes(consultation):
    """The date changes made after the announcement, oldest first, as plain values the
    summary can freeze: [{"at", "kind" ("period", "phase" or "window"), "name",
    "channel", "before", "after", "reason", "by"}]; ``before`` is None for a window
    added (an extension), and each of ``before``/``after`` holds ISO dates."""
    changes = []
    for entry in reversed(date_change_notices(consultation)):
        before, after = entry.before or None, dict(entry.after or {})
        reason = after.pop("reason", "") or ""
        kind = {"consultation.dates_changed": "period", "phase.dates_changed": "phase",
                "window.dates_changed": "window"}[entry.action]
        keys = {"period": ("opens_at", "closes_at"), "phase": ("starts_on", "ends_on"),
                "window": ("opens_at", "closes_at")}[kind]
        changes.append({
            "at": entry.created_at.isoformat(), "kind": kind,
            "name": after.get("name") if kind == "phase" else None,
            "channel": after.get("channel") if kind == "window" else None,
            "before": {k: before.get(k) for k in keys} if before else None,
            "after": {k: after.get(k) for k in keys},
            "reason": reason,
            "by": entry.actor.display_name if entry.actor is not None else None,
        })
    return changes
