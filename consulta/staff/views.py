"""The staff's start page, where moderators and the secretariat land after logging in."""

from flask import Blueprint, render_template
from flask_login import current_user

from consulta.core.permissions import ANY_ENTITY, role_required

from . import queries

bp = Blueprint("staff", __name__)


@bp.route("/staff")
@role_required("moderator", "secretariat", on=ANY_ENTITY)
def home():
    return render_template("staff/home.html", **queries.awaiting(current_user))
