"""The IRM checklist, computed from the data: the verdict is never typed in.

The seven guidelines and their rules come from the IRM guidance and the OGP
Participation and Co-Creation Standards (see data/demo/irm-guidelines.json).
"""

import json
from functools import lru_cache
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from consulta.consultations.constants import ONLINE_CHANNELS
from consulta.consultations.models import Event
from consulta.core.dates import utc_to_local
from consulta.extensions import db

GUIDELINES_FILE = Path(__file__).resolve().parent.parent / "data" / "demo" / \
    "irm-guidelines.json"
IN_PERSON_CHANNELS = ("workshop", "work_table")
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
    announced, opens, closes = (consultation.announced_at, consultation.opens_at,
                                consultation.closes_at)
    phases = len(consultation.phases)
    notice_days = _notice_days(announced, opens)
    recorded_after = consultation.recorded_after_at is not None
    events_before_closing = db.session.scalar(
        select(func.count()).select_from(Event).where(
            Event.consultation_id == consultation.id,
            Event.held_on <= closes.date()))
    channels = {k for k, n in figures["by_channel"].items() if n}
    if figures["events"]["count"]:
        channels.add("workshop")
    online = sorted(channels & set(ONLINE_CHANNELS))
    in_person = sorted(channels & set(IN_PERSON_CHANNELS))
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
            return MET if events_before_closing else NOT_MET
        if key == "multiple_channels":
            if online and in_person:
                return MET
            return PARTLY if len(channels) >= 2 else NOT_MET
        if key == "breadth":
            if "civil_society" in sectors and len(sectors - {"civil_society"}) >= 2:
                return MET
            return PARTLY if sectors else NOT_MET
        if key == "documentation_and_feedback":
            if not summary_published:
                return NOT_MET
            return MET if share >= 100 else PARTLY
        if key == "consultation_during_implementation":
            return MET if consultation.forum_name else NOT_MET
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
        "awareness_raising": {"events": figures["events"]["count"],
                              "events_before_closing": events_before_closing,
                              "attendees": figures["events"]["attendees"]},
        "multiple_channels": {"channels": sorted(channels), "online": online,
                              "in_person": in_person},
        "breadth": {"sectors": sorted(sectors), "regions": regions},
        "documentation_and_feedback": {"summary_published": summary_published,
                                       "answered_share": share},
        "consultation_during_implementation": {"forum": consultation.forum_name},
    }
    notes = consultation.irm_notes or {}
    return [{"key": g["key"], "verdict": verdict(g["key"]), "evidence": evidence[g["key"]],
             "note": notes.get(g["key"], "")} for g in guidelines()]


def _notice_days(announced, opens):
    """Calendar days (local zone) from the announcement to the opening; None when not
    announced or announced after the opening (never a negative number of days)."""
    if announced is None or announced > opens:
        return None
    return (utc_to_local(opens).date() - utc_to_local(announced).date()).days


def _iso(value):
    return value.isoformat() if value else None
