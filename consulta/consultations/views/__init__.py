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


from . import manage, public  # noqa: E402, F401  (routes register on bp)
