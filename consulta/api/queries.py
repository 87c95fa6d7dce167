"""Read-side queries of the open-data API: only what the public may see.

The API shows consultations once announced (``Consultation.is_public``), never one being
prepared, whoever asks: it has no session.
"""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consulta.accounts.models import Entity
from consulta.consultations.models import Consultation
from consulta.contributions.queries import (
    listed_count,
    listing_query,
    paginate_cards,
)
from consulta.extensions import db


def _announced():
    return Consultation.is_public


def entities(level=None):
    """The organizing entities by name (their parents loaded), of one level or all."""
    query = select(Entity).order_by(Entity.name).options(selectinload(Entity.parent))
    if level is not None:
        query = query.where(Entity.level == level)
    return db.session.scalars(query).all()


def announced_consultations():
    """Announced consultations, the latest to open first (a select to paginate), their
    participation windows loaded with the page."""
    return select(Consultation).where(_announced()).order_by(
        Consultation.opens_at.desc()).options(selectinload(Consultation.windows),
                                              selectinload(Consultation.entity))


def announced_consultation(slug, *, with_plan=False):
    """The announced consultation with this slug, or None.

    :param slug: the consultation's slug.
    :param with_plan: load its phases, components and the versions of its plan too, in
        a fixed number of queries (for its full detail; the published version's sections
        and commitments are ``serializers.published_plan``'s).
    """
    query = select(Consultation).where(Consultation.slug == slug, _announced())
    if with_plan:
        query = query.options(
            selectinload(Consultation.phases), selectinload(Consultation.components),
            selectinload(Consultation.windows), selectinload(Consultation.entity),
            selectinload(Consultation.plan_versions))
    return db.session.scalar(query)


def listed_contributions(consultation, page, per_page, *, sector=None, region=None):
    """A page of the consultation's contributions not withdrawn (nor voided), in the
    order received, counted (unfiltered, from the consultation's tally).

    Hidden ones are listed: the API gives their metadata and the reason, never their text
    (see ``serializers.contribution``). What the list shows of each is read with the
    page, in its own query (``contributions.queries.paginate_cards``).

    :param consultation: an announced consultation.
    :param page: the page number.
    :param per_page: how many a page holds.
    :param sector: only the contributions of this sector (a code of the profile).
    :param region: only those of this region (a code of the profile).
    """
    query, params, _count = listing_query(consultation, {"sector": sector, "region": region,
                                                         "sort": "oldest"})
    return paginate_cards(query, page, per_page, sheet=True, params=params,
                          total=None if sector or region else listed_count(consultation))
