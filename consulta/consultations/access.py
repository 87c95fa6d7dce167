"""Who may see a consultation, and loading what belongs to one (or answering 404).

Views never repeat these checks: they load through here. A consultation still being
prepared is invisible (404) to everyone but the technical secretariat.
"""

from flask import abort
from flask_login import current_user

from consulta.extensions import db

from .queries import consultation_by_slug


def can_manage():
    """The current user prepares consultations (technical secretariat)."""
    return current_user.is_authenticated and current_user.has_role("secretariat")


def can_see(consultation):
    """Public once announced; before, only for the secretariat."""
    return consultation.is_public or can_manage()


def get_visible_consultation(slug):
    """The consultation if the current user may see it: private ones are 404 to the public."""
    consultation = consultation_by_slug(slug)
    if consultation is None or not can_see(consultation):
        abort(404)
    return consultation


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
