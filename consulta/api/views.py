"""The read-only open-data API, /api/v1/."""

from flask import Blueprint, abort, jsonify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consulta.consultations.models import Commitment, Consultation, PlanVersion
from consulta.core.dates import utcnow
from consulta.extensions import db

from . import serializers

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.after_request
def allow_cross_origin_reads(response):
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response


@bp.route("/consultations")
def consultations():
    now = utcnow()
    items = db.session.scalars(
        select(Consultation).where(Consultation.announced_at.is_not(None))
        .order_by(Consultation.opens_at.desc())).all()
    return jsonify({"consultations": [serializers.consultation_summary(c, now) for c in items]})


@bp.route("/consultations/<slug>")
def consultation(slug):
    item = db.session.scalar(
        select(Consultation)
        .where(Consultation.slug == slug, Consultation.announced_at.is_not(None))
        .options(selectinload(Consultation.phases), selectinload(Consultation.components),
                 selectinload(Consultation.plan_versions)
                 .selectinload(PlanVersion.commitments).selectinload(Commitment.component),
                 selectinload(Consultation.plan_versions).selectinload(PlanVersion.sections)))
    if item is None:
        abort(404)
    return jsonify(serializers.consultation_detail(item))
