from flask import abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consulta.core.cache import cacheable
from consulta.core.dates import local_today, utcnow
from consulta.core.signals import merged_values
from consulta.extensions import db

from ..access import can_manage, get_visible_consultation
from ..constants import CHANNEL_HOW_TO, CHANNELS
from ..models import Consultation, PlanVersion
from ..queries import date_change_notices
from ..signals import consultation_page, plan_page
from . import bp


@bp.route("/consultations")
@cacheable
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
@cacheable
def detail(slug):
    consultation = get_visible_consultation(slug)
    now = utcnow()
    return render_template(
        "consultations/detail.html", consultation=consultation, now=now,
        today=local_today(), status=consultation.status(now),
        notices=date_change_notices(consultation), channels=CHANNELS,
        channel_how_to=CHANNEL_HOW_TO, plan=consultation.published_plan,
        **merged_values(consultation_page, consultation))


def _render_plan(consultation, version):
    if version is None:
        abort(404)
    return render_template("consultations/plan.html", consultation=consultation,
                           version=version, latest=consultation.published_plan,
                           versions=consultation.published_versions,
                           is_open=consultation.is_open(),
                           **merged_values(plan_page, consultation))


def _load_version(consultation, number):
    return db.session.scalar(
        select(PlanVersion)
        .where(PlanVersion.consultation_id == consultation.id, PlanVersion.number == number,
               PlanVersion.is_published)
        .options(selectinload(PlanVersion.commitments), selectinload(PlanVersion.sections)))


@bp.route("/consultations/<slug>/plan")
@cacheable
def plan(slug):
    consultation = get_visible_consultation(slug)
    latest = consultation.published_plan
    return _render_plan(consultation, latest and _load_version(consultation, latest.number))


@bp.route("/consultations/<slug>/plan/v<int:number>")
@cacheable
def plan_version(slug, number):
    consultation = get_visible_consultation(slug)
    return _render_plan(consultation, _load_version(consultation, number))
