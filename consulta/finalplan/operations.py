"""The final plan: prepare its approval, write the reasons of its changes, publish it.

None commits (the view or command that calls them does, once). A rule that forbids the
change raises ``OperationError`` with a message for the user.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from consulta.audit.operations import record
from consulta.consultations.models import PlanVersion
from consulta.core.cache import forget_pages
from consulta.core.dates import utcnow
from consulta.core.operations import OperationError
from consulta.extensions import db

from .models import CommitmentChange, FinalPlan, FinalPlanLanding
from .notifications import tell_contributors
from .queries import (
    consulted_version,
    current_landings,
    final_plan_of,
    plan_diff,
    response_label,
    unpublished_responses,
)
from .signals import final_plan_published

#: How many refused items a message names before it says "and N more".
LISTED_IN_A_MESSAGE = 20


def _names(items):
    items = list(items)
    shown = ", ".join(items[:LISTED_IN_A_MESSAGE])
    if len(items) > LISTED_IN_A_MESSAGE:
        shown += " " + str(_l("and %(count)d more", count=len(items) - LISTED_IN_A_MESSAGE))
    return shown


def _ensure_not_published(final_plan):
    if final_plan is not None and final_plan.is_published:
        raise OperationError(_l("The final plan is published and can no longer change."))


def _snapshot(final_plan):
    return {"version": final_plan.plan_version.number if final_plan.plan_version else None,
            "approval_reference": final_plan.approval_reference,
            "approved_on": final_plan.approved_on.isoformat()
            if final_plan.approved_on else None,
            "forum_endorsed_on": final_plan.forum_endorsed_on.isoformat()
            if final_plan.forum_endorsed_on else None}


def save_final_plan(consultation, *, actor, plan_version_id, approval_reference, approved_on,
                    forum_endorsed_on=None, forum_endorsement="", note=""):
    """Prepare (or correct, until it is published) the consultation's final plan.

    Refused while the consultation still receives contributions, for a version that is
    not a published version of its plan, or once the final plan is published. Choosing
    another version drops the reasons written for the previous one's changes.

    :param consultation: the consultation whose plan was approved.
    :param actor: the member of the secretariat.
    :param plan_version_id: the approved version (published).
    :param approval_reference: the act that approved it (a resolution number).
    :param approved_on: the day it was approved.
    :param forum_endorsed_on: the day the forum endorsed it, or None.
    :param forum_endorsement: the forum's minutes: a link or the text.
    :param note: a short public note.
    :return: the final plan (not published).
    """
    final_plan = final_plan_of(consultation)
    _ensure_not_published(final_plan)
    if consultation.status() in ("draft", "announced", "open"):
        raise OperationError(_l("The consultation is not closed yet: its final plan is "
                                "approved after it."))
    version = db.session.get(PlanVersion, plan_version_id) if plan_version_id else None
    if version is None or version.consultation_id != consultation.id:
        raise OperationError(_l("Choose a version of this consultation's plan."))
    if not version.is_published:
        raise OperationError(_l("Only a published version of the plan can be approved as "
                                "the final plan; publish the draft first."))
    if not (approval_reference or "").strip():
        raise OperationError(_l("Give the reference of the act that approved the plan."))
    if approved_on is None:
        raise OperationError(_l("Give the day the plan was approved."))
    before = _snapshot(final_plan) if final_plan is not None else None
    if final_plan is None:
        final_plan = FinalPlan(consultation_id=consultation.id, created_by_id=actor.id,
                               created_at=utcnow(),
                               consulted_version_id=consulted_version(consultation).id)
        db.session.add(final_plan)
    elif final_plan.plan_version_id != version.id:
        final_plan.changes.clear()
    final_plan.plan_version = version
    final_plan.approval_reference = approval_reference.strip()
    final_plan.approved_on = approved_on
    final_plan.forum_endorsed_on = forum_endorsed_on
    final_plan.forum_endorsement = (forum_endorsement or "").strip()
    final_plan.note = (note or "").strip()
    db.session.flush()
    record("final_plan.saved", final_plan, actor=actor, consultation_id=consultation.id,
           before=before, after=_snapshot(final_plan))
    return final_plan


def save_changes(final_plan, *, actor, reasons, merges=None):
    """Write why each commitment was added, changed or removed, and which removed ones
    were merged into a commitment of the final plan.

    :param final_plan: the final plan, not yet published.
    :param actor: the member of the secretariat.
    :param reasons: ``{lineage: reason}`` (differences not named keep their reason).
    :param merges: ``{lineage of a removed commitment: lineage of the final commitment
        it joined}`` ("" or None: removed, not merged).
    """
    _ensure_not_published(final_plan)
    asked = merges or {}
    merges = {k: v for k, v in asked.items() if v}
    final = {c.lineage for c in final_plan.plan_version.commitments}
    draft = {c.lineage for c in final_plan.consulted_version.commitments}
    for lineage, into in merges.items():
        if lineage not in draft - final or into not in final:
            raise OperationError(_l("A commitment can only be merged from those removed "
                                    "into one of the final plan."))
    recorded = {c.lineage: c for c in final_plan.changes}
    kept_merges = {k: v for k, v in ((c.lineage, c.merged_into) for c in final_plan.changes)
                   if v and k not in asked}
    entries = plan_diff(final_plan, merges={**kept_merges, **merges})
    for entry in entries:
        change = recorded.pop(entry.lineage, None)
        if change is None:
            change = CommitmentChange(lineage=entry.lineage, kind=entry.kind, reason="")
            final_plan.changes.append(change)
        change.kind = entry.kind
        change.merged_into = entry.merged_into.lineage if entry.merged_into else None
        if entry.lineage in reasons:
            change.reason = (reasons[entry.lineage] or "").strip()
    for stale in recorded.values():  # no longer a difference
        final_plan.changes.remove(stale)
    db.session.flush()
    record("final_plan.changes_saved", final_plan, actor=actor,
           consultation_id=final_plan.consultation_id,
           after={"changes": len(entries),
                  "merged": sorted(c.lineage for c in final_plan.changes if c.merged_into)})
    return entries


def publish_final_plan(final_plan, *, actor, notify=True):
    """Publish the final plan: from then on it never changes, and every contributor who
    can be reached is told, once, what became of their contributions.

    Refused when it is published already, when its version is not published, while
    responses of the consultation are still drafts (all named), or while a difference
    with the consulted draft has no reason (all named).

    :param final_plan: the final plan prepared with ``save_final_plan``.
    :param actor: the member of the secretariat.
    :param notify: whether the contributors are told (not for a plan of the past).
    :return: how many people were told.
    """
    _ensure_not_published(final_plan)
    consultation = final_plan.consultation
    if not final_plan.plan_version.is_published:
        raise OperationError(_l("Only a published version of the plan can be approved as "
                                "the final plan; publish the draft first."))
    drafts = unpublished_responses(consultation)
    if drafts:
        raise OperationError(_l(
            "Some responses are not published yet; publish them (or their changes) before "
            "the final plan: %(list)s.", list=_names(response_label(r) for r in drafts)))
    missing = [e for e in plan_diff(final_plan) if not e.reason.strip()]
    if missing:
        raise OperationError(_l(
            "Say why each commitment was added, changed, merged or removed. Missing: "
            "%(list)s.", list=_names(
                str(_l("commitment %(number)s", number=(e.before or e.after).number))
                for e in missing)))
    now = utcnow()
    final_plan.published_at = now
    final_plan.published_by_id = actor.id
    final_plan.notified_at = now if notify else None
    db.session.flush()
    record_landings(final_plan)
    told = tell_contributors(final_plan) if notify else []
    record("final_plan.published", final_plan, actor=actor, consultation_id=consultation.id,
           after={**_snapshot(final_plan), "told": len(told)})
    # Who was told here (their own contributions' fate) is not told again as a follower.
    final_plan_published.send(final_plan, notify=notify, told=told)
    # The consultation's pages and each contribution's now say where it landed.
    forget_pages(consultation.slug)
    return len(told)


def record_landings(final_plan, versions=None):
    """Store where published response versions landed in the published ``final_plan``
    (``FinalPlanLanding``), which its traceability reads from then on. Both sides are
    frozen, so this is done once: by ``publish_final_plan`` for every current version,
    then for each version published later (``record_landing_of_response``).

    :param final_plan: the final plan, published.
    :param versions: the ids of the response versions; by default every current one.
    """
    rows = [{"final_plan_id": final_plan.id, "response_version_id": version_id,
             "commitment_id": commitment_id, "response_id": response_id,
             "group_id": group_id, "outcome": outcome}
            for (version_id, commitment_id), (response_id, group_id, outcome)
            in current_landings(final_plan, versions).items()]
    # In statements of many rows each, not one statement per row: on PostgreSQL the
    # traces and their tallies are kept by statement triggers (one update of a
    # commitment's tally per statement), and a list of rows passed to execute() is sent
    # by psycopg as one statement per row, so publishing a plan updated the same tally
    # row thousands of times in one transaction, each update walking its earlier
    # versions (a 50,000-contribution plan did not publish in 15 minutes).
    for start in range(0, len(rows), _LANDINGS_PER_STATEMENT):
        db.session.execute(insert(FinalPlanLanding).values(
            rows[start:start + _LANDINGS_PER_STATEMENT]))


#: Rows per INSERT of landings: 6 parameters each, under the 32,766 bound parameters
#: SQLite takes (PostgreSQL 65,535).
_LANDINGS_PER_STATEMENT = 5_000


def record_landing_of_response(response, *, version, **_extra):
    """Receiver of ``response_published``: once the final plan is published, where the
    new version landed is stored with the others (the traceability reads the current
    version of each response: this one from now on)."""
    final_plan = db.session.scalar(select(FinalPlan).where(
        FinalPlan.consultation_id == response.consultation_id))
    if final_plan is not None and final_plan.is_published:
        record_landings(final_plan, [version.id])
