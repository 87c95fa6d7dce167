"""Systematization: classify, group, hide, mask. Every action goes to the audit log.

None commits. A bulk operation may refuse halfway, after changing the first items:
the caller then rolls back, and its single commit (or rollback) makes it all or nothing.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select

from consulta.audit.operations import record
from consulta.consultations.constants import PRINCIPLES
from consulta.consultations.models import Commitment, Component, PlanVersion
from consulta.contributions.constants import HIDE_REASONS
from consulta.contributions.models import (
    CommitmentTally,
    Contribution,
    ContributionGroup,
    ContributionTally,
    Tag,
)
from consulta.contributions.operations import reindex
from consulta.contributions.queries import commitment_key, not_withdrawn
from consulta.core.dates import utcnow
from consulta.core.operations import Conflict, OperationError
from consulta.extensions import db

from .queries import STATES, live_state_counts
from .signals import (
    contribution_grouped,
    contribution_hidden,
    contribution_moderated,
    contribution_unhidden,
    fragment_masked,
    group_saved,
    personal_data_reviewed,
)

MAX_TAG_LENGTH = 60


def _classification_snapshot(contribution):
    return {
        "component_id": contribution.classified_component_id,
        "commitment_id": contribution.classified_commitment_id,
        "new_commitment": contribution.is_new_commitment,
        "principles": list(contribution.principles or []),
        "tags": [t.name for t in contribution.tags],
    }


def normalize_tags(raw):
    """Tag names as typed, cleaned: "Salud, salud rural ,SALUD" → ["salud", "salud rural"].

    :param raw: the names separated by commas or semicolons (None: no tag).
    """
    tags = []
    for piece in (raw or "").replace(";", ",").split(","):
        name = " ".join(piece.split()).lower()
        if name and name not in tags:
            tags.append(name)
    return tags


def _check_classification(consultation, *, component_id, commitment_id, principles, tags):
    if component_id:
        component = db.session.get(Component, component_id)
        if component is None or component.consultation_id != consultation.id:
            raise OperationError(_l("Choose a component of this consultation."))
    if commitment_id:
        commitment = db.session.get(Commitment, commitment_id)
        if commitment is None or db.session.get(
                PlanVersion, commitment.plan_version_id).consultation_id != consultation.id:
            raise OperationError(_l("Choose a commitment of this consultation."))
    if any(p not in PRINCIPLES for p in principles or ()):
        raise OperationError(_l("Choose principles from the list."))
    if any(len(t) > MAX_TAG_LENGTH for t in tags or ()):
        raise OperationError(_l("A tag can have at most %(max)d characters.",
                                max=MAX_TAG_LENGTH))


def _tags(consultation, names):
    if not names:
        return []
    existing = {t.name: t for t in db.session.scalars(select(Tag).where(
        Tag.consultation_id == consultation.id, Tag.name.in_(names)))}
    tags = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(consultation_id=consultation.id, name=name)
            db.session.add(tag)
            existing[name] = tag
        tags.append(tag)
    return tags


def _refuse_voided(contribution):
    """A voided record (typed in by mistake) counts nowhere: it is not moderated."""
    if contribution.is_voided:
        raise OperationError(_l("%(code)s was voided as a record typed in by mistake: it "
                                "cannot be classified, grouped or hidden.",
                                code=contribution.tracking_code))


def classify_contribution(contribution, *, actor, component_id=None, commitment_id=None,
                          is_new_commitment=False, principles=(), tags=(),
                          expected_version=None):
    """Set a contribution's classification (what is not given is cleared).

    Refuses with ``Conflict`` when someone saved it since ``expected_version``, with
    ``OperationError`` when a value is not of its consultation or not in a list.

    :param contribution: the contribution to classify.
    :param actor: the moderator, recorded as who classified it and in the audit log.
    :param component_id: a component of its consultation, or None.
    :param commitment_id: a commitment of its consultation's plan, or None.
    :param is_new_commitment: it proposes a new commitment (kept only for a proposal
        about no existing commitment).
    :param principles: codes of ``PRINCIPLES`` (repeats are dropped).
    :param tags: tag names, as ``normalize_tags`` gives them; new ones are created.
    :param expected_version: the version the moderator's form was opened on, if any.
    """
    if expected_version is not None and contribution.version != expected_version:
        raise Conflict(_l("Someone else saved this contribution while you were working on "
                          "it. Its current values are shown below: check them and save "
                          "again."))
    _refuse_voided(contribution)
    consultation = contribution.consultation
    principles, tags = list(dict.fromkeys(principles or ())), list(tags or ())
    _check_classification(consultation, component_id=component_id,
                          commitment_id=commitment_id, principles=principles, tags=tags)
    before = _classification_snapshot(contribution)
    contribution.classified_component_id = component_id or None
    contribution.classified_commitment_id = commitment_id or None
    contribution.is_new_commitment = bool(is_new_commitment and contribution.kind == "proposal"
                                          and not commitment_id)
    contribution.principles = principles
    contribution.tags = _tags(consultation, tags)
    contribution.classified_at = utcnow()
    contribution.classified_by_id = actor.id
    after = _classification_snapshot(contribution)
    db.session.flush()  # the version check of the ORM runs here too
    record("contribution.classified", contribution, actor=actor,
           consultation_id=consultation.id, before=before, after=after)
    contribution_moderated.send(contribution)


def classify_contributions(contributions, *, actor, component_id=None, commitment_id=None,
                           is_new_commitment=False, principles=(), tags=()):
    """Apply the same classification to several contributions of one consultation.

    What is left empty stays as each one had it; principles and tags are added to
    theirs. All or nothing: on a refusal the caller rolls back the ones already done.

    :param contributions: the contributions, all of the same consultation.
    :param actor: the moderator, recorded in the audit log (one entry per contribution).
    :param component_id: the component to set, or None to keep each one's.
    :param commitment_id: the commitment to set, or None to keep each one's.
    :param is_new_commitment: mark them as proposing a new commitment.
    :param principles: principle codes to add.
    :param tags: tag names to add.
    """
    if not contributions:
        raise OperationError(_l("Select at least one contribution."))
    consultations = {c.consultation_id for c in contributions}
    if len(consultations) != 1:
        raise OperationError(_l("The selected contributions belong to different "
                                "consultations."))
    if not (component_id or commitment_id or is_new_commitment or principles or tags):
        raise OperationError(_l("Choose at least one value to apply."))
    for contribution in contributions:
        # What is left empty in the bulk form stays as it was; tags are added.
        current = _classification_snapshot(contribution)
        classify_contribution(
            contribution, actor=actor,
            component_id=component_id or current["component_id"],
            commitment_id=commitment_id or current["commitment_id"],
            is_new_commitment=is_new_commitment or current["new_commitment"],
            principles=list(dict.fromkeys([*current["principles"], *(principles or ())])),
            tags=list(dict.fromkeys([*current["tags"], *(tags or ())])))


# --- groups ------------------------------------------------------------------------

def _group_snapshot(contribution):
    return {"group_id": contribution.group_id}


def create_group(consultation, *, actor, title, summary="", members=()):
    """Create a group of contributions that say the same thing, to answer them together.

    :param consultation: the consultation the group belongs to.
    :param actor: the moderator, recorded as its creator and in the audit log.
    :param title: its title (required; cut at 300 characters).
    :param summary: what its contributions say, in the moderators' words.
    :param members: contributions to put in it at once (see ``group_contribution``).
    """
    title = (title or "").strip()
    if not title:
        raise OperationError(_l("Give the group a title."))
    group = ContributionGroup(consultation_id=consultation.id, title=title[:300],
                              summary=(summary or "").strip(), created_by_id=actor.id,
                              created_at=utcnow())
    db.session.add(group)
    db.session.flush()
    record("group.created", group, actor=actor, consultation_id=consultation.id,
           after={"title": group.title, "summary": group.summary})
    group_saved.send(group)
    for contribution in members:
        group_contribution(contribution, group, actor=actor)
    return group


def update_group(group, *, actor, title, summary):
    """Change a group's title and summary.

    :param group: the group to change.
    :param actor: the moderator, recorded in the audit log.
    :param title: the new title (required; cut at 300 characters).
    :param summary: the new summary.
    """
    title = (title or "").strip()
    if not title:
        raise OperationError(_l("Give the group a title."))
    before = {"title": group.title, "summary": group.summary}
    group.title, group.summary = title[:300], (summary or "").strip()
    record("group.updated", group, actor=actor, consultation_id=group.consultation_id,
           before=before, after={"title": group.title, "summary": group.summary})
    group_saved.send(group)


def group_contribution(contribution, group, *, actor):
    """Put a contribution in a group; it leaves the group it was in (at most one).

    Sends ``contribution_grouped``, so that an author whose contribution joins a group
    already answered in public is told.

    :param contribution: the contribution to group.
    :param group: a group of the same consultation.
    :param actor: the moderator, recorded in the audit log.
    """
    if contribution.consultation_id != group.consultation_id:
        raise OperationError(_l("That group belongs to another consultation."))
    _refuse_voided(contribution)
    if contribution.group_id == group.id:
        return
    before = _group_snapshot(contribution)
    had_answer = contribution.published_response is not None
    contribution.group = group
    db.session.flush()
    record("contribution.grouped", contribution, actor=actor,
           consultation_id=contribution.consultation_id, before=before,
           after={"group_id": group.id})
    contribution_grouped.send(contribution, group=group, had_answer=had_answer)


def ungroup_contribution(contribution, *, actor):
    """Take a contribution out of its group (nothing happens when it is in none).

    :param contribution: the contribution to take out.
    :param actor: the moderator, recorded in the audit log.
    """
    if contribution.group_id is None:
        return
    before = _group_snapshot(contribution)
    contribution.group = None
    db.session.flush()
    record("contribution.ungrouped", contribution, actor=actor,
           consultation_id=contribution.consultation_id, before=before,
           after={"group_id": None})
    contribution_moderated.send(contribution)


# --- hiding and masking -----------------------------------------------------------------

def hide_contribution(contribution, *, actor, reason, note=""):
    """Hide a contribution from the public, with a public reason; it is never deleted.

    Sends ``contribution_hidden``: its author is told by e-mail.

    :param contribution: the contribution to hide (refused when it is hidden already).
    :param actor: the moderator, recorded as who hid it and in the audit log.
    :param reason: a code of ``HIDE_REASONS``, shown in its place.
    :param note: an optional note shown with the reason (cut at 1000 characters).
    """
    if reason not in HIDE_REASONS:
        raise OperationError(_l("Choose a reason from the list."))
    _refuse_voided(contribution)
    if contribution.is_hidden:
        raise OperationError(_l("This contribution is already hidden."))
    contribution.hidden_at = utcnow()
    contribution.hidden_reason = reason
    contribution.hidden_note = (note or "").strip()[:1000] or None
    contribution.hidden_by_id = actor.id
    db.session.flush()
    record("contribution.hidden", contribution, actor=actor,
           consultation_id=contribution.consultation_id, before={"hidden": False},
           after={"hidden": True, "reason": reason, "note": contribution.hidden_note})
    contribution_hidden.send(contribution)


def unhide_contribution(contribution, *, actor):
    """Show a hidden contribution again. Sends ``contribution_unhidden`` (the author is
    told).

    :param contribution: the hidden contribution (refused when it is not hidden).
    :param actor: the moderator, recorded in the audit log.
    """
    if not contribution.is_hidden:
        raise OperationError(_l("This contribution is not hidden."))
    before = {"hidden": True, "reason": contribution.hidden_reason,
              "note": contribution.hidden_note}
    contribution.hidden_at = contribution.hidden_reason = None
    contribution.hidden_note = contribution.hidden_by_id = None
    db.session.flush()
    record("contribution.unhidden", contribution, actor=actor,
           consultation_id=contribution.consultation_id, before=before,
           after={"hidden": False})
    contribution_unhidden.send(contribution)


def mask_contribution(contribution, *, actor, fragment):
    """Mask a piece of personal data in a contribution's public text, keeping the rest.

    The public (pages, API, exports, search) reads the text with it replaced; the
    stored text stays as received. Masking the same piece twice changes nothing.

    :param contribution: the contribution whose text holds the piece.
    :param actor: the moderator, recorded in the audit log (the piece is not).
    :param fragment: the exact text to mask, at least 3 characters, as it appears in
        one of its texts.
    """
    fragment = (fragment or "").strip()
    if len(fragment) < 3:
        raise OperationError(_l("Copy the exact text to mask (at least 3 characters)."))
    # The check is the masking itself: the fragment appears exactly when masking it
    # changes what the public reads (over two lines, list items or action rows too).
    if contribution.public_texts([fragment]) == contribution.public_texts([]):
        raise OperationError(_l("That text does not appear in the contribution. Copy it "
                                "exactly as written."))
    if fragment in (contribution.masked_fragments or []):
        return
    before = {"masked": len(contribution.masked_fragments or [])}
    contribution.masked_fragments = [*(contribution.masked_fragments or []), fragment]
    reindex(contribution)  # the search index holds only what the public may read
    record("contribution.masked", contribution, actor=actor,
           consultation_id=contribution.consultation_id, before=before,
           after={"masked": len(contribution.masked_fragments)})
    fragment_masked.send(contribution, fragment=fragment)
    contribution_moderated.send(contribution)


def unmask_contribution(contribution, *, actor):
    """Show every masked piece of a contribution again (nothing happens when none is).

    :param contribution: the contribution to unmask.
    :param actor: the moderator, recorded in the audit log.
    """
    if not contribution.masked_fragments:
        return
    before = {"masked": len(contribution.masked_fragments)}
    contribution.masked_fragments = []
    # What was held for review is shown too: nothing is left to review.
    contribution.personal_data_held = [
        item if "decision" in item else {**item, "decision": "released"}
        for item in contribution.personal_data_held or []]
    contribution.personal_data_held_at = None
    reindex(contribution)  # the search index holds only what the public may read
    record("contribution.unmasked", contribution, actor=actor,
           consultation_id=contribution.consultation_id, before=before, after={"masked": 0})
    contribution_moderated.send(contribution)


def review_personal_data(contribution, *, actor, release=()):
    """Decide on the likely personal data held masked on the way in: each held fragment
    stays masked (confirmed) unless listed in ``release``, which shows it again (it was
    not personal data). Nothing is left to review afterwards. Audited with the kinds of
    data and the counts, never the fragments; sends ``personal_data_reviewed``.

    :param contribution: a contribution whose personal data awaits review (refused
        otherwise).
    :param actor: the moderator, recorded in the audit log.
    :param release: the held fragments (their text) awaiting review to show again.
    """
    if not contribution.awaits_personal_data_review:
        raise OperationError(_l("No personal data of this contribution awaits review."))
    pending = contribution.personal_data_to_review
    release = set(release or ())
    if release - {item["text"] for item in pending}:
        raise OperationError(_l("Choose fragments held in this contribution."))
    released = [item for item in pending if item["text"] in release]
    confirmed = [item for item in pending if item["text"] not in release]
    before = {"masked": len(contribution.masked_fragments or []), "held": len(pending)}
    contribution.masked_fragments = [f for f in contribution.masked_fragments or []
                                     if f not in release]
    # The decisions stay on the row: a later correction does not hold them again.
    contribution.personal_data_held = [
        item if "decision" in item else
        {**item, "decision": "released" if item["text"] in release else "confirmed"}
        for item in contribution.personal_data_held or []]
    contribution.personal_data_held_at = None
    reindex(contribution)  # released text is searchable again
    record("contribution.personal_data_reviewed", contribution, actor=actor,
           consultation_id=contribution.consultation_id, before=before,
           after={"masked": len(contribution.masked_fragments), "held": 0,
                  "confirmed": [item["code"] for item in confirmed],
                  "released": [item["code"] for item in released]})
    personal_data_reviewed.send(contribution, confirmed=[i["text"] for i in confirmed],
                                released=[i["text"] for i in released])
    contribution_moderated.send(contribution)


def recount_tallies():
    """Write every consultation's tallies (its counts by state, and its plan's counts per
    commitment and kind) again from the live counts: a repair, for a
    database whose tally triggers were off while contributions were written (the
    benchmark's bulk load on PostgreSQL, a restore done by hand). The triggers keep the
    tallies otherwise; the application never needs this. Does not commit.

    :return: how many consultations have contributions.
    """
    counts = live_state_counts()
    db.session.execute(delete(ContributionTally))
    if counts:
        db.session.execute(insert(ContributionTally), [
            {"consultation_id": ident, **{state: row[state] for state in STATES}}
            for ident, row in counts.items()])
    # The plan page's counts per commitment and kind, from the same rows.
    c = Contribution
    db.session.execute(delete(CommitmentTally))
    db.session.execute(insert(CommitmentTally).from_select(
        ["consultation_id", "commitment_key", "kind", "listed"],
        select(c.consultation_id, commitment_key(), c.kind, func.count())
        .where(not_withdrawn(), commitment_key().is_not(None))
        .group_by(c.consultation_id, commitment_key(), c.kind)))
    return len(counts)
