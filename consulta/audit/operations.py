"""Writing the audit log: the one operation every other part calls."""

from flask_login import current_user

from consulta.extensions import db

from .models import AuditEntry


def jsonable(value):
    """A value as the log's ``before``/``after`` JSON holds it: dates in ISO 8601."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def _current_actor_id():
    try:
        if current_user and current_user.is_authenticated:
            return current_user.id
    except RuntimeError:  # outside a request (CLI)
        pass
    return None


def record(action, obj=None, *, object_type=None, object_id=None, before=None, after=None,
           actor=None, consultation_id=None):
    """Append an audit entry to the session (the caller commits).

    :param action: dotted verb such as ``account.deleted`` (labelled in
        ``audit.constants.ACTIONS``).
    :param obj: the model acted on; its table name and id are stored.
    :param object_type: what was acted on, when no ``obj`` is given (or to override it).
    :param object_id: its id, likewise.
    :param before: JSON-serializable values before the change (never personal data).
    :param after: values after the change (never personal data either).
    :param actor: who acted; by default the logged-in user, and nobody (None) outside a
        request (the command line).
    :param consultation_id: the consultation the action belongs to, for its log page.
    """
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    entry = AuditEntry(
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        actor_id=actor.id if actor is not None else _current_actor_id(),
        consultation_id=consultation_id,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry
