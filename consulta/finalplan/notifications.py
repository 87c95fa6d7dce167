"""The e-mail that tells each contributor what became of their contributions."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consulta.contributions.models import Contribution, ContributionGroup
from consulta.contributions.queries import is_visible, received_order
from consulta.core.mail import queue_mail
from consulta.extensions import db
from consulta.feedback.models import Response

from .queries import Resolver


def recipient_of(contribution):
    """(address, account) of who sent ``contribution`` and can be told: an active account
    that accepts e-mails, or the address typed in with an offline contribution; None."""
    author = contribution.author
    if author is not None:
        if author.is_active and author.email_notifications and author.email:
            return author.email, author
        return None
    if contribution.author_email:
        return contribution.author_email, None
    return None


def tell_contributors(final_plan):
    """Queue one message per person who sent a visible contribution to the consultation
    and can be reached, with the fate of each of theirs: the final commitments it landed
    in, else its published outcome, else that it has no published answer.

    :param final_plan: the final plan just published.
    :return: the addresses told (lower-cased), one per message queued.
    """
    contributions = db.session.scalars(
        select(Contribution).where(Contribution.consultation_id == final_plan.consultation_id,
                                   is_visible())
        .order_by(*received_order())
        .options(selectinload(Contribution.author),
                 selectinload(Contribution.own_response).selectinload(Response.current_version),
                 selectinload(Contribution.group).selectinload(ContributionGroup.response)
                 .selectinload(Response.current_version))).all()
    resolver = Resolver(final_plan)
    people = {}
    for contribution in contributions:
        found = recipient_of(contribution)
        if found is None:
            continue
        address, account = found
        person = people.setdefault(address.strip().lower(),
                                   {"address": address, "user": None, "fates": []})
        person["user"] = person["user"] or account
        version = contribution.published_response
        person["fates"].append({
            "contribution": contribution, "outcome": version.outcome if version else None,
            "landed_in": resolver.landing(version),
            "url": url_for("contributions.detail", code=contribution.tracking_code,
                           _external=True)})
    consultation = final_plan.consultation
    plan_url = url_for("finalplan.show", slug=consultation.slug, _external=True)
    for person in people.values():
        queue_mail(person["address"],
                   _l('The final plan of "%(consultation)s" is published',
                      consultation=consultation.title),
                   "final_plan_published", user=person["user"], final_plan=final_plan,
                   consultation=consultation, fates=person["fates"], plan_url=plan_url)
    return list(people)
