"""Read-side of the final plan: the consulted draft, the diff, the traceability.

A response names commitments of the version it answered; the final plan has its own
commitments. They meet through ``Commitment.lineage`` (and through the merges the
secretariat recorded), never through numbers, which may change between versions.
"""

import json
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter

from sqlalchemy import (
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from consulta.consultations.models import Commitment, PlanVersion, commitment_anchor
from consulta.consultations.sheets import kept_per_worker
from consulta.contributions.models import Contribution
from consulta.contributions.queries import is_visible
from consulta.core.pagination import paginate_counted, paginate_list
from consulta.extensions import db
from consulta.feedback.constants import NEEDS_COMMITMENTS
from consulta.feedback.models import Response, ResponseVersion

from .constants import COMPARED_FIELDS
from .models import (
    CommitmentChange,
    FinalPlan,
    FinalPlanLanding,
    FinalPlanTally,
    FinalPlanTrace,
)


def final_plan_of(consultation, *, whole=False):
    """The consultation's final plan, published or being prepared, or None.

    :param whole: load at once what a page showing the whole plan and its diff reads:
        both versions with their commitments and each commitment's component, and the
        changes (else the components come one query each).
    """
    query = select(FinalPlan).where(FinalPlan.consultation_id == consultation.id)
    if whole:
        query = query.options(*(
            joinedload(version).selectinload(PlanVersion.commitments)
            .joinedload(Commitment.component)
            for version in (FinalPlan.plan_version, FinalPlan.consulted_version)),
            selectinload(FinalPlan.changes))
    plan = db.session.scalar(query)
    if plan is not None:
        # Its consultation is the one given: not asked again when the caller held no
        # reference to it (the session's identity map keeps objects weakly).
        set_committed_value(plan, "consultation", consultation)
    return plan


def final_commitment(final_plan, number):
    """Commitment ``number`` of the final plan's version, or None (the one asked for, not
    the version's 200 and their sheets)."""
    return db.session.scalar(select(Commitment).where(
        Commitment.plan_version_id == final_plan.plan_version_id,
        Commitment.number == number))


def published_final_plan(consultation, *, whole=False):
    """The consultation's published final plan, or None (``whole``: as ``final_plan_of``)."""
    plan = final_plan_of(consultation, whole=whole)
    return plan if plan is not None and plan.is_published else None


def consulted_version(consultation):
    """The version of the draft plan put to consultation: the latest one published
    before the consultation closed (the first published one when none was)."""
    published = consultation.published_versions
    if not published:
        return None
    before_closing = [v for v in published if v.published_at <= consultation.closes_at]
    return before_closing[-1] if before_closing else published[0]


def unpublished_responses(consultation):
    """The consultation's responses not (or not again) published: drafts, in review,
    approved, or a published one edited since. What their targets are called comes
    loaded (tracking code or group title)."""
    return db.session.scalars(
        select(Response).where(Response.consultation_id == consultation.id,
                               Response.status != "published")
        .options(selectinload(Response.contribution), selectinload(Response.group))
        .order_by(Response.id)).all()


def response_label(response):
    """A response as a list names it: its contribution's code, or its group's title."""
    if response.contribution is not None:
        return response.contribution.tracking_code
    return response.group.title


# --- the diff ------------------------------------------------------------------------

def _value(commitment, name):
    if name == "component":
        return commitment.component.name if commitment.component else ""
    value = getattr(commitment, name)
    if name == "principles":
        return [str(label) for label in commitment.principle_labels()]
    if name == "actions":
        return [" ".join(str(a.get(k) or "") for k in ("description", "start", "end")).strip()
                for a in value or []]
    return value if value not in (None, "") else ([] if isinstance(value, list) else "")


def field_changes(before, after):
    """[(field code, label, before, after)] of the sheet fields that differ."""
    changes = []
    for name, label in COMPARED_FIELDS.items():
        old, new = _value(before, name), _value(after, name)
        if (old or "") != (new or ""):
            changes.append((name, label, old, new))
    return changes


@dataclass
class DiffEntry:
    """One difference between the consulted draft and the final plan."""

    kind: str  # added, changed, merged, removed
    lineage: str
    before: Commitment | None = None
    after: Commitment | None = None
    #: For "merged": the final commitment it joined.
    merged_into: Commitment | None = None
    fields: list = field(default_factory=list)
    reason: str = ""


def plan_diff(final_plan, merges=None):
    """The differences between the consulted draft and the approved version, by lineage:
    commitments removed (or merged, as the secretariat recorded), changed field by field,
    and added; each with the reason written for it ("" when none yet).

    :param final_plan: the final plan (published or being prepared).
    :param merges: ``{lineage: lineage}`` to use instead of the recorded merges.
    """
    draft = {c.lineage: c for c in final_plan.consulted_version.commitments}
    final = {c.lineage: c for c in final_plan.plan_version.commitments}
    recorded = {c.lineage: c for c in final_plan.changes}
    if merges is None:
        merges = {c.lineage: c.merged_into for c in final_plan.changes if c.merged_into}
    entries = []
    for lineage, before in draft.items():
        reason = recorded[lineage].reason if lineage in recorded else ""
        if lineage not in final:
            into = final.get(merges.get(lineage))
            entries.append(DiffEntry("merged" if into else "removed", lineage, before=before,
                                     merged_into=into, reason=reason))
        else:
            changes = field_changes(before, final[lineage])
            if changes:
                entries.append(DiffEntry("changed", lineage, before=before,
                                         after=final[lineage], fields=changes, reason=reason))
    for lineage, after in final.items():
        if lineage not in draft:
            reason = recorded[lineage].reason if lineage in recorded else ""
            entries.append(DiffEntry("added", lineage, after=after, reason=reason))
    order = {"removed": 0, "merged": 0, "changed": 1, "added": 2}
    return sorted(entries, key=lambda e: (order[e.kind], (e.before or e.after).number))


# --- traceability --------------------------------------------------------------------

@dataclass(frozen=True)
class LandingCommitment:
    """What a landing shows of a final commitment (its link, number and title): a row,
    where no page loaded the final plan's ``Commitment`` objects."""

    id: int
    lineage: str
    number: int
    title: str

    @property
    def anchor(self):
        return commitment_anchor(self.number)


def _final_commitments(version):
    """The commitments of the final plan's version: as loaded when the page loaded them,
    else as rows of what a landing shows (a contribution's page hydrated 200 full
    commitments, their sheets' JSON, for the one or two it names: half of its time)."""
    if "commitments" not in sa_inspect(version).unloaded:
        return version.commitments
    rows = db.session.execute(
        select(Commitment.id, Commitment.lineage, Commitment.number, Commitment.title)
        .where(Commitment.plan_version_id == version.id))
    return [LandingCommitment(*row) for row in rows]


class Resolver:
    """Where the commitments named by responses landed in the final plan."""

    def __init__(self, final_plan):
        self.final_plan = final_plan
        consultation_id = final_plan.consultation_id
        self.lineage_of = dict(db.session.execute(
            select(Commitment.id, Commitment.lineage).join(PlanVersion)
            .where(PlanVersion.consultation_id == consultation_id)).all())
        self.merges = {c.lineage: c.merged_into for c in final_plan.changes if c.merged_into}
        self.final = {c.lineage: c for c in _final_commitments(final_plan.plan_version)}

    def commitment(self, commitment_id):
        """The final commitment that commitment ``commitment_id`` (of any version)
        became, or None when it was removed."""
        lineage = self.lineage_of.get(commitment_id)
        seen = set()
        while lineage is not None and lineage not in self.final and lineage not in seen:
            seen.add(lineage)
            lineage = self.merges.get(lineage)
        return self.final.get(lineage)

    def targets(self, named):
        """The ids of the final commitments that the commitments ``named`` by a response
        version (its ``incorporated_in``) became, each once."""
        found = {self.commitment(item.get("id")) for item in named or []
                 if isinstance(item, dict)}
        found.discard(None)
        return {target.id for target in found}

    def landing(self, version):
        """The final commitments a published response version landed in, by number."""
        if version is None or version.outcome not in NEEDS_COMMITMENTS:
            return []
        found = {}
        for item in version.incorporated_in or []:
            target = self.commitment(item.get("id"))
            if target is not None:
                found[target.id] = target
        return sorted(found.values(), key=lambda c: c.number)


def current_landings(final_plan, versions=None):
    """{(response version id, final commitment id): (response id, group id, outcome)}:
    where published response versions landed in ``final_plan`` (what
    ``FinalPlanLanding`` stores).

    :param final_plan: the final plan.
    :param versions: the ids of the versions to resolve; by default every current one
        of the consultation's responses (``Response.current_version_id``).
    """
    query = select(ResponseVersion.id, Response.id, Response.group_id, ResponseVersion.outcome,
                   cast(ResponseVersion.incorporated_in, Text)).where(
        ResponseVersion.outcome.in_(NEEDS_COMMITMENTS))
    if versions is None:
        query = query.join(Response, Response.current_version_id == ResponseVersion.id) \
            .where(Response.consultation_id == final_plan.consultation_id)
    else:
        query = query.join(Response, Response.id == ResponseVersion.response_id) \
            .where(ResponseVersion.id.in_(versions))
    resolver = Resolver(final_plan)
    # Many responses name the same commitments: each distinct list is resolved once.
    landed = {}
    found = {}
    for version_id, response_id, group_id, outcome, named in db.session.execute(
            query.order_by(ResponseVersion.id)):
        targets = landed.get(named)
        if targets is None:
            targets = landed[named] = sorted(resolver.targets(json.loads(named or "null")))
        for target_id in targets:
            found[(version_id, target_id)] = (response_id, group_id, outcome)
    return found


class ShapedContribution:
    """What the final plan shows of a contribution that shaped a commitment: a row of
    the columns it needs, not the ORM object (a national consultation may have
    thousands of them); masked like the contribution itself (``public``)."""

    __slots__ = ("channel", "entered_by_id", "id", "kind", "masked_fragments", "sector",
                 "title", "tracking_code")
    public = Contribution.public
    is_offline = Contribution.is_offline
    channel_label = Contribution.channel_label

    def __init__(self, row):
        for name in self.__slots__:
            setattr(self, name, getattr(row, name))


_SHAPED_COLUMNS = [getattr(Contribution, name) for name in ShapedContribution.__slots__]


def _load_shaped(wanted):
    """{key: [(id, outcome)]} → {key: [(contribution, outcome)]}, each a
    ``ShapedContribution``, in the same order."""
    needed = {entry[0] for entries in wanted.values() for entry in entries}
    loaded = {}
    for chunk in _chunks(sorted(needed), 5000):
        loaded.update((row.id, ShapedContribution(row)) for row in db.session.execute(
            select(*_SHAPED_COLUMNS).where(Contribution.id.in_(chunk))))
    return {key: [(loaded[entry[0]], entry[1]) for entry in entries]
            for key, entries in wanted.items()}


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _incorporated_rows(consultation_id):
    """(contribution id, tracking code, received at, outcome, commitment ids named) of
    the visible
    contributions of the consultation whose effective published response (their own,
    else their group's) says incorporated or partly: narrow rows, oldest received first.

    Two selects that start from the responses (their own, then their group's for those
    without a published one of their own) rather than every contribution joined to both.
    """
    # The commitments named come as their JSON text: many responses name the same ones,
    # and each distinct text is decoded and resolved once (``ResolvedTraceability``).
    columns = (Contribution.id, Contribution.tracking_code, Contribution.received_at,
               ResponseVersion.outcome, cast(ResponseVersion.incorporated_in, Text))
    answered = (Response.consultation_id == consultation_id,
                ResponseVersion.outcome.in_(NEEDS_COMMITMENTS), is_visible())
    own = select(*columns).select_from(Response).join(
        ResponseVersion, ResponseVersion.id == Response.current_version_id).join(
        Contribution, Contribution.id == Response.contribution_id).where(*answered)
    published_own = aliased(Response)
    grouped = select(*columns).select_from(Response).join(
        ResponseVersion, ResponseVersion.id == Response.current_version_id).join(
        Contribution, Contribution.group_id == Response.group_id).outerjoin(
        published_own, (published_own.contribution_id == Contribution.id)
        & published_own.current_version_id.is_not(None)).where(
        *answered, Response.group_id.is_not(None), published_own.id.is_(None))
    rows = [*db.session.execute(own).all(), *db.session.execute(grouped).all()]
    rows.sort(key=itemgetter(2, 0))  # received, then id
    return rows


class ResolvedTraceability:
    """The contributions that shaped each commitment of a final plan: those whose
    published response says they were incorporated (wholly or partly) into a commitment
    that became it, oldest received first, with that outcome.

    Resolved in Python, response by response, through ``Resolver``: for a final plan
    being prepared, whose commitments and merges still change (the secretariat's
    preview); a published one reads what was stored (``StoredTraceability``, which
    must say the same). Every incorporated row is read at once (narrow rows); what a
    page shows of them is loaded only for the rows it shows.

    :param final_plan: the final plan.
    """

    def __init__(self, final_plan):
        resolver = Resolver(final_plan)
        #: {final commitment id: [(contribution id, outcome, tracking code)]}
        self.ids = {}
        landed = {}  # {the JSON text of the commitments named: final commitment ids}
        for contribution_id, code, _received, outcome, named in \
                _incorporated_rows(final_plan.consultation_id):
            targets = landed.get(named)
            if targets is None:
                targets = landed[named] = list(resolver.targets(json.loads(named or "null")))
            for target_id in targets:
                self.ids.setdefault(target_id, []).append((contribution_id, outcome, code))

    def count(self, commitment_id):
        return len(self.ids.get(commitment_id) or [])

    def first(self, limit):
        """{commitment id: [(contribution, outcome)]}, the first ``limit`` of each."""
        return _load_shaped({key: entries[:limit] for key, entries in self.ids.items()})

    def page(self, commitment_id, per_page):
        """The page asked for (``page`` parameter) of one commitment's list: a
        pagination whose items are (contribution, outcome)."""
        page = paginate_list(self.ids.get(commitment_id) or [], per_page)
        page.items = _load_shaped({None: page.items})[None]
        return page

    def codes(self, commitment_id):
        """The tracking codes of the contributions that shaped one commitment."""
        return [code for _id, _outcome, code in self.ids.get(commitment_id) or []]

    def all(self):
        """{commitment id: [(contribution, outcome)]}, every one."""
        return _load_shaped(self.ids)


def live_traces(final_plan_id, *columns, commitment_id=None):
    """What ``FinalPlanTrace`` holds, read live (the tests compare them): the stored
    landings of a published final plan joined to the contributions they stand for now:
    (commitment_id, outcome, received_at, *columns) of each visible contribution whose
    effective published response (its own, else its group's) is a version that landed
    in a commitment (only ``commitment_id``'s when given).

    Two selects (own responses; group responses, for the members without a published
    response of their own) in one union: the rule "own, else the group's" read in SQL as
    ``_incorporated_rows`` reads it. Each goes from the landing to its response (still
    at that version?) and to the contribution, or the members of the group.
    """
    def landed_versions(answers_a_group):
        query = select(FinalPlanLanding.commitment_id.label("commitment_id"),
                       FinalPlanLanding.outcome.label("outcome"),
                       Contribution.received_at.label("received_at"), *columns) \
            .select_from(FinalPlanLanding) \
            .join(Response, (Response.id == FinalPlanLanding.response_id)
                  & (Response.current_version_id == FinalPlanLanding.response_version_id)) \
            .where(FinalPlanLanding.final_plan_id == final_plan_id,
                   FinalPlanLanding.group_id.is_not(None) if answers_a_group
                   else FinalPlanLanding.group_id.is_(None))
        if commitment_id is not None:
            query = query.where(FinalPlanLanding.commitment_id == commitment_id)
        return query

    own = landed_versions(False).join(
        Contribution, Contribution.id == Response.contribution_id).where(is_visible())
    published_own = aliased(Response)
    grouped = landed_versions(True).join(
        Contribution, Contribution.group_id == FinalPlanLanding.group_id).outerjoin(
        published_own, (published_own.contribution_id == Contribution.id)
        & published_own.current_version_id.is_not(None)).where(
        is_visible(), published_own.id.is_(None))
    return union_all(own, grouped).subquery("landed")


def _stored_statements(dialect):
    """The statements ``StoredTraceability`` sends, built once per dialect (bound
    parameters ``plan``, ``commitment``, ``limit``, ``offset``)."""
    trace, tally = FinalPlanTrace, FinalPlanTally
    plan = bindparam("plan")
    order = (trace.received_at, trace.contribution_id)
    of_the_tally = (trace.final_plan_id == tally.final_plan_id) \
        & (trace.commitment_id == tally.commitment_id)
    shown = (tally.final_plan_id == plan, tally.contributions > 0)
    if dialect == "postgresql":
        # Per commitment counted, its first ``limit`` rows: an index walk that stops.
        firsts = select(trace.contribution_id, trace.outcome, trace.received_at) \
            .where(of_the_tally).order_by(*order).limit(bindparam("limit")) \
            .lateral("firsts")
        first = select(tally.commitment_id, firsts.c.outcome,
                       tally.contributions.label("total"), *_SHAPED_COLUMNS) \
            .select_from(tally).join(firsts, true()) \
            .join(Contribution, Contribution.id == firsts.c.contribution_id) \
            .where(*shown) \
            .order_by(tally.commitment_id, firsts.c.received_at, firsts.c.contribution_id)
    else:
        # SQLite has no LATERAL: the same walk as the ids a correlated IN looks up.
        firsts = aliased(FinalPlanTrace)
        first_ids = select(firsts.contribution_id).where(
            firsts.final_plan_id == tally.final_plan_id,
            firsts.commitment_id == tally.commitment_id) \
            .order_by(firsts.received_at, firsts.contribution_id).limit(bindparam("limit"))
        # "+ 0" makes the rows' own columns unusable for an index: the query planner
        # then starts from the tallies (else it walks every row of the plan, asking the
        # subquery for each).
        unindexed = (trace.final_plan_id + literal_column("0") == tally.final_plan_id) \
            & (trace.commitment_id + literal_column("0") == tally.commitment_id)
        first = select(trace.commitment_id, trace.outcome,
                       tally.contributions.label("total"), *_SHAPED_COLUMNS) \
            .select_from(tally).join(trace, unindexed) \
            .join(Contribution, Contribution.id == trace.contribution_id) \
            .where(*shown, trace.contribution_id.in_(first_ids)) \
            .order_by(trace.commitment_id, *order)
    one = (trace.final_plan_id == plan) & (trace.commitment_id == bindparam("commitment"))
    counted = select(tally.contributions).where(
        tally.final_plan_id == plan, tally.commitment_id == bindparam("commitment"))
    return {
        "counts": select(tally.commitment_id, tally.contributions).where(*shown),
        "first": first,
        # The count, asked once (not correlated): not a join the planner may walk.
        "page": select(counted.scalar_subquery().label("total"), trace.outcome,
                       *_SHAPED_COLUMNS)
        .select_from(trace)
        .join(Contribution, Contribution.id == trace.contribution_id).where(one)
        .order_by(*order).limit(bindparam("limit")).offset(bindparam("offset")),
        "count": counted,
        "codes_json": _codes_json(dialect, trace, order),
        "all": select(trace.commitment_id, trace.outcome, *_SHAPED_COLUMNS)
        .join(Contribution, Contribution.id == trace.contribution_id)
        .where(trace.final_plan_id == plan).order_by(trace.commitment_id, *order),
    }


def _codes_json(dialect, trace, order):
    """The statement of ``StoredTraceability.codes_json``: for one plan, each commitment
    with the JSON array of its tracking codes, in ``order``, built by the database.

    Both databases add the rows to a group's array in the order they read them, and both
    read them from the covering index kept in that order (``ix_final_plan_traces_order``),
    grouped by its next column. PostgreSQL is given the rows already ordered (a
    subquery's ORDER BY, which the index walk satisfies: its manual's way to feed an
    aggregate in order); an ORDER BY inside the aggregate would sort each group again,
    doubling the server's time (200k, timed in psql: 41 ms, 22 this way, 19 to send the
    rows as they are). SQLite before 3.44 knows no ORDER BY in an aggregate: it is told
    to read that index (``INDEXED BY``: it fails rather than read another way). The
    landings tests hold both to the order.
    """
    if dialect == "postgresql":
        ordered = select(trace.commitment_id, trace.tracking_code) \
            .where(trace.final_plan_id == bindparam("plan")) \
            .order_by(trace.commitment_id, *order).subquery("ordered")
        return select(ordered.c.commitment_id,
                      cast(func.json_agg(ordered.c.tracking_code), Text)) \
            .group_by(ordered.c.commitment_id)
    return text("SELECT commitment_id, json_group_array(tracking_code) "
                "FROM final_plan_traces INDEXED BY ix_final_plan_traces_order "
                "WHERE final_plan_id = :plan GROUP BY commitment_id")


_STORED = {}


def _stored(name):
    dialect = db.session.get_bind().dialect.name
    statements = _STORED.get(dialect)
    if statements is None:
        statements = _STORED[dialect] = _stored_statements(dialect)
    return statements[name]


class StoredTraceability:
    """The traceability of a published final plan (as ``ResolvedTraceability`` says it),
    read from ``FinalPlanTrace`` (its rows as they stand now, kept by triggers) and
    ``FinalPlanTally`` (their count per commitment): the first of each commitment and a
    page of one are index walks that stop, whatever the number of contributions; every
    row is read only for the open data that lists them all (``codes``, ``all``), and
    then only the columns it lists.

    :param final_plan: a published final plan.
    """

    def __init__(self, final_plan):
        self.final_plan_id = final_plan.id
        self._counts = None
        self._codes = None

    def counts(self):
        """{commitment id: how many contributions shaped it} (those with none left out)."""
        if self._counts is None:
            self._counts = dict(db.session.execute(
                _stored("counts"), {"plan": self.final_plan_id}).all())
        return self._counts

    def count(self, commitment_id):
        return self.counts().get(commitment_id, 0)

    def first(self, limit):
        """{commitment id: [(contribution, outcome)]}, the first ``limit`` of each, in one
        query that also counts them all (``count`` then asks nothing more)."""
        rows = db.session.execute(_stored("first"),
                                  {"plan": self.final_plan_id, "limit": limit}).all()
        first, counts = {}, {}
        for row in rows:
            first.setdefault(row.commitment_id, []).append((ShapedContribution(row),
                                                            row.outcome))
            counts[row.commitment_id] = row.total
        if self._counts is None:
            self._counts = counts
        return first

    def page(self, commitment_id, per_page):
        """The page asked for (``page`` parameter) of one commitment's list: a
        pagination whose items are (contribution, outcome)."""
        wanted = {"plan": self.final_plan_id, "commitment": commitment_id}
        page = paginate_counted(
            lambda offset, limit: db.session.execute(
                _stored("page"), {**wanted, "offset": offset, "limit": limit}).all(),
            lambda: db.session.scalar(_stored("count"), wanted) or 0, per_page)
        page.items = [(ShapedContribution(row), row.outcome) for row in page.items]
        return page

    def codes(self, commitment_id):
        """The tracking codes of the contributions that shaped one commitment (all of
        them are read at the first call: ``codes_json``, decoded)."""
        if self._codes is None:
            self._codes = self.codes_json()
        return json.loads(self._codes.get(commitment_id, "[]"))

    def codes_json(self):
        """{commitment id: the JSON array of its tracking codes, as text}: what ``codes``
        lists, in its order, encoded by the database (the open data that lists them all
        puts the text in its answer as it is: no row of Python for each contribution).
        Those with none are left out."""
        return dict(db.session.execute(_stored("codes_json"),
                                       {"plan": self.final_plan_id}).all())

    def all(self):
        """{commitment id: [(contribution, outcome)]}, every one."""
        shaped = {}
        for row in db.session.execute(_stored("all"), {"plan": self.final_plan_id}):
            shaped.setdefault(row.commitment_id, []).append((ShapedContribution(row),
                                                             row.outcome))
        return shaped


def traceability_of(final_plan):
    """The contributions that shaped each commitment of ``final_plan``: read from its
    stored landings once it is published, resolved in Python while it is prepared.

    :param final_plan: the final plan.
    """
    if final_plan.is_published:
        return StoredTraceability(final_plan)
    return ResolvedTraceability(final_plan)


def shaping_contributions(final_plan):
    """{final commitment id: [(contribution, outcome)]}: every contribution that shaped
    each commitment (``all``); each is a ``ShapedContribution``.

    :param final_plan: the final plan.
    """
    return traceability_of(final_plan).all()


def landing_of(final_plan, contribution, resolver=None):
    """The final commitments ``contribution`` landed in ([] when none: not incorporated,
    not answered, hidden, or its commitment was removed)."""
    if contribution.is_hidden or contribution.is_voided or contribution.is_withdrawn:
        return []
    return (resolver or Resolver(final_plan)).landing(contribution.published_response)


@cache
def _landing_statement():
    # Built once: the page of every contribution asks it.
    trace = FinalPlanTrace
    return select(FinalPlan.id, FinalPlan.plan_version_id, FinalPlan.published_at,
                  Commitment.id.label("commitment_id"), Commitment.lineage,
                  Commitment.number, Commitment.title) \
        .select_from(FinalPlan) \
        .outerjoin(trace, (trace.final_plan_id == FinalPlan.id)
                   & (trace.contribution_id == bindparam("contribution"))) \
        .outerjoin(Commitment, Commitment.id == trace.commitment_id) \
        .where(FinalPlan.consultation_id == bindparam("consultation"),
               FinalPlan.published_at.is_not(None)) \
        .order_by(Commitment.number)


@dataclass(frozen=True)
class PublishedPlan:
    """What a contribution's page needs of the published final plan: a row, not the
    ``FinalPlan`` object (its page reads nothing else of it)."""

    id: int
    plan_version_id: int
    published_at: object


def published_landing(consultation, contribution):
    """(the consultation's published final plan as a ``PublishedPlan``, or None; the
    final commitments ``contribution`` landed in, by number, as ``LandingCommitment``):
    one statement, from the rows the triggers keep (``FinalPlanTrace``: a contribution
    hidden, withdrawn or voided, or whose effective published response did not land,
    has none). What ``landing_of`` resolves from the responses, in five statements.
    """
    rows = db.session.execute(_landing_statement(), {"consultation": consultation.id,
                                                     "contribution": contribution.id}).all()
    if not rows:
        return None, []
    first = rows[0]
    return (PublishedPlan(first.id, first.plan_version_id, first.published_at),
            [LandingCommitment(row.commitment_id, row.lineage, row.number, row.title)
             for row in rows if row.commitment_id is not None])


def _final_lineages(plan):
    """({lineage: LandingCommitment} of the final plan's version, {lineage: lineage} of
    its recorded merges) of a published final plan: frozen, so kept per worker."""
    final = {row.lineage: LandingCommitment(*row) for row in db.session.execute(
        select(Commitment.id, Commitment.lineage, Commitment.number, Commitment.title)
        .where(Commitment.plan_version_id == plan.plan_version_id))}
    merges = dict(db.session.execute(
        select(CommitmentChange.lineage, CommitmentChange.merged_into).where(
            CommitmentChange.final_plan_id == plan.id,
            CommitmentChange.merged_into.is_not(None))).all())
    return final, merges


def final_commitment_of_lineage(plan, lineage):
    """The final commitment that a commitment of ``lineage`` became in the published
    final plan ``plan`` (a ``PublishedPlan``), or None when it was removed: as
    ``Resolver.commitment``, from its version's commitments and merges kept per worker
    (a published final plan never changes)."""
    final, merges = kept_per_worker("consulta_final_plan_lineages",
                                    (plan.id, plan.published_at),
                                    lambda: _final_lineages(plan))
    seen = set()
    while lineage is not None and lineage not in final and lineage not in seen:
        seen.add(lineage)
        lineage = merges.get(lineage)
    return final.get(lineage)


def commitment_links(consultation, commitment_ids):
    """{commitment id: (version number, commitment)} for links to commitments named by
    responses: the commitment with the same lineage in the latest published version, or
    the named one in its own version when the latest has none."""
    if not commitment_ids:
        return {}
    named = db.session.scalars(select(Commitment).where(
        Commitment.id.in_(commitment_ids))
        .options(selectinload(Commitment.plan_version))).all()
    latest = consultation.published_plan
    # Only the latest version's commitments with the lineages named (not its 200).
    by_lineage = {c.lineage: c for c in db.session.scalars(select(Commitment).where(
        Commitment.plan_version_id == latest.id,
        Commitment.lineage.in_({c.lineage for c in named})))} if latest else {}
    links = {}
    for commitment in named:
        current = by_lineage.get(commitment.lineage)
        if current is not None:
            links[commitment.id] = (latest.number, current)
        else:
            links[commitment.id] = (commitment.plan_version.number, commitment)
    return links
