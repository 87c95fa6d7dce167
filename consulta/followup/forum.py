"""The standing multi-stakeholder forum that follows the plan (IRM guideline 7 during
implementation): its members by sector, its meetings (attendance, agenda, minutes) and
its observations on each published progress report, kept next to the government's.

Operations here check the rules, change the rows, write the audit log and forget the
cached public pages; they never commit (views do, through ``attempt``). Queries load
what the pages show in a fixed, small number of statements.

The consultation's own ``forum_name``/``forum_members``/``forum_meetings`` (counts and
dates typed in before the platform followed the plan) stay what the summary's
pre-approval checklist reads; the rows here are the follow-up's evidence.
"""

from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from consulta.accounts.queries import find_user_by_email
from consulta.audit.operations import jsonable, record
from consulta.consultations.access import can_see
from consulta.consultations.models import Commitment, Consultation, PlanVersion
from consulta.contributions.constants import MAX_ATTENDANCE
from consulta.core.cache import forget_pages
from consulta.core.dates import local_today
from consulta.core.operations import OperationError
from consulta.core.permissions import can
from consulta.core.taxonomy import sector_codes
from consulta.extensions import db
from consulta.finalplan.queries import published_final_plan
from consulta.summary.irm import MET, NOT_MET

from .constants import FORUM_ROLES, FORUM_SIDES
from .documents import forget_unused, store_document
from .models import ForumMeeting, ForumMember, ForumObservation, ProgressReport

#: The longest texts kept (an agenda, an observation).
MAX_TEXT = 20_000
MAX_NAME = 200
MAX_PLACE = 300
MAX_URL = 1000


# --- where a report belongs ----------------------------------------------------------

def report_consultation(report):
    """The consultation a progress report belongs to (through its commitment's plan
    version)."""
    return report.commitment.plan_version.consultation


def report_path(report, consultation=None):
    """The public page of a published report (the follow-up's public blueprint), as a
    path."""
    consultation = consultation or report_consultation(report)
    return f"/consultations/{consultation.slug}/follow-up/reports/{report.id}"


def get_published_report(report_id):
    """The published report with this id and its consultation, if the current user may
    see the consultation; else 404 (drafts and reports in review never exist in
    public)."""
    report = db.session.scalar(
        select(ProgressReport).where(ProgressReport.id == report_id)
        .options(joinedload(ProgressReport.commitment).joinedload(Commitment.plan_version)
                 .joinedload(PlanVersion.consultation)))
    if report is None or not report.is_published:
        abort(404)
    consultation = report_consultation(report)
    if not can_see(consultation):
        abort(404)
    return report, consultation


# --- members -------------------------------------------------------------------------

def _member_values(member):
    return {"name": member.name, "organization": member.organization,
            "sector": member.sector, "role": member.role, "side": member.side,
            "starts_on": jsonable(member.starts_on), "ends_on": jsonable(member.ends_on),
            "linked_account": member.user_id is not None}


def save_member(consultation, *, actor, member=None, name, organization="", sector,
                role="member", side, starts_on=None, ends_on=None, email=""):
    """Add a member to the consultation's forum, or change one.

    :param consultation: the consultation whose forum it is.
    :param actor: the secretariat, recorded in the audit log.
    :param member: the ``ForumMember`` to change; None adds one.
    :param name: the name the forum publishes (required).
    :param organization: the organization or entity the member stands for.
    :param sector: a sector code of the deployment profile; any other is refused.
    :param role: a key of ``FORUM_ROLES``.
    :param side: a key of ``FORUM_SIDES`` (government or civil society).
    :param starts_on: since when the member serves (None: not recorded).
    :param ends_on: until when (None: still serving); not before ``starts_on``.
    :param email: the address of an existing account to link (empty: none); the
        linked account may post observations. Never shown nor logged.
    """
    name = (name or "").strip()
    if not name:
        raise OperationError(_("Write the member's name."))
    if len(name) > MAX_NAME or len((organization or "").strip()) > MAX_NAME:
        raise OperationError(_("A name or organization has at most %(max)d characters.",
                               max=MAX_NAME))
    if sector not in sector_codes():
        raise OperationError(_("Choose a sector from the list."))
    if role not in FORUM_ROLES:
        raise OperationError(_("Choose the member's role in the forum."))
    if side not in FORUM_SIDES:
        raise OperationError(_("Say whether the member stands for the government or for "
                               "civil society."))
    if starts_on and ends_on and ends_on < starts_on:
        raise OperationError(_("A membership cannot end before it starts."))
    user = None
    if (email or "").strip():
        user = find_user_by_email(email)
        if user is None or not user.is_active:
            raise OperationError(_("No account has the address %(email)s: the person "
                                   "must register first.", email=email.strip()))
    before = _member_values(member) if member is not None else None
    if member is None:
        member = ForumMember(consultation_id=consultation.id, created_by_id=actor.id)
        db.session.add(member)
    member.name, member.organization = name, (organization or "").strip()
    member.sector, member.role, member.side = sector, role, side
    member.starts_on, member.ends_on = starts_on, ends_on
    member.user_id = user.id if user is not None else None
    db.session.flush()
    record("forum_member.saved", member, actor=actor, consultation_id=consultation.id,
           before=before, after=_member_values(member))
    forget_pages(consultation.slug)
    return member


def get_member(consultation, member_id):
    """A member of this consultation's forum, or 404."""
    member = db.session.get(ForumMember, member_id)
    if member is None or member.consultation_id != consultation.id:
        abort(404)
    return member


def members_of(consultation):
    """Every member of the forum, by name."""
    return db.session.scalars(
        select(ForumMember).where(ForumMember.consultation_id == consultation.id)
        .order_by(ForumMember.name, ForumMember.id)).all()


def members_by_sector(members, day=None):
    """(serving, former): the members serving on ``day`` (today by default) as
    ``[(sector code, [members])]`` in the profile's order of sectors, and those whose
    membership ended."""
    day = day or local_today()
    order = {code: n for n, code in enumerate(sector_codes())}
    serving, former = {}, []
    for member in members:
        if member.ends_on is not None and member.ends_on < day:
            former.append(member)
        else:
            serving.setdefault(member.sector, []).append(member)
    return sorted(serving.items(), key=lambda item: order.get(item[0], len(order))), former


def observer_for(user, consultation, day=None):
    """The forum member ``user`` posts observations as (linked and serving on ``day``),
    or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    day = day or local_today()
    members = db.session.scalars(select(ForumMember).where(
        ForumMember.consultation_id == consultation.id, ForumMember.user_id == user.id)
        .order_by(ForumMember.id)).all()
    return next((m for m in members if m.serves_on(day)), None)


def is_secretariat(user, consultation):
    """``user`` is the secretariat of ``consultation`` (platform-wide, or of its
    organizing entity)."""
    return can(user, "secretariat", consultation)


# --- meetings ------------------------------------------------------------------------

def _meeting_values(meeting):
    return {"held_on": jsonable(meeting.held_on), "place": meeting.place,
            "attendance": meeting.attendance,
            "attendees": sorted(m.id for m in meeting.attendees),
            "agenda": meeting.agenda,
            "minutes": meeting.minutes_document_id or meeting.minutes_url}


def save_meeting(consultation, *, actor, meeting=None, held_on, place="", attendance=None,
                 agenda="", attendee_ids=(), minutes_file=None, minutes_url="",
                 remove_minutes=False):
    """Record a meeting the forum held, or correct one.

    :param consultation: the consultation whose forum met.
    :param actor: the secretariat, recorded in the audit log.
    :param meeting: the ``ForumMeeting`` to correct; None records a new one.
    :param held_on: the day it was held, in the deployment's time zone (required; not
        a day still to come).
    :param place: where (or "virtual").
    :param attendance: how many attended, a whole number from 0 (None: not recorded).
    :param agenda: Markdown, rendered sanitized.
    :param attendee_ids: ids of the forum's members who attended (optional).
    :param minutes_file: an uploaded file (``FileStorage``) stored through
        ``store_document``: a PDF or an image, checked by content.
    :param minutes_url: a link to the minutes instead (http or https).
    :param remove_minutes: forget the minutes the meeting had.
    """
    if held_on is None:
        raise OperationError(_("Enter the date of the meeting."))
    if held_on > local_today():
        raise OperationError(_("A meeting is recorded once it has been held: %(date)s is "
                               "still to come.", date=held_on.isoformat()))
    if attendance is not None and (not isinstance(attendance, int) or attendance < 0):
        raise OperationError(_("The attendance is a whole number from 0."))
    if attendance is not None and attendance > MAX_ATTENDANCE:
        raise OperationError(_("The attendance cannot be more than %(max)d people.",
                               max=MAX_ATTENDANCE))
    place, agenda = (place or "").strip(), (agenda or "").strip()
    minutes_url = (minutes_url or "").strip()
    if len(place) > MAX_PLACE:
        raise OperationError(_("The place has at most %(max)d characters.", max=MAX_PLACE))
    if len(agenda) > MAX_TEXT:
        raise OperationError(_("The agenda has at most %(max)d characters.", max=MAX_TEXT))
    if minutes_url and (len(minutes_url) > MAX_URL
                        or not minutes_url.lower().startswith(("https://", "http://"))):
        raise OperationError(_("The link to the minutes must start with https:// or "
                               "http://."))
    has_file = minutes_file is not None and getattr(minutes_file, "filename", "")
    # The form shows the current link in its field: sent back unchanged, it is no new
    # link (a new file replaces it; "remove" wins over it).
    new_link = bool(minutes_url) and (meeting is None or minutes_url != meeting.minutes_url)
    if has_file and new_link:
        raise OperationError(_("Give the minutes as a file or as a link, not both."))
    wanted = set(attendee_ids or ())
    attendees = []
    if wanted:
        attendees = db.session.scalars(select(ForumMember).where(
            ForumMember.consultation_id == consultation.id,
            ForumMember.id.in_(wanted))).all()
        if len(attendees) != len(wanted):
            raise OperationError(_("Choose the attendees among the forum's members."))
    if attendance is not None and len(attendees) > attendance:
        raise OperationError(_("More members are marked as present than the attendance "
                               "says."))
    before = _meeting_values(meeting) if meeting is not None else None
    document = store_document(minutes_file, actor) if has_file else None
    if meeting is None:
        meeting = ForumMeeting(consultation_id=consultation.id, created_by_id=actor.id)
        db.session.add(meeting)
    meeting.held_on, meeting.place, meeting.agenda = held_on, place, agenda
    meeting.attendance = attendance
    meeting.attendees = sorted(attendees, key=lambda m: (m.name, m.id))
    replaced = meeting.minutes_document
    if document is not None:
        meeting.minutes_document, meeting.minutes_url = document, None
    elif new_link:
        meeting.minutes_document, meeting.minutes_url = None, minutes_url
    elif remove_minutes:
        meeting.minutes_document, meeting.minutes_url = None, None
    db.session.flush()
    if replaced is not None and replaced is not meeting.minutes_document:
        forget_unused(replaced)  # its bytes too, unless something else refers to them
    record("forum_meeting.saved", meeting, actor=actor, consultation_id=consultation.id,
           before=before, after=_meeting_values(meeting))
    forget_pages(consultation.slug)
    return meeting


def get_meeting(consultation, meeting_id):
    """A meeting of this consultation's forum, or 404."""
    meeting = db.session.get(ForumMeeting, meeting_id)
    if meeting is None or meeting.consultation_id != consultation.id:
        abort(404)
    return meeting


def meetings_of(consultation):
    """The forum's meetings, latest first, with their attendees and minutes loaded."""
    return db.session.scalars(
        select(ForumMeeting).where(ForumMeeting.consultation_id == consultation.id)
        .options(selectinload(ForumMeeting.attendees),
                 joinedload(ForumMeeting.minutes_document))
        .order_by(ForumMeeting.held_on.desc(), ForumMeeting.id.desc())).all()


# --- observations --------------------------------------------------------------------

def post_observation(report, *, actor, body, member=None):
    """The forum's observation on a published report, kept next to it, in public.

    A forum member (an account linked to a member serving today) posts as that member;
    the secretariat types one in on the forum's behalf, naming the ``member`` it comes
    from or none (the forum as a whole). Anyone else is refused.

    :param report: a published ``ProgressReport`` (a draft is refused).
    :param actor: who posts it, recorded in the audit log.
    :param body: the text (Markdown, rendered sanitized), required.
    :param member: for the secretariat: the ``ForumMember`` it comes from, or None.
    """
    if not report.is_published:
        raise OperationError(_("Observations are made on published reports only."))
    consultation = report_consultation(report)
    body = (body or "").strip()
    if not body:
        raise OperationError(_("Write the observation."))
    if len(body) > MAX_TEXT:
        raise OperationError(_("The observation has at most %(max)d characters.",
                               max=MAX_TEXT))
    own = observer_for(actor, consultation)
    if is_secretariat(actor, consultation):
        if member is not None and member.consultation_id != consultation.id:
            raise OperationError(_("Choose a member of this forum."))
        on_behalf = member is None or member.user_id != actor.id
    elif own is not None:
        member, on_behalf = own, False
    else:
        raise OperationError(_("Only the forum's members post its observations."))
    observation = ForumObservation(consultation_id=consultation.id, report_id=report.id,
                                   member=member, body=body, posted_by_id=actor.id,
                                   on_behalf=on_behalf)
    db.session.add(observation)
    db.session.flush()
    record("forum_observation.posted", observation, actor=actor,
           consultation_id=consultation.id,
           after={"report": report.id, "member": member.id if member else None,
                  "on_behalf": on_behalf, "body": body})
    forget_pages(consultation.slug)
    return observation


def observations_of_report(report):
    """The forum's observations on a report, oldest first, with their members."""
    return db.session.scalars(
        select(ForumObservation).where(ForumObservation.report_id == report.id)
        .options(joinedload(ForumObservation.member))
        .order_by(ForumObservation.created_at, ForumObservation.id)).all()


def observations_of(consultation):
    """Every observation of the forum, latest first, with its member and its report's
    commitment loaded (only on published reports)."""
    return db.session.scalars(
        select(ForumObservation)
        .join(ProgressReport, ProgressReport.id == ForumObservation.report_id)
        .where(ForumObservation.consultation_id == consultation.id,
               ProgressReport.state == "published")
        .options(joinedload(ForumObservation.member),
                 joinedload(ForumObservation.report).joinedload(ProgressReport.commitment))
        .order_by(ForumObservation.created_at.desc(), ForumObservation.id.desc())).all()


# --- IRM guideline 7 during implementation -------------------------------------------

def implementation_guideline_7(final_plan):
    """IRM guideline 7 during implementation, on evidence: met only when the forum has
    met at least once after the final plan was approved (``approved_on``, a local day)
    and has made observations on at least one published progress report.

    :param final_plan: the consultation's ``FinalPlan``.
    :return: ``{"verdict": MET or NOT_MET, "met": bool, "missing": [what is missing,
        as sentences], "evidence": {...}}``.
    """
    consultation_id = final_plan.consultation_id
    approved_on = final_plan.approved_on
    meetings, last_meeting = db.session.execute(
        select(func.count(ForumMeeting.id), func.max(ForumMeeting.held_on)).where(
            ForumMeeting.consultation_id == consultation_id,
            ForumMeeting.held_on > approved_on)).one()
    published = (ProgressReport.state == "published",
                 ProgressReport.commitment_id.in_(
                     select(Commitment.id).where(
                         Commitment.plan_version_id == final_plan.plan_version_id)))
    reports, observed = db.session.execute(
        select(func.count(ProgressReport.id.distinct()),
               func.count(ForumObservation.report_id.distinct()))
        .select_from(ProgressReport)
        .outerjoin(ForumObservation, ForumObservation.report_id == ProgressReport.id)
        .where(*published)).one()
    missing = []
    if not meetings:
        missing.append(_("The forum has not met since the final plan was approved "
                         "(%(date)s): record a meeting held after that day.",
                         date=approved_on.isoformat()))
    if not reports:
        missing.append(_("No progress report has been published yet, so the forum has "
                         "none to observe."))
    elif not observed:
        missing.append(_("The forum has not made observations on any of the %(num)d "
                         "published progress reports.", num=reports))
    return {"verdict": NOT_MET if missing else MET, "met": not missing, "missing": missing,
            "evidence": {"approved_on": approved_on.isoformat(),
                         "meetings_since_approval": meetings,
                         "last_meeting": last_meeting.isoformat() if last_meeting else None,
                         "published_reports": reports, "observed_reports": observed}}


def guideline_for(consultation):
    """(final plan, guideline 7 during implementation) once the final plan is
    published; (None, None) before."""
    final_plan = published_final_plan(consultation)
    if final_plan is None:
        return None, None
    return final_plan, implementation_guideline_7(final_plan)


# --- what the forum adds to the follow-up's pages ------------------------------------

def observations_on_the_report(report, **_extra):
    """Receiver of ``report_page``: the forum's observations next to the report, how
    many, and for forum members and the secretariat a link to add one."""
    if not report.is_published:
        return None
    consultation = report_consultation(report)
    may_observe = is_secretariat(current_user, consultation) or observer_for(current_user,
                                                               consultation) is not None
    return Markup(render_template(  # noqa: S704  # nosec B704 (autoescaped template)
        "followup/forum/_observations.html", report=report, consultation=consultation,
        observations=observations_of_report(report), may_observe=may_observe))


def guideline_on_the_tracking_page(final_plan, **_extra):
    """Receiver of ``tracking_page``: the IRM guideline 7 panel."""
    if not final_plan.is_published:
        return None
    consultation = db.session.get(Consultation, final_plan.consultation_id)
    return Markup(render_template(  # noqa: S704  # nosec B704 (autoescaped template)
        "followup/forum/_guideline.html", consultation=consultation,
        final_plan=final_plan, guideline=implementation_guideline_7(final_plan)))
