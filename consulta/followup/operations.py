"""The follow-up's write side: milestones and indicators of the final plan's
commitments, their reporters, and progress reports from draft to publication.

None commits (the view or command that calls them does, once). A rule that forbids the
change raises ``OperationError`` with a message for the user; every rule of a report is
checked before anything of it changes.

A **cancelled commitment** is one whose milestones are all cancelled by the last
published report (``Milestone.current_status``): nothing more is reported on it, and a
new report is refused. A commitment without milestones is never cancelled.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from babel.numbers import NumberFormatError, parse_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consulta.accounts.queries import find_user_by_email
from consulta.audit.operations import record
from consulta.core.cache import forget_pages
from consulta.core.dates import local_today, utcnow
from consulta.core.forms import MONTH_RE
from consulta.core.i18n import formatting_locale
from consulta.core.operations import OperationError
from consulta.extensions import db
from consulta.finalplan.queries import final_plan_of

from .constants import MILESTONE_STATUSES, NEEDS_REASON
from .documents import forget_unused, store_document
from .models import (
    CommitmentReporter,
    Indicator,
    Milestone,
    ProgressReport,
    ReportEvidence,
    ReportIndicatorValue,
    ReportMilestone,
)
from .signals import report_published

#: The longest texts kept (beyond them the operation refuses: forms say it first).
MAX_NARRATIVE = 20000
MAX_REASON = 2000
MAX_URL = 1000


# --- reading what the rules need ---------------------------------------------------------

def milestones_of(commitment):
    return list(db.session.scalars(select(Milestone).where(
        Milestone.commitment_id == commitment.id).order_by(Milestone.position)))


def indicators_of(commitment):
    return list(db.session.scalars(select(Indicator).where(
        Indicator.commitment_id == commitment.id).order_by(Indicator.position)))


def reports_of(commitment):
    """The commitment's reports, newest first."""
    return list(db.session.scalars(select(ProgressReport).where(
        ProgressReport.commitment_id == commitment.id).order_by(ProgressReport.number.desc())))


def last_published_report(commitment, *, before=None):
    query = select(ProgressReport).where(ProgressReport.commitment_id == commitment.id,
                                         ProgressReport.state == "published")
    if before is not None:
        query = query.where(ProgressReport.id != before.id)
    return db.session.scalar(query.order_by(ProgressReport.number.desc()).limit(1))


def is_cancelled(commitment, milestones=None):
    """All the commitment's milestones are cancelled (it has at least one)."""
    milestones = milestones if milestones is not None else milestones_of(commitment)
    return bool(milestones) and all(m.current_status == "cancelled" for m in milestones)


def _consultation_of(commitment):
    return commitment.plan_version.consultation


# --- parsing what people type --------------------------------------------------------------

def parse_number(value, label):
    """A number typed in the reader's language ("1.234,5" in Spanish) → Decimal; None when
    empty. Refused (``OperationError`` naming ``label``) when it is not a number."""
    if value is None or isinstance(value, Decimal | int):
        return None if value is None else Decimal(value)
    text = str(value).strip().replace("\u00a0", " ")
    if not text:
        return None
    try:
        number = parse_decimal(text, locale=formatting_locale(), strict=True)
    except (NumberFormatError, InvalidOperation, ValueError):
        raise OperationError(_l("%(field)s: “%(value)s” is not a number.",
                                field=label, value=text[:40])) from None
    if not number.is_finite() or abs(number) >= Decimal("1e14"):
        raise OperationError(_l("%(field)s: “%(value)s” is not a number.",
                                field=label, value=text[:40]))
    return number.quantize(Decimal("0.0001")) if number.as_tuple().exponent < -4 else number


def parse_percent(value, label):
    """A whole percentage from 0 to 100 → int; None when empty."""
    number = parse_number(value, label)
    if number is None:
        return None
    if number != number.to_integral_value() or not 0 <= number <= 100:
        raise OperationError(_l("%(field)s: the percentage must be a whole number from 0 to "
                                "100.", field=label))
    return int(number)


def _month(value, label):
    value = (value or "").strip()
    if not value:
        return None
    if not MONTH_RE.match(value) or len(value) != 7:
        raise OperationError(_l("%(field)s: use the form YYYY-MM, for example 2026-03.",
                                field=label))
    return value


# --- milestones ------------------------------------------------------------------------------

def _ensure_no_reports_mention(milestone):
    if db.session.scalar(select(ReportMilestone.id).where(
            ReportMilestone.milestone_id == milestone.id).limit(1)) is not None:
        raise OperationError(_l("A report already mentions this milestone: it can be edited "
                                "but not removed."))


def _milestone_snapshot(milestone):
    return {"position": milestone.position, "description": milestone.description,
            "starts": milestone.starts, "due": milestone.due}


def seed_milestones(commitment, *, actor):
    """Create one milestone per action row of the commitment (description, start and end
    months), once: refused when the commitment has milestones already.

    :param commitment: a commitment of the final plan.
    :param actor: the member of the secretariat.
    :return: the new milestones.
    """
    if milestones_of(commitment):
        raise OperationError(_l("This commitment has milestones already; edit them "
                                "instead."))
    rows = [row for row in (commitment.actions or [])
            if isinstance(row, dict) and (row.get("description") or "").strip()]
    if not rows:
        raise OperationError(_l("This commitment has no action rows to create milestones "
                                "from; add its milestones one by one."))
    created = []
    for position, row in enumerate(rows, start=1):
        start, end = row.get("start") or None, row.get("end") or None
        milestone = Milestone(
            commitment_id=commitment.id, position=position,
            description=row["description"].strip(),
            starts=start if start and MONTH_RE.match(start) and len(start) == 7 else None,
            due=end if end and MONTH_RE.match(end) and len(end) == 7 else None,
            current_status="not_started", current_percent=0)
        db.session.add(milestone)
        created.append(milestone)
    db.session.flush()
    record("milestones.seeded", commitment, actor=actor,
           consultation_id=_consultation_of(commitment).id,
           after={"milestones": [_milestone_snapshot(m) for m in created]})
    return created


def save_milestone(commitment, *, actor, milestone=None, description, starts=None, due=None):
    """Add a milestone to the commitment (at the end), or change one.

    :param commitment: a commitment of the final plan.
    :param actor: the member of the secretariat.
    :param milestone: the milestone to change, or None to add one.
    :param description: what is done.
    :param starts: planned start month, "YYYY-MM" or empty.
    :param due: planned end month, "YYYY-MM" or empty.
    """
    description = (description or "").strip()
    if not description:
        raise OperationError(_l("Describe the milestone."))
    starts = _month(starts, _l("Start"))
    due = _month(due, _l("End"))
    if starts and due and due < starts:
        raise OperationError(_l("A milestone cannot end before it starts."))
    before = _milestone_snapshot(milestone) if milestone is not None else None
    if milestone is None:
        last = db.session.scalar(select(func.max(Milestone.position)).where(
            Milestone.commitment_id == commitment.id)) or 0
        milestone = Milestone(commitment_id=commitment.id, position=last + 1,
                              current_status="not_started", current_percent=0)
        db.session.add(milestone)
    milestone.description, milestone.starts, milestone.due = description, starts, due
    db.session.flush()
    record("milestone.saved", milestone, actor=actor,
           consultation_id=_consultation_of(commitment).id, before=before,
           after=_milestone_snapshot(milestone))
    return milestone


def _swap_positions(a, b):
    first, second = a.position, b.position
    a.position = -first  # the unique (commitment, position) holds at every flush
    db.session.flush()
    b.position = first
    db.session.flush()
    a.position = second
    db.session.flush()


def move_milestone(milestone, *, actor, up):
    """Move a milestone one place up or down (nothing happens at either end)."""
    siblings = milestones_of(milestone.commitment)
    index = siblings.index(milestone)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return
    before = [m.id for m in siblings]
    _swap_positions(milestone, siblings[other])
    record("milestones.reordered", milestone.commitment, actor=actor,
           consultation_id=_consultation_of(milestone.commitment).id,
           before={"order": before},
           after={"order": [m.id for m in milestones_of(milestone.commitment)]})


def delete_milestone(milestone, *, actor):
    """Remove a milestone, only while no report mentions it; those after it move up."""
    _ensure_no_reports_mention(milestone)
    commitment = milestone.commitment
    before = _milestone_snapshot(milestone)
    record("milestone.deleted", milestone, actor=actor,
           consultation_id=_consultation_of(commitment).id, before=before)
    db.session.delete(milestone)
    db.session.flush()
    for later in milestones_of(commitment):
        if later.position > before["position"]:
            later.position -= 1
            db.session.flush()


# --- indicators ------------------------------------------------------------------------------

def _indicator_snapshot(indicator):
    return {"name": indicator.name,
            "baseline": str(indicator.baseline) if indicator.baseline is not None else None,
            "target": str(indicator.target) if indicator.target is not None else None,
            "unit": indicator.unit, "source": indicator.source}


def save_indicator(commitment, *, actor, indicator=None, name, baseline=None, target=None,
                   unit="", source=""):
    """Add an indicator to the commitment, or change one. ``baseline`` and ``target`` are
    numbers or text typed in the reader's language ("1.234,5"), or empty.

    :param commitment: a commitment of the final plan.
    :param actor: the member of the secretariat.
    :param indicator: the indicator to change, or None to add one.
    """
    name = (name or "").strip()
    if not name:
        raise OperationError(_l("Name the indicator."))
    baseline = parse_number(baseline, _l("Baseline"))
    target = parse_number(target, _l("Target"))
    before = _indicator_snapshot(indicator) if indicator is not None else None
    if indicator is None:
        last = db.session.scalar(select(func.max(Indicator.position)).where(
            Indicator.commitment_id == commitment.id)) or 0
        indicator = Indicator(commitment_id=commitment.id, position=last + 1)
        db.session.add(indicator)
    indicator.name, indicator.baseline, indicator.target = name[:300], baseline, target
    indicator.unit = (unit or "").strip()[:60]
    indicator.source = (source or "").strip()[:300]
    db.session.flush()
    record("indicator.saved", indicator, actor=actor,
           consultation_id=_consultation_of(commitment).id, before=before,
           after=_indicator_snapshot(indicator))
    return indicator


def delete_indicator(indicator, *, actor):
    """Remove an indicator, only while no report gives a value for it."""
    if db.session.scalar(select(ReportIndicatorValue.id).where(
            ReportIndicatorValue.indicator_id == indicator.id).limit(1)) is not None:
        raise OperationError(_l("A report already gives a value for this indicator: it can "
                                "be edited but not removed."))
    commitment = indicator.commitment
    record("indicator.deleted", indicator, actor=actor,
           consultation_id=_consultation_of(commitment).id,
           before=_indicator_snapshot(indicator))
    position = indicator.position
    db.session.delete(indicator)
    db.session.flush()
    for later in indicators_of(commitment):
        if later.position > position:
            later.position -= 1
            db.session.flush()


# --- reporters -------------------------------------------------------------------------------

def add_reporter(commitment, *, actor, email):
    """Let the account with this e-mail report on the commitment.

    :param email: the address of an existing account.
    """
    user = find_user_by_email((email or "").strip())
    if user is None:
        raise OperationError(_l("There is no account with this e-mail address; the person "
                                "must register first."))
    exists = db.session.scalar(select(CommitmentReporter.id).where(
        CommitmentReporter.commitment_id == commitment.id,
        CommitmentReporter.user_id == user.id))
    if exists is not None:
        raise OperationError(_l("This person already reports on this commitment."))
    reporter = CommitmentReporter(commitment_id=commitment.id, user_id=user.id,
                                  created_by_id=actor.id, created_at=utcnow())
    db.session.add(reporter)
    db.session.flush()
    # Never the address in the log: the account's id says who.
    record("reporter.added", reporter, actor=actor,
           consultation_id=_consultation_of(commitment).id,
           after={"commitment": commitment.number, "user_id": user.id})
    return reporter


def remove_reporter(reporter, *, actor):
    commitment = reporter.commitment
    record("reporter.removed", reporter, actor=actor,
           consultation_id=_consultation_of(commitment).id,
           before={"commitment": commitment.number, "user_id": reporter.user_id})
    db.session.delete(reporter)
    db.session.flush()


# --- progress reports ------------------------------------------------------------------------

def _ensure_draft(report):
    if report.state == "published":
        raise OperationError(_l("This report is published and can no longer change; a "
                                "correction is the next report."))
    if report.state != "draft":
        raise OperationError(_l("This report is in review; it can change only once it is "
                                "returned to draft."))


def _ensure_not_cancelled(commitment, milestones):
    if is_cancelled(commitment, milestones):
        raise OperationError(_l("Every milestone of this commitment is cancelled: nothing "
                                "more can be reported on it."))


def start_report(commitment, *, actor):
    """Open the commitment's next report, as a draft, as of today, each milestone at its
    current status and percentage.

    Refused on a cancelled commitment, and while another report of it is a draft or in
    review (reports are numbered in the order they are written and published).

    :param commitment: a commitment of the final plan.
    :param actor: a reporter of the commitment or the secretariat.
    """
    milestones = milestones_of(commitment)
    _ensure_not_cancelled(commitment, milestones)
    pending = db.session.scalar(select(ProgressReport.number).where(
        ProgressReport.commitment_id == commitment.id, ProgressReport.state != "published"))
    if pending is not None:
        raise OperationError(_l("Report %(number)s of this commitment is not published yet; "
                                "finish it first.", number=pending))
    number = (db.session.scalar(select(func.max(ProgressReport.number)).where(
        ProgressReport.commitment_id == commitment.id)) or 0) + 1
    previous = last_published_report(commitment)
    as_of = local_today()
    if previous is not None and previous.as_of > as_of:
        as_of = previous.as_of
    report = ProgressReport(commitment_id=commitment.id, number=number, as_of=as_of,
                            narrative="", state="draft", created_by_id=actor.id,
                            created_at=utcnow(), review_note="")
    # A milestone still delayed or cancelled keeps the reason given for it, until the
    # reporter says otherwise.
    reasons = {row.milestone_id: row.reason for row in previous.milestones} \
        if previous is not None else {}
    for milestone in milestones:
        report.milestones.append(ReportMilestone(
            milestone_id=milestone.id, status=milestone.current_status,
            percent=milestone.current_percent,
            reason=reasons.get(milestone.id, "") if milestone.current_status in NEEDS_REASON
            else ""))
    db.session.add(report)
    try:
        db.session.flush()
    except IntegrityError:  # someone started one at the same moment: theirs stands
        raise OperationError(_l("Another report of this commitment was started at the same "
                                "moment; open it from your commitments.")) from None
    record("report.created", report, actor=actor,
           consultation_id=_consultation_of(commitment).id,
           after={"commitment": commitment.number, "number": number})
    return report


def _check_as_of(report, as_of):
    if not isinstance(as_of, date):
        raise OperationError(_l("Give the day the report describes."))
    if as_of > local_today():
        raise OperationError(_l("The report cannot describe a day that has not come yet."))
    previous = last_published_report(report.commitment, before=report)
    if previous is not None and as_of < previous.as_of:
        raise OperationError(_l(
            "The report cannot describe a day before the previous published report "
            "(report %(number)s, as of %(date)s).", number=previous.number,
            date=previous.as_of.isoformat()))


def _checked_milestone_values(report, values):
    """{milestone id: (status, percent, reason)}, each rule checked; ``values`` gives
    {milestone id: {"status", "percent", "reason"}} as typed."""
    milestones = milestones_of(report.commitment)
    checked = {}
    for milestone in milestones:
        typed = values.get(milestone.id)
        if typed is None:
            continue
        label = str(_l("Milestone %(number)s", number=milestone.position))
        status = typed.get("status") or ""
        if status not in MILESTONE_STATUSES:
            raise OperationError(_l("%(field)s: choose a status.", field=label))
        reason = (typed.get("reason") or "").strip()
        if len(reason) > MAX_REASON:
            raise OperationError(_l("%(field)s: the reason is longer than %(max)d "
                                    "characters.", field=label, max=MAX_REASON))
        percent = parse_percent(typed.get("percent"), label)
        if status == "completed":
            if percent not in (None, 100):
                raise OperationError(_l("%(field)s: a completed milestone is at 100 %%.",
                                        field=label))
            percent = 100
        elif percent is None:
            percent = 0
        if status == "not_started" and percent != 0:
            raise OperationError(_l("%(field)s: a milestone not started is at 0 %%; choose "
                                    "“In progress”.", field=label))
        if status in NEEDS_REASON and not reason:
            raise OperationError(_l("%(field)s: say why it is delayed or cancelled.",
                                    field=label))
        if milestone.current_as_of is not None and percent < milestone.current_percent \
                and not reason:
            raise OperationError(_l(
                "%(field)s: the percentage goes down from %(before)d %% to %(after)d %%; "
                "say why.", field=label, before=milestone.current_percent, after=percent))
        checked[milestone.id] = (status, percent, reason)
    return checked


def _checked_indicator_values(report, values):
    """{indicator id: (value or None, note)}; ``values`` gives {indicator id: {"value",
    "note"}} as typed."""
    checked = {}
    for indicator in indicators_of(report.commitment):
        typed = values.get(indicator.id)
        if typed is None:
            continue
        value = parse_number(typed.get("value"), indicator.name)
        checked[indicator.id] = (value, (typed.get("note") or "").strip()[:500])
    return checked


def _report_snapshot(report):
    return {"number": report.number, "as_of": report.as_of.isoformat(),
            "state": report.state,
            "milestones": {str(rm.milestone_id): f"{rm.status} {rm.percent}%"
                           for rm in report.milestones},
            "indicators": {str(v.indicator_id): str(v.value) for v in report.indicator_values},
            "evidence": len(report.evidence)}


def save_report(report, *, actor, as_of, narrative, milestones=None, indicators=None):
    """Change a draft report: its day, narrative, milestone statuses and indicator values.

    Every rule is checked before anything changes: a status for each milestone given, a
    reason when delayed or cancelled or when the percentage goes down from the last
    published one, a whole percentage from 0 to 100 (completed is 100), numbers as
    numbers, a day not before the previous published report's nor in the future.

    :param report: a draft report.
    :param actor: a reporter of its commitment or the secretariat.
    :param as_of: the day the report describes (a ``date``).
    :param narrative: Markdown (rendered through ``consulta.core.sanitize``).
    :param milestones: {milestone id: {"status", "percent", "reason"}} as typed.
    :param indicators: {indicator id: {"value", "note"}} as typed; an empty value drops
        the indicator's value from the report.
    """
    _ensure_draft(report)
    _ensure_not_cancelled(report.commitment, milestones_of(report.commitment))
    _check_as_of(report, as_of)
    narrative = (narrative or "").strip()
    if len(narrative) > MAX_NARRATIVE:
        raise OperationError(_l("The narrative is longer than %(max)d characters.",
                                max=MAX_NARRATIVE))
    statuses = _checked_milestone_values(report, milestones or {})
    values = _checked_indicator_values(report, indicators or {})
    before = _report_snapshot(report)
    report.as_of, report.narrative = as_of, narrative
    by_milestone = {rm.milestone_id: rm for rm in report.milestones}
    for milestone_id, (status, percent, reason) in statuses.items():
        row = by_milestone.get(milestone_id)
        if row is None:
            row = ReportMilestone(milestone_id=milestone_id)
            report.milestones.append(row)
        row.status, row.percent, row.reason = status, percent, reason
    by_indicator = {v.indicator_id: v for v in report.indicator_values}
    for indicator_id, (value, note) in values.items():
        row = by_indicator.get(indicator_id)
        if value is None:
            if row is not None:
                report.indicator_values.remove(row)
            continue
        if row is None:
            row = ReportIndicatorValue(indicator_id=indicator_id)
            report.indicator_values.append(row)
        row.value, row.note = value, note
    report.updated_at = utcnow()
    db.session.flush()
    record("report.saved", report, actor=actor,
           consultation_id=_consultation_of(report.commitment).id, before=before,
           after=_report_snapshot(report))
    return report


def add_link(report, *, actor, title, url):
    """Add a link (http or https only) to a draft report's evidence."""
    _ensure_draft(report)
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc \
            or len(url) > MAX_URL or any(c.isspace() for c in url):
        raise OperationError(_l("Give a web address that starts with http:// or https://."))
    evidence = ReportEvidence(title=((title or "").strip() or url)[:300], url=url)
    report.evidence.append(evidence)
    db.session.flush()
    record("report.evidence_added", report, actor=actor,
           consultation_id=_consultation_of(report.commitment).id,
           after={"link": url})
    return evidence


def add_document(report, *, actor, title, file_storage):
    """Upload a file (checked by ``documents.store_document``) to a draft report's
    evidence."""
    _ensure_draft(report)
    document = store_document(file_storage, user=actor)
    evidence = ReportEvidence(title=((title or "").strip() or document.filename)[:300],
                              document_id=document.id)
    report.evidence.append(evidence)
    db.session.flush()
    record("report.evidence_added", report, actor=actor,
           consultation_id=_consultation_of(report.commitment).id,
           after={"document": document.id, "filename": document.filename,
                  "size": document.size})
    return evidence


def remove_evidence(evidence, *, actor):
    """Take a piece of evidence out of a draft report. An uploaded file nothing else
    refers to goes with it, bytes included (``documents.forget_unused``): the audit
    log keeps its name and size."""
    report = evidence.report
    _ensure_draft(report)
    document = evidence.document
    record("report.evidence_removed", report, actor=actor,
           consultation_id=_consultation_of(report.commitment).id,
           before={"link": evidence.url} if evidence.url else
           {"document": document.id, "filename": document.filename, "size": document.size})
    report.evidence.remove(evidence)
    db.session.flush()
    forget_unused(document)


def _check_complete(report):
    """The rules of a report as a whole, again before it leaves the draft."""
    _ensure_not_cancelled(report.commitment, milestones_of(report.commitment))
    _check_as_of(report, report.as_of)
    for row in report.milestones:
        if row.status in NEEDS_REASON and not row.reason.strip():
            raise OperationError(_l("%(field)s: say why it is delayed or cancelled.",
                                    field=_l("Milestone %(number)s",
                                             number=row.milestone.position)))


def submit_report(report, *, actor):
    """Send a draft report to the secretariat for review."""
    _ensure_draft(report)
    _check_complete(report)
    report.state = "review"
    report.submitted_at, report.submitted_by_id = utcnow(), actor.id
    report.review_note = ""
    db.session.flush()
    record("report.submitted", report, actor=actor,
           consultation_id=_consultation_of(report.commitment).id,
           before={"state": "draft"}, after={"state": "review"})


def return_report(report, *, actor, note):
    """Return a report in review to draft, with a note saying what to correct."""
    if report.state != "review":
        raise OperationError(_l("Only a report in review can be returned to draft."))
    note = (note or "").strip()
    if not note:
        raise OperationError(_l("Say what should be corrected."))
    report.state = "draft"
    report.review_note = note[:MAX_REASON]
    db.session.flush()
    record("report.returned", report, actor=actor,
           consultation_id=_consultation_of(report.commitment).id,
           before={"state": "review"}, after={"state": "draft", "note": report.review_note})


def publish_report(report, *, actor):
    """Publish a report in review: it is frozen from then on, each milestone takes its
    status and percentage, and ``report_published`` is sent.

    Refused unless it is in review, while the final plan is not published, and, when the
    consultation requires review (four eyes), when ``actor`` wrote or sent the report.

    :param report: a report in review.
    :param actor: the member of the secretariat who publishes it.
    """
    if report.state == "published":
        raise OperationError(_l("This report is published already."))
    if report.state != "review":
        raise OperationError(_l("Send the report for review before publishing it."))
    commitment = report.commitment
    consultation = _consultation_of(commitment)
    final_plan = final_plan_of(consultation)
    if final_plan is None or not final_plan.is_published:
        raise OperationError(_l("The final plan is not published yet: its progress reports "
                                "are published after it."))
    if consultation.requires_review and actor.id in (report.created_by_id,
                                                     report.submitted_by_id):
        raise OperationError(_l("Four eyes: the report must be published by someone other "
                                "than who wrote it."))
    _check_complete(report)
    before = {str(row.milestone_id): f"{row.milestone.current_status} "
              f"{row.milestone.current_percent}%" for row in report.milestones}
    for row in report.milestones:
        milestone = row.milestone
        milestone.current_status, milestone.current_percent = row.status, row.percent
        milestone.current_as_of = report.as_of
    report.state = "published"
    report.published_at, report.published_by_id = utcnow(), actor.id
    db.session.flush()
    record("report.published", report, actor=actor, consultation_id=consultation.id,
           before={"state": "review", "milestones": before},
           after=_report_snapshot(report))
    report_published.send(report)
    forget_pages(consultation.slug)
    return report
