from flask import Blueprint, abort
from sqlalchemy import select

from consulta.consultations.views import can_manage
from consulta.extensions import db

from ..models import Contribution

bp = Blueprint("contributions", __name__)


def get_contribution(code):
    """A contribution by tracking code, if its consultation is visible (404 otherwise)."""
    contribution = db.session.scalar(select(Contribution).where(
        Contribution.tracking_code == code))
    if contribution is None or (not contribution.consultation.is_public and not can_manage()):
        abort(404)
    return contribution


from . import offline, participate, public  # noqa: E402, F401  (routes register on bp)
