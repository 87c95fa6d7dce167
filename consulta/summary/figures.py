"""The figures of a consultation, computed with aggregate queries (never row by row)."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, String, cast, func, select

from consulta.accounts.models import User
from consulta.consultations.models import Commitment, Component, Event, EventAttendance
from consulta.contributions.models import Contribution
from consulta.contributions.queries import (
    commitment_key,
    component_key,
    counted_in,
    is_visible,
    not_withdrawn,
)
from consulta.core.dates import local_zone
from consulta.extensions import db
from consulta.feedback.queries import EffectiveVersion


def _breakdowns(base):
    """The totals and the breakdowns by kind, channel, sector and region (those of the
    contributions not withdrawn), from one scan grouped by all of them: each was a scan
    of its own (five scans of 50,000 rows, 0.7 s on SQLite), and the groups are at most
    a few thousand, added up here.

    :param base: the condition of the contributions counted.
    :return: ``(total, withdrawn, hidden, outside_windows, by_kind, by_channel,
        by_sector, by_region)``.
    """
    c = Contribution
    withdrawn, hidden = c.withdrawn_at.is_not(None), c.hidden_at.is_not(None)
    columns = (c.kind, c.channel, func.coalesce(c.sector, ""), func.coalesce(c.region, ""),
               withdrawn, hidden, c.received_outside_window)
    totals = Counter()
    by_kind, by_channel, by_sector, by_region = Counter(), Counter(), Counter(), Counter()
    for kind, channel, sector, region, was_withdrawn, was_hidden, outside, n in \
            db.session.execute(select(*columns, func.count()).where(base)
                               .group_by(*columns)):
        totals["total"] += n
        totals["withdrawn"] += n if was_withdrawn else 0
        totals["hidden"] += n if was_hidden else 0
        totals["outside"] += n if outside else 0
        if not was_withdrawn:
            for table, key in ((by_kind, kind), (by_channel, channel), (by_sector, sector),
                               (by_region, region)):
                table[key] += n
    return (totals["total"], totals["withdrawn"], totals["hidden"], totals["outside"],
            *(dict(sorted(table.items()))
              for table in (by_kind, by_channel, by_sector, by_region)))


def compute_figures(consultation):
    """A JSON-ready dict of every figure the summary shows, from aggregate queries.

    Contributions by kind, channel, sector, region, component, commitment and outcome
    of their published response; unique participants (with an account, typed-in authors
    with a name, and apart the typed-in contributions without one); declared genders
    (in an account's profile, or written on a sheet or letter received outside an
    event), in aggregate only; events and their attendance as recorded (see ``_attendance``);
    contributions per day received; how many typed-in records were received outside the
    participation windows of their channel (confirmed late or early:
    ``contributions.outside_windows``). Voided records (typed in by mistake) count nowhere.

    :param consultation: the consultation to count.
    """
    c = Contribution
    base = counted_in(consultation)
    (total, withdrawn, hidden, outside_windows,
     by_kind, by_channel, by_sector, by_region) = _breakdowns(base)
    by_hidden_reason = dict(db.session.execute(
        select(c.hidden_reason, func.count()).where(base, c.hidden_at.is_not(None))
        .group_by(c.hidden_reason)).all())

    components = {x.id: x.name for x in db.session.scalars(
        select(Component).where(Component.consultation_id == consultation.id))}
    component = component_key()
    by_component = {components.get(k, ""): n for k, n in db.session.execute(
        select(component, func.count()).where(base, not_withdrawn())
        .group_by(component)).all() if k in components}
    by_commitment = Counter()
    for number, n in db.session.execute(
            select(Commitment.number, func.count()).select_from(c)
            .join(Commitment, Commitment.id == commitment_key())
            .where(base, not_withdrawn()).group_by(Commitment.number)).all():
        by_commitment[str(number)] += n

    version = EffectiveVersion()
    outcome = version.column("outcome")
    query = version.join(select(outcome, func.count()).select_from(c)
                         .where(base, is_visible()))
    by_outcome = {(k or "none"): n for k, n in db.session.execute(query.group_by(outcome))}
    visible = sum(by_outcome.values())
    answered = visible - by_outcome.get("none", 0)

    # Unique participants: accounts, plus offline authors told apart by what the
    # sheet gives (e-mail, else name and organization). A typed-in contribution with
    # none of them has an unknown author: counted apart, never silently left out.
    offline, offline_unnamed, sheet_genders = set(), 0, {}
    for email, name, org, gender, event_id in db.session.execute(
            select(c.author_email, c.author_name, c.author_organization, c.author_gender,
                   c.event_id)
            .where(base, c.author_id.is_(None))):
        if email or name or org:
            key = (email or "").lower() or f"{(name or '').lower()}|{(org or '').lower()}"
            offline.add(key)
            # A gender written on a sheet or a letter counts for its author once. At an
            # event the attendance record already counts the people there: not twice.
            if gender and event_id is None:
                sheet_genders.setdefault(key, gender)
        else:
            offline_unnamed += 1
    # The accounts that sent something, each once: a semi-join, not a distinct count of
    # every contribution joined to its author. PostgreSQL may answer it by probing each
    # account's contributions (the author index: 90 ms instead of 400 at 200,000
    # contributions); SQLite reads the consultation's authors once and looks each
    # account up (never every account of the site, as a correlated EXISTS would).
    by_gender = db.session.execute(
        select(User.gender, func.count())
        .where(User.id.in_(select(c.author_id).where(base)))
        .group_by(User.gender)).all()
    # An account has one gender: its authors by gender add up to the authors with an
    # account (one scan fewer than counting them apart).
    accounts = sum(n for _gender, n in by_gender)
    genders = Counter()
    for gender, n in by_gender:
        genders[gender or "undeclared"] += n
    genders.update(sheet_genders.values())

    events = _attendance(consultation)
    declared = sum(n for g, n in genders.items() if g != "undeclared")
    women_declared = genders.get("female", 0)
    # The women's share counts only people whose gender is known: declared in a
    # profile, or recorded at an event (never the whole attendance).
    women_total = women_declared + events["women"]
    known_total = declared + events["gender_recorded"]

    per_day = _per_day(base)

    return {
        "contributions": {"total": total, "withdrawn": withdrawn, "hidden": hidden,
                          "visible": visible, "answered": answered,
                          "outside_windows": outside_windows,
                          "answered_share": round(100 * answered / visible, 1)
                          if visible else 100.0},
        "by_kind": by_kind,
        "by_channel": by_channel,
        "by_sector": by_sector,
        "by_region": by_region,
        "by_component": by_component,
        "by_commitment": dict(sorted(by_commitment.items(), key=lambda kv: int(kv[0]))),
        "by_outcome": by_outcome,
        "by_hidden_reason": by_hidden_reason,
        "participants": {"accounts": accounts, "offline_authors": len(offline),
                         "offline_unnamed": offline_unnamed,
                         "total": accounts + len(offline)},
        "declared_genders": {"declared": declared, "women_declared": women_declared,
                   "undeclared": genders.get("undeclared", 0)},
        "events": events,
        "women": {"count": women_total, "known": known_total,
                  "share": round(100 * women_total / known_total, 1) if known_total else None},
        "per_day": dict(sorted(per_day.items())),
    }


def _per_day(base):
    """``{local ISO date: contributions received}``, grouped in SQL.

    PostgreSQL converts to the deployment's zone itself. SQLite has no zones: it groups
    by quarter of an hour in UTC (every zone's offset is a multiple of 15 minutes, so a
    quarter falls on one local day) and Python converts at most 96 keys a day, never one
    datetime per contribution.

    :param base: the condition of the contributions counted.
    """
    c = Contribution
    zone = local_zone()
    if db.session.get_bind().dialect.name == "postgresql":
        day = func.date(func.timezone(zone.key, c.received_at))
        return {d.isoformat(): n for d, n in db.session.execute(
            select(day, func.count()).where(base).group_by(day))}
    # Stored as naive UTC text, 'YYYY-MM-DD HH:MM:SS.ffffff'.
    hour = func.substr(c.received_at, 1, 13, type_=String)
    quarter = cast(func.substr(c.received_at, 15, 2, type_=String), Integer) // 15
    per_day = Counter()
    for hour_text, q, n in db.session.execute(
            select(hour, quarter, func.count()).where(base).group_by(hour, quarter)):
        start = datetime.strptime(hour_text, "%Y-%m-%d %H").replace(tzinfo=UTC) \
            + timedelta(minutes=15 * q)
        per_day[start.astimezone(zone).date().isoformat()] += n
    return per_day


def _attendance(consultation):
    """Events and their attendance as it was recorded, nothing unknown counted as zero.

    ``count`` events (``by_kind``), ``counted`` of them with a known total;
    ``attendees``, the sum of the known totals (None when no event has one);
    ``in_sectors``, how many of them are in rows by sector, and ``sector_unrecorded``
    the rest; ``gender_recorded`` people whose gender was recorded and ``women`` among
    them; ``by_sector`` ``{sector: {participants, women}}`` (women None where a row did
    not record it).

    :param consultation: the consultation whose events they are.
    """
    of_consultation = Event.consultation_id == consultation.id
    count, counted, attendees, gender_recorded, women = db.session.execute(
        select(func.count(), func.count(Event.attendees_total), func.sum(Event.attendees_total),
               func.sum(Event.gender_recorded_count), func.sum(Event.attendees_women))
        .where(of_consultation)).one()
    by_kind = dict(db.session.execute(
        select(Event.kind, func.count()).where(of_consultation).group_by(Event.kind)).all())
    a = EventAttendance
    by_sector = {
        sector: {"participants": int(participants or 0),
                 "women": int(row_women or 0) if with_women == rows else None}
        for sector, participants, row_women, with_women, rows in db.session.execute(
            select(a.sector, func.sum(a.participants), func.sum(a.women), func.count(a.women),
                   func.count())
            .join(Event).where(of_consultation).group_by(a.sector)).all()}
    in_sectors = sum(v["participants"] for v in by_sector.values())
    attendees = int(attendees) if counted else None
    return {"count": count, "by_kind": by_kind, "counted": counted, "attendees": attendees,
            "in_sectors": in_sectors,
            "sector_unrecorded": attendees - in_sectors if counted else None,
            "gender_recorded": int(gender_recorded or 0), "women": int(women or 0),
            "by_sector": by_sector}
