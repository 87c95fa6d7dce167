"""The read-only open-data API, /api/v1/."""

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consulta.consultations.models import Commitment, Consultation, PlanVersion
from consulta.contributions.models import Contribution
from consulta.contributions.queries import with_list_relations
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


def _public_consultation(slug):
    item = db.session.scalar(select(Consultation).where(
        Consultation.slug == slug, Consultation.announced_at.is_not(None)))
    if item is None:
        abort(404)
    return item


@bp.route("/consultations/<slug>/contributions")
def contributions(slug):
    """Visible contributions, paginated (``page``, ``per_page`` up to 100), oldest first."""
    consultation = _public_consultation(slug)
    page_number = request.args.get("page", 1, type=int) or 1
    per_page = min(max(request.args.get("per_page", 50, type=int) or 50, 1), 100)
    query = with_list_relations(
        select(Contribution).where(Contribution.consultation_id == consultation.id,
                                   Contribution.withdrawn_at.is_(None))
        .order_by(Contribution.id))
    page = db.paginate(query, page=max(page_number, 1), per_page=per_page, error_out=False)
    return jsonify({
        "consultation": consultation.slug,
        "page": page.page, "per_page": page.per_page, "total": page.total,
        "pages": page.pages,
        "contributions": [serializers.contribution(c) for c in page.items],
    })


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
