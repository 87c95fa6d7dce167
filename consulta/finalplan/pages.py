"""What the final plan adds to the pages of the parts below (through their signals)."""

from flask import url_for

from .queries import (
    commitment_links,
    final_commitment_of_lineage,
    published_final_plan,
    published_landing,
)


def final_plan_on_the_consultation(consultation, **_extra):
    """Receiver of ``consultation_page``: the published final plan (or None)."""
    return {"final_plan": published_final_plan(consultation)}


def landing_on_the_contribution(contribution, **_extra):
    """Receiver of ``contribution_page``: where the commitments named by its responses
    are now (``commitment_urls``: {commitment id: URL}, resolved by lineage), and, once
    the final plan is published (``final_plan``, a ``PublishedPlan``), the final
    commitments it landed in (``landed_in``).

    The plan and the landing are one statement (the rows the triggers keep); a named
    commitment's place in the final plan is resolved from what a worker keeps of the
    published plan (it never changes): five statements on every view before."""
    consultation = contribution.consultation
    response = contribution.response
    named = {item["id"] for version in (response.versions if response else [])
             for item in version.incorporated_in or [] if item.get("id")}
    final_plan, landed_in = published_landing(consultation, contribution)
    urls = {}
    links = commitment_links(consultation, named)
    for commitment_id, (number, commitment) in links.items():
        urls[commitment_id] = url_for("consultations.plan_version", slug=consultation.slug,
                                      number=number) + f"#{commitment.anchor}"
    if final_plan is not None and links:
        page = url_for("finalplan.show", slug=consultation.slug)
        for commitment_id, (_number, commitment) in links.items():
            # The link's commitment has the named one's lineage (the latest version's
            # or the named one itself); one of another consultation lands nowhere here.
            if commitment.plan_version.consultation_id != consultation.id:
                continue
            target = final_commitment_of_lineage(final_plan, commitment.lineage)
            if target is not None:
                urls[commitment_id] = f"{page}#{target.anchor}"
    return {"final_plan": final_plan, "landed_in": landed_in, "commitment_urls": urls}
