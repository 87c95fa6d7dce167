"""Read-side of the final plan: the consulted draft, the diff, the traceability.

A response names commitments of the version it answered; the final plan has its own
commitments. They meet through ``Commitment.lineage`` (and through the merges the
secretariat recorded), never through numbers, which may change between versions.
"""

import json
from dataclasses import dataclass, field
from operator import itemgetter

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import aliased, selectinload

from consulta.consultations.models import Commitment, PlanVersion
from consulta.contributions.models import Contribution
from consulta.contributions.queries import is_visible
from consulta.core.cache import cached_figures
from consulta.extensions import db
from consulta.feedback.constants import NEEDS_COMMITMENTS
from consulta.feedback.models import Response, ResponseVersion

from .constants import COMPARED_FIELDS
from .models import FinalPlan


def final_plan_of(consultation):
    """The consultation's final plan, published or being prepared, or None."""
    return db.session.scalar(select(FinalPlan).where(
        FinalPlan.consultation_id == consultation.id))


def published_final_plan(consultation):
    """The consultation's published final plan, or None."""
    plan = final_plan_of(consultation)
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

class Resolver:
    """Where the commitments named by responses landed in the final plan."""

    def __init__(self, final_plan):
        self.final_plan = final_plan
        consultation_id = final_plan.consultation_id
        self.lineage_of = dict(db.session.execute(
            select(Commitment.id, Commitment.lineage).join(PlanVersion)
            .where(PlanVersion.consultation_id == consultation_id)).all())
        self.merges = {c.lineage: c.merged_into for c in final_plan.changes if c.merged_into}
        self.final = {c.lineage: c for c in final_plan.plan_version.commitments}

    def commitment(self, commitment_id):
        """The final commitment that commitment ``commitment_id`` (of any version)
        became, or None when it was removed."""
        lineage = self.lineage_of.get(commitment_id)
        seen = set()
        while lineage is not None and lineage not in self.final and lineage not in seen:
            seen.add(lineage)
            lineage = self.merges.get(lineage)
        return self.final.get(lineage)

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


def _incorporated_rows(consultation_id):
    """(contribution id, tracking code, received at, outcome, commitment ids named) of
    the visible
    contributions of the consultation whose effective published response (their own,
    else their group's) says incorporated or partly: narrow rows, oldest received first.

    Two selects that start from the responses (their own, then their group's for those
    without a published one of their own) rather than every contribution joined to both.
    """
    # The commitments named come as their JSON text: many responses name the same ones,
    # and each distinct text is decoded and resolved once (``Traceability``).
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


class Traceability:
    """The contributions that shaped each commitment of a final plan: those whose
    published response says they were incorporated (wholly or partly) into a commitment
    that became it, oldest received first, with that outcome.

    The ids are found at once (narrow rows); what a page shows of them is loaded only
    for the rows it shows (``rows``), or for all at once (``all``, for open data).

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
                found = {resolver.commitment(item.get("id"))
                         for item in json.loads(named or "null") or []
                         if isinstance(item, dict)}
                found.discard(None)
                targets = landed[named] = [target.id for target in found]
            for target_id in targets:
                self.ids.setdefault(target_id, []).append((contribution_id, outcome, code))

    def count(self, commitment_id):
        return len(self.entries(commitment_id))

    @staticmethod
    def _load(wanted):
        """{key: [(id, outcome, code)]} → {key: [(contribution, outcome)]}, each a
        ``ShapedContribution``."""
        needed = {entry[0] for entries in wanted.values() for entry in entries}
        loaded = {}
        for chunk in _chunks(sorted(needed), 5000):
            loaded.update((row.id, ShapedContribution(row)) for row in db.session.execute(
                select(*_SHAPED_COLUMNS).where(Contribution.id.in_(chunk))))
        return {key: [(loaded[cid], outcome) for cid, outcome, _code in entries]
                for key, entries in wanted.items()}

    @classmethod
    def load_entries(cls, entries):
        """Some of ``entries(commitment id)`` (a page of them) → [(contribution,
        outcome)]."""
        return cls._load({None: entries})[None]

    def entries(self, commitment_id):
        """[(contribution id, outcome, tracking code)] of one commitment, in order."""
        return self.ids.get(commitment_id) or []

    def first(self, limit):
        """{commitment id: [(contribution, outcome)]}, the first ``limit`` of each."""
        return self._load({key: pairs[:limit] for key, pairs in self.ids.items()})

    def codes(self, commitment_id):
        """The tracking codes of the contributions that shaped one commitment."""
        return [code for _id, _outcome, code in self.entries(commitment_id)]

    def all(self):
        """{commitment id: [(contribution, outcome)]}, every one."""
        return self._load(self.ids)


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def traceability_of(final_plan):
    """``Traceability(final_plan)``, kept as the public figures are: until the next
    change of the consultation's pages (a response published, a contribution hidden),
    never for staff. It reads every incorporated response, so it is worth keeping.

    :param final_plan: the final plan.
    """
    return cached_figures(f"traceability-{final_plan.id}", lambda: Traceability(final_plan),
                          scope=final_plan.consultation.slug)


def shaping_contributions(final_plan):
    """{final commitment id: [(contribution, outcome)]}: every contribution that shaped
    each commitment (``Traceability.all``); each is a ``ShapedContribution``.

    :param final_plan: the final plan.
    """
    return Traceability(final_plan).all()


def landing_of(final_plan, contribution, resolver=None):
    """The final commitments ``contribution`` landed in ([] when none: not incorporated,
    not answered, hidden, or its commitment was removed)."""
    if contribution.is_hidden or contribution.is_voided or contribution.is_withdrawn:
        return []
    return (resolver or Resolver(final_plan)).landing(contribution.published_response)


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
    by_lineage = {c.lineage: c for c in latest.commitments} if latest else {}
    links = {}
    for commitment in named:
        current = by_lineage.get(commitment.lineage)
        if current is not None:
            links[commitment.id] = (latest.number, current)
        else:
            links[commitment.id] = (commitment.plan_version.number, commitment)
    return links
