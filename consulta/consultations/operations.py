"""Operations on consultations, their timeline and draft plan.

Each checks its rule, changes the models and writes the audit log; none commits (the
view or command that called it does, once). A rule that forbids the change raises
``OperationError`` with a message for the user.
"""

import re
import unicodedata
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consulta.accounts.entities import entity_for_organizer
from consulta.accounts.models import Entity
from consulta.audit.operations import jsonable, record
from consulta.core.cache import forget_every_page
from consulta.core.dates import local_to_utc, local_today, utc_to_local, utcnow
from consulta.core.i18n import format_date, format_when
from consulta.core.operations import OperationError
from consulta.core.permissions import can
from consulta.core.signals import values_from_signal
from consulta.core.taxonomy import REGION_NOT_LISTED, region_codes, sector_codes
from consulta.extensions import db

from .constants import WINDOW_CHANNELS
from .models import (
    Commitment,
    Component,
    Consultation,
    ParticipationWindow,
    Phase,
    PlanSection,
    PlanVersion,
    new_lineage,
)
from .signals import consultation_changed, dates_changed, windows_changing

CONSULTATION_FIELDS = ("title", "summary", "description", "scope", "scope_region",
                       "scope_locality", "organizer", "forum_name", "methodology", "channels",
                       "requires_review", "opens_at", "closes_at", "forum_members",
                       "forum_meetings", "entity_id")
DATE_FIELDS = ("opens_at", "closes_at")


def slugify(text, max_length=80):
    """An address made of ``text``: lower-case ASCII letters, digits and hyphens.

    :param text: usually the title ("Plan de Acción 2026" → "plan-de-accion-2026").
    :param max_length: the longest result (the column holds 80).
    """
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return text[:max_length].rstrip("-") or "consulta"


def unique_slug(base, exclude_id=None):
    """``base``, or ``base-2``, ``base-3``... whichever no other consultation uses.

    :param base: the address wanted (see ``slugify``).
    :param exclude_id: a consultation whose own address does not count as taken.
    """
    slug, n = base, 2
    while _slug_taken(slug, exclude_id):
        suffix = f"-{n}"
        slug = base[:80 - len(suffix)].rstrip("-") + suffix
        n += 1
    return slug


def _slug_taken(slug, exclude_id=None):
    query = select(Consultation.id).where(Consultation.slug == slug)
    if exclude_id is not None:
        query = query.where(Consultation.id != exclude_id)
    return db.session.scalar(query) is not None


def _ensure_slug_free(slug, exclude_id=None):
    if _slug_taken(slug, exclude_id):
        raise OperationError(_l("This address is already used by another consultation."))


def _clean(values):
    values = dict(values)
    if values.get("scope") == "national":
        values["scope_region"] = None
    if values.get("scope") != "local":
        values["scope_locality"] = None
    for key in ("scope_region", "scope_locality", "forum_name"):
        if key in values:
            values[key] = values[key] or None
    if values.get("scope_region") and values["scope_region"] not in region_codes():
        # The form refuses it already; a command or an import must not store it either.
        raise OperationError(REGION_NOT_LISTED)
    if "channels" in values:
        values["channels"] = list(dict.fromkeys(values["channels"] or []))
    _check_forum(values)
    return values


def _organizing_entity(values, *, actor, consultation=None):
    """Set ``entity_id`` and the displayed ``organizer`` of ``values``: the entity chosen
    (``entity_id``), else one found or made from the organizer text (older callers,
    imports). The actor must belong to the chosen entity's secretariat."""
    entity = None
    if "entity_id" in values:
        entity = db.session.get(Entity, values["entity_id"]) if values["entity_id"] else None
        if entity is None:
            raise OperationError(_l("Choose the organizing entity."))
    elif values.get("organizer") and (consultation is None
                                      or values["organizer"] != consultation.organizer):
        entity = entity_for_organizer(values["organizer"], scope=values.get("scope"))
    elif consultation is None:
        raise OperationError(_l("Choose the organizing entity."))
    if entity is None:
        return values
    if actor is not None and not can(actor, "secretariat", entity):
        raise OperationError(_l("You can only organize consultations for your own "
                                "entities."))
    values["entity_id"], values["organizer"] = entity.id, entity.name
    return values


def _check_forum(values):
    """The forum's evidence: members by sector (known sectors, whole numbers) and the
    dates of meetings already held; refused otherwise."""
    members = values.get("forum_members")
    if members is not None:
        if any(sector not in sector_codes() or not isinstance(n, int) or not 0 <= n <= 10000
               for sector, n in members.items()):
            raise OperationError(_l("The forum's members are a whole number from 0 for "
                                    "each sector of the list."))
        values["forum_members"] = {sector: n for sector, n in members.items() if n}
    meetings = values.get("forum_meetings")
    if meetings is not None:
        try:
            days = sorted({date.fromisoformat(day) for day in meetings})
        except (TypeError, ValueError):
            raise OperationError(_l("Write each date as YYYY-MM-DD, for example "
                                    "2026-03-14.")) from None
        if days and days[-1] > local_today():
            raise OperationError(_l("A forum meeting on %(date)s has not been held yet: "
                                    "record it once it has.", date=format_date(days[-1], "long")))
        values["forum_meetings"] = [day.isoformat() for day in days]


def create_consultation(*, actor, slug=None, **values):
    """Create a consultation, private until it is announced.

    :param actor: the member of the secretariat who creates it.
    :param slug: its address; made from the title when empty. Refused if taken.
    :param values: the fields of ``CONSULTATION_FIELDS`` (title, summary, scope, dates...).
    """
    values = _organizing_entity(_clean(values), actor=actor)
    if slug:
        _ensure_slug_free(slug)
    else:
        slug = unique_slug(slugify(values["title"]))
    now = utcnow()
    consultation = Consultation(slug=slug, created_by_id=actor.id, created_at=now,
                                **{k: values.get(k) for k in CONSULTATION_FIELDS
                                   if k in values})
    if consultation.opens_at and consultation.closes_at:
        if consultation.closes_at <= consultation.opens_at:
            raise OperationError(_l("The closing must come after the opening."))
        # Its participation period is its first window, on the web.
        consultation.windows.append(ParticipationWindow(
            channel="web", opens_at=consultation.opens_at, closes_at=consultation.closes_at,
            reason="", created_by_id=actor.id, created_at=now))
    db.session.add(consultation)
    db.session.flush()
    record("consultation.created", consultation, actor=actor, consultation_id=consultation.id,
           after={"slug": slug, "title": consultation.title})
    consultation_changed.send(consultation)
    return consultation


def update_consultation(consultation, *, actor, slug=None, reason="", **values):
    """Edit a consultation; returns whether anything changed.

    Its opening and closing are those of its participation windows: a new opening
    moves the first window's start, a new closing the last window's end (an extension
    after that window closed is a new window from now, see ``extend_window``). After
    the announcement each such change needs a reason and is a public notice.

    :param consultation: the consultation to edit.
    :param actor: the member of the secretariat who edits it.
    :param slug: a new address; refused once the consultation is public (people may
        have shared it) or if another consultation uses it.
    :param reason: why the dates change (required for a change after the announcement).
    :param values: the fields of ``CONSULTATION_FIELDS`` to set.
    """
    values = _organizing_entity(_clean(values), actor=actor, consultation=consultation)
    if slug and slug != consultation.slug:
        _ensure_slug_free(slug, exclude_id=consultation.id)
        if consultation.is_public:
            raise OperationError(_l("The address cannot change once the consultation is "
                                    "announced: people may have shared it."))
        values["slug"] = slug
    opens_at = values.pop("opens_at", consultation.opens_at)
    closes_at = values.pop("closes_at", consultation.closes_at)
    dates_changed = _change_period(consultation, actor=actor, opens_at=opens_at,
                                   closes_at=closes_at, reason=reason)
    before, after = {}, {}
    for key, value in values.items():
        old = getattr(consultation, key)
        if old != value:
            before[key], after[key] = jsonable(old), jsonable(value)
            setattr(consultation, key, value)
    if not after:
        return dates_changed
    long_text = {"description", "methodology"}
    record("consultation.updated", consultation, actor=actor, consultation_id=consultation.id,
           before={k: ("…" if k in long_text else v) for k, v in before.items()},
           after={k: ("…" if k in long_text else v) for k, v in after.items()})
    if "slug" in after:
        # Workers remember which consultation a page's address belongs to (core.cache)
        # while every page's generation stays.
        forget_every_page()
    consultation_changed.send(consultation)
    return True


def announce_consultation(consultation, *, actor):
    """Make the consultation public; the announcement date is evidence of advance notice.

    Refused when already announced, when the opening is not in the future, when it
    closes before it opens, or without a timeline (at least one phase). A consultation
    that has already taken place is published with ``record_past_consultation``.

    :param consultation: the private consultation to announce.
    :param actor: the member of the secretariat who announces it.
    """
    now = utcnow()
    if consultation.announced_at is not None:
        raise OperationError(_l("This consultation has already been announced."))
    if consultation.opens_at <= now:
        raise OperationError(_l("The opening date is in the past. Move it to a future date "
                                "before announcing, so people have notice. A consultation "
                                "that has already taken place is recorded after the fact "
                                "instead."))
    if consultation.closes_at <= consultation.opens_at:
        raise OperationError(_l("The closing must come after the opening."))
    if not consultation.phases:
        raise OperationError(_l("Add the timeline (at least one phase) before announcing."))
    consultation.announced_at = now
    record("consultation.announced", consultation, actor=actor,
           consultation_id=consultation.id, after={"announced_at": now.isoformat()})
    consultation_changed.send(consultation)


#: How long an announcement reference may be (the column holds 500).
REFERENCE_MAX_LENGTH = 500


def record_past_consultation(consultation, *, actor, announced_on, reference):
    """Publish a consultation that has already taken place, recorded after the fact.

    Its dates are a record of what happened: ``announced_at`` becomes the real
    announcement day (local midnight), ``recorded_after_at`` the moment it is published
    here, and every public page says so. Nothing in it is a change notice: only changes
    made after this are. Refused when already public, when the announcement day is in
    the future or after the opening, when participation has not ended yet (a running
    consultation is announced with ``announce_consultation``), without a timeline, or
    without a reference to the announcement.

    :param consultation: the private consultation, with its real dates and phases.
    :param actor: the member of the secretariat who records it.
    :param announced_on: the day it was really announced (a local calendar date).
    :param reference: where it was announced: the official notice ("Official Gazette,
        2016-06-10") or its address.
    """
    now = utcnow()
    reference = (reference or "").strip()
    if consultation.announced_at is not None:
        raise OperationError(_l("This consultation has already been announced."))
    if not reference:
        raise OperationError(_l("Say where it was announced: the official notice or its "
                                "address."))
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise OperationError(_l("The reference to the announcement is too long (at most "
                                "%(max)d characters).", max=REFERENCE_MAX_LENGTH))
    if announced_on is None:
        raise OperationError(_l("Enter the day it was announced."))
    if announced_on > local_today():
        raise OperationError(_l("The announcement date is in the future: a consultation "
                                "recorded after the fact was announced in the past."))
    if consultation.closes_at <= consultation.opens_at:
        raise OperationError(_l("The closing must come after the opening."))
    if consultation.closes_at > now or any(w.closes_at > now for w in consultation.windows):
        raise OperationError(_l("Participation has not ended yet (it closes on %(date)s): "
                                "only a consultation that has already taken place is "
                                "recorded after the fact. Announce a running one instead.",
                                date=format_when(consultation.closes_at)))
    opening_day = utc_to_local(consultation.opens_at).date()
    if announced_on > opening_day:
        raise OperationError(_l("The announcement (%(announced)s) comes after the opening "
                                "(%(opening)s): check both dates.",
                                announced=format_date(announced_on, "long"),
                                opening=format_date(opening_day, "long")))
    if not consultation.phases:
        raise OperationError(_l("Add the timeline (at least one phase) before publishing."))
    announced_at = min(local_to_utc(datetime.combine(announced_on, time(0, 0))),
                       consultation.opens_at)
    consultation.announced_at = announced_at
    consultation.recorded_after_at = now
    consultation.announcement_reference = reference
    record("consultation.recorded_after", consultation, actor=actor,
           consultation_id=consultation.id,
           after={"announced_at": announced_at.isoformat(),
                  "recorded_after_at": now.isoformat(), "reference": reference})
    consultation_changed.send(consultation)


# --- participation windows ------------------------------------------------------

#: A web window opened or closed "now" is typed to the minute: that much in the past is now.
NOW_TOLERANCE = timedelta(minutes=5)


def _window_values(window):
    return {"channel": window.channel, "opens_at": window.opens_at.isoformat(),
            "closes_at": window.closes_at.isoformat()}


def _ensure_windows(consultation, actor):
    """Rows made before windows existed get theirs: the period as one web window."""
    if not consultation.windows:
        consultation.windows.append(ParticipationWindow(
            channel="web", opens_at=consultation.opens_at, closes_at=consultation.closes_at,
            reason="", created_by_id=actor.id if actor else None, created_at=utcnow()))
        db.session.flush()


def _covered_days(spans):
    """The local calendar days covered by (opens_at, closes_at) spans, merged into
    [(first day, last day)] ranges."""
    ranges = sorted((utc_to_local(opens).date(),
                     utc_to_local(closes - timedelta(microseconds=1)).date())
                    for opens, closes in spans)
    merged = []
    for first, last in ranges:
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _phase_is_covered(phase_start, phase_end, spans):
    return any(first <= phase_start and phase_end <= last
               for first, last in _covered_days(spans))


def _check_window(consultation, *, channel, opens_at, closes_at, reason, window=None,
                  now=None):
    """Refuse a window (a new one, or ``window`` with new dates) that breaks a rule."""
    now = now or utcnow()
    if channel not in WINDOW_CHANNELS:
        raise OperationError(_l("Choose a channel from the list."))
    if opens_at is None or closes_at is None:
        raise OperationError(_l("Enter when the window opens and closes."))
    if closes_at <= opens_at:
        raise OperationError(_l("A window must end after it starts."))
    if consultation.summary_published_at is not None:
        raise OperationError(_l("The summary has been published: its participation windows "
                                "no longer change."))
    for other in consultation.windows_of(channel):
        if other is not window and other.opens_at < closes_at and opens_at < other.closes_at:
            raise OperationError(_l(
                "It overlaps the window of the same channel from %(opens)s to %(closes)s. "
                "Change that window instead, or choose dates that do not overlap.",
                opens=format_when(other.opens_at), closes=format_when(other.closes_at)))
    if not consultation.is_public:
        return
    if not reason:
        raise OperationError(_l("Say why: after the announcement every change of dates is "
                                "published with its reason."))
    old_opens = window.opens_at if window is not None else None
    old_closes = window.closes_at if window is not None else None
    if opens_at != old_opens and opens_at < consultation.announced_at:
        raise OperationError(_l("A window cannot open before the announcement (%(date)s).",
                                date=format_when(consultation.announced_at)))
    if consultation.is_recorded_after:
        if closes_at > now:
            raise OperationError(_l("This consultation was recorded after it took place: "
                                    "its windows end in the past."))
    elif channel == "web":
        if window is not None and closes_at != old_closes and old_closes <= now:
            raise OperationError(_l("This web window has already closed. Extend it: the "
                                    "extension is a new window from now, so the days in "
                                    "between stay closed."))
        if opens_at != old_opens and opens_at < now - NOW_TOLERANCE:
            raise OperationError(_l("A web window cannot start in the past: nobody could "
                                    "use those days. Start it now or later."))
        if closes_at != old_closes and closes_at < now:
            raise OperationError(_l("A web window cannot end in the past."))


def _check_phases_covered(consultation, spans, phases=None):
    """Refuse when a phase that receives contributions lies outside every window."""
    for phase in phases if phases is not None else consultation.phases:
        if phase.receives_contributions and not _phase_is_covered(
                phase.starts_on, phase.ends_on, spans):
            raise OperationError(_l(
                "The phase \"%(name)s\" receives contributions, but its dates are not "
                "inside a participation window. Change the phase's dates first, or add a "
                "window that covers them.", name=phase.name))


def _check_no_orphans(consultation, channel, before, after):
    orphans = sum(values_from_signal(windows_changing, consultation, channel=channel,
                                     before=before, after=after))
    if orphans:
        raise OperationError(_l(
            "%(count)d contributions received through this channel would fall outside every "
            "window. Keep the windows that contain them (marking contributions as received "
            "late is not available).", count=orphans))


def _sync_period(consultation):
    """The participation period: from the first window's opening to the last closing."""
    windows = consultation.windows
    if windows:
        consultation.opens_at = min(w.opens_at for w in windows)
        consultation.closes_at = max(w.closes_at for w in windows)


def _record_window(window, *, actor, before, reason):
    consultation = window.consultation
    after = {**_window_values(window), "reason": reason}
    record("window.saved", window, actor=actor, consultation_id=consultation.id,
           before=before, after=after)
    consultation_changed.send(consultation)
    if consultation.is_public:
        record("window.dates_changed", window, actor=actor, consultation_id=consultation.id,
               before=before, after=after)
        dates_changed.send(consultation, reason=reason)


def add_window(consultation, *, actor, channel, opens_at=None, closes_at, reason=""):
    """Add a participation window to a channel; returns it.

    After the announcement it needs a reason and is a public notice; a web window of a
    running consultation starts now at the earliest (the days before it stay closed).

    :param consultation: the consultation.
    :param actor: the member of the secretariat who adds it.
    :param channel: one of ``constants.WINDOW_CHANNELS``.
    :param opens_at: when it opens (UTC); None: now.
    :param closes_at: when it closes (UTC), after it opens.
    :param reason: why it is added (an extension's reason); required once public.
    """
    now = utcnow()
    reason = (reason or "").strip()
    _ensure_windows(consultation, actor)
    opens_at = opens_at or now
    if channel == "web" and consultation.is_public and not consultation.is_recorded_after \
            and now - NOW_TOLERANCE <= opens_at < now:
        opens_at = now
    _check_window(consultation, channel=channel, opens_at=opens_at, closes_at=closes_at,
                  reason=reason, now=now)
    spans = [(w.opens_at, w.closes_at) for w in consultation.windows]
    _check_phases_covered(consultation, [*spans, (opens_at, closes_at)])
    window = ParticipationWindow(channel=channel, opens_at=opens_at, closes_at=closes_at,
                                 reason=reason, created_by_id=actor.id, created_at=now)
    consultation.windows.append(window)
    _sync_period(consultation)
    db.session.flush()
    _record_window(window, actor=actor, before=None, reason=reason)
    return window


def remove_window(window, *, actor):
    """Remove a participation window of a consultation not yet public (a channel it did
    not use after all, such as the web window every new consultation starts with).

    Refused once the consultation is public (its windows are then a record: change one
    with its reason instead), for its only window, and where a phase that receives
    contributions or a contribution would be left outside every window.

    :param window: the window to remove.
    :param actor: the member of the secretariat who removes it.
    """
    consultation = window.consultation
    if consultation.is_public:
        raise OperationError(_l("The consultation is public: its windows are a record and "
                                "are not removed. Change the window, with its reason."))
    others = [w for w in consultation.windows if w is not window]
    if not others:
        raise OperationError(_l("A consultation needs at least one participation window: "
                                "add the right one before removing this one."))
    spans = [(w.opens_at, w.closes_at) for w in others]
    _check_phases_covered(consultation, spans)
    _check_no_orphans(consultation, window.channel,
                      [(window.opens_at, window.closes_at)],
                      [(w.opens_at, w.closes_at) for w in others
                       if w.channel == window.channel])
    before = _window_values(window)
    consultation.windows.remove(window)
    _sync_period(consultation)
    db.session.flush()
    record("window.removed", object_type="participation_windows", object_id=window.id, actor=actor,
           consultation_id=consultation.id, before=before)


def change_window(window, *, actor, opens_at, closes_at, reason=""):
    """Change the dates of a participation window; returns whether they changed.

    Refused where contributions received in it would fall outside every window of its
    channel, where a phase that receives contributions would be left outside, and, for
    a running consultation's web window, for dates in the past (an extension of a
    window already closed is ``extend_window``).

    :param window: the window to change.
    :param actor: the member of the secretariat who changes it.
    :param opens_at: its new opening (UTC).
    :param closes_at: its new closing (UTC).
    :param reason: why; required once the consultation is public.
    """
    consultation = window.consultation
    reason = (reason or "").strip()
    now = utcnow()
    if window.channel == "web" and consultation.is_public and \
            not consultation.is_recorded_after and closes_at != window.closes_at and \
            now - NOW_TOLERANCE <= closes_at < now:
        closes_at = now  # "close now", typed to the minute
    if (opens_at, closes_at) == (window.opens_at, window.closes_at):
        return False
    _check_window(consultation, channel=window.channel, opens_at=opens_at,
                  closes_at=closes_at, reason=reason, window=window, now=now)
    others = [w for w in consultation.windows if w is not window]
    _check_phases_covered(consultation, [(w.opens_at, w.closes_at) for w in others]
                          + [(opens_at, closes_at)])
    same_channel = [(w.opens_at, w.closes_at) for w in others if w.channel == window.channel]
    _check_no_orphans(consultation, window.channel,
                      before=[*same_channel, (window.opens_at, window.closes_at)],
                      after=[*same_channel, (opens_at, closes_at)])
    before = _window_values(window)
    window.opens_at, window.closes_at = opens_at, closes_at
    if reason:
        window.reason = reason
    _sync_period(consultation)
    db.session.flush()
    _record_window(window, actor=actor, before=before, reason=reason)
    return True


def extend_window(window, *, actor, closes_at, reason=""):
    """Move a window's end later; returns the window that now ends at ``closes_at``.

    While the window has not closed (or for a consultation recorded after the fact, or
    not yet announced) its end moves. Once it has closed, the extension is a new window
    of the same channel from now: the days in between stay closed.

    :param window: the window to extend.
    :param actor: the member of the secretariat who extends it.
    :param closes_at: the new end (UTC), later than the current one.
    :param reason: why; required once the consultation is public.
    """
    consultation = window.consultation
    if closes_at is None or closes_at <= window.closes_at:
        raise OperationError(_l("An extension ends later than the window it extends."))
    now = utcnow()
    if consultation.is_public and not consultation.is_recorded_after \
            and window.closes_at <= now:
        return add_window(consultation, actor=actor, channel=window.channel,
                          opens_at=now, closes_at=closes_at, reason=reason)
    change_window(window, actor=actor, opens_at=window.opens_at, closes_at=closes_at,
                  reason=reason)
    return window


def _change_period(consultation, *, actor, opens_at, closes_at, reason):
    """The consultation form's opening and closing, applied to its windows."""
    if (opens_at, closes_at) == (consultation.opens_at, consultation.closes_at):
        return False
    if opens_at is None or closes_at is None or closes_at <= opens_at:
        raise OperationError(_l("The closing must come after the opening."))
    _ensure_windows(consultation, actor)
    first = min(consultation.windows, key=lambda w: (w.opens_at, w.id or 0))
    last = max(consultation.windows, key=lambda w: (w.closes_at, -(w.id or 0)))
    if first is last:
        if closes_at > last.closes_at and opens_at == first.opens_at:
            extend_window(last, actor=actor, closes_at=closes_at, reason=reason)
        else:
            change_window(first, actor=actor, opens_at=opens_at, closes_at=closes_at,
                          reason=reason)
        return True
    if opens_at != first.opens_at:
        change_window(first, actor=actor, opens_at=opens_at, closes_at=first.closes_at,
                      reason=reason)
    if closes_at > last.closes_at:
        extend_window(last, actor=actor, closes_at=closes_at, reason=reason)
    elif closes_at != last.closes_at:
        change_window(last, actor=actor, opens_at=last.opens_at, closes_at=closes_at,
                      reason=reason)
    return True


# --- timeline ------------------------------------------------------------------

def save_phase(consultation, *, actor, phase=None, name, starts_on, ends_on, description="",
               receives_contributions=False, reason=""):
    """Add a phase to the timeline, or edit one; returns the phase.

    After the announcement, a change of dates needs a reason and is also recorded apart,
    as a public notice. A phase that receives contributions must lie inside the
    participation windows.

    :param consultation: the consultation whose timeline it is.
    :param actor: the member of the secretariat who saves it.
    :param phase: the phase to edit; None adds one at the end.
    :param name: its name ("Talleres descentralizados").
    :param starts_on: its first day (a local calendar date).
    :param ends_on: its last day, not before ``starts_on``.
    :param description: what happens in it (optional).
    :param receives_contributions: whether contributions are received in it.
    :param reason: why its dates change (required after the announcement).
    """
    reason = (reason or "").strip()
    if ends_on < starts_on:
        raise OperationError(_l("The end date must not be before the start date."))
    if receives_contributions:
        spans = [(w.opens_at, w.closes_at) for w in consultation.windows] or [
            (consultation.opens_at, consultation.closes_at)]
        if not _phase_is_covered(starts_on, ends_on, spans):
            raise OperationError(_l(
                "This phase receives contributions, but its dates are not inside a "
                "participation window (contributions: %(period)s). Change its dates, or "
                "add a window first.", period=_period_text(consultation)))
    dates_change = phase is not None and (phase.starts_on, phase.ends_on) != (starts_on,
                                                                              ends_on)
    if consultation.is_public and dates_change and not reason:
        raise OperationError(_l("Say why the dates change: after the announcement every "
                                "change of dates is published with its reason."))
    if phase is None:
        phase = Phase(consultation=consultation, position=len(consultation.phases) + 1)
        db.session.add(phase)
        before = None
    else:
        before = {"name": phase.name, "starts_on": phase.starts_on.isoformat(),
                  "ends_on": phase.ends_on.isoformat(),
                  "receives_contributions": bool(phase.receives_contributions)}
    phase.name, phase.description = name, description or ""
    phase.starts_on, phase.ends_on = starts_on, ends_on
    phase.receives_contributions = bool(receives_contributions)
    db.session.flush()
    after = {"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
             "receives_contributions": bool(receives_contributions)}
    if before != after:
        record("phase.saved", phase, actor=actor, consultation_id=consultation.id,
               before=before, after=after)
        consultation_changed.send(consultation)
        if consultation.is_public and dates_change:
            record("phase.dates_changed", phase, actor=actor, consultation_id=consultation.id,
                   before=before, after={**after, "reason": reason})
            dates_changed.send(consultation, reason=reason)
    return phase


def _period_text(consultation):
    return "; ".join(f"{format_when(w.opens_at)} – {format_when(w.closes_at)}"
                     for w in sorted(consultation.windows, key=lambda w: w.opens_at)) or \
        f"{format_when(consultation.opens_at)} – {format_when(consultation.closes_at)}"


def delete_phase(phase, *, actor):
    """Delete a phase of a timeline not yet announced (a published one is only edited).

    :param phase: the phase to delete.
    :param actor: the member of the secretariat who deletes it.
    """
    consultation = phase.consultation
    if consultation.is_public:
        raise OperationError(_l("After the announcement, phases can be edited but not "
                                "deleted, so that the published timeline stays traceable."))
    record("phase.deleted", phase, actor=actor, consultation_id=consultation.id,
           before={"name": phase.name}, after=None)
    consultation_changed.send(consultation)
    consultation.phases.remove(phase)


# --- components ----------------------------------------------------------------

def require_component(consultation, component_id):
    """The consultation's component with this id; refused if it belongs to no other.

    :param consultation: the consultation the component must belong to.
    :param component_id: the id chosen in a form (any value: it is checked here).
    """
    component = db.session.get(Component, component_id) if component_id else None
    if component is None or component.consultation_id != consultation.id:
        raise OperationError(_l("Choose a component of this consultation."))
    return component


def _component_name_taken(consultation, name, exclude_id=None):
    # Compared in Python: SQLite's lower() leaves non-ASCII letters alone ("SALUD PÚBLICA").
    query = select(Component.name).where(Component.consultation_id == consultation.id)
    if exclude_id is not None:
        query = query.where(Component.id != exclude_id)
    return name.casefold() in {other.casefold() for other in db.session.scalars(query)}


def save_component(consultation, *, actor, component=None, name, description=""):
    """Add a component (theme) to the consultation, or rename one; returns it.

    :param consultation: the consultation it belongs to.
    :param actor: the member of the secretariat who saves it.
    :param component: the component to edit; None adds one at the end.
    :param name: its name, unique in the consultation whatever the capitals.
    :param description: what it covers (optional).
    """
    if _component_name_taken(consultation, name, component.id if component else None):
        raise OperationError(_l("There is already a component with this name."))
    if component is None:
        component = Component(consultation=consultation,
                              position=len(consultation.components) + 1)
        db.session.add(component)
    before = {"name": component.name} if component.id else None
    component.name, component.description = name, description or ""
    # The plan's pages and open data keep a published version's sheets, which show its
    # components' names, until the consultation changes (``sheets.plan_layout``).
    consultation.updated_at = utcnow()
    db.session.flush()
    record("component.saved", component, actor=actor, consultation_id=consultation.id,
           before=before, after={"name": name})
    consultation_changed.send(consultation)
    return component


def delete_component(component, *, actor):
    """Delete a component nothing refers to yet (a component in use can be renamed).

    Refused while commitments or contributions (as sent or as classified) refer to it.

    :param component: the component to delete.
    :param actor: the member of the secretariat who deletes it.
    """
    used = db.session.scalar(select(func.count()).select_from(Commitment)
                             .where(Commitment.component_id == component.id))
    if used:
        raise OperationError(_l("This component has commitments; move them first."))
    consultation = component.consultation
    try:
        # What else refers to a component (contributions, as sent or as classified)
        # belongs to parts above this one: the database's foreign keys know them all.
        with db.session.begin_nested():
            consultation.components.remove(component)
            db.session.flush()
    except IntegrityError:
        raise OperationError(_l("Contributions refer to this component, so it cannot be "
                                "deleted. You can rename it.")) from None
    consultation.updated_at = utcnow()  # as in save_component
    record("component.deleted", component, actor=actor, consultation_id=consultation.id,
           before={"name": component.name}, after=None)
    consultation_changed.send(consultation)


# --- draft plan ----------------------------------------------------------------

def ensure_draft_version(consultation, *, actor):
    """The version of the plan being edited: the existing draft, or a new one started as
    a copy of the last published version (audited as started).

    :param consultation: the consultation whose plan it is.
    :param actor: the member of the secretariat who edits the plan.
    """
    draft = consultation.draft_plan
    if draft is not None:
        return draft
    previous = consultation.published_plan
    draft = PlanVersion(
        consultation=consultation,
        number=(previous.number + 1) if previous else 1,
        title=previous.title if previous else consultation.title,
        created_at=utcnow(),
    )
    db.session.add(draft)
    if previous is not None:
        for section in previous.sections:
            draft.sections.append(PlanSection(position=section.position, title=section.title,
                                              body=section.body))
        for commitment in previous.commitments:
            draft.commitments.append(Commitment(**{
                key: getattr(commitment, key) for key in COMMITMENT_FIELDS},
                component_id=commitment.component_id, lineage=commitment.lineage))
    db.session.flush()
    record("plan.version_started", draft, actor=actor, consultation_id=consultation.id,
           after={"number": draft.number})
    return draft


def _ensure_draft(version):
    """Only the draft is edited: a published version of the plan never changes."""
    if version.is_published:
        raise OperationError(_l("A published version cannot change; edit the new draft."))


COMMITMENT_FIELDS = ("number", "title", "summary", "problem", "objective", "responsible",
                     "co_responsible", "actions", "due", "principles")


def save_commitment(version, *, actor, commitment=None, component_id, **values):
    """Add a commitment to a draft version of the plan, or edit one; returns it.

    :param version: the draft version (a published one cannot change).
    :param actor: the member of the secretariat who saves it.
    :param commitment: the commitment to edit; None adds one.
    :param component_id: its component, one of the consultation's.
    :param values: the fields of ``COMMITMENT_FIELDS``; ``number`` is unique in the
        version.
    """
    _ensure_draft(version)
    consultation = version.consultation
    component = require_component(consultation, component_id)
    taken = db.session.scalar(select(Commitment.id).where(
        Commitment.plan_version_id == version.id, Commitment.number == values["number"],
        Commitment.id != (commitment.id if commitment else -1)))
    if taken:
        raise OperationError(_l("There is already a commitment with number %(number)d.",
                                number=values["number"]))
    if commitment is None:
        commitment = Commitment(plan_version=version)
        db.session.add(commitment)
    for key in COMMITMENT_FIELDS:
        if key in values:
            setattr(commitment, key, values[key])
    commitment.component_id = component.id
    db.session.flush()
    record("commitment.saved", commitment, actor=actor, consultation_id=consultation.id,
           after={"number": commitment.number, "version": version.number})
    return commitment


def delete_commitment(commitment, *, actor):
    """Remove a commitment from a draft version of the plan.

    :param commitment: the commitment (of a draft version: a published one cannot change).
    :param actor: the member of the secretariat who removes it.
    """
    version = commitment.plan_version
    _ensure_draft(version)
    record("commitment.deleted", commitment, actor=actor,
           consultation_id=version.consultation_id,
           before={"number": commitment.number, "version": version.number}, after=None)
    version.commitments.remove(commitment)


def save_section(version, *, actor, section=None, title, body=""):
    """Add a section of free text to a draft version of the plan, or edit one.

    :param version: the draft version (a published one cannot change).
    :param actor: the member of the secretariat who saves it.
    :param section: the section to edit; None adds one at the end.
    :param title: its title.
    :param body: its text (Markdown).
    """
    _ensure_draft(version)
    if section is None:
        section = PlanSection(plan_version=version, position=len(version.sections) + 1)
        db.session.add(section)
    section.title, section.body = title, body or ""
    db.session.flush()
    record("plan_section.saved", section, actor=actor,
           consultation_id=version.consultation_id, after={"title": title})
    return section


def delete_section(section, *, actor):
    """Remove a section from a draft version of the plan.

    :param section: the section (of a draft version: a published one cannot change).
    :param actor: the member of the secretariat who removes it.
    """
    version = section.plan_version
    _ensure_draft(version)
    record("plan_section.deleted", section, actor=actor,
           consultation_id=version.consultation_id, before={"title": section.title},
           after=None)
    version.sections.remove(section)


def publish_plan_version(consultation, *, actor, note=""):
    """Publish the draft version of the plan; from then on it never changes (a new draft
    starts as its copy). Refused without a draft or without commitments.

    :param consultation: the consultation whose draft plan is published.
    :param actor: the member of the secretariat who publishes it.
    :param note: what changed since the previous version, shown with it.
    """
    version = consultation.draft_plan
    if version is None:
        raise OperationError(_l("There are no changes to publish."))
    if not version.commitments:
        raise OperationError(_l("The draft plan has no commitments yet."))
    version.published_at = utcnow()
    version.published_by_id = actor.id
    version.note = note or ""
    record("plan.published", version, actor=actor, consultation_id=consultation.id,
           after={"number": version.number, "commitments": len(version.commitments)})
    consultation_changed.send(consultation)
    return version


def import_plan(consultation, plan, *, actor):
    """Replace the draft version's content with a parsed plan; returns the version.

    Components are matched by name (new ones are added); the draft's commitments and
    sections are replaced by the file's.

    :param consultation: the consultation whose plan it is.
    :param plan: a plan as ``plan_import.parse_plan`` returns it (already checked).
    :param actor: the member of the secretariat who imports it (None from the command).
    """
    version = ensure_draft_version(consultation, actor=actor)
    # The file says nothing of identity: a commitment keeps the lineage of the one with
    # its number in the draft it replaces (a copy of the last published version).
    lineages = {c.number: c.lineage for c in version.commitments}
    by_name = {c.name.lower(): c for c in consultation.components}
    for item in plan["components"]:
        component = by_name.get(item["name"].lower())
        if component is None:
            component = Component(consultation=consultation, name=item["name"],
                                  description=item["description"],
                                  position=len(consultation.components) + 1)
            db.session.add(component)
            by_name[item["name"].lower()] = component
        elif item["description"]:
            component.description = item["description"]
    version.commitments.clear()
    version.sections.clear()
    db.session.flush()
    if plan["title"]:
        version.title = plan["title"][:300]
    for position, section in enumerate(plan["sections"], start=1):
        version.sections.append(PlanSection(position=position, **section))
    for item in plan["commitments"]:
        component = by_name[item["component"].lower()]
        version.commitments.append(Commitment(
            component=component, lineage=lineages.get(item["number"]) or new_lineage(),
            **{key: item[key] for key in COMMITMENT_FIELDS}))
    db.session.flush()
    record("plan.imported", version, actor=actor, consultation_id=consultation.id,
           after={"version": version.number, "components": len(plan["components"]),
                  "commitments": len(plan["commitments"]),
                  "sections": len(plan["sections"])})
    consultation_changed.send(consultation)
    return version
