from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from consulta.accounts.entities import all_entities, entity_by_slug
from consulta.core.cache import cacheable, keep_facts
from consulta.core.dates import local_today, utcnow
from consulta.core.permissions import entity_filter_ids
from consulta.core.signals import merged_values
from consulta.core.taxonomy import level_choices, level_codes

from ..access import can_manage, get_visible_consultation
from ..constants import CHANNEL_HOW_TO, CHANNELS
from ..queries import (
    commitment_count,
    consultations_by_status,
    date_changes,
    lean_consultation,
    published_plan_version_row,
)
from ..sheets import plan_layout
from ..signals import consultation_page, consultation_personal, plan_page
from . import bp


@bp.route("/consultations")
@cacheable(params=("level", "entity"))
def index():
    """Every consultation by status; ``?level=`` and ``?entity=`` (a slug) filter. An
    unknown value is said on the page (status 400), the list then unfiltered."""
    now = utcnow()
    level = request.args.get("level") or None
    entity_slug = request.args.get("entity") or None
    refusals = []
    if level is not None and level not in level_codes():
        refusals.append(_("There is no such level of government: choose one from the list."))
        level = None
    entity = entity_by_slug(entity_slug) if entity_slug else None
    if entity_slug and entity is None:
        refusals.append(_("There is no such entity: choose one from the list."))
    groups = consultations_by_status(
        include_private=can_manage(), now=now, level=level, entity=entity,
        private_entity_ids=entity_filter_ids(current_user, "secretariat")
        if can_manage() else None)
    return render_template("consultations/index.html", now=now, groups=groups,
                           refusals=refusals, level=level, entity=entity,
                           levels=level_choices(), entities=all_entities()), \
        400 if refusals else 200


def _personal_parts(slug, facts=None):
    """The parts of the consultation's page that are its visitor's alone (the follow
    box), for a participant served the kept page: asked with the few columns of the
    consultation the parts read when the page was kept visible."""
    consultation = (lean_consultation(facts["id"]) if facts is not None
                    else get_visible_consultation(slug))
    if consultation is None:  # gone since its page was kept
        abort(404)
    return render_template("consultations/_personal_parts.html",
                           **merged_values(consultation_personal, consultation, facts=facts))


@bp.route("/consultations/<slug>")
@cacheable(params=(), members=_personal_parts)
def detail(slug):
    consultation = get_visible_consultation(slug)
    keep_facts(id=consultation.id)
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
        **merged_values(consultation_page, consultation),
        **merged_values(consultation_personal, consultation))


def _render_plan(consultation, found):
    if found is None:
        abort(404)
    version, commitments = found
    return render_template("consultations/plan.html", consultation=consultation,
                           version=version, latest=consultation.published_plan,
                           layout=plan_layout(version, commitments, consultation),
                           versions=consultation.published_versions,
                           is_open=consultation.accepts_web(),
                           **merged_values(plan_page, consultation))


@bp.route("/consultations/<slug>/plan")
@cacheable(params=(), members=True)
def plan(slug):
    consultation = get_visible_consultation(slug)
    latest = consultation.published_plan
    return _render_plan(consultation,
                        latest and published_plan_version_row(consultation, latest.number))


@bp.route("/consultations/<slug>/plan/v<int:number>")
@cacheable(params=(), members=True)
def plan_version(slug, number):
    consultation = get_visible_consultation(slug)
    return _render_plan(consultation, published_plan_version_row(consultation, number))
