"""The standing forum's pages: the public forum page and the minutes, the secretariat's
members and meetings, and the observations on published reports."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consulta.consultations.access import get_visible_consultation, protected_consultation
from consulta.core.cache import cacheable
from consulta.core.permissions import login_required, role_required
from consulta.core.transaction import attempt
from consulta.core.urls import safe_next
from consulta.extensions import db

from . import forum
from .documents import document_response
from .forum_forms import ForumMeetingForm, ForumMemberForm, ObservationForm
from .models import ForumMember

bp = Blueprint("forum", __name__)


@bp.route("/consultations/<slug>/forum")
@cacheable
def show(slug):
    """The forum in public: its members by sector (never an e-mail), its meetings with
    their minutes, its observations on the published reports, and IRM guideline 7
    during implementation once the final plan is published."""
    consultation = get_visible_consultation(slug)
    serving, former = forum.members_by_sector(forum.members_of(consultation))
    final_plan, guideline = forum.guideline_for(consultation)
    return render_template(
        "followup/forum/show.html", consultation=consultation, serving=serving,
        former=former, meetings=forum.meetings_of(consultation),
        observations=forum.observations_of(consultation), final_plan=final_plan,
        guideline=guideline, report_path=forum.report_path)


@bp.route("/consultations/<slug>/forum/meetings/<int:meeting_id>/minutes")
def minutes(slug, meeting_id):
    consultation = get_visible_consultation(slug)
    meeting = forum.get_meeting(consultation, meeting_id)
    if meeting.minutes_document is None:
        abort(404)
    return document_response(meeting.minutes_document)


@bp.route("/consultations/<slug>/forum/manage")
@role_required("secretariat", on=protected_consultation)
def manage(slug):
    consultation = get_visible_consultation(slug)
    return render_template("followup/forum/manage.html", consultation=consultation,
                           members=forum.members_of(consultation),
                           meetings=forum.meetings_of(consultation))


@bp.route("/consultations/<slug>/forum/members/new", methods=["GET", "POST"])
@role_required("secretariat", on=protected_consultation)
def new_member(slug):
    return _member_form(get_visible_consultation(slug), None)


@bp.route("/consultations/<slug>/forum/members/<int:member_id>/edit", methods=["GET", "POST"])
@role_required("secretariat", on=protected_consultation)
def edit_member(slug, member_id):
    consultation = get_visible_consultation(slug)
    return _member_form(consultation, forum.get_member(consultation, member_id))


def _member_form(consultation, member):
    slug = consultation.slug
    form = ForumMemberForm(obj=member).fill_choices()
    if request.method == "GET" and member is not None and member.user is not None:
        form.email.data = member.user.email
    if form.validate_on_submit():
        with attempt(_("The forum member has been saved."), field=form.name) as done:
            forum.save_member(
                consultation, actor=current_user, member=member, name=form.name.data,
                organization=form.organization.data, sector=form.sector.data,
                role=form.role.data, side=form.side.data, starts_on=form.starts_on.data,
                ends_on=form.ends_on.data, email=form.email.data)
        if done:
            return redirect(url_for(".manage", slug=slug))
    return render_template("followup/forum/member_form.html", consultation=consultation,
                           member=member, form=form)


@bp.route("/consultations/<slug>/forum/meetings/new", methods=["GET", "POST"])
@role_required("secretariat", on=protected_consultation)
def new_meeting(slug):
    return _meeting_form(get_visible_consultation(slug), None)


@bp.route("/consultations/<slug>/forum/meetings/<int:meeting_id>/edit",
          methods=["GET", "POST"])
@role_required("secretariat", on=protected_consultation)
def edit_meeting(slug, meeting_id):
    consultation = get_visible_consultation(slug)
    return _meeting_form(consultation, forum.get_meeting(consultation, meeting_id))


def _meeting_form(consultation, meeting):
    slug = consultation.slug
    form = ForumMeetingForm(obj=meeting).fill_choices(forum.members_of(consultation))
    if request.method == "GET" and meeting is not None:
        form.attendees.data = [m.id for m in meeting.attendees]
    if form.validate_on_submit():
        with attempt(_("The meeting has been saved."), field=form.held_on) as done:
            forum.save_meeting(
                consultation, actor=current_user, meeting=meeting,
                held_on=form.held_on.data, place=form.place.data,
                attendance=form.attendance.data, agenda=form.agenda.data,
                attendee_ids=form.attendees.data or (),
                minutes_file=request.files.get("minutes"),
                minutes_url=form.minutes_url.data,
                remove_minutes=form.remove_minutes.data)
        if done:
            return redirect(url_for(".manage", slug=slug))
    return render_template("followup/forum/meeting_form.html", consultation=consultation,
                           meeting=meeting, form=form)


@bp.route("/forum/reports/<int:report_id>/observations/new", methods=["GET", "POST"])
@login_required
def observe(report_id):
    """A forum member posts an observation on a published report; the secretariat types
    one in on the forum's behalf. Anyone else: 403."""
    report, consultation = forum.get_published_report(report_id)
    secretariat = forum.is_secretariat(current_user, consultation)
    member = forum.observer_for(current_user, consultation)
    if not secretariat and member is None:
        abort(403)
    members = forum.members_of(consultation) if secretariat else []
    form = ObservationForm().fill_choices(members)
    report_page = forum.report_path(report, consultation)
    if form.validate_on_submit():
        chosen = None
        if secretariat and form.member.data:
            chosen = db.session.get(ForumMember, form.member.data)
            if chosen is None or chosen.consultation_id != consultation.id:
                abort(404)
        with attempt(_("The forum's observation has been published next to the report."),
                     field=form.body) as done:
            forum.post_observation(report, actor=current_user, body=form.body.data,
                                   member=chosen)
        if done:
            return redirect(safe_next(report_page) + "#observaciones-del-foro")
    return render_template("followup/forum/observe.html", consultation=consultation,
                           report=report, form=form, member=member, secretariat=secretariat,
                           observations=forum.observations_of_report(report),
                           report_page=report_page, next=safe_next(report_page))
