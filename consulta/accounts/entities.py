"""Organizing entities and their teams: operations and queries.

An entity (ministry, regional or state government, municipality...) runs consultations
and has its own staff team: roles held *for the entity* (``UserRole.entity_id``).
Administrators create and edit entities and appoint anyone to a team; an entity's
secretariat manages its own team (secretariat, moderators, facilitators of THAT entity,
never a platform-wide role). Everything is audited. Who may act on what is decided in
``consulta.core.permissions``.
"""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consulta.audit.operations import record
from consulta.core.dates import utcnow
from consulta.core.operations import OperationError
from consulta.core.permissions import can
from consulta.core.taxonomy import REGION_NOT_LISTED, level_codes, region_codes
from consulta.extensions import db

from .models import Entity, User, UserRole
from .signals import entity_renamed

#: The roles an entity's team is made of (administrators are platform-wide only).
TEAM_ROLES = ("secretariat", "moderator", "facilitator")

#: What a consultation's scope says of the level of the entity made from its organizer
#: text (the migration and ``entity_for_organizer``).
SCOPE_LEVELS = {"national": "national", "regional": "regional", "local": "local"}

ENTITY_FIELDS = ("name", "acronym", "level", "parent_id", "region")


# --- queries -------------------------------------------------------------------------

def entity_by_slug(slug):
    return db.session.scalar(select(Entity).where(Entity.slug == slug))


def all_entities():
    """Every entity, by name."""
    return db.session.scalars(select(Entity).order_by(Entity.name)).all()


def entity_exists():
    """Whether any organizing entity exists: a new install has none, and nothing can be
    organized (a consultation, a team) until an administrator creates one."""
    return db.session.scalar(select(Entity.id).limit(1)) is not None


def entities_by_level():
    """``[(level code, [entities])]`` in the order of the profile's levels, empty levels
    left out (an entity of a level no longer in the profile comes last)."""
    entities = all_entities()
    order = {code: n for n, code in enumerate(level_codes())}
    levels = sorted({e.level for e in entities}, key=lambda c: (order.get(c, len(order)), c))
    return [(level, [e for e in entities if e.level == level]) for level in levels]


def managed_entities(user, role="secretariat"):
    """The entities ``user`` holds ``role`` for (children included): every entity for an
    administrator or a platform-wide role."""
    from consulta.core.permissions import entity_filter_ids

    ids = entity_filter_ids(user, role)
    if ids is None:
        return all_entities()
    if not ids:
        return []
    return db.session.scalars(select(Entity).where(Entity.id.in_(ids))
                              .order_by(Entity.name)).all()


def team_of(entity):
    """The roles held for ``entity``, with their accounts, by role then name."""
    return db.session.scalars(
        select(UserRole).join(User, UserRole.user_id == User.id)
        .where(UserRole.entity_id == entity.id, User.deleted_at.is_(None))
        .order_by(UserRole.role, User.display_name, User.id)).all()


# --- operations ----------------------------------------------------------------------

def slugify_entity(text):
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].rstrip("-") or "entidad"


def _unique_slug(base, exclude_id=None):
    slug, n = base, 2
    while db.session.scalar(select(Entity.id).where(Entity.slug == slug,
                                                    Entity.id != (exclude_id or 0))):
        suffix = f"-{n}"
        slug = base[:80 - len(suffix)].rstrip("-") + suffix
        n += 1
    return slug


def _clean(values, entity=None):
    """The entity's fields checked: refused with a translated message."""
    name = " ".join((values.get("name") or "").split())
    if not name:
        raise OperationError(_l("Give the entity a name."))
    if len(name) > 200:
        raise OperationError(_l("The name is too long (200 characters at most)."))
    taken = db.session.scalar(select(Entity.id).where(
        func.lower(Entity.name) == name.lower(),
        Entity.id != (entity.id if entity is not None else 0)))
    if taken:
        raise OperationError(_l("Another entity already has this name."))
    acronym = " ".join((values.get("acronym") or "").split()) or None
    if acronym and len(acronym) > 40:
        raise OperationError(_l("The acronym is too long (40 characters at most)."))
    level = values.get("level")
    if level not in level_codes():
        raise OperationError(_l("Choose a level of government from the list."))
    region = values.get("region") or None
    if region is not None and region not in region_codes():
        raise OperationError(REGION_NOT_LISTED)
    parent_id = values.get("parent_id") or None
    if parent_id is not None:
        parent = db.session.get(Entity, parent_id)
        if parent is None:
            raise OperationError(_l("Choose the parent entity from the list."))
        if entity is not None and entity.id in parent.lineage_ids():
            raise OperationError(_l("An entity cannot depend on itself or on one of the "
                                    "entities that depend on it."))
    return {"name": name, "acronym": acronym, "level": level, "region": region,
            "parent_id": parent_id}


def _require_admin(actor):
    if not can(actor, "admin"):
        raise OperationError(_l("Only an administrator can do this."))


def create_entity(*, actor, slug=None, **values):
    """Create an organizing entity.

    :param actor: an administrator (None: the command line or the demo).
    :param slug: its address; made from the name when empty.
    :param values: name, acronym, level (a profile level code), parent_id, region.
    """
    if actor is not None:
        _require_admin(actor)
    values = _clean(values)
    slug = _unique_slug(slugify_entity(slug or values["name"]))
    entity = Entity(slug=slug, created_at=utcnow(),
                    created_by_id=actor.id if actor is not None else None, **values)
    db.session.add(entity)
    db.session.flush()
    record("entity.created", entity, actor=actor, after={"slug": slug, **values})
    return entity


def update_entity(entity, *, actor, **values):
    """Edit an entity (its address stays); False when nothing changed.

    :param actor: an administrator.
    """
    _require_admin(actor)
    values = _clean(values, entity)
    before = {k: getattr(entity, k) for k in values}
    if before == values:
        return False
    for key, value in values.items():
        setattr(entity, key, value)
    entity.updated_at, entity.updated_by_id = utcnow(), actor.id
    if before["name"] != values["name"]:
        # Consultations display their entity's name (frozen summaries keep theirs).
        entity_renamed.send(entity)
    changed = [k for k in values if before[k] != values[k]]
    record("entity.updated", entity, actor=actor, before={k: before[k] for k in changed},
           after={k: values[k] for k in changed})
    return True


def entity_for_organizer(name, *, scope=None, actor=None):
    """The entity named ``name`` (ignoring case), created when there is none: how a
    consultation given only an organizer text (an import, an older caller) gets its
    entity. Its level follows the scope (national, regional, local; else "other").
    """
    name = " ".join((name or "").split())
    if not name:
        raise OperationError(_l("Choose the organizing entity."))
    entity = db.session.scalar(select(Entity).where(func.lower(Entity.name) == name.lower()))
    if entity is not None:
        return entity
    level = SCOPE_LEVELS.get(scope, "other")
    if level not in level_codes():
        level = "other" if "other" in level_codes() else level_codes()[0]
    return create_entity(actor=None, name=name, level=level)


def _require_team_manager(actor, entity):
    if not can(actor, "secretariat", entity):
        raise OperationError(_l("Only an administrator or this entity's technical "
                                "secretariat can change its team."))


def grant_entity_role(entity, user, role, *, actor):
    """Give ``user`` ``role`` for ``entity``; False if they already hold it there.

    :param actor: an administrator, or a member of the entity's secretariat.
    """
    _require_team_manager(actor, entity)
    if role not in TEAM_ROLES:
        raise OperationError(_l("Choose a role of the entity's team."))
    if user is None or not user.is_active:
        raise OperationError(_l("There is no account with this e-mail address."))
    if not user.is_confirmed:
        raise OperationError(_l("This account has not confirmed its e-mail address yet; roles "
                                "can be given once it has."))
    if any(r.role == role and r.entity_id == entity.id for r in user.roles):
        return False
    user.roles.append(UserRole(role=role, entity_id=entity.id, granted_at=utcnow(),
                               granted_by_id=actor.id if actor is not None else None))
    record("entity.role_granted", entity, actor=actor,
           after={"role": role, "user_id": user.id})
    return True


def revoke_entity_role(entity, user, role, *, actor):
    """Take ``role`` for ``entity`` away from ``user``; False if they did not hold it.
    The entity's last secretariat is removed by an administrator only.

    :param actor: an administrator, or a member of the entity's secretariat.
    """
    _require_team_manager(actor, entity)
    held = next((r for r in user.roles if r.role == role and r.entity_id == entity.id), None)
    if held is None:
        return False
    if role == "secretariat" and not can(actor, "admin"):
        others = [r for r in team_of(entity) if r.role == "secretariat" and r.user_id != user.id]
        if not others:
            raise OperationError(_l("The entity keeps at least one member of its technical "
                                    "secretariat: add another one first."))
    user.roles.remove(held)
    record("entity.role_revoked", entity, actor=actor,
           before={"role": role, "user_id": user.id})
    return True
