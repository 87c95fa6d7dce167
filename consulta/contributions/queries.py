"""Read-side queries for contribution lists: filters from allow-lists, constant query count."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consulta.consultations.constants import CHANNELS
from consulta.core import search
from consulta.core.taxonomy import SECTORS, region_codes
from consulta.extensions import db

from .constants import KINDS, PAGE_SIZES, SORTS
from .models import Contribution

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
    for key, column in (("kind", Contribution.kind), ("component", Contribution.component_id),
                        ("commitment", Contribution.commitment_id),
                        ("sector", Contribution.sector), ("region", Contribution.region),
                        ("channel", Contribution.channel)):
        if filters.get(key):
            query = query.where(column == filters[key])
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
    return query.options(
        selectinload(Contribution.author), selectinload(Contribution.organization),
        selectinload(Contribution.component), selectinload(Contribution.commitment),
        selectinload(Contribution.parent), selectinload(Contribution.classified_component),
        selectinload(Contribution.classified_commitment), selectinload(Contribution.group),
    )


def counts_by_commitment(plan_version):
    """{commitment_id: {"comment": n, "proposal": n}} of visible contributions."""
    rows = db.session.execute(
        select(Contribution.commitment_id, Contribution.kind, func.count())
        .where(Contribution.plan_version_id == plan_version.id,
               Contribution.commitment_id.is_not(None),
               Contribution.withdrawn_at.is_(None))
        .group_by(Contribution.commitment_id, Contribution.kind))
    counts = {}
    for commitment_id, kind, count in rows:
        counts.setdefault(commitment_id, {})[kind] = count
    return counts
