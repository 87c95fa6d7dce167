"""Operations on contributions, supports and events.

Each checks its rule, changes the models, writes the audit log and, where a part above
cares, sends a signal (``signals.py``); none commits: the caller does, once. A rule
that forbids the change raises ``OperationError`` with a message for the user.
"""

import re
from datetime import date, datetime, time

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, delete, select, update
from sqlalchemy.exc import IntegrityError

from consulta.accounts.models import Organization
from consulta.audit.operations import jsonable, record
from consulta.consultations.constants import CHANNELS
from consulta.consultations.models import Commitment, Event, EventAttendance, PlanSection
from consulta.consultations.operations import require_component
from consulta.consultations.queries import channel_windows
from consulta.core import search
from consulta.core.dates import local_to_utc, local_today, utc_to_local, utcnow
from consulta.core.i18n import format_date, format_when
from consulta.core.mail import OutboxMessage
from consulta.core.operations import OperationError
from consulta.core.personal_data import find_personal_data
from consulta.core.taxonomy import GENDERS, REGION_NOT_LISTED, region_codes, sector_codes
from consulta.extensions import db

from .constants import (
    CONTACT_CHANNELS,
    EARLIEST_RECEIVED_ON,
    MAX_ATTENDANCE,
    OFFLINE_CHANNELS,
    TYPED_IN_WEB,
)
from .models import Contribution, Support
from .queries import contribution_by_token, has_supported, received_outside_windows
from .signals import (
    author_name_consent_withdrawn,
    contribution_author_erased,
    contribution_changed,
    contribution_submitted,
    event_saved,
)

#: Personal characteristics kept when an author is erased: they count only in aggregate.
KEPT_IN_AGGREGATE = ("sector", "region")

SHEET_FIELDS = ("title", "problem", "objective", "responsible", "co_responsible", "actions",
                "due", "body")


class NotOpen(OperationError):
    """The consultation does not receive contributions now (not yet, or no longer)."""


def ensure_open(consultation, now=None):
    """Refuse (``NotOpen``, saying when it opens or closed) unless the consultation
    receives contributions through the web now: open, and inside one of its web
    participation windows (between two windows, or outside the web's, it does not).

    :param consultation: the consultation taken part in.
    :param now: the moment to check (default: now).
    """
    now = now or utcnow()
    if consultation.accepts_web(now):
        return
    status = consultation.status(now)
    if status in ("draft",):
        raise NotOpen(_l("This consultation is not public."))
    following = consultation.next_window(now, "web")
    if status == "announced":
        raise NotOpen(_l("This consultation is not open yet: contributions open on %(date)s.",
                         date=format_when(following.opens_at if following
                                          else consultation.opens_at)))
    if status != "summary_published" and following is not None:
        raise NotOpen(_l("This consultation does not receive contributions through the web "
                         "now: the next web window opens on %(date)s.",
                         date=format_when(following.opens_at)))
    if status == "open":
        raise NotOpen(_l("This consultation does not receive contributions through the web "
                         "now; see the other channels on its page."))
    raise NotOpen(_l("This consultation closed on %(date)s; it no longer receives "
                     "contributions.", date=format_when(consultation.closes_at)))


def search_document_for(contribution):
    """The searchable text: what the public may read (masked personal data left out).

    :param contribution: the contribution whose text it is.
    """
    c = contribution
    parts = [c.public("title") or "", c.public("problem"), c.public("objective"),
             c.public("body"), c.public("responsible") or "",
             " ".join(c.public_list("co_responsible")),
             " ".join(a.get("description") or "" for a in c.public_actions())]
    return "\n".join(p for p in parts if p)


def hold_personal_data(contribution):
    """Mask in public the likely personal data in a contribution's texts (an identity number, a
    phone number... see ``consulta.core.personal_data``) until a moderator reviews it: each
    new piece joins ``masked_fragments`` and ``personal_data_held``, and the
    contribution awaits review. Returns the codes of the kinds held (empty: nothing).

    Call it before ``reindex``: the search index holds only what the public may read.

    :param contribution: the contribution just sent, typed in or corrected.
    """
    masked = list(contribution.masked_fragments or [])
    held = list(contribution.personal_data_held or [])
    # What is masked already, waits for review or was reviewed (a release sticks) is not
    # held again.
    known = set(masked) | {item["text"] for item in held}
    new = [f for f in find_personal_data(contribution.texts()) if f.text not in known]
    if not new:
        return []
    contribution.masked_fragments = [*masked, *(f.text for f in new)]
    contribution.personal_data_held = [*held, *({"code": f.code, "text": f.text}
                                               for f in new)]
    contribution.personal_data_held_at = contribution.personal_data_held_at or utcnow()
    return [f.code for f in new]


def reindex(contribution):
    """Refresh the searchable text after the public text changed (sent, edited, masked).

    :param contribution: a contribution already flushed (it needs its id).
    """
    raw = search_document_for(contribution)
    contribution.search_document = search.prepare(raw)  # what PostgreSQL indexes
    db.session.flush()
    search.index_document(db.session, contribution.id, raw)


def assign_tracking_code(contribution):
    """Give a stored contribution its code: ``APO-<year it was received>-<id>`` (the
    year of its received moment in the deployment's zone, not of its typing).

    :param contribution: a contribution already flushed (it has its id).
    """
    year = utc_to_local(contribution.received_at or contribution.created_at).year
    contribution.tracking_code = f"APO-{year}-{contribution.id:06d}"


def received_moment(received_on, recorded_at):
    """The moment a contribution was received, as every list and figure uses it: the
    start of ``received_on`` in the deployment's zone (the start, not noon: a sheet typed
    in on the morning it arrived is never "received" in the future), else
    ``recorded_at``.

    :param received_on: the day it was received (a ``date``), or None if unknown.
    :param recorded_at: when it was stored (sent through the web, or typed in).
    """
    if received_on is None:
        return recorded_at
    return local_to_utc(datetime.combine(received_on, time.min))


def check_received_on(received_on):
    """Refuse a received date in the future (in the deployment's zone) or absurd
    (before ``constants.EARLIEST_RECEIVED_ON``).

    :param received_on: the day typed in, or None (not known).
    """
    if received_on is None:
        return
    if not isinstance(received_on, date) or isinstance(received_on, datetime):
        raise OperationError(_l("Enter the date it was received."))
    if received_on > local_today():
        raise OperationError(_l("The date it was received cannot be in the future."))
    if received_on < EARLIEST_RECEIVED_ON:
        raise OperationError(_l("The date it was received cannot be before %(date)s.",
                                date=format_date(EARLIEST_RECEIVED_ON, "long")))


class OutsideWindows(OperationError):
    """A received day outside every window of its channel, not confirmed as such."""


def check_received_in_windows(consultation, channel, received_on, confirmed):
    """Whether a typed-in record was received outside every participation window of its
    channel (``queries.received_outside_windows``): refused (``OutsideWindows``, naming
    the windows) unless the moderator confirmed that it arrived late or early.

    :param consultation: the consultation it was received for.
    :param channel: how it arrived.
    :param received_on: the day it was received, or None (not known: never outside).
    :param confirmed: the moderator ticked "received outside the participation windows".
    """
    if not received_outside_windows(consultation, channel, received_on):
        return False
    if not confirmed:
        windows = "; ".join(f"{format_when(opens)} – {format_when(closes)}"
                            for opens, closes in channel_windows(consultation, channel))
        raise OutsideWindows(_l(
            "%(date)s lies outside the participation windows of the channel “%(channel)s” "
            "(%(windows)s). If it really arrived late or early, tick “Received outside the "
            "participation windows (late or early)” to save it; otherwise correct the date "
            "or the channel.", date=format_date(received_on, "long"), windows=windows,
            channel=TYPED_IN_WEB if channel == "web" else CHANNELS.get(channel, channel)))
    return True


def _organization_name(organization_id):
    """The name an organization has now, kept on the contribution sent on its behalf."""
    if not organization_id:
        return None
    return db.session.get(Organization, organization_id).name


def _check_organization(user, organization_id):
    if not organization_id:
        return None
    # The same choice the form offers: approved member of an approved organization.
    if organization_id not in {o.id for o in user.approved_organizations()}:
        raise OperationError(_l("You can only contribute on behalf of an organization you are "
                                "an approved member of."))
    return organization_id


def _check_component(consultation, component_id, required):
    if not component_id:
        if required:
            raise OperationError(_l("Choose a component."))
        return None
    return require_component(consultation, component_id).id


def _check_event(consultation, event_id):
    if not event_id:
        return None
    event = db.session.get(Event, event_id)
    if event is None or event.consultation_id != consultation.id:
        raise OperationError(_l("Choose an event of this consultation."))
    return event.id


def _ensure_can_take_part(consultation, user):
    """Participants send and support only while the consultation is open, once confirmed."""
    ensure_open(consultation)
    if not user.is_confirmed:
        raise OperationError(_l("Confirm your e-mail address before taking part."))


def _proposal_columns(consultation, values):
    """A proposal names its component and the version of the plan it was sent on."""
    plan = consultation.published_plan
    return {"component_id": _check_component(consultation, values.get("component_id"),
                                             required=True),
            "plan_version_id": plan.id if plan else None}


def resolve_target(consultation, target, target_id):
    """Check what a comment is about; returns the contribution columns to set.

    :param consultation: the consultation commented on.
    :param target: "commitment" or "section" (of the published plan), "plan" (the plan
        as a whole, once published) or "proposal" (a visible one of the consultation).
    :param target_id: the id of the commitment, section or proposal.
    """
    plan = consultation.published_plan
    if target == "commitment":
        commitment = db.session.get(Commitment, target_id or 0)
        if (commitment is None or plan is None or commitment.plan_version_id != plan.id):
            raise OperationError(_l("That commitment is not part of this consultation's "
                                    "draft plan."))
        return {"target": "commitment", "commitment_id": commitment.id,
                "plan_version_id": commitment.plan_version_id}
    if target == "section":
        section = db.session.get(PlanSection, target_id or 0)
        if section is None or plan is None or section.plan_version_id != plan.id:
            raise OperationError(_l("That section is not part of this consultation's "
                                    "draft plan."))
        return {"target": "section", "section_id": section.id,
                "plan_version_id": section.plan_version_id}
    if target == "plan":
        if plan is None:
            raise OperationError(_l("The draft plan has not been published yet."))
        return {"target": "plan", "plan_version_id": plan.id}
    if target == "proposal":
        proposal = db.session.get(Contribution, target_id or 0)
        if (proposal is None or proposal.consultation_id != consultation.id
                or proposal.kind != "proposal" or proposal.is_withdrawn
                or proposal.is_hidden or proposal.is_voided):
            raise OperationError(_l("That proposal is not part of this consultation."))
        return {"target": "proposal", "parent_id": proposal.id,
                "plan_version_id": plan.id if plan else None}
    raise OperationError(_l("Choose what your comment is about."))


def _insert(contribution):
    """Store a new contribution with its tracking code and searchable text.

    Returns the contribution already stored with the same submission token when the
    same form arrived twice at the same moment and the other request won (then nothing
    of this one is kept), else None.
    """
    try:
        # Added inside the savepoint: if the same form wins a race elsewhere, the
        # rollback of the savepoint also forgets this object.
        with db.session.begin_nested():
            db.session.add(contribution)
            db.session.flush()
    except IntegrityError:
        existing = contribution_by_token(contribution.submission_token)
        if existing is None:
            raise
        return existing
    assign_tracking_code(contribution)
    reindex(contribution)
    return None


def _sent_before(existing, author):
    """The answer to a form sent again: what its first sending made, to its author only."""
    if existing.author_id != author.id:
        raise OperationError(_l("This form has already been used. Reload the page."))
    return existing, False


def submit_contribution(consultation, *, author, kind, values, organization_id=None,
                        target=None, target_id=None, submission_token=None, notify=True):
    """A participant sends a proposal or a comment through the web.

    Idempotent on ``submission_token``: sending the same form twice returns the
    contribution made the first time, and records nothing more. Returns
    ``(contribution, created)``. A new one gets its tracking code, is audited, and
    ``signals.contribution_submitted`` is sent (the receipt e-mail listens).

    :param consultation: the consultation, which must be open.
    :param author: the participant sending it (with a confirmed e-mail address).
    :param kind: "proposal" or "comment".
    :param values: the fields of ``SHEET_FIELDS`` (a comment: its body); a proposal
        also gives its ``component_id``.
    :param organization_id: sent on behalf of this organization (the author is an
        approved member of it); None in the author's own name.
    :param target: what a comment is about (see ``resolve_target``).
    :param target_id: the id of that commitment, section or proposal.
    :param submission_token: the form's idempotency token.
    :param notify: whether the author wants the receipt by e-mail.
    """
    existing = contribution_by_token(submission_token)
    if existing is not None:
        return _sent_before(existing, author)
    _ensure_can_take_part(consultation, author)
    columns = {"consultation_id": consultation.id, "kind": kind, "channel": "web",
               "author_id": author.id, "sector": author.sector, "region": author.region,
               "organization_id": _check_organization(author, organization_id),
               "submission_token": submission_token or None}
    columns["organization_name"] = _organization_name(columns["organization_id"])
    if kind == "proposal":
        columns.update(_proposal_columns(consultation, values))
    elif kind == "comment":
        columns.update(resolve_target(consultation, target, target_id))
    else:
        raise OperationError(_l("Unknown kind of contribution."))
    now = utcnow()
    contribution = Contribution(**columns, created_at=now, received_at=now,
                                **{k: values.get(k) for k in SHEET_FIELDS if k in values})
    held = hold_personal_data(contribution)
    existing = _insert(contribution)
    if existing is not None:
        return _sent_before(existing, author)
    record("contribution.submitted", contribution, actor=author,
           consultation_id=consultation.id,
           after={"code": contribution.tracking_code, "channel": "web", "kind": kind,
                  **({"personal_data_held": held} if held else {})})
    contribution_submitted.send(contribution, notify=notify)
    return contribution, True


def ensure_can_edit(contribution, user):
    """Refuse unless ``user`` may still correct the contribution: its author, within the
    edit window (``CONTRIBUTION_EDIT_MINUTES``), while the consultation is open.

    :param contribution: the contribution to correct.
    :param user: who wants to correct it.
    """
    if not contribution.can_be_edited_by(user):
        raise OperationError(_l("This contribution can no longer be changed: corrections are "
                                "possible for %(minutes)d minutes after sending.",
                                minutes=current_app.config["CONTRIBUTION_EDIT_MINUTES"]))


def correct_contribution(contribution, *, user, values, organization_id=None):
    """The author corrects a contribution within the edit window (audited with the
    fields changed, before and after).

    :param contribution: the contribution to correct.
    :param user: its author.
    :param values: the fields of ``SHEET_FIELDS`` (and a proposal's ``component_id``).
    :param organization_id: on behalf of this organization, or None.
    """
    ensure_can_edit(contribution, user)
    before = {key: getattr(contribution, key) for key in SHEET_FIELDS}
    if contribution.kind == "proposal":
        contribution.component_id = _check_component(
            contribution.consultation, values.get("component_id"), required=True)
    organization_id = _check_organization(user, organization_id)
    if organization_id != contribution.organization_id:
        contribution.organization_name = _organization_name(organization_id)
    contribution.organization_id = organization_id
    for key in SHEET_FIELDS:
        if key in values:
            setattr(contribution, key, values[key])
    contribution.updated_at = utcnow()
    held = hold_personal_data(contribution)
    reindex(contribution)
    changed = [key for key in SHEET_FIELDS if before[key] != getattr(contribution, key)]
    record("contribution.corrected", contribution, actor=user,
           consultation_id=contribution.consultation_id,
           before={key: before[key] for key in changed},
           after={**{key: getattr(contribution, key) for key in changed},
                  **({"personal_data_held": held} if held else {})})
    contribution_changed.send(contribution)


def withdraw_contribution(contribution, *, user):
    """The author withdraws it while the consultation is open: shown as withdrawn, kept.

    :param contribution: the contribution to withdraw.
    :param user: its author.
    """
    if not contribution.can_be_withdrawn_by(user):
        raise OperationError(_l("This contribution cannot be withdrawn."))
    contribution.withdrawn_at = utcnow()
    record("contribution.withdrawn", contribution, actor=user,
           consultation_id=contribution.consultation_id,
           before={"withdrawn": False}, after={"withdrawn": True})
    contribution_changed.send(contribution)


def support_proposal(contribution, *, user):
    """Count ``user``'s support for a proposal; returns False if it was already counted
    (a double click), then nothing more is recorded.

    :param contribution: a proposal of an open consultation, neither hidden by moderation
        nor withdrawn by its author.
    :param user: a participant with a confirmed e-mail address, not its author.
    """
    if contribution.kind != "proposal" or contribution.is_voided:
        raise OperationError(_l("Only proposals can be supported."))
    if contribution.is_hidden:
        raise OperationError(_l("This proposal was hidden by moderation: it cannot be "
                                "supported."))
    if contribution.is_withdrawn:
        raise OperationError(_l("This proposal was withdrawn by its author: it cannot be "
                                "supported."))
    _ensure_can_take_part(contribution.consultation, user)
    if contribution.author_id == user.id:
        raise OperationError(_l("You cannot support your own proposal."))
    if has_supported(contribution, user):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Support(contribution_id=contribution.id, user_id=user.id))
            db.session.flush()
    except IntegrityError:
        return False  # a double click: already counted
    db.session.execute(update(Contribution).where(Contribution.id == contribution.id)
                       .values(supports_count=Contribution.supports_count + 1))
    record("support.given", contribution, actor=user,
           consultation_id=contribution.consultation_id,
           before={"supported": False}, after={"supported": True})
    contribution_changed.send(contribution)
    return True


def withdraw_support(contribution, *, user):
    """Take back ``user``'s support while the consultation is open; returns False (and
    records nothing) if there was none.

    :param contribution: the proposal supported.
    :param user: the participant who supported it.
    """
    ensure_open(contribution.consultation)
    removed = db.session.execute(delete(Support).where(
        Support.contribution_id == contribution.id, Support.user_id == user.id)).rowcount
    if not removed:
        return False
    db.session.execute(update(Contribution).where(Contribution.id == contribution.id)
                       .values(supports_count=Contribution.supports_count - removed))
    record("support.withdrawn", contribution, actor=user,
           consultation_id=contribution.consultation_id,
           before={"supported": True}, after={"supported": False})
    contribution_changed.send(contribution)
    return True


# --- offline channels ---------------------------------------------------------------

def record_offline_contribution(consultation, *, moderator, kind, channel, values,
                                event_id=None, received_on=None, author_name=None,
                                author_name_public=False, author_organization=None,
                                author_email=None, sector=None, region=None,
                                commitment_id=None, submission_token=None,
                                received_outside_window=False, author_contact_channel=None,
                                author_contact=None, author_gender=None,
                                import_fingerprint=None):
    """A moderator types in what arrived at a workshop, by e-mail or on paper.

    Paper sheets are often incomplete: only the title and, for proposals, the
    component are required. Idempotent on ``submission_token`` like web forms.
    Returns the contribution.

    :param consultation: the consultation, once announced.
    :param moderator: who types it in.
    :param kind: "proposal" or "comment".
    :param channel: how it arrived (``constants.OFFLINE_CHANNELS``; "web" is a form
        outside the platform: an external form, a partner's site).
    :param values: the fields of ``SHEET_FIELDS``, ``component_id`` and, for a comment
        on a proposal, ``parent_id``.
    :param event_id: the consultation's event it came from, if any.
    :param received_on: the day it was received (what figures, lists and its tracking
        code use): not in the future, not before ``constants.EARLIEST_RECEIVED_ON``;
        None when unknown (then the typing time stands for it).
    :param author_name: the author as written on the sheet.
    :param author_name_public: the author agreed that the name be published.
    :param author_organization: the organization written on the sheet.
    :param author_email: to tell the author the answer; never shown.
    :param sector: the author's sector, if stated.
    :param region: the author's region, if stated.
    :param commitment_id: the published commitment a comment is about; without it (nor
        ``parent_id``) a comment is about the plan as a whole.
    :param submission_token: the form's idempotency token.
    :param received_outside_window: the moderator confirms that it was received outside
        every participation window of its channel (late or early); without it such a
        ``received_on`` is refused (``OutsideWindows``).
    :param author_contact_channel: how an author without e-mail asked to be told of the
        answer (``constants.CONTACT_CHANNELS``), with ``author_contact``, the number or
        address; personal data, never shown.
    :param author_gender: the gender declared on the sheet (``taxonomy.GENDERS``), if any.
    :param import_fingerprint: the fingerprint of the spreadsheet row it comes from.
    """
    existing = contribution_by_token(submission_token)
    if existing is not None:
        return existing
    if not consultation.is_public:
        raise OperationError(_l("This consultation is not public."))
    _check_channel(channel)
    if (sector or None) is not None and sector not in sector_codes():
        raise OperationError(_l("Choose sectors from the list."))
    if (region or None) is not None and region not in region_codes():
        raise OperationError(REGION_NOT_LISTED)
    check_received_on(received_on)
    outside = check_received_in_windows(consultation, channel, received_on,
                                        received_outside_window)
    contact_channel, contact = check_contact(author_contact_channel, author_contact)
    if author_gender and author_gender not in GENDERS:
        raise OperationError(_l("Choose a gender from the list."))
    columns = {"consultation_id": consultation.id, "kind": kind, "channel": channel,
               "entered_by_id": moderator.id,
               "event_id": _check_event(consultation, event_id),
               "received_on": received_on, "author_name": author_name or None,
               "author_name_public": bool(author_name_public and author_name),
               "author_organization": author_organization or None,
               "author_email": (author_email or "").strip().lower() or None,
               "sector": sector or None, "region": region or None,
               "submission_token": submission_token or None,
               "received_outside_window": outside,
               "author_contact_channel": contact_channel, "author_contact": contact,
               "author_gender": author_gender or None,
               "import_fingerprint": import_fingerprint}
    if kind == "proposal":
        columns.update(_proposal_columns(consultation, values))
    else:
        # A comment on paper may name a component too; it is about a commitment, a
        # proposal or the plan as a whole.
        columns["component_id"] = _check_component(consultation, values.get("component_id"),
                                                    required=False)
        if commitment_id:
            columns.update(resolve_target(consultation, "commitment", commitment_id))
        elif values.get("parent_id"):
            columns.update(resolve_target(consultation, "proposal", values["parent_id"]))
        else:
            columns.update(resolve_target(consultation, "plan", None))
    now = utcnow()
    contribution = Contribution(**columns, created_at=now,
                                received_at=received_moment(received_on, now),
                                **{k: values.get(k) for k in SHEET_FIELDS if k in values})
    held = hold_personal_data(contribution)
    existing = _insert(contribution)
    if existing is not None:
        return existing
    record("contribution.entered_offline", contribution, actor=moderator,
           consultation_id=consultation.id,
           after={"code": contribution.tracking_code, "channel": channel, "kind": kind,
                  "event_id": event_id or None, "received_on": jsonable(received_on),
                  "received_outside_window": outside,
                  **({"personal_data_held": held} if held else {})})
    contribution_changed.send(contribution)
    return contribution


#: What a phone number may hold: digits and the signs people write between them.
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{6,30}$")


def check_contact(channel, contact):
    """Check how an author without e-mail asked to be told of the answer; returns the
    (channel, contact) to store, both None when no channel was chosen.

    :param channel: "sms", "phone" or "post" (``constants.CONTACT_CHANNELS``), or None.
    :param contact: the phone number (SMS, phone call) or the postal address.
    """
    contact = " ".join((contact or "").split())
    if not channel:
        return None, None
    if channel not in CONTACT_CHANNELS:
        raise OperationError(_l("Choose how the person wants to be told from the list."))
    if not contact:
        raise OperationError(_l("Write the phone number or the address to tell the person "
                                "of the answer."))
    if len(contact) > 300:
        raise OperationError(_l("The phone number or address can have at most %(max)d "
                                "characters.", max=300))
    if channel in ("sms", "phone") and (not PHONE_RE.match(contact)
                                        or sum(ch.isdigit() for ch in contact) < 6):
        raise OperationError(_l("Write a phone number (digits, with + and spaces if "
                                "needed)."))
    return channel, contact


def _check_channel(channel):
    if channel not in OFFLINE_CHANNELS:
        raise OperationError(_l("Choose a channel from the list."))


OFFLINE_FIELDS = ("channel", "event_id", "received_on", "author_name", "author_name_public",
                  "author_organization", "author_email", "sector", "region", "component_id",
                  "received_outside_window")
BOOLEAN_FIELDS = ("author_name_public", "received_outside_window")


def correct_offline_contribution(contribution, *, moderator, values, details):
    """A moderator fixes what was typed in from paper; audited with before and after
    (the author's e-mail address left out).

    :param contribution: a contribution typed in by the moderators.
    :param moderator: who corrects it.
    :param values: the fields of ``SHEET_FIELDS`` and ``component_id``.
    :param details: the fields of ``OFFLINE_FIELDS`` (channel, event, author...); its
        ``received_outside_window`` is the moderator's confirmation that the (new) day
        of receipt lies outside every window of its channel (else such a day is refused).
    """
    if not contribution.is_offline:
        raise OperationError(_l("Only contributions typed in by the moderators can be "
                                "corrected here."))
    if contribution.is_voided:
        raise OperationError(_l("This record has been voided; it can no longer be "
                                "corrected."))
    consultation = contribution.consultation
    if "channel" in details:
        _check_channel(details["channel"])
    if "received_on" in details:
        check_received_on(details["received_on"])
    details["received_outside_window"] = check_received_in_windows(
        consultation, details.get("channel", contribution.channel),
        details.get("received_on", contribution.received_on),
        details.get("received_outside_window", contribution.received_outside_window))
    _check_event(consultation, details.get("event_id"))
    details["component_id"] = _check_component(
        consultation, values.get("component_id"), required=contribution.kind == "proposal")
    before = {k: jsonable(getattr(contribution, k)) for k in (*SHEET_FIELDS, *OFFLINE_FIELDS)}
    for key in SHEET_FIELDS:
        if key in values:
            setattr(contribution, key, values[key])
    for key in OFFLINE_FIELDS:
        if key in details:
            value = details[key]
            setattr(contribution, key, value if value not in ("", 0) else None
                    if key not in BOOLEAN_FIELDS else bool(value))
    # The received moment follows the day typed in; the tracking code, a public
    # reference already given out, stays.
    contribution.received_at = received_moment(contribution.received_on,
                                               contribution.created_at)
    contribution.updated_at = utcnow()
    held = hold_personal_data(contribution)
    reindex(contribution)
    after = {k: jsonable(getattr(contribution, k)) for k in (*SHEET_FIELDS, *OFFLINE_FIELDS)}
    changed = [k for k in after if after[k] != before[k] and k != "author_email"]
    record("contribution.corrected_offline", contribution, actor=moderator,
           consultation_id=consultation.id, before={k: before[k] for k in changed},
           after={**{k: after[k] for k in changed},
                  **({"personal_data_held": held} if held else {})})
    if before["author_name_public"] and not contribution.author_name_public:
        author_name_consent_withdrawn.send(contribution)
    contribution_changed.send(contribution)


def void_contribution(contribution, *, actor, reason):
    """A moderator voids a record typed in by mistake (twice, on the wrong consultation,
    a test): it is kept and shown to staff with the reason, who and when, and left out
    of every count, figure, public list, export and later summary version (a version
    already published keeps it: it is frozen). Not moderation: a real contribution that
    breaks the rules is hidden, and still counts. Audited.

    :param contribution: a contribution typed in by staff (``is_offline``); web ones are
        withdrawn by their authors instead.
    :param actor: the moderator who voids it.
    :param reason: why, in a few words (required, at most 1000 characters).
    """
    if not contribution.is_offline:
        raise OperationError(_l("Only records typed in by the moderators can be voided; a "
                                "contribution sent through the platform is withdrawn by "
                                "its author."))
    if contribution.is_voided:
        raise OperationError(_l("This record has already been voided."))
    reason = (reason or "").strip()
    if not reason:
        raise OperationError(_l("Say why the record is voided."))
    if len(reason) > 1000:
        raise OperationError(_l("The reason can have at most %(max)d characters.", max=1000))
    # Set together: the CHECK wants the moment, who and why at once (no flush between).
    # Out of its group too: the group's answer no longer speaks for it.
    group_id = contribution.group_id
    voided = {"voided_at": utcnow(), "voided_by_id": actor.id, "void_reason": reason,
              "group_id": None}
    with db.session.no_autoflush:
        for key, value in voided.items():
            setattr(contribution, key, value)
    db.session.flush()
    record("contribution.voided", contribution, actor=actor,
           consultation_id=contribution.consultation_id,
           before={"voided": False, "group_id": group_id},
           after={"voided": True, "reason": reason, "group_id": None})
    contribution_changed.send(contribution)


# --- rights of typed-in authors ----------------------------------------------------------

def _erased_value(name):
    column = Contribution.__table__.columns[name]
    return False if isinstance(column.type, Boolean) else None


def erasable_author_fields(contribution):
    """The personal fields of a record's author that hold something and would be erased
    (``Contribution.PERSONAL_FIELDS`` but sector and region).

    :param contribution: the record.
    """
    return [name for name in Contribution.PERSONAL_FIELDS
            if name not in KEPT_IN_AGGREGATE
            and getattr(contribution, name) not in (None, "", False)]


def erase_offline_author(contribution, *, actor):
    """Erase the personal data of a typed-in record's author (their right to erasure,
    exercised through the secretariat): every column of ``Contribution.PERSONAL_FIELDS``
    is emptied except sector and region, which only count in aggregate, as when an
    account is deleted; what the author wrote stays, as a participant's contributions
    do. E-mails to the address (waiting or sent) are purged when no other record holds
    it. Audited with the names of the fields erased, never their values; sends
    ``contribution_author_erased``.

    :param contribution: a typed-in record (``is_offline``).
    :param actor: the secretariat member acting on the author's request.
    """
    if not contribution.is_offline:
        raise OperationError(_l("Only the author of a record typed in by staff is erased "
                                "here; participants delete their own account."))
    fields = [name for name in Contribution.PERSONAL_FIELDS if name not in KEPT_IN_AGGREGATE]
    erased = erasable_author_fields(contribution)
    if not erased:
        raise OperationError(_l("This record holds no personal data of its author."))
    email = contribution.author_email
    for name in fields:
        setattr(contribution, name, _erased_value(name))
    db.session.flush()
    if email and not db.session.scalar(select(Contribution.id).where(
            Contribution.author_email == email).limit(1)):
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == email))
    record("contribution.author_erased", contribution, actor=actor,
           consultation_id=contribution.consultation_id, before={"fields": erased},
           after={"erased": True})
    contribution_author_erased.send(contribution)


def record_author_data_export(contributions, *, actor):
    """Audit that the secretariat exported a typed-in author's records (their right of
    access): one entry per record, with how many were exported, never the data.

    :param contributions: the records exported.
    :param actor: who exported them.
    """
    for contribution in contributions:
        record("contribution.author_data_exported", contribution, actor=actor,
               consultation_id=contribution.consultation_id,
               after={"records": len(contributions)})


def save_event(consultation, *, actor, event=None, attendance=(), attendees_total=None,
               gender_recorded_count=None, attendees_women=None, **values):
    """Create or edit an event with its attendance as it was known; returns the event.

    Nothing unknown is stored as zero. The rows by sector may cover only part of the
    total (the rest is "sector not recorded"), never more. Refused (``OperationError``,
    nothing changed) for negative numbers, a total smaller than the sum of the rows,
    more women than attendees or than people whose gender was recorded.

    :param consultation: the consultation the event was held for.
    :param actor: the moderator who records it.
    :param event: the event to edit; None creates one.
    :param attendance: its rows by sector ``[(sector, participants, women)]``, one per
        sector, ``women`` None when their gender was not recorded; they replace the
        stored ones. Optional.
    :param attendees_total: how many attended; None: the sum of the rows, or not
        recorded when there are none.
    :param gender_recorded_count: how many attendees had their gender recorded; None
        with ``attendees_women``: what the rows say (the rows whose women are known),
        or not recorded; None alone: all the attendees.
    :param attendees_women: of those whose gender was recorded, how many were women.
    :param values: kind, title, held_on, place, region, description.
    """
    counts = attendance_as_known(attendance, attendees_total, gender_recorded_count,
                                 attendees_women)
    created = event is None
    if created:
        event = Event(consultation=consultation, created_by_id=actor.id, created_at=utcnow())
        db.session.add(event)
    before = None if created else _attendance_record(event)
    for key, value in values.items():
        setattr(event, key, value)
    event.attendance.clear()
    db.session.flush()
    event.attendees_total, event.gender_recorded_count, event.attendees_women = counts[:3]
    for sector, participants, women in counts[3]:
        event.attendance.append(EventAttendance(sector=sector, participants=participants,
                                                women=women))
    db.session.flush()
    record("event.created" if created else "event.updated", event, actor=actor,
           consultation_id=consultation.id, before=before,
           after={"title": event.title, "held_on": event.held_on.isoformat(),
                  **_attendance_record(event)})
    event_saved.send(consultation)
    return event


def _attendance_record(event):
    return {"participants": event.attendees_total,
            "gender_recorded": event.gender_recorded_count, "women": event.attendees_women,
            "by_sector": {row.sector: [row.participants, row.women]
                          for row in event.attendance}}


def attendance_as_known(rows, total, gender_recorded, women):
    """Check an event's attendance and fill in what its parts say; returns
    ``(total, gender_recorded, women, rows)``, each None when not recorded.

    :param rows: ``[(sector, participants, women or None)]``.
    :param total: the total attendance, or None.
    :param gender_recorded: how many had their gender recorded, or None.
    :param women: how many of those were women, or None.
    """
    rows = [(sector, participants, row_women) for sector, participants, row_women in rows]
    numbers = [total, gender_recorded, women]
    numbers += [n for _, participants, row_women in rows for n in (participants, row_women)]
    if any(n is not None and not (isinstance(n, int) and 0 <= n <= MAX_ATTENDANCE)
           for n in numbers):
        raise OperationError(_l("Attendance numbers must be whole numbers from 0 to "
                                "%(max)d.", max=MAX_ATTENDANCE))
    seen = set()
    for sector, participants, row_women in rows:
        if sector not in sector_codes():
            raise OperationError(_l("Choose sectors from the list."))
        if sector in seen:
            raise OperationError(_l("Each sector can appear only once."))
        seen.add(sector)
        if participants is None:
            raise OperationError(_l("Enter how many people of each sector attended."))
        if row_women is not None and row_women > participants:
            raise OperationError(_l("There cannot be more women than participants in a "
                                    "sector."))
    in_rows = sum(participants for _, participants, _ in rows)
    if total is None and rows:
        total = in_rows
    if total is not None and total < in_rows:
        raise OperationError(_l(
            "The total attendance (%(total)d) is smaller than the sum of the rows by sector "
            "(%(sum)d). Correct the total or the rows.", total=total, sum=in_rows))
    gendered_rows = [(participants, row_women) for _, participants, row_women in rows
                     if row_women is not None]
    if gender_recorded is None and women is None and gendered_rows:
        gender_recorded = sum(participants for participants, _ in gendered_rows)
        women = sum(row_women for _, row_women in gendered_rows)
    if gender_recorded is not None and women is None:
        raise OperationError(_l("Enter how many of the people whose gender was recorded "
                                "were women."))
    if women is not None:
        if total is None:
            raise OperationError(_l("Enter the total attendance before how many were "
                                    "women."))
        if women > total:
            raise OperationError(_l("There cannot be more women (%(women)d) than attendees "
                                    "(%(total)d).", women=women, total=total))
        if gender_recorded is None:
            gender_recorded = total
        if gender_recorded > total:
            raise OperationError(_l(
                "The people whose gender was recorded (%(recorded)d) cannot be more than "
                "the attendees (%(total)d).", recorded=gender_recorded, total=total))
        if women > gender_recorded:
            raise OperationError(_l(
                "There cannot be more women (%(women)d) than people whose gender was "
                "recorded (%(recorded)d).", women=women, recorded=gender_recorded))
        if sum(w for _, w in gendered_rows) > women or \
                sum(p for p, _ in gendered_rows) > gender_recorded:
            raise OperationError(_l("The rows by sector count more women, or more people "
                                    "with their gender recorded, than the event's totals."))
    return total, gender_recorded, women, rows
