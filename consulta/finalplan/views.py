"""The final plan: its public page, and its preparation by the secretariat."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from consulta.consultations.access import (
    can_manage,
    get_visible_consultation,
    protected_consultation,
)
from consulta.core.cache import cacheable
from consulta.core.forms import ConfirmForm
from consulta.core.permissions import role_required
from consulta.core.transaction import attempt

from . import layout, operations, queries
from .forms import FinalPlanForm

bp = Blueprint("finalplan", __name__)

#: The longest reason kept from the changes form.
MAX_REASON = 2000
#: The contributions that shaped a commitment shown under it on the final plan's page;
#: the rest are on the commitment's own list, ``PER_PAGE`` at a time.
SHOWN = 10
PER_PAGE = 50


def _readable_final_plan(slug, *, whole=False):
    """(consultation, final plan) as this visitor may read them: published, or being
    prepared for the secretariat; else 404 (``whole``: see ``queries.final_plan_of``)."""
    consultation = get_visible_consultation(slug)
    final_plan = queries.final_plan_of(consultation, whole=whole)
    if final_plan is None or not (final_plan.is_published or can_manage(consultation)):
        abort(404)
    return consultation, final_plan


@bp.route("/consultations/<slug>/final-plan")
@cacheable(params=(), members=True)
def show(slug):
    """The approved final plan: each commitment with what shaped it, and the diff. The
    secretariat also sees the one it prepares (marked as not published)."""
    consultation, final_plan = _readable_final_plan(slug)
    if not final_plan.is_published:  # the preview: its differences are computed again
        final_plan = queries.final_plan_of(consultation, whole=True)
    traceability = queries.traceability_of(final_plan)
    return render_template("finalplan/show.html", consultation=consultation,
                           final_plan=final_plan,
                           components=layout.components(final_plan),
                           traceability=traceability,
                           shaped=traceability.first(SHOWN),
                           changes=layout.changes(final_plan))


@bp.route("/consultations/<slug>/final-plan/commitments/<int:number>")
@cacheable(params=("page",), members=True)
def shaped_by(slug, number):
    """Every contribution that shaped one commitment of the final plan, a page at a time
    (the final plan's page shows the first ``SHOWN`` of each)."""
    consultation, final_plan = _readable_final_plan(slug)
    commitment = queries.final_commitment(final_plan, number)
    if commitment is None:
        abort(404)
    page = queries.traceability_of(final_plan).page(commitment.id, PER_PAGE)
    return render_template("finalplan/shaped_by.html", consultation=consultation,
                           final_plan=final_plan, commitment=commitment, page=page)


@bp.route("/consultations/<slug>/final-plan/manage", methods=["GET", "POST"])
@role_required("secretariat", on=protected_consultation)
def manage(slug):
    consultation = get_visible_consultation(slug)
    final_plan = queries.final_plan_of(consultation)
    form = FinalPlanForm(obj=final_plan)
    form.fill_choices(reversed(consultation.published_versions))
    if request.method == "GET" and final_plan is not None:
        form.plan_version.data = final_plan.plan_version_id
    if form.validate_on_submit():
        with attempt(_("The final plan has been saved. It is not public until you "
                       "publish it."), field=form.plan_version) as done:
            operations.save_final_plan(
                consultation, actor=current_user, plan_version_id=form.plan_version.data,
                approval_reference=form.approval_reference.data,
                approved_on=form.approved_on.data,
                forum_endorsed_on=form.forum_endorsed_on.data,
                forum_endorsement=form.forum_endorsement.data, note=form.note.data)
        if done:
            return redirect(url_for(".manage", slug=slug))
    return render_template(
        "finalplan/manage.html", consultation=consultation, final_plan=final_plan, form=form,
        diff=queries.plan_diff(final_plan) if final_plan is not None else [],
        drafts=queries.unpublished_responses(consultation) if final_plan else [],
        consulted=queries.consulted_version(consultation), confirm_form=ConfirmForm())


def _prepared(slug):
    consultation = get_visible_consultation(slug)
    final_plan = queries.final_plan_of(consultation)
    if final_plan is None:
        abort(404)
    return consultation, final_plan


@bp.route("/consultations/<slug>/final-plan/changes", methods=["POST"])
@role_required("secretariat", on=protected_consultation)
def changes(slug):
    """The reasons of the differences (``reason-<lineage>``) and the merges
    (``merge-<lineage>``: the lineage of the final commitment it joined)."""
    _consultation, final_plan = _prepared(slug)
    form = ConfirmForm()
    if form.validate_on_submit():
        reasons, merges = {}, {}
        for key, value in request.form.items():
            kind, _sep, lineage = key.partition("-")
            if kind == "reason" and lineage:
                reasons[lineage] = value[:MAX_REASON]
            elif kind == "merge" and lineage:
                merges[lineage] = value
        with attempt(_("The reasons have been saved.")):
            operations.save_changes(final_plan, actor=current_user, reasons=reasons,
                                    merges=merges)
    return redirect(url_for(".manage", slug=slug) + "#changes")


@bp.route("/consultations/<slug>/final-plan/publish", methods=["POST"])
@role_required("secretariat", on=protected_consultation)
def publish(slug):
    _consultation, final_plan = _prepared(slug)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".manage", slug=slug))
    with attempt() as done:
        told = operations.publish_final_plan(final_plan, actor=current_user)
    if not done:
        return redirect(url_for(".manage", slug=slug))
    flash(ngettext("The final plan has been published; %(num)d person has been told.",
                   "The final plan has been published; %(num)d people have been told.",
                   told), "success")
    return redirect(url_for(".show", slug=slug))
