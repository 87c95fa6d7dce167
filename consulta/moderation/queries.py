"""Read-side queries of moderation: counts by state, the queue, groups, tags, the audit
log and the moderators' home."""

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, union
from sqlalchemy.orm import joinedload, selectinload

from consulta.accounts.models import Membership, Organization, User
from consulta.audit.models import AuditEntry
from consulta.consultations.models import (
    Commitment,
    Component,
    Consultation,
    Event,
    PlanVersion,
)
from consulta.contributions.models import (
    Contribution,
    ContributionGroup,
    ContributionTag,
    ContributionTally,
    Tag,
)
from consulta.contributions.queries import (
    commitment_key,
    component_key,
    counted_in,
    not_voided,
    read_filters,
    received_order,
    with_list_relations,
)
from consulta.core import search
from consulta.core.pagination import paginate_ids
from consulta.extensions import db

#: The states a consultation's contributions are counted by, in a fixed order. Voided
#: records (typed in by mistake) are in none of the others.
STATES = ("received", "classified", "grouped", "hidden", "withdrawn", "unclassified",
          "voided", "personal_data")


def _state_counts():
    """One aggregate column per state of ``STATES``, over the selected contributions: the
    live count, which ``ContributionTally`` (kept by the database) must always equal.

    ``count(*) FILTER (WHERE …)`` over columns that ``ix_contributions_states`` holds
    (personal_data_held_at too), so that the count reads the index alone (at 50,000: a
    table scan with ``sum(CASE …)`` took 37–50 ms on SQLite, the index 13 ms).
    """
    c = Contribution

    def count(condition=None):
        condition = not_voided() if condition is None else condition & not_voided()
        return func.count().filter(condition)

    return (
        count(),
        count(c.classified_at.is_not(None)),
        count(c.group_id.is_not(None)),
        count(c.hidden_at.is_not(None)),
        count(c.withdrawn_at.is_not(None)),
        count(c.classified_at.is_(None) & c.hidden_at.is_(None) & c.withdrawn_at.is_(None)),
        func.count(c.voided_at),
        count(c.personal_data_held_at.is_not(None)),
    )


def live_state_counts(consultation_ids=None):
    """The contributions counted by state from the rows themselves (an index range as
    long as each consultation): what the tallies are checked and repaired against.

    :param consultation_ids: the consultations to count (None: every consultation with
        contributions).
    :return: ``{consultation id: {state: count}}``, for consultations with contributions.
    """
    query = select(Contribution.consultation_id, *_state_counts()) \
        .group_by(Contribution.consultation_id)
    if consultation_ids is not None:
        query = query.where(Contribution.consultation_id.in_(consultation_ids))
    return {consultation_id: {state: int(value or 0)
                              for state, value in zip(STATES, values, strict=True)}
            for consultation_id, *values in db.session.execute(query)}


def counts_by_consultation(consultations):
    """The contributions of several consultations counted by state, in one query of one
    row each: their tallies, which the database keeps (``ContributionTally``), so that the
    cost does not grow with the contributions.

    :param consultations: the consultations to count (a consultation without
        contributions counts zero in every state).
    :return: ``{consultation id: {state: count}}`` with every state of ``STATES``.
    """
    ids = [consultation.id for consultation in consultations]
    counts = {ident: dict.fromkeys(STATES, 0) for ident in ids}
    if not ids:
        return counts
    columns = [getattr(ContributionTally, state) for state in STATES]
    rows = db.session.execute(select(ContributionTally.consultation_id, *columns)
                              .where(ContributionTally.consultation_id.in_(ids)))
    for consultation_id, *values in rows:
        counts[consultation_id] = dict(zip(STATES, values, strict=True))
    return counts


def moderation_counts(consultation):
    """One consultation's contributions counted by state, and the hidden ones by reason.

    :param consultation: the consultation whose contributions are counted.
    :return: ``{state: count}`` for every state of ``STATES``, plus
        ``"hidden_by_reason"``: ``{reason: count}`` (counted from the hidden rows: a
        range of ``ix_contributions_states``, few of them).
    """
    c = Contribution
    by_reason = dict(db.session.execute(
        select(c.hidden_reason, func.count()).where(
            counted_in(consultation), c.hidden_at.is_not(None))
        .group_by(c.hidden_reason)).all())
    return {**counts_by_consultation([consultation])[consultation.id],
            "hidden_by_reason": by_reason}


# --- the queue ------------------------------------------------------------------------

#: The states the queue can show, in the order of its tabs.
QUEUE_STATES = ("unclassified", "classified", "grouped", "hidden", "withdrawn", "voided",
                "personal_data", "all")

#: The queue's filters; ``read_filters`` keeps only values from its allowlists.
QUEUE_FILTERS = ("component", "commitment", "channel", "sector", "q")


def queue_filters(args):
    """The queue's filters from a query string, without the empty ones.

    :param args: the request's query string (a ``MultiDict``).
    """
    filters = read_filters(args)
    return {key: filters[key] for key in QUEUE_FILTERS if filters[key]}


def _in_state(state):
    c = Contribution
    if state == "voided":
        return (c.voided_at.is_not(None),)
    return (not_voided(), *{
        "unclassified": (c.classified_at.is_(None), c.hidden_at.is_(None),
                         c.withdrawn_at.is_(None)),
        "classified": (c.classified_at.is_not(None),),
        "grouped": (c.group_id.is_not(None),),
        "hidden": (c.hidden_at.is_not(None),),
        "withdrawn": (c.withdrawn_at.is_not(None),),
        # Likely personal data held masked on the way in, awaiting a moderator.
        "personal_data": (c.personal_data_held_at.is_not(None),),
    }.get(state, ()))


def _queue_conditions(consultation, state, filters):
    """The WHERE clauses of the queue in ``state`` with ``filters``."""
    conditions = [Contribution.consultation_id == consultation.id, *_in_state(state)]
    for key, column in (("component", component_key()), ("commitment", commitment_key()),
                        ("channel", Contribution.channel), ("sector", Contribution.sector)):
        if filters.get(key):
            conditions.append(column == filters[key])
    if filters.get("q"):
        clause = search.match(db.session, Contribution.search_document, Contribution.id,
                              filters["q"])
        if clause is not None:
            conditions.append(clause)
    return conditions


#: The tabs whose contributions are all classified, or all not: there the queue's order
#: is the received order alone.
_ONE_CLASSIFICATION = ("unclassified", "classified")


def _queue_order(state=None):
    """The order work is done in: unclassified first, then by the received moment.

    In a tab where every contribution is classified, or none is, the first key is the
    same for all and is left out: the order is then an index's (the listing's), read
    until the page is full, where with it every row of the tab was sorted first (the
    unclassified tab, the queue's default: 8.5 ms to 0.35 at 50,000 on SQLite).
    """
    if state in _ONE_CLASSIFICATION:
        return received_order()
    return (Contribution.classified_at.is_not(None), *received_order())


def queue_query(consultation, state, filters):
    """The contributions of the moderation queue, unclassified first, then oldest first,
    with what a row of the queue shows loaded.

    :param consultation: the consultation being moderated.
    :param state: one of ``QUEUE_STATES`` ("all": every state).
    :param filters: from ``queue_filters``: ``component`` and ``commitment`` (ids, as
        classified, else as the author chose), ``channel``, ``sector``, ``q`` (text).
    """
    return with_list_relations(_queue_select(consultation, state, filters, Contribution)) \
        .options(selectinload(Contribution.tags))


def queue_ids(consultation, state, filters, limit):
    """The ids of the contributions in the queue with these filters, in its order, at
    most ``limit`` + 1 of them (so that the caller can tell "more than ``limit``").

    :param consultation: the consultation being moderated.
    :param state: one of ``QUEUE_STATES``.
    :param filters: from ``queue_filters``.
    :param limit: the most a bulk action may touch.
    """
    return db.session.scalars(
        _queue_select(consultation, state, filters, Contribution.id).limit(limit + 1)).all()


def next_in_queue(consultation, state, filters, current, *, was_classified):
    """The contribution after ``current`` in the queue as the moderator sees it (its
    state, filters and order), for "Save and next".

    The place of ``current`` is where it stood before it was saved (classifying it moves
    it out of the unclassified tab, or down the list): ``was_classified`` says whether it
    was classified then. In the unclassified tab the queue starts again from the top when
    its end is reached (what was skipped is still to do); elsewhere its end is the end.

    :param consultation: the consultation being moderated.
    :param state: one of ``QUEUE_STATES``.
    :param filters: from ``queue_filters``.
    :param current: the contribution just saved.
    :param was_classified: whether ``current`` was classified before this save.
    :return: a contribution, or None at the end of the queue.
    """
    c = Contribution
    conditions = _queue_conditions(consultation, state, filters)
    later = (c.received_at > current.received_at) | (
        (c.received_at == current.received_at) & (c.id > current.id))
    if was_classified:
        after = c.classified_at.is_not(None) & later
    else:
        after = c.classified_at.is_not(None) | (c.classified_at.is_(None) & later)
    following = db.session.scalar(select(c).where(*conditions, after, c.id != current.id)
                                  .order_by(*_queue_order(state)).limit(1))
    if following is None and state == "unclassified":
        following = db.session.scalar(select(c).where(*conditions, c.id != current.id)
                                      .order_by(*_queue_order(state)).limit(1))
    return following


def queue_page(consultation, state, filters, per_page):
    """A page of ``queue_query``: the ids sorted and counted alone (the queue's order has
    no index, so every row is sorted: narrow rows, not rows joined to everything a row
    shows), then only the page's contributions loaded with what a row shows.

    :param consultation: the consultation being moderated.
    :param state: one of ``QUEUE_STATES``.
    :param filters: from ``queue_filters``.
    :param per_page: rows per page.
    """
    return paginate_ids(_queue_select(consultation, state, filters, Contribution.id),
                        queue_rows, per_page)


class _QueueAuthor:
    """What a queue row reads of its author (``User.is_active`` as the model says)."""

    __slots__ = ("deleted_at", "display_name", "show_name_publicly")
    is_active = User.is_active

    def __init__(self, display_name, show_name_publicly, deleted_at):
        self.display_name = display_name
        self.show_name_publicly = show_name_publicly
        self.deleted_at = deleted_at


class _Named:
    """A component, organization or tag as a queue row shows it: its name."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class _Numbered:
    """The classified commitment as a queue row shows it: its number."""

    __slots__ = ("number",)

    def __init__(self, number):
        self.number = number


#: The columns of a contribution a queue row shows.
_QUEUE_COLUMNS = ("author_id", "author_name", "author_name_public", "author_organization",
                  "body", "channel", "classified_at", "entered_by_id", "group_id",
                  "hidden_at", "id", "is_new_commitment", "kind", "organization_id",
                  "organization_name", "personal_data_held_at", "sector", "title",
                  "tracking_code", "voided_at", "withdrawn_at")


class QueueRow:
    """A contribution as a row of the moderation queue shows it, read as plain columns
    (the ORM's objects and relations cost a third of the page): its states, author line
    and channel come from ``Contribution``'s own properties, so that the rules stay
    written once."""

    __slots__ = ("author", "classified_commitment", "classified_component", "component",
                 "organization", "tags", *_QUEUE_COLUMNS)
    is_withdrawn = Contribution.is_withdrawn
    is_voided = Contribution.is_voided
    is_hidden = Contribution.is_hidden
    is_classified = Contribution.is_classified
    is_offline = Contribution.is_offline
    awaits_personal_data_review = Contribution.awaits_personal_data_review
    channel_label = Contribution.channel_label
    public_author = Contribution.public_author
    public_organization = Contribution.public_organization


def _queue_rows_select():
    c = Contribution
    classified_component = Component.__table__.alias("classified_components")
    return (select(*(getattr(c, name) for name in _QUEUE_COLUMNS), User.display_name,
                   User.show_name_publicly, User.deleted_at, Organization.name,
                   Component.name, classified_component.c.name, Commitment.number)
            .outerjoin(User, User.id == c.author_id)
            .outerjoin(Organization, Organization.id == c.organization_id)
            .outerjoin(Component, Component.id == c.component_id)
            .outerjoin(classified_component,
                       classified_component.c.id == c.classified_component_id)
            .outerjoin(Commitment, Commitment.id == c.classified_commitment_id)
            .where(c.id.in_(bindparam("ids", expanding=True))))


#: Built once: the same statement for every page (its ids bound).
_QUEUE_ROWS = _queue_rows_select()
_QUEUE_TAGS = (select(ContributionTag.contribution_id, Tag.name)
               .join(Tag, Tag.id == ContributionTag.tag_id)
               .where(ContributionTag.contribution_id.in_(bindparam("ids", expanding=True)))
               .order_by(Tag.name))


def queue_rows(ids):
    """The rows of the moderation queue with these contribution ids (any order), with
    what a row shows: the author line, the components, the classified commitment's
    number and the tags (their own query, by name).

    :param ids: contribution ids.
    """
    tags = {}
    for contribution_id, name in db.session.execute(_QUEUE_TAGS, {"ids": ids}):
        tags.setdefault(contribution_id, []).append(_Named(name))
    count = len(_QUEUE_COLUMNS)
    rows = []
    for values in db.session.execute(_QUEUE_ROWS, {"ids": ids}):
        row = QueueRow()
        for name, value in zip(_QUEUE_COLUMNS, values, strict=False):
            setattr(row, name, value)
        (display_name, show_name_publicly, deleted_at, organization, component,
         classified_component, commitment_number) = values[count:]
        row.author = None if row.author_id is None else _QueueAuthor(
            display_name, show_name_publicly, deleted_at)
        row.organization = None if row.organization_id is None else _Named(organization)
        row.component = None if component is None else _Named(component)
        row.classified_component = None if classified_component is None \
            else _Named(classified_component)
        row.classified_commitment = None if commitment_number is None \
            else _Numbered(commitment_number)
        row.tags = tags.get(row.id, ())
        rows.append(row)
    return rows


def _queue_select(consultation, state, filters, *columns):
    return select(*columns).where(*_queue_conditions(consultation, state, filters)) \
        .order_by(*_queue_order(state))


def unclassified_count(consultation):
    """How many contributions of the consultation wait to be classified: its tally's
    (``ContributionTally``, kept by the database), one row where a count walked a range of
    the states index a tenth of the consultation long, growing with it.

    :param consultation: the consultation being moderated.
    """
    return db.session.scalar(_UNCLASSIFIED, {"consultation": consultation.id}) or 0


#: ``unclassified_count``'s statement, built once (the classification page asks it on
#: every view).
_UNCLASSIFIED = select(ContributionTally.unclassified).where(
    ContributionTally.consultation_id == bindparam("consultation"))


def next_unclassified(consultation, after_id=None):
    """The next contribution to classify: the first unclassified one after ``after_id``,
    else the first one from the start (never ``after_id`` itself), else None.

    :param consultation: the consultation being moderated.
    :param after_id: the id of the contribution just classified, if any.
    """
    query = select(Contribution).where(Contribution.consultation_id == consultation.id,
                                       *_in_state("unclassified"))
    if after_id is not None:
        following = db.session.scalar(query.where(Contribution.id > after_id)
                                      .order_by(Contribution.id).limit(1))
        if following is not None:
            return following
    return db.session.scalar(query.where(Contribution.id != (after_id or 0))
                             .order_by(Contribution.id).limit(1))


def selected_contributions(consultation, ids):
    """The contributions of ``consultation`` among ``ids`` (others are left out).

    :param consultation: the consultation they must belong to.
    :param ids: contribution ids, as ticked in the queue.
    """
    return db.session.scalars(select(Contribution).where(
        Contribution.id.in_(ids), counted_in(consultation))).all()


def commitments_to_classify(consultation):
    """``(id, number, title)`` rows of the commitments of every published version of the
    plan, newest version first: a contribution may concern a commitment of an earlier
    version. Rows, not commitments: the form shows these three columns only.

    :param consultation: the consultation whose plan it is.
    """
    return db.session.execute(
        select(Commitment.id, Commitment.number, Commitment.title).join(PlanVersion)
        .where(PlanVersion.consultation_id == consultation.id,
               PlanVersion.published_at.is_not(None))
        .order_by(PlanVersion.number.desc(), Commitment.number)).all()


def tag_names(consultation):
    """The names of the consultation's tags, alphabetically (offered while typing).

    :param consultation: the consultation the tags belong to.
    """
    return db.session.scalars(select(Tag.name).where(Tag.consultation_id == consultation.id)
                              .order_by(Tag.name)).all()


# --- groups ---------------------------------------------------------------------------

def groups_of(consultation):
    """The consultation's groups of contributions, by title.

    :param consultation: the consultation the groups belong to.
    """
    return db.session.scalars(select(ContributionGroup).where(
        ContributionGroup.consultation_id == consultation.id)
        .order_by(ContributionGroup.title)).all()


#: How many of the latest groups the classification page offers besides the groups of
#: the contribution and of its similar ones (a national consultation has a thousand).
LATEST_GROUPS_OFFERED = 30


def groups_to_offer(consultation, contribution, suggestions=()):
    """The groups a moderator may add ``contribution`` to from its page, by title: its
    own group, those of the similar contributions and the latest created. A bounded list
    (id and title only), never every group of the consultation.

    :param consultation: the consultation the groups belong to.
    :param contribution: the contribution being classified.
    :param suggestions: ``[(contribution, score)]`` of ``similar_contributions``.
    """
    known = {c.group_id for c, _score in suggestions if c.group_id}
    if contribution.group_id:
        known.add(contribution.group_id)
    return db.session.execute(_GROUPS_TO_OFFER, {
        "consultation": consultation.id, "latest": LATEST_GROUPS_OFFERED,
        "known": sorted(known)}).all()


#: ``groups_to_offer``'s statement, built once: the ids offered (a union) looked up by
#: primary key, where an ``OR`` of the two lists read every group of the consultation
#: (a thousand at 50,000 contributions, more as it grows).
_OFFERED = union(
    select(ContributionGroup.id).where(
        ContributionGroup.consultation_id == bindparam("consultation"),
        ContributionGroup.id.in_(bindparam("known", expanding=True))),
    select((latest := select(ContributionGroup.id).where(
        ContributionGroup.consultation_id == bindparam("consultation"))
        .order_by(ContributionGroup.id.desc()).limit(bindparam("latest")).subquery()).c.id))
_GROUPS_TO_OFFER = (
    select(ContributionGroup.id, ContributionGroup.title)
    .where(ContributionGroup.id.in_(_OFFERED))
    .order_by(ContributionGroup.title, ContributionGroup.id))


def groups_with_counts(consultation):
    """The consultation's groups by title, as ``(id, title, members)`` rows with the
    members (not voided) counted in SQL: a query to paginate (a national consultation
    has a thousand groups; the page shows a page of them, never every one).

    :param consultation: the consultation the groups belong to.
    """
    members = (select(func.count()).select_from(Contribution)
               .where(Contribution.group_id == ContributionGroup.id, not_voided())
               .correlate(ContributionGroup).scalar_subquery())
    return (select(ContributionGroup.id, ContributionGroup.title, members.label("members"))
            .where(ContributionGroup.consultation_id == consultation.id)
            .order_by(ContributionGroup.title, ContributionGroup.id))


def group_members(group):
    """A group's contributions (voided ones too, as ``group.members``), by id, with
    what the group's page shows of each loaded in the same query: its author and
    organization (through ``group.members``, each relation a member has cost a query
    of its own: 17–20 statements for the page at 50,000–200,000 generated
    contributions, 5 now). Only those two: with the lists' ten relations joined,
    PostgreSQL planned the statement for 5.8 ms on every view (``benchmarks/plans.py``).

    :param group: the group.
    """
    return db.session.scalars(
        select(Contribution).where(Contribution.group_id == group.id)
        .options(joinedload(Contribution.author).lazyload(User.roles),
                 joinedload(Contribution.organization))
        .order_by(Contribution.id)).all()


# --- the audit log --------------------------------------------------------------------

def audit_actions(consultation):
    """The actions recorded in the consultation's audit log, alphabetically.

    Read as a walk that jumps from one action to the next in the index on (consultation,
    action): one probe per action. PostgreSQL has no skip scan, and a DISTINCT read every
    entry of the consultation from that index (20 ms at 50,000 contributions, growing
    with the log) on each view of the audit page.

    :param consultation: the consultation whose log it is.
    """
    return db.session.scalars(_AUDIT_ACTIONS, {"consultation": consultation.id}).all()


def _audit_actions_statement():
    entries = AuditEntry
    consultation = bindparam("consultation")
    actions = select(func.min(entries.action).label("action")).where(
        entries.consultation_id == consultation).cte("actions", recursive=True)
    following = select(func.min(entries.action)).where(
        entries.consultation_id == consultation,
        entries.action > actions.c.action).scalar_subquery()
    actions = actions.union_all(select(following).where(actions.c.action.is_not(None)))
    return select(actions.c.action).where(actions.c.action.is_not(None)) \
        .order_by(actions.c.action)


_AUDIT_ACTIONS = _audit_actions_statement()


#: The keys of the audit log whose values are ids of the consultation's objects.
NAMED_KEYS = ("component_id", "commitment_id", "group_id", "event_id")


def audit_names(consultation, changes=None):
    """``{key: {id: name}}``: how the ids recorded in the consultation's audit log read
    (its components, commitments of every plan version, groups and events), at most four
    small queries whatever the length of the log.

    :param consultation: the consultation whose log it is.
    :param changes: the ``audit.changes.Change`` lists of the entries shown: only the
        ids they hold are looked up (a page of the log names a few of a thousand
        groups); every object of the consultation when None.
    """
    wanted = None
    if changes is not None:
        wanted = {key: set() for key in NAMED_KEYS}
        for change in (c for entry in changes for c in entry):
            if change.key in wanted:
                for value in (change.before, change.after):
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, int) and not isinstance(item, bool):
                            wanted[change.key].add(item)

    def names(key, id_column, query, row=lambda ident, name: name):
        if wanted is not None:
            if not wanted[key]:
                return {}
            query = query.where(id_column.in_(sorted(wanted[key])))
        return {values[0]: row(*values) for values in db.session.execute(query).all()}

    return {
        "component_id": names("component_id", Component.id, select(
            Component.id, Component.name).where(Component.consultation_id == consultation.id)),
        "commitment_id": names(
            "commitment_id", Commitment.id,
            select(Commitment.id, Commitment.number, Commitment.title).join(PlanVersion)
            .where(PlanVersion.consultation_id == consultation.id),
            row=lambda ident, number, title: f"{number}. {title}"),
        "group_id": names("group_id", ContributionGroup.id, select(
            ContributionGroup.id, ContributionGroup.title)
            .where(ContributionGroup.consultation_id == consultation.id)),
        "event_id": names("event_id", Event.id, select(Event.id, Event.title)
                          .where(Event.consultation_id == consultation.id)),
    }


def author_address(contribution):
    """The address a contribution's author is told at when moderators hide it or show it
    again: their account's (if still active), else the one typed in with an offline
    contribution; None when there is none (an author typed in without an e-mail address,
    a deleted account), and then nobody is told.

    :param contribution: the contribution whose author it is.
    """
    author = contribution.author
    if author is not None and author.is_active:
        return author.email or None
    return contribution.author_email or None


def audit_log(consultation, action=None):
    """The consultation's audit entries, newest first.

    :param consultation: the consultation whose log it is.
    :param action: only the entries of this action, when given.
    """
    query = (select(AuditEntry).where(AuditEntry.consultation_id == consultation.id)
             .order_by(AuditEntry.id.desc()))
    if action:
        query = query.where(AuditEntry.action == action)
    return query


#: Entries on a page of the audit log.
AUDIT_PER_PAGE = 50


@dataclass
class AuditPage:
    """A page of the audit log: its ``entries``, newest first, and whether there are
    newer and older entries (the links start from its first and its last entry)."""

    entries: list
    has_newer: bool
    has_older: bool


def audit_page(consultation, action=None, *, before=None, after=None,
               per_page=AUDIT_PER_PAGE):
    """A page of the consultation's audit log, newest first: the latest entries, those
    just older than the entry ``before``, or just newer than the entry ``after``; the
    latest when there is none there (a link from a log since filtered or emptied).

    Reached from the id of an entry, not by a page number: a page is read from the index
    without counting the log (which only grows: some 340,000 entries at 200,000
    contributions), and a page stays the same while new entries are recorded.

    :param consultation: the consultation whose log it is.
    :param action: only the entries of this action, when given.
    :param before: an entry id: the entries older than it.
    :param after: an entry id: the entries newer than it (when ``before`` is None).
    """
    log = audit_log(consultation, action).order_by(None)
    if after is not None and before is None:
        entries = db.session.scalars(log.where(AuditEntry.id > after)
                                     .order_by(AuditEntry.id.asc()).limit(per_page + 1)).all()
        if entries:
            return AuditPage(entries=entries[:per_page][::-1],
                             has_newer=len(entries) > per_page, has_older=True)
    elif before is not None:
        entries = db.session.scalars(log.where(AuditEntry.id < before)
                                     .order_by(AuditEntry.id.desc()).limit(per_page + 1)).all()
        if entries:
            return AuditPage(entries=entries[:per_page], has_newer=True,
                             has_older=len(entries) > per_page)
    entries = db.session.scalars(log.order_by(AuditEntry.id.desc())
                                 .limit(per_page + 1)).all()
    return AuditPage(entries=entries[:per_page], has_newer=False,
                     has_older=len(entries) > per_page)


# --- the moderators' home -------------------------------------------------------------

def announced_consultations(entity_ids=None):
    """The consultations announced to the public, the latest to open first.

    :param entity_ids: only those of these entities (None: every entity).
    """
    query = select(Consultation).where(Consultation.is_public)
    if entity_ids is not None:
        query = query.where(Consultation.entity_id.in_(entity_ids))
    return db.session.scalars(query.order_by(Consultation.opens_at.desc())).all()


def pending_reviews():
    """``(organizations, join requests)`` waiting for a moderator's review: how many."""
    organizations = db.session.scalar(select(func.count()).select_from(Organization)
                                      .where(Organization.status == "pending"))
    requests = db.session.scalar(select(func.count()).select_from(Membership)
                                 .where(Membership.status == "pending"))
    return organizations, requests
