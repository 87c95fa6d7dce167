"""The IRM checklist, computed from the data: the verdict is never typed in.

The seven guidelines and their rules come from the IRM guidance and the OGP
Participation and Co-Creation Standards (see data/demo/irm-guidelines.json).
"""

import json
from functools import lru_cache
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from consulta.consultations.constants import CHANNELS, ONLINE_CHANNELS
from consulta.consultations.models import Event, EventAttendance
from consulta.core.dates import utc_to_local
from consulta.extensions import db

GUIDELINES_FILE = Path(__file__).resolve().parent.parent / "data" / "demo" / \
    "irm-guidelines.json"
#: Kinds of event that are a channel of participation, and the channel each is.
#: An information session raises awareness; it is not a channel of contributions.
EVENT_CHANNELS = {"workshop": "workshop", "work_table": "work_table", "hearing": "hearing"}
IN_PERSON_CHANNELS = ("workshop", "work_table", "hearing")
MET, PARTLY, NOT_MET = "met", "partly_met", "not_met"


@lru_cache(maxsize=1)
def guidelines():
    """The seven IRM guidelines (key, names, what each checks), read once per process."""
    with open(GUIDELINES_FILE, encoding="utf-8") as fh:
        return json.load(fh)["guidelines"]


def checklist(consultation, figures, *, summary_published):
    """The IRM checklist: [{key, verdict, evidence: {...}, note}] in the guidelines' order.

    Each verdict is computed from the data; the secretariat's note is shown beside it.

    :param consultation: the consultation.
    :param figures: its figures, from ``figures.compute_figures``.
    :param summary_published: whether the summary counts as published (True in the
        preview, which shows the checklist as publishing would freeze it).
    """
    min_notice = current_app.config["IRM_MIN_NOTICE_DAYS"]
    announced, opens = consultation.announced_at, consultation.opens_at
    phases = len(consultation.phases)
    notice_days = _notice_days(announced, opens)
    recorded_after = consultation.recorded_after_at is not None
    awareness = awareness_raising(consultation)
    channels = multiple_channels(consultation, figures)
    forum = consultation_during_implementation(consultation)
    sectors = {k for k, n in figures["by_sector"].items() if k and n}
    sectors |= {k for k, v in figures["events"]["by_sector"].items() if v["participants"]}
    regions = sorted(k for k, n in figures["by_region"].items() if k and n)
    share = figures["contributions"]["answered_share"]

    def verdict(key):
        if key == "process_and_timeline":
            if announced and phases and announced <= opens:
                return MET if consultation.methodology else PARTLY
            return NOT_MET
        if key == "advance_notice":
            if notice_days is not None and notice_days >= min_notice:
                return MET
            return PARTLY if notice_days else NOT_MET
        if key == "awareness_raising":
            return awareness["verdict"]
        if key == "multiple_channels":
            return channels["verdict"]
        if key == "breadth":
            if "civil_society" in sectors and len(sectors - {"civil_society"}) >= 2:
                return MET
            return PARTLY if sectors else NOT_MET
        if key == "documentation_and_feedback":
            if not summary_published:
                return NOT_MET
            return MET if share >= 100 else PARTLY
        if key == "consultation_during_implementation":
            return forum["verdict"]
        raise KeyError(key)

    evidence = {
        # Each says which dates it used: the announcement made here, or the one recorded
        # after the fact (with where it was announced).
        "process_and_timeline": {"phases": phases, "announced_at": _iso(announced),
                                 "opens_at": _iso(opens),
                                 "methodology": bool(consultation.methodology),
                                 "recorded_after_at": _iso(consultation.recorded_after_at),
                                 "announcement_reference":
                                     consultation.announcement_reference},
        "advance_notice": {"days": notice_days, "minimum_days": min_notice,
                           "announced_at": _iso(announced), "opens_at": _iso(opens),
                           "recorded_after": recorded_after,
                           "announced_after_opening": bool(announced and announced > opens)},
        "awareness_raising": awareness["evidence"],
        "multiple_channels": channels["evidence"],
        "breadth": {"sectors": sorted(sectors), "regions": regions},
        "documentation_and_feedback": {"summary_published": summary_published,
                                       "answered_share": share},
        "consultation_during_implementation": forum["evidence"],
    }
    notes = consultation.irm_notes or {}
    return [{"key": g["key"], "verdict": verdict(g["key"]), "evidence": evidence[g["key"]],
             "note": notes.get(g["key"], "")} for g in guidelines()]


def awareness_raising(consultation):
    """Guideline 3: events held before closing, with their attendance as recorded.

    Met when at least one event was held by the closing day. The evidence says how many
    attended where it was counted (``attendees`` None when no event counted them), how
    many of them are in rows by sector and how many had their gender recorded: never a
    zero for what nobody counted.

    :param consultation: the consultation.
    :return: ``{"verdict", "evidence"}``.
    """
    closing_day = utc_to_local(consultation.closes_at).date()
    before_closing = (Event.consultation_id == consultation.id,
                      Event.held_on <= closing_day)
    count, counted, attendees, gender_recorded, women = db.session.execute(
        select(func.count(), func.count(Event.attendees_total), func.sum(Event.attendees_total),
               func.sum(Event.gender_recorded_count), func.sum(Event.attendees_women))
        .where(*before_closing)).one()
    in_sectors = db.session.scalar(
        select(func.sum(EventAttendance.participants)).join(Event).where(*before_closing))
    all_events = db.session.scalar(select(func.count()).select_from(Event).where(
        Event.consultation_id == consultation.id))
    return {"verdict": MET if count else NOT_MET,
            "evidence": {"events": all_events, "events_before_closing": count,
                         "counted": counted,
                         "attendees": int(attendees) if counted else None,
                         "in_sectors": int(in_sectors or 0),
                         "gender_recorded": int(gender_recorded or 0),
                         "women": int(women or 0)}}


def multiple_channels(consultation, figures):
    """Guideline 4: the channels that were actually used, with what each produced.

    A channel counts when contributions came through it or events of its kind were
    held (a work table is not a workshop; an information session is no channel). A
    channel announced but never used is no evidence: it is listed apart. Met with an
    online and an in-person channel; partly met with two channels of one kind.

    :param consultation: the consultation (for the channels it announced).
    :param figures: its figures, from ``figures.compute_figures``.
    :return: ``{"verdict", "evidence"}``; the evidence lists
        ``{"channel", "contributions", "events"}`` per channel used.
    """
    used = {}
    for channel, n in figures["by_channel"].items():
        if n:
            used.setdefault(channel, {"contributions": 0, "events": 0})["contributions"] = n
    for kind, n in figures["events"].get("by_kind", {}).items():
        channel = EVENT_CHANNELS.get(kind)
        if channel and n:
            used.setdefault(channel, {"contributions": 0, "events": 0})["events"] = n
    order = [*CHANNELS, *IN_PERSON_CHANNELS]
    keys = sorted(used, key=lambda k: order.index(k) if k in order else len(order))
    online = [k for k in keys if k in ONLINE_CHANNELS]
    in_person = [k for k in keys if k in IN_PERSON_CHANNELS]
    if online and in_person:
        verdict = MET
    elif len(keys) >= 2:
        verdict = PARTLY
    else:
        verdict = NOT_MET
    announced_unused = [k for k in consultation.channels or () if k not in used]
    return {"verdict": verdict,
            "evidence": {"channels": [{"channel": k, **used[k]} for k in keys],
                         "online": online, "in_person": in_person,
                         "announced_unused": announced_unused}}


def consultation_during_implementation(consultation):
    """Guideline 7: a standing forum that follows the plan, shown by evidence.

    A name alone is not enough: the forum needs members by sector and at least one
    meeting with its date. Even then it is only partly met, since the follow-up of the
    plan's implementation is not recorded on the platform.

    :param consultation: the consultation.
    :return: ``{"verdict", "evidence"}``.
    """
    members = {sector: int(n) for sector, n in (consultation.forum_members or {}).items()
               if n}
    meetings = sorted(consultation.forum_meetings or [])
    standing = bool(consultation.forum_name and members and meetings)
    return {"verdict": PARTLY if standing else NOT_MET,
            "evidence": {"forum": consultation.forum_name, "members_by_sector": members,
                         "members": sum(members.values()), "meetings": meetings,
                         "implementation_followup": False}}


def _notice_days(announced, opens):
    """Calendar days (local zone) from the announcement to the opening; None when not
    announced or announced after the opening (never a negative number of days)."""
    if announced is None or announced > opens:
        return None
    return (utc_to_local(opens).date() - utc_to_local(announced).date()).days


def _iso(value):
    return value.isoformat() if value else None
