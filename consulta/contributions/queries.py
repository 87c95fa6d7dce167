"""Read-side queries for contribution lists: filters from allow-lists, constant query count."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consulta.consultations.constants import CHANNELS
from consulta.consultations.models import Commitment, PlanVersion
from consulta.core import search
from consulta.core.taxonomy import SECTORS, region_codes
from consulta.extensions import db
from consulta.feedback.constants import OUTCOMES

from .constants import KINDS, PAGE_SIZES, SORTS
from .models import Contribution, ContributionGroup

DEFAULT_PAGE_SIZE = 20


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def read_filters(args):
    """The filters of a list from the query string; unknown values are dropped."""
    filters = {
        "kind": args.get("kind") if args.get("kind") in KINDS else None,
        "component": _int(args.get("component")),
        "commitment": _int(args.get("commitment")),
        "sector": args.get("sector") if args.get("sector") in SECTORS else None,
        "region": args.get("region") if args.get("region") in region_codes() else None,
        "channel": args.get("channel") if args.get("channel") in CHANNELS else None,
        "outcome": args.get("outcome") if args.get("outcome") in OUTCOMES else None,
        "withdrawn": args.get("withdrawn") == "1",
        "q": (args.get("q") or "").strip()[:200],
        "sort": args.get("sort") if args.get("sort") in SORTS else "newest",
        "per_page": _int(args.get("per_page")) if _int(args.get("per_page")) in PAGE_SIZES
        else DEFAULT_PAGE_SIZE,
    }
    return filters


def contributions_query(consultation, filters):
    query = select(Contribution).where(Contribution.consultation_id == consultation.id)
    if filters.get("withdrawn"):
        query = query.where(Contribution.withdrawn_at.is_not(None))
    else:
        query = query.where(Contribution.withdrawn_at.is_(None))
    for key, column in (("kind", Contribution.kind), ("sector", Contribution.sector),
                        ("region", Contribution.region), ("channel", Contribution.channel)):
        if filters.get(key):
            query = query.where(column == filters[key])
    if filters.get("component"):
        query = query.where(func.coalesce(Contribution.classified_component_id,
                                          Contribution.component_id) == filters["component"])
    if filters.get("commitment"):
        # By number: a commitment keeps its number across versions of the plan.
        query = query.where(commitment_key().in_(
            select(Commitment.id).join(PlanVersion).where(
                PlanVersion.consultation_id == consultation.id,
                Commitment.number == filters["commitment"])))
    if filters.get("outcome"):
        from consulta.feedback.operations import with_outcome

        query, outcome = with_outcome(query)
        query = query.where(outcome == filters["outcome"])
    if filters.get("q"):
        clause = search.match(db.session, Contribution.search_document, Contribution.id,
                              filters["q"])
        if clause is not None:
            # Hidden text is never found by searching for it.
            query = query.where(clause, Contribution.hidden_at.is_(None))
    order = {
        "newest": (Contribution.created_at.desc(), Contribution.id.desc()),
        "oldest": (Contribution.created_at.asc(), Contribution.id.asc()),
        "supported": (Contribution.supports_count.desc(), Contribution.id.desc()),
    }[filters.get("sort") or "newest"]
    return query.order_by(*order)


def with_list_relations(query):
    """Load what a list shows in a fixed number of queries, whatever the page size."""
    from consulta.consultations.models import PlanSection
    from consulta.feedback.models import Response

    return query.options(
        selectinload(Contribution.author), selectinload(Contribution.organization),
        selectinload(Contribution.component),
        selectinload(Contribution.commitment).selectinload(Commitment.plan_version),
        selectinload(Contribution.section).selectinload(PlanSection.plan_version),
        selectinload(Contribution.parent), selectinload(Contribution.classified_component),
        selectinload(Contribution.classified_commitment),
        selectinload(Contribution.consultation),
        selectinload(Contribution.own_response).selectinload(Response.current_version),
        selectinload(Contribution.group).selectinload(ContributionGroup.response)
        .selectinload(Response.current_version),
    )


def commitment_key():
    """The commitment a contribution is about: as classified, else as the author chose."""
    return func.coalesce(Contribution.classified_commitment_id, Contribution.commitment_id)


def counts_by_commitment(consultation):
    """{commitment number: {"comment": n, "proposal": n}} of the consultation's
    contributions not withdrawn, whatever version of the plan they pointed to."""
    rows = db.session.execute(
        select(Commitment.number, Contribution.kind, func.count())
        .select_from(Contribution).join(Commitment, Commitment.id == commitment_key())
        .where(Contribution.consultation_id == consultation.id,
               Contribution.withdrawn_at.is_(None))
        .group_by(Commitment.number, Contribution.kind))
    counts = {}
    for number, kind, count in rows:
        counts.setdefault(number, {})[kind] = count
    return counts
