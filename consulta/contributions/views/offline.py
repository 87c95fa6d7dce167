"""Moderators record events and type in what arrived offline."""

import contextlib
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consulta.consultations.access import get_in_consultation, get_visible_consultation
from consulta.consultations.models import Event
from consulta.consultations.queries import commitment_choices, events_of
from consulta.core.cache import cacheable
from consulta.core.permissions import role_required
from consulta.core.small_groups import events_gender_shown, small_group_min
from consulta.core.transaction import attempt

from .. import operations
from ..access import get_contribution, protected_object
from ..forms import EventForm, OfflineContributionForm, VoidForm
from . import bp

moderator_required = role_required("moderator", on=protected_object)


def _offline_form(consultation, contribution=None):
    form = OfflineContributionForm(obj=contribution, consultation=consultation)
    form.component.choices = [(0, _("Choose…"))] + [(c.id, c.name)
                                                     for c in consultation.components]
    events = events_of(consultation)
    form.event.choices = [(0, _("None"))] + [
        (e.id, f"{e.title} ({e.held_on.isoformat()})") for e in events]
    form.commitment.choices = [(0, _("None (the plan as a whole)"))] + [
        (c.id, f"{c.number}. {c.title[:80]}") for c in commitment_choices(consultation)]
    if request.method == "GET" and contribution is None:
        # "Save and type in another" keeps what a pile of sheets from one event shares.
        event_id = request.args.get("event", type=int)
        event = next((e for e in events if e.id == event_id), None)
        if event is not None:
            form.event.data = event.id
            form.channel.data = "workshop"
            form.received_on.data = event.held_on
            form.region.data = event.region
        for key in ("channel", "sector", "region"):
            if request.args.get(key):
                getattr(form, key).data = request.args[key]
        if request.args.get("received_on"):
            with contextlib.suppress(ValueError):
                form.received_on.data = date.fromisoformat(request.args["received_on"])
    if request.method == "GET" and contribution is not None:
        form.component.data = contribution.component_id or 0
        form.event.data = contribution.event_id or 0
        form.commitment.data = contribution.commitment_id or 0
        form.sector.data = contribution.sector or ""
        form.region.data = contribution.region or ""
        form.fill_actions(contribution.actions)
    return form


@bp.route("/consultations/<slug>/contributions/offline/new", methods=["GET", "POST"])
@moderator_required
def new_offline(slug):
    consultation = get_visible_consultation(slug)
    if not consultation.is_public:
        abort(404)
    form = _offline_form(consultation)
    context = {"consultation": consultation, "form": form}
    if request.method == "POST" and form.add_action_row(request.form):
        return render_template("contributions/offline_form.html", **context)
    if form.validate_on_submit():
        with attempt() as done:
            contribution = operations.record_offline_contribution(
                consultation, moderator=current_user, kind=form.kind.data,
                values=form.sheet_values(), commitment_id=form.commitment.data or None,
                submission_token=form.submission_token.data, **form.details())
        if done:
            flash(_("Contribution %(code)s has been recorded.", code=contribution.tracking_code),
                  "success")
            if contribution.awaits_personal_data_review:
                flash(_("Something in it looks like personal data: it is hidden from the "
                        "public until a moderator reviews it."), "warning")
            if request.form.get("another"):
                return redirect(url_for(
                    ".new_offline", slug=slug, event=form.event.data or None,
                    channel=form.channel.data, sector=form.sector.data or None,
                    region=form.region.data or None,
                    received_on=form.received_on.data.isoformat()
                    if form.received_on.data else None))
            return redirect(url_for(".detail", code=contribution.tracking_code))
    return render_template("contributions/offline_form.html", **context)


@bp.route("/contributions/<code>/correct", methods=["GET", "POST"])
@moderator_required
def correct_offline(code):
    """Moderators fix a typo in what they typed in from paper (audited)."""
    contribution = get_contribution(code)
    if not contribution.is_offline or contribution.is_voided:
        abort(404)
    consultation = contribution.consultation
    form = _offline_form(consultation, contribution)
    context = {"consultation": consultation, "form": form, "contribution": contribution}
    if request.method == "POST" and form.add_action_row(request.form):
        return render_template("contributions/offline_form.html", **context)
    if form.validate_on_submit():
        with attempt(_("The contribution has been corrected.")) as done:
            operations.correct_offline_contribution(
                contribution, moderator=current_user, values=form.sheet_values(),
                details=form.details())
        if done:
            return redirect(url_for(".detail", code=code))
    return render_template("contributions/offline_form.html", **context)


@bp.route("/contributions/<code>/void", methods=["GET", "POST"])
@moderator_required
def void(code):
    """Moderators void a record typed in by mistake, saying why (audited; kept)."""
    contribution = get_contribution(code)
    if not contribution.is_offline:
        abort(404)
    if contribution.is_voided:  # sent twice: the first one did it
        return redirect(url_for(".detail", code=code))
    form = VoidForm()
    if form.validate_on_submit():
        with attempt(_("The record has been voided: it no longer counts anywhere."),
                     field=form.reason) as done:
            operations.void_contribution(contribution, actor=current_user,
                                         reason=form.reason.data)
        if done:
            return redirect(url_for(".detail", code=code))
    return render_template("contributions/void.html", contribution=contribution,
                           consultation=contribution.consultation, form=form)


@bp.route("/consultations/<slug>/events")
@cacheable(params=())
def events(slug):
    consultation = get_visible_consultation(slug)
    events = events_of(consultation)
    return render_template("contributions/events.html", consultation=consultation,
                           events=events, gender_shown=events_gender_shown(events),
                           suppressed={"fewer_than": small_group_min()})


@bp.route("/consultations/<slug>/events/new", methods=["GET", "POST"])
@bp.route("/consultations/<slug>/events/<int:event_id>/edit", methods=["GET", "POST"])
@moderator_required
def edit_event(slug, event_id=None):
    consultation = get_visible_consultation(slug)
    event = None
    if event_id is not None:
        event = get_in_consultation(Event, event_id, consultation)
    form = EventForm(obj=event)
    if event is not None and request.method == "GET":
        form.fill_attendance(event.attendance)
    if request.method == "POST" and form.add_attendance_row(request.form):
        return render_template("contributions/event_form.html", consultation=consultation,
                               event=event, form=form)
    if form.validate_on_submit():
        with attempt(_("The event has been saved.")) as done:
            operations.save_event(
                consultation, actor=current_user, event=event,
                **form.attendance_values(), kind=form.kind.data, title=form.title.data,
                held_on=form.held_on.data, place=form.place.data or "",
                region=form.region.data, description=form.description.data or "")
        if done:
            return redirect(url_for(".events", slug=slug))
    return render_template("contributions/event_form.html", consultation=consultation,
                           event=event, form=form)
