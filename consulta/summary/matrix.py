"""Rows of the public contribution matrix, streamed in batches (flat memory)."""

from sqlalchemy import select

from consulta.contributions.models import Contribution
from consulta.contributions.queries import with_list_relations
from consulta.core.dates import utc_to_local
from consulta.extensions import db

#: The public columns, in order (keys of each row; also the CSV header).
FIELDS = ("code", "date", "kind", "channel", "author", "organization", "sector", "region",
          "component", "commitment", "title", "text", "status", "outcome", "justification",
          "incorporated_in", "referred_to", "response_date", "response_version")


def public_row(c):
    """What the public may know of one contribution: never an e-mail, gender or a name
    without consent; hidden ones keep their metadata and the reason, not their text."""
    component = c.classified_component or c.component
    commitment = c.classified_commitment or c.commitment
    version = c.published_response
    if c.is_hidden:
        status, title, text = f"hidden:{c.hidden_reason}", "", ""
    else:
        status = "withdrawn" if c.is_withdrawn else "visible"
        title = c.public("title") or ""
        text = "\n".join(p for p in (c.public("problem"), c.public("objective"),
                                     c.public("body")) if p)
    return {
        "code": c.tracking_code,
        "date": utc_to_local(c.created_at).date().isoformat(),
        "kind": c.kind,
        "channel": c.channel,
        "author": c.public_author or "",
        "organization": c.public_organization or "",
        "sector": c.sector or "",
        "region": c.region or "",
        "component": component.name if component else "",
        "commitment": commitment.number if commitment else None,
        "title": title,
        "text": text,
        "status": status,
        "outcome": version.outcome if version else "",
        "justification": version.justification if version else "",
        "incorporated_in": [x["number"] for x in version.incorporated_in or []]
        if version else [],
        "referred_to": (version.referred_to or "") if version else "",
        "response_date": utc_to_local(version.published_at).date().isoformat()
        if version else "",
        "response_version": version.number if version else None,
    }


def iter_rows(consultation, batch=1000):
    """Every contribution of the consultation as a public row, oldest first."""
    last_id = 0
    while True:
        items = db.session.scalars(with_list_relations(
            select(Contribution).where(Contribution.consultation_id == consultation.id,
                                       Contribution.id > last_id)
            .order_by(Contribution.id).limit(batch))).all()
        if not items:
            return
        for item in items:
            yield public_row(item)
        last_id = items[-1].id
        for item in items:
            db.session.expunge(item)
