"""The one permission check for non-public views.

Roles are held platform-wide or *for an organizing entity* (``UserRole.entity_id``).
A role held for an entity covers that entity's consultations and those of its child
entities (a regional government's team also acts on the consultations of the agencies
it has as children); administrators, and anyone holding a role platform-wide, act on
every entity.

One decorator, given what it protects::

    role_required("admin")                            # platform-wide route
    role_required("secretariat", on=ANY_ENTITY)       # a page listing the user's entities
    role_required("moderator", on=load_consultation)  # one object: the loader gets the
                                                      # view's arguments, returns the object
                                                      # (a consultation, a contribution, an
                                                      # event...) or aborts 404

and one function, for checks inside a view or a template::

    can(current_user, "secretariat", consultation)   # True / False
    require("secretariat", contribution)             # or 403 (404 if not public)

An object is resolved to its entity through its ``entity`` (a consultation), or its
``consultation`` (a contribution, an event, a group...), or is itself an entity.

Anonymous visitors are sent to log in and brought back afterwards; logged-in users
without the role get the 403 page — or 404 when the object's existence is private
(``is_public`` false, e.g. an unannounced consultation of another entity).

Migrating a view (e.g. the follow-up part): replace ``role_required("secretariat")`` by
``role_required("secretariat", on=<loader of the protected object>)``, or keep the
decorator as ``on=ANY_ENTITY`` and call ``require(role, obj)`` once the object is
loaded; filter lists with ``entity_filter_ids(user, roles)``.
"""

from functools import wraps

from flask import abort
from flask_login import current_user

from consulta.extensions import login_manager

#: ``on=ANY_ENTITY``: the role held platform-wide or for at least one entity (the page
#: then lists only what the user's entities own).
ANY_ENTITY = object()


def entity_of(obj):
    """The organizing entity ``obj`` belongs to (None if it belongs to none)."""
    for _step in range(5):
        if obj is None:
            return None
        if hasattr(obj, "lineage_ids"):  # an entity
            return obj
        if hasattr(obj, "entity_id") and hasattr(obj, "entity"):
            return obj.entity
        obj = getattr(obj, "consultation", None)
    return None


def _roles(roles):
    return (roles,) if isinstance(roles, str) else tuple(roles)


def can(user, roles, obj=None):
    """Whether ``user`` holds one of ``roles`` for ``obj``.

    :param roles: a role name or a tuple of them.
    :param obj: None for a platform-wide check, ``ANY_ENTITY``, or the protected object.
    """
    if user is None or not user.is_authenticated:
        return False
    roles = _roles(roles)
    if obj is None:
        return user.has_role(*roles)
    if obj is ANY_ENTITY:
        return user.holds_role(*roles)
    if user.has_role(*roles):  # platform-wide: the object's entity is not even loaded
        return True
    if not user.role_entity_ids(*roles):
        return False
    return user.has_role(*roles, entity=entity_of(obj))


def _public(obj):
    """Whether the public may know ``obj`` exists (403 rather than 404 when refused)."""
    for _step in range(5):
        if obj is None:
            return True
        if hasattr(obj, "is_public"):
            return bool(obj.is_public)
        obj = getattr(obj, "consultation", None)
    return True


def require(roles, obj=None):
    """Abort unless the current user holds one of ``roles`` for ``obj`` (see ``can``)."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not can(current_user, roles, obj):
        abort(403 if obj is None or obj is ANY_ENTITY or _public(obj) else 404)


def entity_filter_ids(user, roles):
    """The ids of the entities whose objects ``user`` may act on with one of ``roles``
    (children included), or None for every entity (a platform-wide role).

    For lists: ``if ids is not None: query = query.where(X.entity_id.in_(ids))``.
    """
    direct = user.role_entity_ids(*_roles(roles))
    if direct is None:
        return None
    if not direct:
        return set()
    from consulta.extensions import db  # children: a small table, read when needed

    rows = db.session.execute(db.text("SELECT id, parent_id FROM entities")).all()
    children = {}
    for ident, parent in rows:
        children.setdefault(parent, []).append(ident)
    ids, todo = set(), list(direct)
    while todo:
        ident = todo.pop()
        if ident not in ids:
            ids.add(ident)
            todo.extend(children.get(ident, ()))
    return ids


def role_required(*roles, on=None):
    """Require a logged-in account holding one of ``roles`` (none: any account).

    :param on: None (platform-wide roles), ``ANY_ENTITY``, or a loader called with the
        view's arguments that returns the protected object (or aborts 404).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles:
                if on is None:
                    require(roles)
                else:
                    # No role anywhere: 403 before anything is loaded.
                    require(roles, ANY_ENTITY)
                    if on is not ANY_ENTITY:
                        require(roles, on(**kwargs))
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        wrapped.protects = on
        return wrapped

    return decorator


#: Any logged-in account.
login_required = role_required()
