"""What the final plan adds to the pages of the parts below (through their signals)."""

from flask import url_for

from .queries import Resolver, commitment_links, landing_of, published_final_plan


def final_plan_on_the_consultation(consultation, **_extra):
    """Receiver of ``consultation_page``: the published final plan (or None)."""
    return {"final_plan": published_final_plan(consultation)}


def landing_on_the_contribution(contribution, **_extra):
    """Receiver of ``contribution_page``: where the commitments named by its responses
    are now (``commitment_urls``: {commitment id: URL}, resolved by lineage), and, once
    the final plan is published, the final commitments it landed in (``landed_in``)."""
    consultation = contribution.consultation
    response = contribution.response
    named = {item["id"] for version in (response.versions if response else [])
             for item in version.incorporated_in or [] if item.get("id")}
    final_plan = published_final_plan(consultation)
    urls = {}
    for commitment_id, (number, commitment) in commitment_links(consultation, named).items():
        urls[commitment_id] = url_for("consultations.plan_version", slug=consultation.slug,
                                      number=number) + f"#{commitment.anchor}"
    landed_in = []
    if final_plan is not None:
        resolver = Resolver(final_plan)
        landed_in = landing_of(final_plan, contribution, resolver)
        page = url_for("finalplan.show", slug=consultation.slug)
        for commitment_id in named:
            target = resolver.commitment(commitment_id)
            if target is not None:
                urls[commitment_id] = f"{page}#{target.anchor}"
    return {"final_plan": final_plan, "landed_in": landed_in, "commitment_urls": urls}
