"""Systematization: classify, group, hide, mask. Every action goes to the audit log.

None commits. Bulk operations validate everything before changing anything, so the
caller's single commit (or rollback) makes them all-or-nothing.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consulta.audit.operations import record
from consulta.consultations.constants import PRINCIPLES
from consulta.consultations.models import Commitment, Component, PlanVersion
from consulta.contributions.constants import HIDE_REASONS
from consulta.contributions.models import ContributionGroup, Tag
from consulta.contributions.operations import reindex
from consulta.core.dates import utcnow
from consulta.core.operations import Conflict, OperationError
from consulta.extensions import db

from .signals import contribution_grouped, contribution_hidden, contribution_unhidden

MAX_TAG_LENGTH = 60


def classification_snapshot(contribution):
    return {
        "component_id": contribution.classified_component_id,
        "commitment_id": contribution.classified_commitment_id,
        "new_commitment": contribution.is_new_commitment,
        "principles": list(contribution.principles or []),
        "tags": [t.name for t in contribution.tags],
    }


def normalize_tags(raw):
    """"Salud, salud rural ,SALUD" → ["salud", "salud rural"]."""
    tags = []
    for piece in (raw or "").replace(";", ",").split(","):
        name = " ".join(piece.split()).lower()
        if name and name not in tags:
            tags.append(name)
    return tags


def _check_values(consultation, *, component_id, commitment_id, principles, tags):
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


def classify_contribution(contribution, *, actor, component_id=None, commitment_id=None,
             is_new_commitment=False, principles=(), tags=(), expected_version=None):
    """Set the classification; refuses with Conflict if someone saved it meanwhile."""
    if expected_version is not None and contribution.version != expected_version:
        raise Conflict(_l("Someone else saved this contribution while you were working on "
                          "it. Its current values are shown below: check them and save "
                          "again."))
    consultation = contribution.consultation
    principles, tags = list(dict.fromkeys(principles or ())), list(tags or ())
    _check_values(consultation, component_id=component_id, commitment_id=commitment_id,
                  principles=principles, tags=tags)
    before = classification_snapshot(contribution)
    contribution.classified_component_id = component_id or None
    contribution.classified_commitment_id = commitment_id or None
    contribution.is_new_commitment = bool(is_new_commitment and contribution.kind == "proposal"
                                          and not commitment_id)
    contribution.principles = principles
    contribution.tags = _tags(consultation, tags)
    contribution.classified_at = utcnow()
    contribution.classified_by_id = actor.id
    after = classification_snapshot(contribution)
    db.session.flush()  # the version check of the ORM runs here too
    record("contribution.classified", contribution, actor=actor,
           consultation_id=consultation.id, before=before, after=after)


def classify_contributions(contributions, *, actor, component_id=None, commitment_id=None,
                  is_new_commitment=False, principles=(), tags=()):
    """Apply the same classification to several contributions, all or nothing."""
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
        current = classification_snapshot(contribution)
        classify_contribution(contribution, actor=actor,
                 component_id=component_id or current["component_id"],
                 commitment_id=commitment_id or current["commitment_id"],
                 is_new_commitment=is_new_commitment or current["new_commitment"],
                 principles=list(dict.fromkeys([*current["principles"], *(principles or ())])),
                 tags=list(dict.fromkeys([*current["tags"], *(tags or ())])))


# --- groups ------------------------------------------------------------------------

def _group_snapshot(contribution):
    return {"group_id": contribution.group_id}


def create_group(consultation, *, actor, title, summary="", members=()):
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
    for contribution in members:
        add_to_group(contribution, group, actor=actor)
    return group


def update_group(group, *, actor, title, summary):
    title = (title or "").strip()
    if not title:
        raise OperationError(_l("Give the group a title."))
    before = {"title": group.title, "summary": group.summary}
    group.title, group.summary = title[:300], (summary or "").strip()
    record("group.updated", group, actor=actor, consultation_id=group.consultation_id,
           before=before, after={"title": group.title, "summary": group.summary})


def add_to_group(contribution, group, *, actor):
    """A contribution belongs to at most one group: adding moves it."""
    if contribution.consultation_id != group.consultation_id:
        raise OperationError(_l("That group belongs to another consultation."))
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


def remove_from_group(contribution, *, actor):
    if contribution.group_id is None:
        return
    before = _group_snapshot(contribution)
    contribution.group = None
    db.session.flush()
    record("contribution.ungrouped", contribution, actor=actor,
           consultation_id=contribution.consultation_id, before=before,
           after={"group_id": None})


# --- hiding and masking -----------------------------------------------------------------

def hide_contribution(contribution, *, actor, reason, note=""):
    if reason not in HIDE_REASONS:
        raise OperationError(_l("Choose a reason from the list."))
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


def mask_fragment(contribution, *, actor, fragment):
    """Hide a piece of personal data in public, keeping the rest of the text."""
    fragment = (fragment or "").strip()
    if len(fragment) < 3:
        raise OperationError(_l("Copy the exact text to mask (at least 3 characters)."))
    texts = [contribution.title or "", contribution.problem, contribution.objective,
             contribution.body, contribution.responsible or "",
             " ".join(contribution.co_responsible or []),
             " ".join(a.get("description", "") for a in contribution.actions or [])]
    if not any(fragment in text for text in texts):
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


def unmask_contribution(contribution, *, actor):
    if not contribution.masked_fragments:
        return
    before = {"masked": len(contribution.masked_fragments)}
    contribution.masked_fragments = []
    reindex(contribution)  # the search index holds only what the public may read
    record("contribution.unmasked", contribution, actor=actor,
           consultation_id=contribution.consultation_id, before=before, after={"masked": 0})
