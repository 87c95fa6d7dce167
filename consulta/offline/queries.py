"""What the offline-participation pages read."""

import re

from sqlalchemy import select

from consulta.contributions.models import Contribution
from consulta.contributions.queries import contribution_by_code
from consulta.extensions import db
from consulta.feedback.queries import response_loader_options

#: What a tracking code looks like (APO-2016-000123); anything else is not looked up.
CODE_RE = re.compile(r"^APO-\d{4}-\d{6,12}$")


def normalize_code(text):
    """A code as people type it (spaces, lower case, a dash missing) → APO-YYYY-NNNNNN,
    or None when it cannot be one."""
    compact = re.sub(r"[\s\-–—_.]", "", (text or "").upper())[:40]
    match = re.fullmatch(r"APO(\d{4})(\d{6,12})", compact)
    if not match:
        return None
    code = f"APO-{match[1]}-{match[2]}"
    return code if CODE_RE.match(code) else None


def tracked_contribution(text):
    """The contribution anyone may follow with this code, or None: unknown codes, codes
    of consultations not yet public and voided records all answer None alike (nothing
    tells them apart: no enumeration).

    :param text: the code as typed.
    """
    code = normalize_code(text)
    if code is None:
        return None
    contribution = contribution_by_code(code)
    if contribution is None or contribution.is_voided or not contribution.consultation.is_public:
        return None
    return contribution


def to_notify(consultation):
    """Contributions whose author asked to be told by SMS, phone or letter, with their
    published response: ``(to tell, told)``. To tell: never told, or told before the
    response's latest published version.

    :param consultation: the consultation.
    """
    rows = db.session.scalars(
        select(Contribution).where(Contribution.consultation_id == consultation.id,
                                   Contribution.author_contact_channel.is_not(None),
                                   Contribution.voided_at.is_(None))
        .order_by(Contribution.received_at, Contribution.id)
        # Each one's response and its group's, in the same query (not one query each);
        # ix_contributions_to_notify holds these few rows, in this order.
        .options(*response_loader_options())).unique().all()
    pending, told = [], []
    for contribution in rows:
        version = contribution.published_response
        if version is None:
            continue
        told_at = contribution.author_told_at
        if told_at is None or told_at < version.published_at:
            pending.append((contribution, version))
        else:
            told.append((contribution, version))
    return pending, told
