from flask import abort, render_template

from consulta.core.cache import cacheable
from consulta.core.dates import local_today, utcnow
from consulta.core.signals import merged_values

from ..access import can_manage, get_visible_consultation
from ..constants import CHANNEL_HOW_TO, CHANNELS
from ..queries import (
    commitment_count,
    consultations_by_status,
    date_changes,
    published_plan_version,
)
from ..signals import consultation_page, plan_page
from . import bp


@bp.route("/consultations")
@cacheable(params=())
def index():
    now = utcnow()
    return render_template("consultations/index.html", now=now,
                           groups=consultations_by_status(include_private=can_manage(),
                                                          now=now))


@bp.route("/consultations/<slug>")
@cacheable(params=())
def detail(slug):
    consultation = get_visible_consultation(slug)
    now = utcnow()
    plan = consultation.published_plan
    return render_template(
        "consultations/detail.html", consultation=consultation, now=now,
        today=local_today(), status=consultation.status(now),
        accepts_web=consultation.accepts_web(now),
        next_window=consultation.next_window(now),
        next_web_window=consultation.next_window(now, "web"),
        windows=sorted(consultation.windows, key=lambda w: (w.opens_at, w.id)),
        notices=date_changes(consultation), channels=CHANNELS,
        channel_how_to=CHANNEL_HOW_TO, plan=plan, commitment_count=commitment_count(plan),
        **merged_values(consultation_page, consultation))


def _render_plan(consultation, version):
    if version is None:
        abort(404)
    return render_template("consultations/plan.html", consultation=consultation,
                           version=version, latest=consultation.published_plan,
                           versions=consultation.published_versions,
                           is_open=consultation.accepts_web(),
                           **merged_values(plan_page, consultation))


@bp.route("/consultations/<slug>/plan")
@cacheable(params=())
def plan(slug):
    consultation = get_visible_consultation(slug)
    latest = consultation.published_plan
    return _render_plan(consultation,
                        latest and published_plan_version(consultation, latest.number))


@bp.route("/consultations/<slug>/plan/v<int:number>")
@cacheable(params=())
def plan_version(slug, number):
    consultation = get_visible_consultation(slug)
    return _render_plan(consultation, published_plan_version(consultation, number))
