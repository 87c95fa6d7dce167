"""Read-side queries of feedback: each contribution's published outcome, coverage, lists.

"A contribution's own response, else its group's" is written once, here, for SQL
(``EffectiveVersion``); ``Contribution.response`` says the same for one loaded
contribution. ``written_response`` is another thing: the one response the secretariat
edits for a contribution or for a group.
"""

from functools import cache

from sqlalchemy import case, false, func, select, true
from sqlalchemy.orm import aliased, joinedload, load_only, selectinload

from consulta.accounts.models import User
from consulta.consultations.models import Commitment, Component
from consulta.contributions.models import Contribution, ContributionGroup
from consulta.contributions.queries import (
    ListExtension,
    ListFilter,
    contributions_query,
    counted_in,
    is_visible,
    received_order,
    with_list_relations,
)
from consulta.extensions import db

from .constants import OUTCOMES
from .models import AnswerTemplate, CoverageTally, Response, ResponseTally, ResponseVersion


class EffectiveVersion:
    """The published response version that answers each contribution, as SQL.

    Outer-joins a query on ``Contribution`` to its own response's published version and
    to its group's; ``column(name)`` is that column of its own version when it has one,
    else of its group's (None when neither is published).
    """

    def __init__(self):
        own, group = aliased(Response), aliased(Response)
        self.own_version, self.group_version = aliased(ResponseVersion), aliased(ResponseVersion)
        self._joins = (
            (own, own.contribution_id == Contribution.id),
            (self.own_version, self.own_version.id == own.current_version_id),
            (group, group.group_id == Contribution.group_id),
            (self.group_version, self.group_version.id == group.current_version_id),
        )

    def column(self, name):
        return case((self.own_version.id.is_not(None), getattr(self.own_version, name)),
                    else_=getattr(self.group_version, name))

    def join(self, query):
        for target, onclause in self._joins:
            query = query.outerjoin(target, onclause)
        return query


def answered_now():
    """True for a contribution that a published response answers (its own or its
    group's), as SQL tested now: what the stored ``Contribution.answered`` must say (see
    ``operations.refresh_answered``). The same contributions as
    ``EffectiveVersion.column("outcome").is_not(None)``.
    """
    own = select(Response.id).where(Response.contribution_id == Contribution.id,
                                    Response.current_version_id.is_not(None)).exists()
    group = select(Response.id).where(Response.group_id == Contribution.group_id,
                                      Response.current_version_id.is_not(None)).exists()
    return own | (Contribution.group_id.is_not(None) & group)


def is_answered():
    """True for a contribution that a published response answers, its own or its
    group's: the stored flag (kept by the operations that publish a response or change
    a group), read from ``ix_contributions_states`` and ``ix_contributions_unanswered``
    instead of testing every contribution against the responses."""
    return Contribution.answered == true()


def is_unanswered():
    """The opposite of ``is_answered``, written as ``ix_contributions_unanswered`` is."""
    return Contribution.answered == false()


def written_response(target):
    """The response written for ``target`` itself, or None: a group's, or a contribution's
    own (never its group's, which is edited on the group's page).

    :param target: a ``Contribution`` or a ``ContributionGroup``.
    """
    return target.response if isinstance(target, ContributionGroup) else target.own_response


def with_outcome(query):
    """Outer-join a contribution query to the published response that answers each one.

    :param query: a ``select()`` of ``Contribution``.
    :return: ``(query, outcome)``: the joined query, and the outcome column (None for a
        contribution without a published answer).
    """
    version = EffectiveVersion()
    return version.join(query), version.column("outcome")


def filter_by_outcome(query, outcome):
    """Only the contributions whose published answer has ``outcome``.

    :param query: a ``select()`` of ``Contribution``.
    :param outcome: a code of ``OUTCOMES``.
    """
    query, effective = with_outcome(query)
    return query.where(effective == outcome)


def response_loader_options():
    """What a list shows of each contribution's response, loaded with the list."""
    return (
        joinedload(Contribution.own_response).joinedload(Response.current_version),
        joinedload(Contribution.group).joinedload(ContributionGroup.response)
        .joinedload(Response.current_version),
    )


def list_extension(sender=None, **_extra):
    """Receiver of ``contributions.signals.list_extensions``: what feedback adds to lists.

    Built once: its filter and loader options never change, and a list asks for it
    several times a request (reading the filters for the page cache's key, then for the
    page)."""
    return _the_list_extension()


@cache
def _the_list_extension():
    return ListExtension(filters={"outcome": ListFilter(OUTCOMES, filter_by_outcome)},
                         loader_options=response_loader_options())


def coverage(consultation):
    """How many visible contributions (not hidden, not withdrawn) have a published
    answer: in all, by component and by commitment (as classified, else as chosen).

    Read from ``CoverageTally`` (one row per component and commitment, kept by triggers
    on every write of a contribution), so the cost is the number of pairs, never the
    number of contributions (the ``GROUP BY`` over the contributions it replaces cost
    20 ms at 50,000 on SQLite and grew with them).

    :param consultation: the consultation whose contributions are counted.
    :return: ``{"total", "answered", "percent", "by_component": [(component, total,
        answered)], "by_commitment": [(commitment, total, answered)]}``.
    """
    rows = db.session.execute(
        select(CoverageTally.component_key, CoverageTally.commitment_key,
               CoverageTally.visible, CoverageTally.answered)
        .where(CoverageTally.consultation_id == consultation.id,
               CoverageTally.visible > 0)).all()
    total = sum(n for _c, _m, n, _a in rows)
    answered = sum(a for _c, _m, _n, a in rows)
    by_component, by_commitment = {}, {}
    for component_id, commitment_id, count, with_answer in rows:
        # Key 0 is "none" (a primary key cannot be NULL).
        for key, table in ((component_id or None, by_component),
                           (commitment_id or None, by_commitment)):
            entry = table.setdefault(key, [0, 0])
            entry[0] += count
            entry[1] += with_answer
    # Rows, not ORM objects: the dashboard shows these columns only (hydrating the 200
    # commitments of a national plan was a third of the page).
    components = {c.id: c for c in db.session.execute(
        select(Component.id, Component.name, Component.position)
        .where(Component.consultation_id == consultation.id))}
    commitments = {c.id: c for c in db.session.execute(
        select(Commitment.id, Commitment.number, Commitment.title)
        .where(Commitment.id.in_([k for k in by_commitment if k])))}
    return {
        "total": total, "answered": answered,
        "percent": round(100 * answered / total, 1) if total else 100.0,
        "by_component": sorted(
            ((components.get(k), n, a) for k, (n, a) in by_component.items()),
            key=lambda item: (item[0] is None, item[0].position if item[0] else 0)),
        "by_commitment": sorted(
            ((commitments.get(k), n, a) for k, (n, a) in by_commitment.items()),
            key=lambda item: (item[0] is None, item[0].number if item[0] else 0)),
    }


def listed_count(consultation):
    """How many contributions the matrix lists without a filter (neither withdrawn nor
    voided; hidden ones too): summed from ``CoverageTally`` instead of counting every
    contribution (4 ms at 50,000 on SQLite, 42 ms at 200,000).

    :param consultation: the consultation whose contributions are counted.
    """
    return db.session.scalar(select(func.coalesce(func.sum(CoverageTally.listed), 0))
                             .where(CoverageTally.consultation_id == consultation.id))


def unanswered(consultation):
    """The visible contributions without a published answer, oldest first (a query).

    :param consultation: the consultation whose contributions they are.
    """
    return select(Contribution).where(
        Contribution.consultation_id == consultation.id, is_visible(),
        is_unanswered()).order_by(*received_order())


def unanswered_page_options():
    """What the dashboard shows of each unanswered contribution (its group and the
    draft that may answer it), joined to the page's query instead of one query each."""
    return (joinedload(Contribution.group).joinedload(ContributionGroup.response),
            joinedload(Contribution.own_response))


def responses_query(consultation, status=None):
    """The consultation's responses (to contributions and to groups), the latest edited
    first, with what the secretariat's list shows of each.

    :param consultation: the consultation they answer.
    :param status: only the responses in this status, when given.
    """
    query = select(Response).where(Response.consultation_id == consultation.id)
    if status:
        query = query.where(Response.status == status)
    return query.order_by(Response.updated_at.desc(), Response.id.desc()).options(
        joinedload(Response.contribution).load_only(Contribution.tracking_code),
        joinedload(Response.group).load_only(ContributionGroup.title),
        joinedload(Response.last_edited_by).load_only(User.display_name)
        .lazyload(User.roles),
        joinedload(Response.current_version).load_only(ResponseVersion.id))


def response_count(consultation, status=None):
    """How many responses ``responses_query`` lists: summed from ``ResponseTally`` (a
    row per status, kept by triggers) instead of counting every response of the
    consultation on each view of the dashboard (3 ms at 200,000 contributions on
    SQLite, growing with them).

    :param consultation: the consultation they answer.
    :param status: only the responses in this status, when given.
    """
    query = select(func.coalesce(func.sum(ResponseTally.responses), 0)).where(
        ResponseTally.consultation_id == consultation.id)
    if status:
        query = query.where(ResponseTally.status == status)
    return db.session.scalar(query)


def response_ids(consultation, status, limit):
    """The ids of the consultation's responses in ``status`` (every status when None), at
    most ``limit`` + 1 of them (so that the caller can tell "more than ``limit``").

    :param consultation: the consultation they answer.
    :param status: the status of the list's filter, or None.
    :param limit: the most a bulk action may touch.
    """
    query = select(Response.id).where(Response.consultation_id == consultation.id)
    if status:
        query = query.where(Response.status == status)
    return db.session.scalars(query.order_by(Response.id).limit(limit + 1)).all()


def selected_responses(consultation, ids):
    """The responses of ``consultation`` among ``ids`` (others are left out).

    :param consultation: the consultation they must belong to.
    :param ids: response ids, as ticked in the secretariat's list.
    """
    return db.session.scalars(select(Response).where(
        Response.id.in_(ids), Response.consultation_id == consultation.id)).all()


def groups_with_responses(consultation):
    """The consultation's groups by title: ``(id, title, members, response status)``
    rows, the members counted in SQL (a query to paginate).

    :param consultation: the consultation the groups belong to.
    """
    members = (select(func.count()).where(Contribution.group_id == ContributionGroup.id)
               .correlate(ContributionGroup).scalar_subquery())
    return (select(ContributionGroup.id, ContributionGroup.title, members.label("members"),
                   Response.status.label("status"))
            .outerjoin(Response, Response.group_id == ContributionGroup.id)
            .where(ContributionGroup.consultation_id == consultation.id)
            .order_by(ContributionGroup.title, ContributionGroup.id))


def answer_templates(consultation):
    """The consultation's answer templates, by title.

    :param consultation: the consultation they belong to.
    """
    return db.session.scalars(select(AnswerTemplate).where(
        AnswerTemplate.consultation_id == consultation.id)
        .order_by(AnswerTemplate.title)).all()


def matrix_query(consultation, filters):
    """The contribution matrix as the secretariat reads it: the list's filters (but never
    the withdrawn contributions), with what each row shows loaded.

    :param consultation: the consultation whose contributions they are.
    :param filters: from ``contributions.queries.read_filters`` (the outcome too).
    """
    return contributions_query(consultation, {**filters, "withdrawn": False}) \
        .options(*_matrix_options())


#: The columns of a contribution a row of the matrix shows (its author line, channel,
#: state, text as the public reads it, classification and response).
_MATRIX_COLUMNS = ("tracking_code", "received_at", "author_id", "author_name",
                   "author_name_public", "sector", "channel", "entered_by_id", "hidden_at",
                   "hidden_reason", "title", "problem", "body", "masked_fragments",
                   "group_id", "component_id", "classified_component_id", "commitment_id",
                   "classified_commitment_id")


@cache
def _matrix_options():
    # Built once. What a row shows and nothing else: the general list's loading (the
    # commented proposal, the consultation, the plan's sections and versions, every
    # column of the author and of the contribution) was a third of the page. The
    # responses come in queries of their own: joined too, PostgreSQL took 22 ms to plan
    # the page's ten joins (1.4 ms for five), more than the page's whole CPU.
    c = Contribution
    return (
        load_only(*(getattr(c, name) for name in _MATRIX_COLUMNS)),
        joinedload(c.author).load_only(User.display_name, User.show_name_publicly,
                                       User.deleted_at).lazyload(User.roles),
        joinedload(c.component).load_only(Component.name),
        joinedload(c.classified_component).load_only(Component.name),
        joinedload(c.commitment).load_only(Commitment.number),
        joinedload(c.classified_commitment).load_only(Commitment.number),
        selectinload(c.own_response).joinedload(Response.current_version),
        selectinload(c.group).joinedload(ContributionGroup.response)
        .joinedload(Response.current_version),
    )


def matrix_export_query(consultation):
    """Every contribution of the consultation (withdrawn and hidden too; voided records
    never) in the order received, with its response and its group's and where they were
    incorporated.

    :param consultation: the consultation whose matrix it is.
    """
    return with_list_relations(
        select(Contribution).where(counted_in(consultation))
        .order_by(*received_order())).options(
        joinedload(Contribution.own_response).selectinload(Response.commitments),
        joinedload(Contribution.group).joinedload(ContributionGroup.response)
        .selectinload(Response.commitments))


def contributions_by_code(consultation):
    """``{tracking code: contribution}`` of every contribution of the consultation that
    counts (a voided record is answered by no import).

    :param consultation: the consultation whose contributions they are.
    """
    return {c.tracking_code: c for c in db.session.scalars(
        select(Contribution).where(counted_in(consultation)))}
