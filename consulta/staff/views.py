"""The staff's start page, where moderators and the secretariat land after logging in."""

from flask import Blueprint, render_template
from flask_login import current_user

from consulta.accounts.entities import entity_exists
from consulta.core.permissions import ANY_ENTITY, role_required

from . import queries

bp = Blueprint("staff", __name__)


@bp.route("/staff")
@role_required("moderator", "secretariat", on=ANY_ENTITY)
def home():
    awaiting = queries.awaiting(current_user)
    # With a consultation there is an entity: asked only of an empty start page.
    no_entity = not awaiting["rows"] and not entity_exists()
    return render_template("staff/home.html", no_entity=no_entity, **awaiting)
