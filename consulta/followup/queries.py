"""Read-side of the follow-up: where each commitment of the final plan stands.

A commitment's status is derived from its milestones' current status (set when a report
is published), never stored, and computed in SQL so that lists filter on it and figures
count it with GROUP BY:

- cancelled: every milestone is cancelled;
- completed: every milestone not cancelled is completed;
- delayed: a milestone is delayed, or overdue (due in a month before the current one, in
  the deployment's time zone, and neither completed nor cancelled);
- not started: every milestone not cancelled is not started (or it has no milestone);
- in progress: the rest.

Its progress is the mean of its milestones' percentages, cancelled ones left out.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Bundle, contains_eager, load_only, selectinload

from consulta.consultations.models import Commitment, Component
from consulta.core.dates import local_today
from consulta.extensions import db

from .constants import MILESTONE_STATUSES
from .models import (
    CommitmentReporter,
    Indicator,
    Milestone,
    ProgressReport,
    ReportEvidence,
    ReportIndicatorValue,
    ReportMilestone,
)

#: The statuses a commitment can have (derived), in the order figures show them.
COMMITMENT_STATUSES = ("completed", "in_progress", "delayed", "not_started", "cancelled")


def current_month():
    """The current month in the deployment's time zone, "YYYY-MM" (as milestones' due)."""
    return local_today().strftime("%Y-%m")


def is_overdue_expression(month):
    """SQL: the milestone is due before ``month`` and neither completed nor cancelled."""
    return and_(Milestone.due.is_not(None), Milestone.due < month,
                Milestone.current_status.not_in(("completed", "cancelled")))


def is_overdue(milestone, month):
    """The same rule in Python, for a milestone already loaded."""
    return bool(milestone.due and milestone.due < month
                and milestone.current_status not in ("completed", "cancelled"))


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _milestone_totals(version_id, month):
    """One row per commitment of the version that has milestones: counts by status and
    the sums the progress is made of."""
    status = Milestone.current_status
    kept = status != "cancelled"
    return (select(
        Milestone.commitment_id.label("commitment_id"),
        func.count(Milestone.id).label("total"),
        _count(status == "cancelled").label("cancelled"),
        _count(status == "completed").label("completed"),
        _count(status == "not_started").label("not_started"),
        _count(status == "delayed").label("delayed"),
        _count(is_overdue_expression(month)).label("overdue"),
        _count(kept).label("counted"),
        func.coalesce(func.sum(case((kept, Milestone.current_percent), else_=0)), 0)
        .label("percent_sum"))
        .join(Commitment, Commitment.id == Milestone.commitment_id)
        .where(Commitment.plan_version_id == version_id)
        .group_by(Milestone.commitment_id).subquery("milestone_totals"))


def _last_reports(version_id):
    """One row per commitment of the version with a published report: the latest
    publication and how many were published."""
    return (select(ProgressReport.commitment_id.label("commitment_id"),
                   func.max(ProgressReport.published_at).label("last_report_at"),
                   func.count(ProgressReport.id).label("reports"))
            .join(Commitment, Commitment.id == ProgressReport.commitment_id)
            .where(Commitment.plan_version_id == version_id,
                   ProgressReport.state == "published")
            .group_by(ProgressReport.commitment_id).subquery("last_reports"))


def _status_expression(totals):
    total = func.coalesce(totals.c.total, 0)
    cancelled = func.coalesce(totals.c.cancelled, 0)
    return case(
        (total == 0, literal("not_started")),
        (cancelled == total, literal("cancelled")),
        (func.coalesce(totals.c.completed, 0) == total - cancelled, literal("completed")),
        (func.coalesce(totals.c.delayed, 0) + func.coalesce(totals.c.overdue, 0) > 0,
         literal("delayed")),
        (func.coalesce(totals.c.not_started, 0) == total - cancelled, literal("not_started")),
        else_=literal("in_progress"))


@lru_cache(maxsize=64)
def _progress_parts(version_id, month):
    """(milestone totals, last reports, status) of a plan version in a month: built once
    per process and month (SQLAlchemy took a millisecond to build them for every list;
    they are immutable, and their cache key is computed once with them)."""
    totals = _milestone_totals(version_id, month)
    return totals, _last_reports(version_id), _status_expression(totals).label("status")


@dataclass
class Progress:
    """Where one commitment stands."""

    status: str
    #: Mean of its milestones' percentages, cancelled ones left out (0 without any).
    percent: int
    milestones: int = 0
    completed: int = 0
    overdue: int = 0
    reports: int = 0
    last_report_at: datetime | None = None

    def as_json(self):
        return {"status": self.status, "percent": self.percent}


class ProgressQuery:
    """The select() of a final plan's commitments with their progress, to filter, page
    or count.

    :param final_plan: a published ``FinalPlan``.
    :param month: the current month ("YYYY-MM"); the deployment's current one if None.
    """

    def __init__(self, final_plan, month=None):
        self.version_id = final_plan.plan_version_id
        self.month = month or current_month()
        self.totals, self.reports, self.status = _progress_parts(self.version_id, self.month)

    def _joined(self, *columns):
        return (select(*columns)
                .select_from(Commitment)
                .outerjoin(self.totals, self.totals.c.commitment_id == Commitment.id)
                .outerjoin(self.reports, self.reports.c.commitment_id == Commitment.id)
                .where(Commitment.plan_version_id == self.version_id))

    def rows(self, filters=None, commitment=Commitment):
        """select() of (commitment, status, percent_sum, counted, total, completed,
        overdue, reports, last_report_at), by number, filtered by ``filters``
        (component id, status, responsible).

        :param commitment: what stands for the commitment: the ``Commitment`` entity, or
            a ``Bundle`` of the columns a list shows (``LISTED``).
        """
        t, r = self.totals, self.reports
        query = self._joined(commitment, self.status, t.c.percent_sum, t.c.counted,
                             t.c.total, t.c.completed, t.c.overdue, r.c.reports,
                             r.c.last_report_at)
        filters = filters or {}
        if filters.get("commitment"):
            query = query.where(Commitment.id == filters["commitment"])
        if filters.get("component"):
            query = query.where(Commitment.component_id == filters["component"])
        if filters.get("responsible"):
            query = query.where(Commitment.responsible == filters["responsible"])
        if filters.get("status"):
            query = query.where(self.status == filters["status"])
        return query.order_by(Commitment.number)

    def figures(self):
        """[(component id, status, count)]: the commitments counted by component and
        status, in SQL."""
        query = self._joined(Commitment.component_id, self.status, func.count(Commitment.id))
        return db.session.execute(query.group_by(Commitment.component_id, self.status)).all()


def progress_of(row):
    """A ``Progress`` from a row of ``ProgressQuery.rows`` (past the commitment)."""
    _commitment, status, percent_sum, counted, total, completed, overdue, reports, last = row
    percent = round((percent_sum or 0) / counted) if counted else 0
    return Progress(status=status, percent=int(percent), milestones=total or 0,
                    completed=completed or 0, overdue=overdue or 0, reports=reports or 0,
                    last_report_at=last)


#: The columns of a commitment a list of commitments shows (``row.id``, ``row.title``...):
#: the entity would bring its texts and three JSON columns, decoded for every row.
LISTED = Bundle("commitment", Commitment.id, Commitment.number, Commitment.title,
                Commitment.component_id, Commitment.responsible)


def tracked_commitments(final_plan, filters=None, month=None, commitment=Commitment,
                        progress=None):
    """[(commitment, Progress)] of the final plan, by number, filtered.

    :param final_plan: a published ``FinalPlan``.
    :param filters: {"component": id, "status": code, "responsible": text,
        "commitment": id}.
    :param month: the current month; the deployment's when None.
    :param commitment: ``Commitment`` (entities), or ``LISTED`` (the listed columns).
    :param progress: the page's ``ProgressQuery`` when it has one (built once).
    """
    query = (progress or ProgressQuery(final_plan, month)).rows(filters, commitment)
    return [(row[0], progress_of(row)) for row in db.session.execute(query)]


def progress_by_commitment(final_plan, month=None):
    """{commitment id: Progress} of every commitment of the final plan (one query, of
    the listed columns: not 200 commitments and their sheets hydrated for their ids)."""
    return {commitment.id: progress for commitment, progress in tracked_commitments(
        final_plan, month=month, commitment=LISTED)}


def plan_components(final_plan):
    """The components that hold commitments of the final plan, in their order."""
    return db.session.scalars(
        select(Component).where(Component.id.in_(
            select(Commitment.component_id).where(
                Commitment.plan_version_id == final_plan.plan_version_id)))
        .order_by(Component.position, Component.id)).all()


def figures(final_plan, components, month=None, progress=None, tracked=None):
    """The commitments by status, overall and by component (counted in SQL).

    :param components: the plan's components (``plan_components``), in their order.
    :param progress: the page's ``ProgressQuery`` when it has one (built once).
    :param tracked: the rows of ``tracked_commitments`` when the page holds every
        commitment of the plan (no filter): counted as they are, with no second
        statement over the same join.

    :return: {"overall": {status: count, "total": n}, "by_component": [(component,
        {status: count, "total": n})]} in the components' order, statuses as
        ``COMMITMENT_STATUSES``.
    """
    if tracked is not None:
        rows = Counter((c.component_id, p.status) for c, p in tracked)
        rows = [(component_id, status, n) for (component_id, status), n in rows.items()]
    else:
        rows = (progress or ProgressQuery(final_plan, month)).figures()
    def empty():
        return dict.fromkeys((*COMMITMENT_STATUSES, "total"), 0)

    overall, by_component = empty(), {}
    for component_id, status, count in rows:
        counts = by_component.setdefault(component_id, empty())
        for bucket in (counts, overall):
            bucket[status] += count
            bucket["total"] += count
    return {"overall": overall,
            "by_component": [(c, by_component[c.id]) for c in components
                             if c.id in by_component]}


def share(counts, status):
    """The share (0–100) of ``status`` in counts of ``figures``."""
    return 100 * counts[status] / counts["total"] if counts["total"] else 0


def responsible_choices(final_plan):
    """The responsible entities named by the final plan's commitments, sorted."""
    return list(db.session.scalars(
        select(Commitment.responsible).distinct()
        .where(Commitment.plan_version_id == final_plan.plan_version_id,
               Commitment.responsible.is_not(None), Commitment.responsible != "")
        .order_by(Commitment.responsible)))


def overdue_milestones(final_plan, month=None):
    """{commitment id: [overdue milestones]} of the final plan: rows of the columns a
    list shows (description, due, current status)."""
    found = {}
    for milestone in db.session.execute(
            _overdue_statement(final_plan.plan_version_id, month or current_month())):
        found.setdefault(milestone.commitment_id, []).append(milestone)
    return found


@lru_cache(maxsize=64)
def _overdue_statement(version_id, month):
    # Built once per version and month, as ``_progress_parts``.
    return (select(Milestone.commitment_id, Milestone.description, Milestone.due,
                   Milestone.current_status)
            .join(Commitment, Commitment.id == Milestone.commitment_id)
            .where(Commitment.plan_version_id == version_id, is_overdue_expression(month))
            .order_by(Milestone.commitment_id, Milestone.position))


def commitment_of(final_plan, commitment_id):
    """The commitment of the final plan with this id, or None (one of another version,
    or of another plan, is not found)."""
    return db.session.scalar(select(Commitment).where(
        Commitment.id == commitment_id,
        Commitment.plan_version_id == final_plan.plan_version_id)
        .options(selectinload(Commitment.component)))


def lean_commitment(commitment_id):
    """The commitment ``commitment_id`` with its id only (what its follow box reads of
    it on a page kept for participants), or None."""
    return db.session.scalar(select(Commitment).where(Commitment.id == commitment_id)
                             .options(load_only(Commitment.id)))


def milestones_of(commitment_ids):
    """{commitment id: [milestones by position]}."""
    found = {}
    if commitment_ids:
        for milestone in db.session.scalars(
                select(Milestone).where(Milestone.commitment_id.in_(list(commitment_ids)))
                .order_by(Milestone.commitment_id, Milestone.position)):
            found.setdefault(milestone.commitment_id, []).append(milestone)
    return found


def indicators_of(commitment_ids):
    """{commitment id: [indicators by position]}."""
    found = {}
    if commitment_ids:
        for indicator in db.session.scalars(
                select(Indicator).where(Indicator.commitment_id.in_(list(commitment_ids)))
                .order_by(Indicator.commitment_id, Indicator.position)):
            found.setdefault(indicator.commitment_id, []).append(indicator)
    return found


def latest_values(commitment_ids):
    """{indicator id: (value, as_of, report id)}: each indicator's value in the latest
    published report that gives one (by its "as of" day, then its number)."""
    if not commitment_ids:
        return {}
    rank = func.row_number().over(
        partition_by=ReportIndicatorValue.indicator_id,
        order_by=(ProgressReport.as_of.desc(), ProgressReport.number.desc())).label("rank")
    ranked = (select(ReportIndicatorValue.indicator_id, ReportIndicatorValue.value,
                     ProgressReport.as_of, ProgressReport.id.label("report_id"), rank)
              .join(ProgressReport, ProgressReport.id == ReportIndicatorValue.report_id)
              .where(ProgressReport.state == "published",
                     ProgressReport.commitment_id.in_(list(commitment_ids)))
              .subquery())
    return {indicator_id: (value, as_of, report_id)
            for indicator_id, value, as_of, report_id, _rank in db.session.execute(
                select(ranked).where(ranked.c.rank == 1))}


def published_reports(commitment_ids):
    """{commitment id: [published reports, newest first]} (no draft, ever): rows of what
    a list of reports shows (``id``, ``number``, ``as_of``, ``published_at``), not the
    reports with their narratives."""
    found = {}
    if commitment_ids:
        for report in db.session.execute(
                select(ProgressReport.id, ProgressReport.commitment_id,
                       ProgressReport.number, ProgressReport.as_of,
                       ProgressReport.published_at).where(
                    ProgressReport.commitment_id.in_(list(commitment_ids)),
                    ProgressReport.state == "published")
                .order_by(ProgressReport.commitment_id, ProgressReport.published_at.desc(),
                          ProgressReport.number.desc())):
            found.setdefault(report.commitment_id, []).append(report)
    return found


def published_report(final_plan, report_id):
    """The published report with this id on a commitment of the final plan, with its
    milestones, values and evidence loaded; None for a draft, one in review, or one of
    another plan."""
    return db.session.scalar(
        select(ProgressReport).join(Commitment, Commitment.id == ProgressReport.commitment_id)
        .where(ProgressReport.id == report_id, ProgressReport.state == "published",
               Commitment.plan_version_id == final_plan.plan_version_id)
        .options(contains_eager(ProgressReport.commitment).joinedload(Commitment.plan_version),
                 selectinload(ProgressReport.milestones)
                 .selectinload(ReportMilestone.milestone),
                 selectinload(ProgressReport.indicator_values)
                 .selectinload(ReportIndicatorValue.indicator),
                 selectinload(ProgressReport.evidence).selectinload(ReportEvidence.document)))


def has_published_report(final_plan):
    """Whether any commitment of the final plan has a published report."""
    return db.session.scalar(select(func.count(ProgressReport.id))
                             .join(Commitment, Commitment.id == ProgressReport.commitment_id)
                             .where(Commitment.plan_version_id == final_plan.plan_version_id,
                                    ProgressReport.state == "published")) > 0


# --- the secretariat's set-up -----------------------------------------------------------

@dataclass
class SetupRow:
    """Where the set-up of one commitment stands, for the index of the set-up."""

    id: int
    number: int
    title: str
    component: str
    responsible: str | None
    milestones: int
    indicators: int
    reporters: int

    @property
    def is_complete(self):
        """The commitment can be followed: it has milestones to report on and indicators
        to measure it by. Reporters are not required: the secretariat reports on any
        commitment."""
        return self.milestones > 0 and self.indicators > 0


def _counted(model, commitment_ids):
    """One row per commitment of ``commitment_ids`` (a select) that has some ``model``
    rows: (commitment id, how many)."""
    return (select(model.commitment_id.label("commitment_id"),
                   func.count(model.id).label("count"))
            .where(model.commitment_id.in_(commitment_ids))
            .group_by(model.commitment_id).subquery())


def setup_overview(final_plan):
    """[SetupRow] of every commitment of the final plan, by number: its milestones,
    indicators and reporters counted in SQL (one statement, whatever their number)."""
    in_plan = select(Commitment.id).where(
        Commitment.plan_version_id == final_plan.plan_version_id)
    milestones, indicators, reporters = (_counted(model, in_plan) for model in
                                         (Milestone, Indicator, CommitmentReporter))
    query = (select(Commitment.id, Commitment.number, Commitment.title,
                    Component.name, Commitment.responsible,
                    func.coalesce(milestones.c.count, 0),
                    func.coalesce(indicators.c.count, 0),
                    func.coalesce(reporters.c.count, 0))
             .join(Component, Component.id == Commitment.component_id)
             .outerjoin(milestones, milestones.c.commitment_id == Commitment.id)
             .outerjoin(indicators, indicators.c.commitment_id == Commitment.id)
             .outerjoin(reporters, reporters.c.commitment_id == Commitment.id)
             .where(Commitment.plan_version_id == final_plan.plan_version_id)
             .order_by(Commitment.number))
    return [SetupRow(*row) for row in db.session.execute(query)]


def status_label(status):
    """The translated name of a commitment's or a milestone's status."""
    return MILESTONE_STATUSES.get(status, status)
