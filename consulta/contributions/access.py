"""Loading a contribution by its tracking code (or answering 404)."""

from flask import abort
from sqlalchemy import select

from consulta.consultations.access import can_see
from consulta.extensions import db

from .models import Contribution


def get_contribution(code):
    """A contribution by tracking code, if its consultation is visible (404 otherwise)."""
    contribution = db.session.scalar(select(Contribution).where(
        Contribution.tracking_code == code))
    if contribution is None or not can_see(contribution.consultation):
        abort(404)
    return contribution
