from flask import abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consulta.core.cache import cached_figures
from consulta.core.dates import local_today, utcnow
from consulta.extensions import db

from ..constants import CHANNEL_HOW_TO, CHANNELS
from ..models import Consultation, PlanVersion
from ..operations import date_change_notices
from . import bp, can_manage, get_visible_consultation


@bp.route("/consultations")
def index():
    query = select(Consultation).order_by(Consultation.opens_at.desc())
    if not can_manage():
        query = query.where(Consultation.announced_at.is_not(None))
    now = utcnow()
    groups = {"open": [], "announced": [], "finished": [], "draft": []}
    for consultation in db.session.scalars(query):
        status = consultation.status(now)
        groups["finished" if status in ("closed", "summary_published") else status].append(
            consultation)
    groups["open"].sort(key=lambda c: c.closes_at)
    groups["announced"].sort(key=lambda c: c.opens_at)
    return render_template("consultations/index.html", groups=groups, now=now)


@bp.route("/consultations/<slug>")
def detail(slug):
    consultation = get_visible_consultation(slug)
    now = utcnow()
    from consulta.moderation.operations import moderation_counts

    return render_template(
        "consultations/detail.html", consultation=consultation, now=now,
        figures=cached_figures(("moderation", consultation.id),
                               lambda: moderation_counts(consultation))
        if consultation.is_public else None,
        today=local_today(), status=consultation.status(now),
        notices=date_change_notices(consultation), channels=CHANNELS,
        channel_how_to=CHANNEL_HOW_TO, plan=consultation.published_plan)


def _render_plan(consultation, version):
    if version is None:
        abort(404)
    from consulta.contributions.queries import counts_by_commitment

    return render_template("consultations/plan.html", consultation=consultation,
                           version=version, latest=consultation.published_plan,
                           versions=[v for v in consultation.plan_versions if v.is_published],
                           counts=counts_by_commitment(consultation),
                           is_open=consultation.is_open())


def _load_version(consultation, number):
    return db.session.scalar(
        select(PlanVersion)
        .where(PlanVersion.consultation_id == consultation.id, PlanVersion.number == number,
               PlanVersion.published_at.is_not(None))
        .options(selectinload(PlanVersion.commitments), selectinload(PlanVersion.sections)))


@bp.route("/consultations/<slug>/plan")
def plan(slug):
    consultation = get_visible_consultation(slug)
    latest = consultation.published_plan
    return _render_plan(consultation, latest and _load_version(consultation, latest.number))


@bp.route("/consultations/<slug>/plan/v<int:number>")
def plan_version(slug, number):
    consultation = get_visible_consultation(slug)
    return _render_plan(consultation, _load_version(consultation, number))
