"""Read-side queries for contribution lists: filters from allow-lists, constant query count.

Also the one expression of each rule about contributions that queries need: which
commitment or component a contribution is about, whether the public sees it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cache, lru_cache
from typing import NamedTuple

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Integer, Select, bindparam, func, literal_column, select, true
from sqlalchemy import text as text_clause
from sqlalchemy.orm import aliased, defer, joinedload

from consulta.accounts.models import Organization, User
from consulta.accounts.queries import name_key
from consulta.consultations.constants import CHANNELS
from consulta.consultations.models import (
    Commitment,
    Component,
    Consultation,
    PlanSection,
    PlanVersion,
)
from consulta.consultations.queries import channel_windows
from consulta.core import search
from consulta.core.dates import local_to_utc
from consulta.core.signals import values_from_signal
from consulta.core.taxonomy import region_codes, sector_codes
from consulta.extensions import db

from .constants import KINDS, PAGE_SIZES, SORTS
from .models import (
    CommitmentTally,
    Contribution,
    ContributionGroup,
    ContributionTally,
    Support,
)
from .signals import list_extensions

DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True)
class ListFilter:
    """A filter of the contribution lists that a part above adds."""

    #: The values the filter accepts (anything else is dropped, as for every filter).
    choices: Mapping
    #: ``apply(query, value)`` → the query restricted to ``value``.
    apply: Callable


@dataclass(frozen=True)
class ListExtension:
    """What a part above adds to every contribution list (see ``signals.list_extensions``)."""

    #: Filters by their query-string name.
    filters: Mapping = field(default_factory=dict)
    #: Loader options for what that part shows in a list, in a fixed number of queries.
    loader_options: tuple = ()


def _extensions():
    return values_from_signal(list_extensions)


# --- the rules, one expression each ---------------------------------------------------

def commitment_key():
    """The commitment a contribution is about: as classified, else as the author chose."""
    return func.coalesce(Contribution.classified_commitment_id, Contribution.commitment_id)


def component_key():
    """The component a contribution is about: as classified, else as the author chose."""
    return func.coalesce(Contribution.classified_component_id, Contribution.component_id)


def is_visible():
    """Shown in full to the public: neither hidden by moderation nor withdrawn (nor
    voided)."""
    return Contribution.hidden_at.is_(None) & not_withdrawn()


def not_withdrawn():
    """Still standing: not withdrawn by its author, and a real record (not voided). Lists
    and counts take these; hidden ones among them are listed with the reason instead of
    their text. (What the listing indexes hold, ``models.LISTED``.)"""
    return Contribution.withdrawn_at.is_(None) & not_voided()


def not_voided():
    """A real record: not typed in by mistake and voided. Voided records are kept for
    staff only; they are in no count, figure, list or export."""
    return Contribution.voided_at.is_(None)


def counted_in(consultation):
    """The consultation's contributions that count (every record but the voided ones,
    withdrawn and hidden included): the base of every count, figure and export.

    :param consultation: the consultation whose contributions they are.
    """
    return (Contribution.consultation_id == consultation.id) & not_voided()


def received_order(descending=False):
    """The order of lists by the received moment (ties by id), oldest first unless
    ``descending``: the order the listing index holds."""
    if descending:
        return (Contribution.received_at.desc(), Contribution.id.desc())
    return (Contribution.received_at.asc(), Contribution.id.asc())


# --- one contribution -----------------------------------------------------------------

def contribution_by_code(code, *, lean=False):
    """The contribution with this tracking code, or None (whoever may see it), with what
    its pages show of it (consultation, author, target, event, group) in the same query;
    ``lean``: with its consultation only (what a page's personal parts need)."""
    return db.session.scalar(_by_code(lean), {"code": code})


@cache
def _by_code(lean):
    # Built once: every page of a contribution asks it, and building it with its ten
    # loader options (and its cache key) cost half a millisecond a request.
    options = (joinedload(Contribution.consultation),) if lean else _one_contribution_options()
    return select(Contribution).where(Contribution.tracking_code == bindparam("code")) \
        .options(*options)


def _one_contribution_options():
    return (joinedload(Contribution.consultation), joinedload(Contribution.event),
            joinedload(Contribution.author).lazyload(User.roles),
            joinedload(Contribution.organization), joinedload(Contribution.component),
            joinedload(Contribution.commitment).joinedload(Commitment.plan_version),
            joinedload(Contribution.classified_component),
            joinedload(Contribution.classified_commitment), joinedload(Contribution.group),
            joinedload(Contribution.parent))


def consultation_slug_of(code):
    """The slug of the consultation of the contribution ``code`` (None: no such one), for
    the page cache. Read on a connection of its own, before the request's transaction
    begins: a snapshot taken earlier could hold data older than the generation read."""
    with db.engine.connect() as connection:
        return connection.scalar(
            select(Consultation.slug).join(Contribution,
                                           Contribution.consultation_id == Consultation.id)
            .where(Contribution.tracking_code == code))


def contribution_by_token(token):
    """The contribution a form with this submission token made, or None."""
    if not token:
        return None
    return db.session.scalar(select(Contribution).where(Contribution.submission_token == token))


#: Whether an account supports a proposal, built once (each visitor's kept page asks it).
_SUPPORTS = select(Support.id).where(Support.contribution_id == bindparam("contribution"),
                                     Support.user_id == bindparam("user"))


def has_supported(contribution, user):
    """Whether ``user`` (perhaps anonymous) supports the proposal."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(_SUPPORTS, {"contribution": contribution.id,
                                         "user": user.id}) is not None


# --- lists -------------------------------------------------------------------------------

def _int(value):
    if value is None:  # not given: no exception raised and caught (a list reads six)
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def list_page_key(args):
    """What a list of contributions shows for this query string, as the page cache's key:
    the filters as ``read_filters`` reads them (a value it drops makes no new entry), the
    names of those it ignored (the page says so) and the page number."""
    extensions = _extensions()  # asked once (a signal sent: 2% of a page from the cache)
    read = read_filters(args, extensions)
    filters = {name: value for name, value in read.items() if value}
    ignored = ignored_filters(args, read, extensions)
    return {**filters, **({"ignored": ",".join(ignored)} if ignored else {}),
            "page": max(_int(args.get("page")) or 1, 1)}


#: The filters that take a code of a list: the profile's sectors and regions, the
#: product's kinds and channels (and those the parts above add).
CODED_FILTERS = ("kind", "sector", "region", "channel")


def ignored_filters(args, filters=None, extensions=None):
    """The names of the coded filters given a value that is not in their list (a region of
    another country, ``?region=atlantis``): the list ignores them and tells the reader.

    :param args: the query string.
    :param filters: ``read_filters(args)`` when read already.
    :param extensions: what the parts above add to lists, when asked already.
    """
    if extensions is None:
        extensions = _extensions()
    if filters is None:
        filters = read_filters(args, extensions)
    names = CODED_FILTERS + tuple(name for extension in extensions
                                  for name in extension.filters)
    return tuple(name for name in names if (args.get(name) or "").strip()
                 and not filters.get(name))


def read_filters(args, extensions=None):
    """The filters of a list from the query string; unknown values are dropped.

    :param extensions: what the parts above add to lists, when asked already.
    """
    filters = {
        "kind": args.get("kind") if args.get("kind") in KINDS else None,
        "component": _int(args.get("component")),
        "commitment": _int(args.get("commitment")),
        "sector": args.get("sector") if args.get("sector") in sector_codes() else None,
        "region": args.get("region") if args.get("region") in region_codes() else None,
        "channel": args.get("channel") if args.get("channel") in CHANNELS else None,
    }
    for extension in _extensions() if extensions is None else extensions:
        for name, extra in extension.filters.items():
            filters[name] = args.get(name) if args.get(name) in extra.choices else None
    filters.update({
        "withdrawn": args.get("withdrawn") == "1",
        "q": (args.get("q") or "").strip()[:200],
        "sort": args.get("sort") if args.get("sort") in SORTS else "newest",
        "per_page": per_page if (per_page := _int(args.get("per_page"))) in PAGE_SIZES
        else DEFAULT_PAGE_SIZE,
    })
    return filters


def contributions_query(consultation, filters):
    """The select() of a consultation's contributions for a list, filtered and sorted.

    Withdrawn contributions are listed only when asked for (and then only they); voided
    records never. Sorted by the received moment, never the typing one.

    :param consultation: the consultation listed.
    :param filters: as ``read_filters`` returns them.
    """
    query, params, _count = listing_query(consultation, filters)
    return query.params(params) if params else query


#: The filters of a list that compare a column (or a rule) with the value given.
_COLUMN_FILTERS = ("kind", "sector", "region", "channel", "component", "commitment")


class Listing(NamedTuple):
    """A list's select and how to count it (``listing_query``)."""

    #: The select() of the list, filtered and sorted.
    query: Select
    #: The values of its bound parameters when it was built once, else None.
    params: dict | None
    #: The rows its count counts, when not the list's own (a search's: ``search.Match``).
    count_query: Select | None = None


def listing_query(consultation, filters, reach=None):
    """As ``contributions_query``, as a ``Listing``: without a search or a filter of a
    part above, the select is built once per set of filters given and sort, its values
    bound at execution (``params``, else None: the values are in the select).

    :param consultation: the consultation listed.
    :param filters: as ``read_filters`` returns them.
    :param reach: how many rows in the page asked for ends (offset + page size): a
        search may then probe the rows it walks (``search.match_for_page``).
    """
    given = tuple(name for name in _COLUMN_FILTERS if filters.get(name))
    query = _listing(given, bool(filters.get("withdrawn")), filters.get("sort") or "newest")
    params = {"consultation": consultation.id, **{name: filters[name] for name in given}}
    extra = [(extra_filter, filters[name]) for extension in _extensions()
             for name, extra_filter in extension.filters.items() if filters.get(name)]
    found = search.match_for_page(db.session, Contribution.id, filters["q"], reach,
                                  (_walked(query), params)) if filters.get("q") else None
    if not extra:
        if found is None:
            return Listing(query, params)
        page, counted = _searched(query, found.way, bool(given))
        return Listing(page, {**params, **found.values}, counted)
    # A part above's filters: the select is built at each request, its values in it.
    query = query.params(params)
    for extra_filter, value in extra:
        query = extra_filter.apply(query, value)
    if found is None:
        return Listing(query, None)
    found = search.bound(found, Contribution.id)
    shown = Contribution.hidden_at.is_(None)
    return Listing(query.where(found.page, shown), None, query.where(found.count, shown))


@lru_cache(maxsize=256)
def _walked(query):
    """The condition of the rows a list walks (its select's, ``_listing``), kept with
    it: a search estimates from them how densely its walk meets matches."""
    return query.whereclause


@lru_cache(maxsize=256)
def _searched(query, way, filtered):
    """A list's select searched (``search.match_for_page``) this way, and the rows its
    count counts, built once: the search's words are bound at execution, with the
    list's values.

    :param query: the list's select (``_listing``).
    :param way: how the matches are read (``search.Match.way``).
    :param filtered: whether a filter is given besides the search.
    """
    found = search.clauses_for(Contribution.id, way)
    # Hidden text is never found by searching for it.
    shown = Contribution.hidden_at.is_(None)
    if found.rows is not None and not filtered:
        # Searched and nothing else: counted from the matches, each looked up by id,
        # until the count's cap (a common word's half of 50,000 rows set aside for a
        # walk of the listing cost 3.8 ms; this, 0.9).
        counted = select(Contribution.id).select_from(found.rows).join(
            Contribution, Contribution.id == found.rows.c.id + 0).where(
            query.whereclause, shown)
    else:
        counted = query.where(found.count, shown)
    return query.where(found.page, shown), counted


@cache
def _listing(given, withdrawn, sort):
    """The select() of a list with these filters given (their values, and the
    consultation's, as bound parameters named after them) and this sort, built once: its
    statements then come from SQLAlchemy's compiled cache without their keys being
    computed again (a millisecond of a list page on PostgreSQL)."""
    consultation = bindparam("consultation")
    query = select(Contribution).where(Contribution.consultation_id == consultation)
    query = query.where(Contribution.withdrawn_at.is_not(None), not_voided()) \
        if withdrawn else query.where(not_withdrawn())
    for key, column in (("kind", Contribution.kind), ("sector", Contribution.sector),
                        ("region", Contribution.region), ("channel", Contribution.channel)):
        if key in given:
            query = query.where(column == bindparam(key))
    if "component" in given:
        query = query.where(component_key() == bindparam("component"))
    if "commitment" in given:
        # By number: a commitment keeps its number across versions of the plan.
        query = query.where(commitment_key().in_(
            select(Commitment.id).join(PlanVersion).where(
                PlanVersion.consultation_id == consultation,
                Commitment.number == bindparam("commitment"))))
    order = {
        "newest": received_order(descending=True),
        "oldest": received_order(),
        "supported": (Contribution.supports_count.desc(), Contribution.id.desc()),
    }[sort]
    return query.order_by(*order)


def with_list_relations(query):
    """Load what a list shows in a fixed number of queries, whatever the page size."""
    # Each relation is one row per contribution (many-to-one): joined to the page's own
    # query rather than a query of its own each (21 queries to 9 on the public list).
    # The author's roles are never shown in a list.
    options = [
        joinedload(Contribution.author).lazyload(User.roles),
        joinedload(Contribution.organization),
        joinedload(Contribution.component),
        joinedload(Contribution.commitment).joinedload(Commitment.plan_version),
        joinedload(Contribution.section).joinedload(PlanSection.plan_version),
        joinedload(Contribution.parent), joinedload(Contribution.classified_component),
        joinedload(Contribution.classified_commitment),
        joinedload(Contribution.consultation), joinedload(Contribution.group),
    ]
    for extension in _extensions():
        options.extend(extension.loader_options)
    return query.options(*options)


#: Columns no public list shows (the card nor the API): never loaded for one. The search
#: text is as long as the texts together; the others are staff-only or personal.
_NOT_LISTED = ("search_document", "submission_token", "author_email", "author_contact",
               "author_contact_channel", "author_gender", "import_fingerprint",
               "void_reason", "personal_data_held")
#: Columns of the proposal sheet: the public list's cards never show them (the API does).
_SHEET = ("problem", "objective", "responsible", "co_responsible", "actions", "due",
          "principles")
#: What a card shows of the proposal a comment answers.
_PARENT_SHOWN = ("tracking_code", "kind", "title", "hidden_at", "masked_fragments",
                 "consultation_id")


def with_public_list_relations(query):
    """Load what a proposal's page shows of its comments (cards, as the lists' own), in
    the page's own query. (The lists themselves read their cards as rows, ``cards``.)

    As ``with_list_relations`` without what only staff lists show and without the
    columns no public list shows: the consultation is the one already loaded (found in
    the session, not joined to each row again) and the commented proposal comes with the
    few columns a card shows of it.

    :param query: a select() of contributions of one consultation.
    """
    options = [option for extension in _extensions() for option in extension.loader_options]
    return query.options(*_public_list_options(), *options)


@cache
def _public_list_options():
    # Built once: loader options never change, and building them (with their paths) cost
    # a twentieth of a list page. The related rows bring only the columns a card shows of
    # them: the commitments' sheets are JSON read for nothing otherwise.
    c = Contribution
    return (
        *(defer(getattr(c, name)) for name in _NOT_LISTED + _SHEET),
        joinedload(c.author).load_only(User.display_name, User.show_name_publicly,
                                       User.deleted_at).lazyload(User.roles),
        joinedload(c.organization).load_only(Organization.name),
        joinedload(c.component),
        joinedload(c.commitment).load_only(Commitment.number, Commitment.title,
                                           Commitment.plan_version_id)
        .joinedload(Commitment.plan_version).load_only(PlanVersion.number),
        joinedload(c.section).load_only(PlanSection.title, PlanSection.position,
                                        PlanSection.plan_version_id)
        .joinedload(PlanSection.plan_version).load_only(PlanVersion.number),
        joinedload(c.parent).load_only(*(getattr(c, name) for name in _PARENT_SHOWN)),
    )


# --- the cards of a public list, read as rows --------------------------------------------
#
# A public list (the page of cards, the API's records) reads its page as plain rows of the
# columns it shows, joined to what it shows of the related rows, instead of ORM entities:
# the ORM set up a loader for each of the 21 relationships of each of the ten joined
# entities on every request, and hydrated and tracked each row (half the page's CPU). The
# rows become the small objects below, which answer the same attributes and rules
# (``public``, ``public_author``, ``published_response``...) as the models they borrow
# them from; nothing is loaded lazily from them, and they are not in the session.


class ListedRow:
    """A related row a card shows (a component, an organization...): its columns."""

    __slots__ = ("__dict__",)


class ListedAuthor(ListedRow):
    """The account a card names: ``User``'s columns that ``public_author`` reads."""

    is_active = User.is_active


class ListedCommitment(ListedRow):
    """The commitment a card points to: its number, title and anchor on the plan page."""

    anchor = Commitment.anchor


class ListedContribution(ListedRow):
    """A contribution of a public list, read as a row (``paginate_cards``)."""

    is_withdrawn = Contribution.is_withdrawn
    is_hidden = Contribution.is_hidden
    is_voided = Contribution.is_voided
    recorded_at = Contribution.recorded_at
    is_classified = Contribution.is_classified
    is_offline = Contribution.is_offline
    channel_label = Contribution.channel_label
    public_author = Contribution.public_author
    public_organization = Contribution.public_organization
    public = Contribution.public
    public_list = Contribution.public_list
    public_value = Contribution.public_value
    public_actions = Contribution.public_actions

    def __repr__(self):
        return f"<ListedContribution {self.tracking_code}>"


def _columns(entity, names):
    return tuple(getattr(entity, name) for name in names)


#: The columns a card reads (``templates/contributions/_macros.html``, ``card``), with
#: the rules it asks (``public_author``, ``channel_label``...): each column more is a
#: value more to convert in each row (half of them were read for nothing).
_CARD_COLUMNS = ("id", "tracking_code", "kind", "channel", "author_id", "author_name",
                 "author_name_public", "organization_id", "organization_name",
                 "author_organization", "sector", "entered_by_id", "received_at", "target",
                 "title", "body", "supports_count", "withdrawn_at", "hidden_at",
                 "hidden_reason", "hidden_note", "voided_at", "masked_fragments")
#: And those the API's records read besides (``api.serializers.contribution``), with the
#: proposal sheet's.
_RECORD_COLUMNS = ("created_at", "updated_at", "region", "event_id", "commitment_id",
                   "section_id", "classified_at", "is_new_commitment", "group_id")


@dataclass(frozen=True)
class _Part:
    """A related row of a card: where it goes, its class, its columns (the first its id:
    None when there is no such row) and how it is joined."""

    name: str
    owner: str | None
    kind: type
    keys: tuple
    columns: tuple
    join: tuple = ()


@cache
def _card_layout(sheet):
    """The columns of a card's row and the joins that bring them, built once (the same
    aliases each time: the statement is found in SQLAlchemy's compiled cache)."""
    c = Contribution
    response = c.own_response.property.mapper.class_
    version = response.current_version.property.mapper.class_
    keys = _CARD_COLUMNS + (_RECORD_COLUMNS + _SHEET if sheet else ())
    author, organization = aliased(User), aliased(Organization)
    component, commitment = aliased(Component), aliased(Commitment)
    commitment_version, section = aliased(PlanVersion), aliased(PlanSection)
    section_version, parent = aliased(PlanVersion), aliased(Contribution)
    own, own_version = aliased(response), aliased(version)
    group, group_version = aliased(response), aliased(version)
    shown = ("id", "outcome", "justification", "incorporated_in", "referred_to",
             "published_at", "number") if sheet else ("id", "outcome")
    parts = [
        _Part("author", None, ListedAuthor,
              ("id", "display_name", "show_name_publicly", "deleted_at"),
              _columns(author, ("id", "display_name", "show_name_publicly", "deleted_at")),
              (author, author.id == c.author_id)),
        _Part("organization", None, ListedRow, ("id", "name"),
              _columns(organization, ("id", "name")),
              (organization, organization.id == c.organization_id)),
        _Part("component", None, ListedRow, ("id", "name"), _columns(component, ("id", "name")),
              (component, component.id == c.component_id)),
        _Part("commitment", None, ListedCommitment,
              ("id", "number", "title", "plan_version_id"),
              _columns(commitment, ("id", "number", "title", "plan_version_id")),
              (commitment, commitment.id == c.commitment_id)),
        _Part("plan_version", "commitment", ListedRow, ("id", "number"),
              _columns(commitment_version, ("id", "number")),
              (commitment_version, commitment_version.id == commitment.plan_version_id)),
        _Part("section", None, ListedRow, ("id", "title", "position", "plan_version_id"),
              _columns(section, ("id", "title", "position", "plan_version_id")),
              (section, section.id == c.section_id)),
        _Part("plan_version", "section", ListedRow, ("id", "number"),
              _columns(section_version, ("id", "number")),
              (section_version, section_version.id == section.plan_version_id)),
        _Part("parent", None, ListedContribution, ("id", *_PARENT_SHOWN),
              _columns(parent, ("id", *_PARENT_SHOWN)), (parent, parent.id == c.parent_id)),
        # The published response: the contribution's own, else its group's (as
        # ``Contribution.published_response``).
        _Part("own_version", None, ListedRow, shown, _columns(own_version, shown),
              (own, own.contribution_id == c.id)),
        _Part("group_version", None, ListedRow, shown, _columns(group_version, shown),
              (group, group.group_id == c.group_id)),
    ]
    # The versions' own joins come after their responses'.
    joins = [part.join for part in parts]
    joins.insert(joins.index(parts[-2].join) + 1,
                 (own_version, own_version.id == own.current_version_id))
    joins.append((group_version, group_version.id == group.current_version_id))
    if sheet:
        plan_version, classified_component = aliased(PlanVersion), aliased(Component)
        classified_commitment = aliased(Commitment)
        parts += [
            _Part("plan_version", None, ListedRow, ("id", "number"),
                  _columns(plan_version, ("id", "number")),
                  (plan_version, plan_version.id == c.plan_version_id)),
            _Part("classified_component", None, ListedRow, ("id", "name"),
                  _columns(classified_component, ("id", "name")),
                  (classified_component, classified_component.id == c.classified_component_id)),
            _Part("classified_commitment", None, ListedRow, ("id", "number"),
                  _columns(classified_commitment, ("id", "number")),
                  (classified_commitment,
                   classified_commitment.id == c.classified_commitment_id)),
        ]
        joins += [part.join for part in parts[-3:]]
    columns = _columns(c, keys) + tuple(column for part in parts for column in part.columns)
    # Where each related row's columns lie in a row: (name, owner, class, keys, start, stop).
    slices, start = [], len(keys)
    for part in parts:
        slices.append((part.name, part.owner, part.kind, part.keys, start,
                       start + len(part.keys)))
        start += len(part.keys)
    return keys, tuple(slices), tuple(joins), columns


def card_rows(query, *, sheet=False):
    """The select() of a page of a public list's cards as rows: the ids of the page of
    ``query`` (a select() of contributions, filtered and sorted; its limit and offset
    bound at execution as ``limit`` and ``offset``), then the columns a card shows of
    each (with ``sheet``, those of the API's records) and of their related rows, in the
    same order.

    The page's ids are a subquery of their own. With the ten relations joined to the
    contributions filtered by the list, PostgreSQL weighed each order of the joins
    against the table's twenty indexes, most of them partial, on every request: 9–20 ms
    of planning (the API's, with the sheet's relations, 50–80) for 2–3 ms of execution;
    joined to the page's ids, about 2 ms.

    :param query: a select() of ``Contribution`` of one consultation.
    :param sheet: also the proposal sheet's columns and the classification (the API).
    """
    *_layout, joins, columns = _card_layout(sheet)
    # The limit and offset are written into the SQL when it is sent (the statement is
    # still compiled once): PostgreSQL, given a page's bounds as parameters, estimated a
    # tenth of the table for the page and so kept planning the statement for each
    # request (3.5 ms of its CPU for 0.7 of execution); with them written, it plans it
    # once per connection and page, and runs its plan (0.5 ms).
    page = query.with_only_columns(Contribution.id) \
        .limit(bindparam("limit", type_=Integer, literal_execute=True)) \
        .offset(bindparam("offset", type_=Integer, literal_execute=True)).subquery("page")
    statement = select(*columns).select_from(page) \
        .join(Contribution, Contribution.id == page.c.id)
    for target, onclause in joins:
        statement = statement.outerjoin(target, onclause)
    # In the page's order (an outer query keeps no order of its subquery): the list's
    # own, on the contributions joined.
    return statement.order_by(*query._order_by_clauses)


def cards(rows, *, sheet=False):
    """The ``ListedContribution``s of rows of ``card_rows``, in their order.

    :param rows: rows of ``card_rows(query, sheet=sheet)``.
    :param sheet: as given to ``card_rows``.
    """
    keys, slices, *_query = _card_layout(sheet)
    width = len(keys)
    new = object.__new__
    result = []
    for row in rows:
        item = new(ListedContribution)
        values = item.__dict__
        values.update(zip(keys, row[:width], strict=True))
        for name, owner, kind, part_keys, start, stop in slices:
            if row[start] is None:
                related = None
            else:
                related = new(kind)
                related.__dict__.update(zip(part_keys, row[start:stop], strict=True))
            if owner is None:
                values[name] = related
            elif values[owner] is not None:
                values[owner].__dict__[name] = related
        own, group = values.pop("own_version"), values.pop("group_version")
        values["published_response"] = own or group
        result.append(item)
    return result


#: How many contributions of a consultation the lists take (neither withdrawn nor
#: voided), from its tally (``ContributionTally``, kept by the database): one row, where
#: a count walked the listing index (to the cap, or the whole consultation for the API).
_LISTED_COUNT = select(ContributionTally.received - ContributionTally.withdrawn).where(
    ContributionTally.consultation_id == bindparam("consultation"))


def listed_count(consultation):
    """How many contributions of ``consultation`` an unfiltered list takes: neither
    withdrawn nor voided (hidden ones included, listed with their reason).

    :param consultation: the consultation listed.
    """
    return db.session.scalar(_LISTED_COUNT, {"consultation": consultation.id}) or 0


class CardPagination(Pagination):
    """A page of a public list's cards (``cards``), counted from the tally when the list
    is not filtered (``total``), else by the rows, up to ``cap`` when given."""

    capped = False

    def _query_items(self):
        given = self._query_args
        if given["params"] is not None:
            statement, _count = _built_page_statements(given["query"], given["sheet"],
                                                       given["cap"] is not None)
        else:
            statement = card_rows(given["query"], sheet=given["sheet"])
        rows = db.session.execute(statement, {**(given["params"] or {}), "limit": self.per_page,
                                              "offset": self._query_offset})
        return cards(rows, sheet=given["sheet"])

    def _query_count(self):
        given = self._query_args
        cap, total = given["cap"], given["total"]
        if total is None:
            if given["count_query"] is not None:
                count = _built_count_statement(given["count_query"], cap is not None) \
                    if given["params"] is not None \
                    else _count_statement(given["count_query"], cap is not None)
            elif given["params"] is not None:
                _statement, count = _built_page_statements(given["query"], given["sheet"],
                                                           cap is not None)
            else:
                count = _count_statement(given["query"], cap is not None)
            total = db.session.scalar(count, {**(given["params"] or {}), "cap": (cap or 0) + 1})
        if cap is not None:
            self.capped = total > cap
            total = min(total, cap)
        return total


@lru_cache(maxsize=256)
def _built_page_statements(query, sheet, capped):
    """The statements of a page of cards and of its count (``card_rows``,
    ``_count_statement``) of a select built once (its values bound: ``listing_query``),
    kept: found by the select itself, whose compiled forms SQLAlchemy then finds at
    once. A select with its values in it (a search) builds them at each request."""
    return card_rows(query, sheet=sheet), _count_statement(query, capped)


@lru_cache(maxsize=256)
def _built_count_statement(query, capped):
    """``_count_statement`` of a select built once (``listing_query``), kept."""
    return _count_statement(query, capped)


def _count_statement(query, capped):
    """How many rows ``query`` gives, up to the bound ``cap`` when ``capped``."""
    count = query.order_by(None).with_only_columns(literal_column("1"),
                                                   maintain_column_froms=True)
    if capped:
        count = count.limit(bindparam("cap"))
    return select(func.count()).select_from(count.subquery())


def page_within(page, per_page, cap=None):
    """The page served for the page number asked for: the first at least, and past the
    count's cap the last page the cap allows.

    :param cap: the count's cap (``paginate_cards``), or None.
    """
    page = max(page, 1)
    if cap is not None:
        page = min(page, max((cap + per_page - 1) // per_page, 1))
    return page


def paginate_cards(query, page, per_page, *, cap=None, total=None, sheet=False,
                   params=None, count_query=None):
    """A page of a public list (``CardPagination``): its cards and its count.

    :param query: a select() of ``Contribution`` of one consultation, filtered and sorted
        (from ``listing_query``: its statements are built once).
    :param page: the page number asked for (past the cap: the last page the cap allows).
    :param per_page: how many cards a page shows.
    :param cap: count up to this many rows and say "more than" (None: count them all).
    :param total: the count when known (``listed_count`` for an unfiltered list).
    :param sheet: the API's records (see ``card_rows``).
    :param params: the values of ``query``'s bound parameters when it was built once
        (``listing_query``); None when its values are in it.
    :param count_query: the rows counted, when not ``query``'s (``Listing.count_query``).
    """
    return CardPagination(query=query, sheet=sheet, cap=cap, total=total, params=params,
                          count_query=count_query, page=page_within(page, per_page, cap),
                          per_page=per_page, max_per_page=None, error_out=False)


def counts_by_commitment(consultation):
    """{commitment number: {"comment": n, "proposal": n}} of the consultation's
    contributions not withdrawn, whatever version of the plan they pointed to.

    Read from ``CommitmentTally`` (one row per commitment and kind, kept by triggers),
    not counted: the GROUP BY over every contribution made the plan page grow with the
    consultation (13 ms at 50,000 contributions, 30 at 200,000, on SQLite)."""
    rows = db.session.execute(
        select(Commitment.number, CommitmentTally.kind, CommitmentTally.listed)
        .join(Commitment, Commitment.id == CommitmentTally.commitment_key).join(PlanVersion)
        .where(CommitmentTally.consultation_id == consultation.id,
               PlanVersion.consultation_id == consultation.id, CommitmentTally.listed > 0))
    counts = {}
    for number, kind, listed in rows:
        by_kind = counts.setdefault(number, {})
        by_kind[kind] = by_kind.get(kind, 0) + listed
    return counts


def contributions_of(user):
    """Everything ``user`` sent through the web, newest first, loaded for a list."""
    return db.session.scalars(with_list_relations(
        select(Contribution).where(Contribution.author_id == user.id)
        .order_by(*received_order(descending=True)))).all()


#: Rows of a page of a participant's own contributions (``own_contributions_page``).
OWN_PAGE_SIZE = 20


def own_contributions_page(user, page):
    """A page of what ``user`` sent through the web, newest first, with what the page
    shows of each: its consultation and the response that applies (``Contribution.
    response``).

    Paged, and only those relations loaded: the whole history with the lists' ten
    relations grew with what a participant sent (2.7 → 6.2 ms from 5,000 to 200,000
    contributions on PostgreSQL, and the database server planned the ten joins for 6 ms
    on every request). Their data, all of it, is ``contributions_of``'s.

    :param user: the participant.
    :param page: the page number asked for (past the last: the last).
    :return: a ``Pagination`` (its ``total``: everything the participant sent).
    """
    # The response's class through the relationship: it lives on a floor above.
    response = Contribution.own_response.property.mapper.class_
    query = select(Contribution).where(Contribution.author_id == user.id).options(
        joinedload(Contribution.consultation),
        joinedload(Contribution.own_response).joinedload(response.current_version),
        joinedload(Contribution.group).joinedload(ContributionGroup.response)
        .joinedload(response.current_version),
    ).order_by(*received_order(descending=True))
    found = db.paginate(query, page=max(page, 1), per_page=OWN_PAGE_SIZE, error_out=False)
    if not found.items and found.page > found.pages > 0:
        found = db.paginate(query, page=found.pages, per_page=OWN_PAGE_SIZE,
                            error_out=False)
    return found


#: The most comments a proposal's page shows.
COMMENTS_SHOWN = 200


def comments_on(proposal):
    """The comments on a proposal (voided records left out), oldest first (at most
    ``COMMENTS_SHOWN``)."""
    return db.session.scalars(with_public_list_relations(
        select(Contribution).where(Contribution.parent_id == proposal.id, not_voided())
        .order_by(*received_order())).limit(COMMENTS_SHOWN)).all()


def comment_target(target, target_id):
    """What a comment is about, once ``operations.resolve_target`` accepted it: the
    commitment, section or proposal with this id; None for the plan as a whole."""
    model = {"commitment": Commitment, "section": PlanSection,
             "proposal": Contribution}.get(target)
    return db.session.get(model, target_id) if model is not None else None


def received_span(received_on, received_at):
    """The span a contribution was received in, as (start, end): its whole local day when
    the day is known (``received_on``), else the instant ``received_at``."""
    if received_on is not None:
        start = local_to_utc(datetime.combine(received_on, time(0, 0)))
        return start, start + timedelta(days=1)
    return received_at, received_at + timedelta(microseconds=1)


def within(spans, received):
    """Whether a received span (``received_span``) touches any of ``spans``: a day of
    receipt counts as inside when any part of it lies inside a window."""
    start, end = received
    return any(opens < end and start < closes for opens, closes in spans)


def received_outside_windows(consultation, channel, received_on):
    """Whether a day of receipt lies outside every window of ``channel``
    (``consultations.queries.channel_windows``): a late or early record, saved only
    once a moderator confirms it. False when the day is not known.

    :param consultation: the consultation it was received for.
    :param channel: how it arrived.
    :param received_on: the day it was received (a ``date``), or None.
    """
    if received_on is None or not channel:
        return False
    return not within(channel_windows(consultation, channel),
                      received_span(received_on, None))


def count_left_outside(consultation, *, channel, before, after):
    """How many contributions received through ``channel`` lie inside the windows
    ``before`` and outside every window ``after`` (each a list of (opens_at,
    closes_at)): what a change of participation windows would leave orphaned.

    A contribution counts at the moment it was received (``received_at``); one typed in
    with its day of receipt, on that local day (any part of it inside a window). Voided
    records count nowhere, here neither.
    """
    count = 0
    rows = db.session.execute(
        select(Contribution.received_at, Contribution.received_on)
        .where(Contribution.consultation_id == consultation.id,
               Contribution.channel == channel, not_voided()))
    for received_at, received_on in rows:
        received = received_span(received_on, received_at)
        if within(before, received) and not within(after, received):
            count += 1
    return count


# --- rights of access and erasure ---------------------------------------------------------

def _iso(value):
    return value.isoformat() if value is not None else None


def public_state(contribution):
    """What the public sees of a contribution now, in words a person reads in their
    data export: visible, hidden (with the reason), withdrawn or voided; the name shown;
    how many pieces are masked; the published response, if any.

    :param contribution: the contribution.
    """
    c = contribution
    status = ("voided" if c.is_voided else f"hidden:{c.hidden_reason}" if c.is_hidden
              else "withdrawn" if c.is_withdrawn else "visible")
    version = c.published_response
    return {
        "status": status,
        "author_shown_as": c.public_author or "Participante",
        "masked_fragments": len(c.masked_fragments or []),
        "personal_data_awaiting_review": c.awaits_personal_data_review,
        "response": {"outcome": version.outcome, "justification": version.justification,
                     "published_at": _iso(version.published_at)} if version else None,
    }


def personal_record(contribution):
    """One contribution as its author gets it back: every personal field
    (``Contribution.PERSONAL_FIELDS``), every text as written, and its public state.

    :param contribution: the contribution.
    """
    c = contribution
    return {
        "tracking_code": c.tracking_code,
        "consultation": {"slug": c.consultation.slug, "title": c.consultation.title},
        "kind": c.kind,
        "channel": c.channel,
        "received_at": _iso(c.received_at),
        "recorded_at": _iso(c.created_at),
        "updated_at": _iso(c.updated_at),
        "organization": c.organization.name if c.organization is not None else None,
        "personal_data": {name: getattr(c, name) for name in Contribution.PERSONAL_FIELDS},
        "texts": {name: getattr(c, name) for name in Contribution.TEXT_FIELDS},
        "public_state": public_state(c),
    }


def export_contributions_of(user):
    """The part of "download my data" that the contributions part holds: the person's
    contributions (with their current public state) and supports.

    :param user: the account.
    """
    supports = db.session.execute(
        select(Support.created_at, Contribution.tracking_code, Contribution.title)
        .join(Contribution, Contribution.id == Support.contribution_id)
        .where(Support.user_id == user.id).order_by(Support.created_at)).all()
    return {
        "contributions": [personal_record(c) for c in contributions_of(user)],
        "supports": [{"proposal": code, "title": title, "supported_at": _iso(at)}
                     for at, code, title in supports],
    }


#: The most records a search for a typed-in author lists.
OFFLINE_AUTHOR_MATCHES = 200


def _of_entities(entity_ids):
    """A condition: the contribution's consultation belongs to one of ``entity_ids``
    (None: any entity)."""
    if entity_ids is None:
        return true()
    return Contribution.consultation_id.in_(
        select(Consultation.id).where(Consultation.entity_id.in_(entity_ids)))


def find_offline_author_records(text, entity_ids=None):
    """Typed-in records (not web ones: their authors have an account) whose author's
    name, organization or e-mail address contains ``text`` (any case), oldest first.

    :param text: part of a name or of an address (at least 3 characters, else nothing).
    :param entity_ids: only the records of these entities' consultations (None: all).
    """
    text = " ".join((text or "").split())
    if len(text) < 3:
        return []
    c = Contribution
    if not search.is_postgresql(db.session):
        # SQLite: the trigram index of the typed-in records' authors (kept by triggers,
        # see the migration 783a5ac9c264). A phrase of trigrams is a substring, in any
        # column, any case; the whole text quoted, nothing typed is read as FTS5 syntax.
        # A LIKE over every typed-in record cost 26 ms at 50,000 and grew with them.
        phrase = '"{}"'.format(text.replace('"', '""'))
        matching = select(text_clause("rowid")).select_from(
            text_clause("offline_authors_fts")).where(
            text_clause("offline_authors_fts MATCH :author_phrase")
            .bindparams(author_phrase=phrase))
        return db.session.scalars(
            select(c).where(c.id.in_(matching), c.entered_by_id.is_not(None),
                            _of_entities(entity_ids))
            .order_by(c.received_at, c.id).limit(OFFLINE_AUTHOR_MATCHES)).all()
    # "!" escapes the wildcards typed (a backslash means different things to each
    # database's string literals).
    pattern = "%" + text.lower().replace("!", "!!").replace("%", "!%") \
        .replace("_", "!_") + "%"
    return db.session.scalars(
        select(c).where(c.entered_by_id.is_not(None), _of_entities(entity_ids), (
            func.lower(c.author_name).like(pattern, escape="!")
            | func.lower(c.author_organization).like(pattern, escape="!")
            | func.lower(c.author_email).like(pattern, escape="!")))
        .order_by(c.received_at, c.id).limit(OFFLINE_AUTHOR_MATCHES)).all()


def records_of_offline_author(contribution, entity_ids=None):
    """Every typed-in record of the same author as ``contribution``: the same name
    (ignoring case, accents and spacing) or the same e-mail address; itself first.

    :param contribution: a typed-in record.
    :param entity_ids: only the records of these entities' consultations (None: all).
    """
    c = Contribution
    name = name_key(contribution.author_name)
    email = contribution.author_email
    if not name and not email:
        return [contribution]
    # Names are compared in Python (SQLite folds neither accents nor non-ASCII case):
    # only three short columns of the typed-in records are read.
    candidates = db.session.execute(
        select(c.id, c.author_name, c.author_email).where(
            c.entered_by_id.is_not(None), c.id != contribution.id, _of_entities(entity_ids),
            c.author_name.is_not(None) | c.author_email.is_not(None))).all()
    ids = [ident for ident, other_name, other_email in candidates
           if (name and name_key(other_name) == name) or (email and other_email == email)]
    others = db.session.scalars(select(c).where(c.id.in_(ids[:OFFLINE_AUTHOR_MATCHES]))
                                .order_by(c.received_at, c.id)).all() if ids else []
    return [contribution, *others]
