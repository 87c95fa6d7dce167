"""Operations on consultations, their timeline and draft plan.

Each checks its rule, changes the models and writes the audit log; none commits (the
view or command that called it does, once). A rule that forbids the change raises
``OperationError`` with a message for the user.
"""

import re
import unicodedata
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consulta.audit.operations import jsonable, record
from consulta.core.dates import local_today, utcnow
from consulta.core.operations import OperationError
from consulta.core.taxonomy import SECTORS
from consulta.extensions import db

from .models import Commitment, Component, Consultation, Phase, PlanSection, PlanVersion

CONSULTATION_FIELDS = ("title", "summary", "description", "scope", "scope_region",
                       "scope_locality", "organizer", "forum_name", "methodology", "channels",
                       "requires_review", "opens_at", "closes_at", "forum_members",
                       "forum_meetings")
DATE_FIELDS = ("opens_at", "closes_at")


def slugify(text, max_length=80):
    """An address made of ``text``: lower-case ASCII letters, digits and hyphens.

    :param text: usually the title ("Plan de Acción 2026" → "plan-de-accion-2026").
    :param max_length: the longest result (the column holds 80).
    """
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return text[:max_length].rstrip("-") or "consulta"


def unique_slug(base, exclude_id=None):
    """``base``, or ``base-2``, ``base-3``... whichever no other consultation uses.

    :param base: the address wanted (see ``slugify``).
    :param exclude_id: a consultation whose own address does not count as taken.
    """
    slug, n = base, 2
    while _slug_taken(slug, exclude_id):
        suffix = f"-{n}"
        slug = base[:80 - len(suffix)].rstrip("-") + suffix
        n += 1
    return slug


def _slug_taken(slug, exclude_id=None):
    query = select(Consultation.id).where(Consultation.slug == slug)
    if exclude_id is not None:
        query = query.where(Consultation.id != exclude_id)
    return db.session.scalar(query) is not None


def _ensure_slug_free(slug, exclude_id=None):
    if _slug_taken(slug, exclude_id):
        raise OperationError(_l("This address is already used by another consultation."))


def _clean(values):
    values = dict(values)
    if values.get("scope") == "national":
        values["scope_region"] = None
    if values.get("scope") != "local":
        values["scope_locality"] = None
    for key in ("scope_region", "scope_locality", "forum_name"):
        if key in values:
            values[key] = values[key] or None
    if "channels" in values:
        values["channels"] = list(dict.fromkeys(values["channels"] or []))
    _check_forum(values)
    return values


def _check_forum(values):
    """The forum's evidence: members by sector (known sectors, whole numbers) and the
    dates of meetings already held; refused otherwise."""
    members = values.get("forum_members")
    if members is not None:
        if any(sector not in SECTORS or not isinstance(n, int) or not 0 <= n <= 10000
               for sector, n in members.items()):
            raise OperationError(_l("The forum's members are a whole number from 0 for "
                                    "each sector of the list."))
        values["forum_members"] = {sector: n for sector, n in members.items() if n}
    meetings = values.get("forum_meetings")
    if meetings is not None:
        try:
            days = sorted({date.fromisoformat(day) for day in meetings})
        except (TypeError, ValueError):
            raise OperationError(_l("Write each date as YYYY-MM-DD, for example "
                                    "2026-03-14.")) from None
        if days and days[-1] > local_today():
            raise OperationError(_l("A forum meeting on %(date)s has not been held yet: "
                                    "record it once it has.", date=format_date(days[-1], "long")))
        values["forum_meetings"] = [day.isoformat() for day in days]


def create_consultation(*, actor, slug=None, **values):
    """Create a consultation, private until it is announced.

    :param actor: the member of the secretariat who creates it.
    :param slug: its address; made from the title when empty. Refused if taken.
    :param values: the fields of ``CONSULTATION_FIELDS`` (title, summary, scope, dates...).
    """
    values = _clean(values)
    if slug:
        _ensure_slug_free(slug)
    else:
        slug = unique_slug(slugify(values["title"]))
    consultation = Consultation(slug=slug, created_by_id=actor.id, created_at=utcnow(),
                                **{k: values.get(k) for k in CONSULTATION_FIELDS
                                   if k in values})
    db.session.add(consultation)
    db.session.flush()
    record("consultation.created", consultation, actor=actor, consultation_id=consultation.id,
           after={"slug": slug, "title": consultation.title})
    return consultation


def update_consultation(consultation, *, actor, slug=None, **values):
    """Edit a consultation; returns whether anything changed.

    Date changes after the announcement are also recorded apart: the consultation's
    page shows them as public notices.

    :param consultation: the consultation to edit.
    :param actor: the member of the secretariat who edits it.
    :param slug: a new address; refused once the consultation is public (people may
        have shared it) or if another consultation uses it.
    :param values: the fields of ``CONSULTATION_FIELDS`` to set.
    """
    values = _clean(values)
    if slug and slug != consultation.slug:
        _ensure_slug_free(slug, exclude_id=consultation.id)
        if consultation.is_public:
            raise OperationError(_l("The address cannot change once the consultation is "
                                    "announced: people may have shared it."))
        values["slug"] = slug
    before, after = {}, {}
    for key, value in values.items():
        old = getattr(consultation, key)
        if old != value:
            before[key], after[key] = jsonable(old), jsonable(value)
            setattr(consultation, key, value)
    if not after:
        return False
    dates_before = {k: before[k] for k in DATE_FIELDS if k in before}
    if consultation.is_public and dates_before:
        record("consultation.dates_changed", consultation, actor=actor,
               consultation_id=consultation.id, before=dates_before,
               after={k: after[k] for k in dates_before})
    long_text = {"description", "methodology"}
    record("consultation.updated", consultation, actor=actor, consultation_id=consultation.id,
           before={k: ("…" if k in long_text else v) for k, v in before.items()},
           after={k: ("…" if k in long_text else v) for k, v in after.items()})
    return True


def announce_consultation(consultation, *, actor):
    """Make the consultation public; the announcement date is evidence of advance notice.

    Refused when already announced, when the opening is not in the future, when it
    closes before it opens, or without a timeline (at least one phase).

    :param consultation: the private consultation to announce.
    :param actor: the member of the secretariat who announces it.
    """
    now = utcnow()
    if consultation.announced_at is not None:
        raise OperationError(_l("This consultation has already been announced."))
    if consultation.opens_at <= now:
        raise OperationError(_l("The opening date is in the past. Move it to a future date "
                                "before announcing, so people have notice."))
    if consultation.closes_at <= consultation.opens_at:
        raise OperationError(_l("The closing must come after the opening."))
    if not consultation.phases:
        raise OperationError(_l("Add the timeline (at least one phase) before announcing."))
    consultation.announced_at = now
    record("consultation.announced", consultation, actor=actor,
           consultation_id=consultation.id, after={"announced_at": now.isoformat()})


# --- timeline ------------------------------------------------------------------

def save_phase(consultation, *, actor, phase=None, name, starts_on, ends_on, description=""):
    """Add a phase to the timeline, or edit one; returns the phase.

    After the announcement, a change of dates is also recorded apart, as a public notice.

    :param consultation: the consultation whose timeline it is.
    :param actor: the member of the secretariat who saves it.
    :param phase: the phase to edit; None adds one at the end.
    :param name: its name ("Talleres descentralizados").
    :param starts_on: its first day (a local calendar date).
    :param ends_on: its last day, not before ``starts_on``.
    :param description: what happens in it (optional).
    """
    if ends_on < starts_on:
        raise OperationError(_l("The end date must not be before the start date."))
    if phase is None:
        phase = Phase(consultation=consultation, position=len(consultation.phases) + 1)
        db.session.add(phase)
        before = None
    else:
        before = {"name": phase.name, "starts_on": phase.starts_on.isoformat(),
                  "ends_on": phase.ends_on.isoformat()}
    phase.name, phase.description = name, description or ""
    phase.starts_on, phase.ends_on = starts_on, ends_on
    db.session.flush()
    after = {"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}
    if before != after:
        record("phase.saved", phase, actor=actor, consultation_id=consultation.id,
               before=before, after=after)
        if consultation.is_public and before and (
                before["starts_on"], before["ends_on"]) != (after["starts_on"],
                                                            after["ends_on"]):
            record("phase.dates_changed", phase, actor=actor, consultation_id=consultation.id,
                   before=before, after=after)
    return phase


def delete_phase(phase, *, actor):
    """Delete a phase of a timeline not yet announced (a published one is only edited).

    :param phase: the phase to delete.
    :param actor: the member of the secretariat who deletes it.
    """
    consultation = phase.consultation
    if consultation.is_public:
        raise OperationError(_l("After the announcement, phases can be edited but not "
                                "deleted, so that the published timeline stays traceable."))
    record("phase.deleted", phase, actor=actor, consultation_id=consultation.id,
           before={"name": phase.name}, after=None)
    consultation.phases.remove(phase)


# --- components ----------------------------------------------------------------

def require_component(consultation, component_id):
    """The consultation's component with this id; refused if it belongs to no other.

    :param consultation: the consultation the component must belong to.
    :param component_id: the id chosen in a form (any value: it is checked here).
    """
    component = db.session.get(Component, component_id) if component_id else None
    if component is None or component.consultation_id != consultation.id:
        raise OperationError(_l("Choose a component of this consultation."))
    return component


def _component_name_taken(consultation, name, exclude_id=None):
    # Compared in Python: SQLite's lower() leaves non-ASCII letters alone ("SALUD PÚBLICA").
    query = select(Component.name).where(Component.consultation_id == consultation.id)
    if exclude_id is not None:
        query = query.where(Component.id != exclude_id)
    return name.casefold() in {other.casefold() for other in db.session.scalars(query)}


def save_component(consultation, *, actor, component=None, name, description=""):
    """Add a component (theme) to the consultation, or rename one; returns it.

    :param consultation: the consultation it belongs to.
    :param actor: the member of the secretariat who saves it.
    :param component: the component to edit; None adds one at the end.
    :param name: its name, unique in the consultation whatever the capitals.
    :param description: what it covers (optional).
    """
    if _component_name_taken(consultation, name, component.id if component else None):
        raise OperationError(_l("There is already a component with this name."))
    if component is None:
        component = Component(consultation=consultation,
                              position=len(consultation.components) + 1)
        db.session.add(component)
    before = {"name": component.name} if component.id else None
    component.name, component.description = name, description or ""
    db.session.flush()
    record("component.saved", component, actor=actor, consultation_id=consultation.id,
           before=before, after={"name": name})
    return component


def delete_component(component, *, actor):
    """Delete a component nothing refers to yet (a component in use can be renamed).

    Refused while commitments or contributions (as sent or as classified) refer to it.

    :param component: the component to delete.
    :param actor: the member of the secretariat who deletes it.
    """
    used = db.session.scalar(select(func.count()).select_from(Commitment)
                             .where(Commitment.component_id == component.id))
    if used:
        raise OperationError(_l("This component has commitments; move them first."))
    consultation = component.consultation
    try:
        # What else refers to a component (contributions, as sent or as classified)
        # belongs to parts above this one: the database's foreign keys know them all.
        with db.session.begin_nested():
            consultation.components.remove(component)
            db.session.flush()
    except IntegrityError:
        raise OperationError(_l("Contributions refer to this component, so it cannot be "
                                "deleted. You can rename it.")) from None
    record("component.deleted", component, actor=actor, consultation_id=consultation.id,
           before={"name": component.name}, after=None)


# --- draft plan ----------------------------------------------------------------

def ensure_draft_version(consultation, *, actor):
    """The version of the plan being edited: the existing draft, or a new one started as
    a copy of the last published version (audited as started).

    :param consultation: the consultation whose plan it is.
    :param actor: the member of the secretariat who edits the plan.
    """
    draft = consultation.draft_plan
    if draft is not None:
        return draft
    previous = consultation.published_plan
    draft = PlanVersion(
        consultation=consultation,
        number=(previous.number + 1) if previous else 1,
        title=previous.title if previous else consultation.title,
        created_at=utcnow(),
    )
    db.session.add(draft)
    if previous is not None:
        for section in previous.sections:
            draft.sections.append(PlanSection(position=section.position, title=section.title,
                                              body=section.body))
        for commitment in previous.commitments:
            draft.commitments.append(Commitment(**{
                key: getattr(commitment, key) for key in COMMITMENT_FIELDS},
                component_id=commitment.component_id))
    db.session.flush()
    record("plan.version_started", draft, actor=actor, consultation_id=consultation.id,
           after={"number": draft.number})
    return draft


def _ensure_draft(version):
    """Only the draft is edited: a published version of the plan never changes."""
    if version.is_published:
        raise OperationError(_l("A published version cannot change; edit the new draft."))


COMMITMENT_FIELDS = ("number", "title", "summary", "problem", "objective", "responsible",
                     "co_responsible", "actions", "due", "principles")


def save_commitment(version, *, actor, commitment=None, component_id, **values):
    """Add a commitment to a draft version of the plan, or edit one; returns it.

    :param version: the draft version (a published one cannot change).
    :param actor: the member of the secretariat who saves it.
    :param commitment: the commitment to edit; None adds one.
    :param component_id: its component, one of the consultation's.
    :param values: the fields of ``COMMITMENT_FIELDS``; ``number`` is unique in the
        version.
    """
    _ensure_draft(version)
    consultation = version.consultation
    component = require_component(consultation, component_id)
    taken = db.session.scalar(select(Commitment.id).where(
        Commitment.plan_version_id == version.id, Commitment.number == values["number"],
        Commitment.id != (commitment.id if commitment else -1)))
    if taken:
        raise OperationError(_l("There is already a commitment with number %(number)d.",
                                number=values["number"]))
    if commitment is None:
        commitment = Commitment(plan_version=version)
        db.session.add(commitment)
    for key in COMMITMENT_FIELDS:
        if key in values:
            setattr(commitment, key, values[key])
    commitment.component_id = component.id
    db.session.flush()
    record("commitment.saved", commitment, actor=actor, consultation_id=consultation.id,
           after={"number": commitment.number, "version": version.number})
    return commitment


def delete_commitment(commitment, *, actor):
    """Remove a commitment from a draft version of the plan.

    :param commitment: the commitment (of a draft version: a published one cannot change).
    :param actor: the member of the secretariat who removes it.
    """
    version = commitment.plan_version
    _ensure_draft(version)
    record("commitment.deleted", commitment, actor=actor,
           consultation_id=version.consultation_id,
           before={"number": commitment.number, "version": version.number}, after=None)
    version.commitments.remove(commitment)


def save_section(version, *, actor, section=None, title, body=""):
    """Add a section of free text to a draft version of the plan, or edit one.

    :param version: the draft version (a published one cannot change).
    :param actor: the member of the secretariat who saves it.
    :param section: the section to edit; None adds one at the end.
    :param title: its title.
    :param body: its text (Markdown).
    """
    _ensure_draft(version)
    if section is None:
        section = PlanSection(plan_version=version, position=len(version.sections) + 1)
        db.session.add(section)
    section.title, section.body = title, body or ""
    db.session.flush()
    record("plan_section.saved", section, actor=actor,
           consultation_id=version.consultation_id, after={"title": title})
    return section


def delete_section(section, *, actor):
    """Remove a section from a draft version of the plan.

    :param section: the section (of a draft version: a published one cannot change).
    :param actor: the member of the secretariat who removes it.
    """
    version = section.plan_version
    _ensure_draft(version)
    record("plan_section.deleted", section, actor=actor,
           consultation_id=version.consultation_id, before={"title": section.title},
           after=None)
    version.sections.remove(section)


def publish_plan_version(consultation, *, actor, note=""):
    """Publish the draft version of the plan; from then on it never changes (a new draft
    starts as its copy). Refused without a draft or without commitments.

    :param consultation: the consultation whose draft plan is published.
    :param actor: the member of the secretariat who publishes it.
    :param note: what changed since the previous version, shown with it.
    """
    version = consultation.draft_plan
    if version is None:
        raise OperationError(_l("There are no changes to publish."))
    if not version.commitments:
        raise OperationError(_l("The draft plan has no commitments yet."))
    version.published_at = utcnow()
    version.published_by_id = actor.id
    version.note = note or ""
    record("plan.published", version, actor=actor, consultation_id=consultation.id,
           after={"number": version.number, "commitments": len(version.commitments)})
    return version


def import_plan(consultation, plan, *, actor):
    """Replace the draft version's content with a parsed plan; returns the version.

    Components are matched by name (new ones are added); the draft's commitments and
    sections are replaced by the file's.

    :param consultation: the consultation whose plan it is.
    :param plan: a plan as ``plan_import.parse_plan`` returns it (already checked).
    :param actor: the member of the secretariat who imports it (None from the command).
    """
    version = ensure_draft_version(consultation, actor=actor)
    by_name = {c.name.lower(): c for c in consultation.components}
    for item in plan["components"]:
        component = by_name.get(item["name"].lower())
        if component is None:
            component = Component(consultation=consultation, name=item["name"],
                                  description=item["description"],
                                  position=len(consultation.components) + 1)
            db.session.add(component)
            by_name[item["name"].lower()] = component
        elif item["description"]:
            component.description = item["description"]
    version.commitments.clear()
    version.sections.clear()
    db.session.flush()
    if plan["title"]:
        version.title = plan["title"][:300]
    for position, section in enumerate(plan["sections"], start=1):
        version.sections.append(PlanSection(position=position, **section))
    for item in plan["commitments"]:
        component = by_name[item["component"].lower()]
        version.commitments.append(Commitment(
            component=component, **{key: item[key] for key in COMMITMENT_FIELDS}))
    db.session.flush()
    record("plan.imported", version, actor=actor, consultation_id=consultation.id,
           after={"version": version.number, "components": len(plan["components"]),
                  "commitments": len(plan["commitments"]),
                  "sections": len(plan["sections"])})
    return version
