"""Public pages of the organizing entities: all of them by level of government, and each
one with its consultations and their summaries."""

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consulta.accounts.entities import entities_by_level, entity_by_slug
from consulta.accounts.models import Entity
from consulta.core.dates import utcnow
from consulta.core.permissions import can
from consulta.extensions import db

from ..models import Consultation

bp = Blueprint("entities", __name__)


@bp.route("/entities")
def index():
    return render_template("entities/index.html", levels=entities_by_level())


def _consultations_of(entity):
    """The entity's consultations the current user may see (announced ones; also those
    being prepared, for its secretariat), the latest to open first."""
    query = (select(Consultation).where(Consultation.entity_id == entity.id)
             .options(selectinload(Consultation.windows))
             .order_by(Consultation.opens_at.desc()))
    if not can(current_user, "secretariat", entity):
        query = query.where(Consultation.is_public)
    return db.session.scalars(query).all()


@bp.route("/entities/<slug>")
def detail(slug):
    entity = entity_by_slug(slug)
    if entity is None:
        abort(404)
    children = db.session.scalars(select(Entity).where(Entity.parent_id == entity.id)
                                  .order_by(Entity.name)).all()
    manages_team = can(current_user, "secretariat", entity)
    return render_template("entities/detail.html", entity=entity, children=children,
                           consultations=_consultations_of(entity), now=utcnow(),
                           manages_team=manages_team)
