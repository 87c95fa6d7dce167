"""Who may see a consultation, and loading what belongs to one (or answering 404).

Views never repeat these checks: they load through here. A consultation still being
prepared is invisible (404) to everyone but the technical secretariat.
"""

from flask import abort, g
from flask_login import current_user

from consulta.core.permissions import ANY_ENTITY, can
from consulta.extensions import db

from .queries import consultation_by_slug


def can_manage(consultation=None):
    """The current user prepares consultations (technical secretariat): of this
    consultation's entity, or (without one) of at least one entity."""
    return can(current_user, "secretariat", consultation or ANY_ENTITY)


def can_see(consultation):
    """Public once announced; before, only for its entity's secretariat."""
    return consultation.is_public or can_manage(consultation)


def get_visible_consultation(slug):
    """The consultation if the current user may see it: private ones are 404 to the public.

    Loaded once per request (the permission check of the view loaded it already)."""
    loaded = g.setdefault("consultations_by_slug", {})
    if slug not in loaded:
        loaded[slug] = consultation_by_slug(slug)
    consultation = loaded[slug]
    if consultation is None or not can_see(consultation):
        abort(404)
    return consultation


def protected_consultation(slug, **_arguments):
    """For ``role_required(..., on=protected_consultation)``: the route's consultation."""
    return get_visible_consultation(slug)


def get_in_consultation(model, ident, consultation):
    """The ``model`` row with this id if it belongs to the consultation, else 404.

    Plan sections and commitments belong to it through their plan version.
    """
    row = db.session.get(model, ident)
    owner = getattr(row, "plan_version", row)
    if row is None or owner.consultation_id != consultation.id:
        abort(404)
    return row


def get_in_draft(model, ident, consultation):
    """A section or commitment of the consultation's draft plan, else 404: a published
    version never changes, so its parts have no edit page."""
    row = get_in_consultation(model, ident, consultation)
    if row.plan_version.is_published:
        abort(404)
    return row
