from flask import Blueprint, abort
from flask_login import current_user
from sqlalchemy import select

from consulta.extensions import db

from ..models import Consultation

bp = Blueprint("consultations", __name__)


def can_manage():
    return current_user.is_authenticated and current_user.has_role("secretariat")


def get_visible_consultation(slug):
    """The consultation if the current user may see it: private ones are 404 to the public."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None or (not consultation.is_public and not can_manage()):
        abort(404)
    return consultation


def get_in_consultation(model, ident, consultation):
    """The `model` row with this id if it belongs to the consultation, else 404.

    Plan sections and commitments belong to it through their plan version.
    """
    row = db.session.get(model, ident)
    owner = getattr(row, "plan_version", row)
    if row is None or owner.consultation_id != consultation.id:
        abort(404)
    return row


from . import manage, public  # noqa: E402, F401  (routes register on bp)
