"""Redaction of personal data in published summary versions.

A published version never changes its facts, but the personal data in it is redacted
when a contribution is hidden, a fragment of it masked, its author's account erased or
the consent to show a name withdrawn: in every published version, the matching fields
of the stored rows (``summary_rows``) read ``REDACTED``, and each field redacted is
logged in the version's public log (when, which row, which field, why; never what it
held). Every output reads the stored rows, so the page, the print view, the API, the
CSV/XLSX and the PDF (made again: its file name counts the redactions) follow.

Each redacted row keeps the digest it was published with, loses its salt and gets a
seal (the salts of its fields not redacted, the leaves of the redacted ones), so the
version's digest stays verifiable field by field (``digest.py``). A redaction is
final: unhiding or unmasking later does not bring the text back into a published
version.

The stored PDFs of a redacted version are deleted before the commit: should the
transaction fail, they are only made again.

The parts below send signals; this module listens (it runs inside the operation's
transaction, and changes nothing when no published row matches).
"""

import contextlib

from flask import current_app
from sqlalchemy import insert, select, update

from consulta.accounts.signals import account_erased, name_consent_withdrawn
from consulta.consultations.models import Consultation
from consulta.contributions.models import Contribution
from consulta.contributions.signals import (
    author_name_consent_withdrawn,
    contribution_author_erased,
)
from consulta.core.cache import cache
from consulta.core.dates import utcnow
from consulta.extensions import db
from consulta.moderation.signals import contribution_hidden, fragment_masked

from .constants import REDACTED
from .digest import redaction_seal
from .models import SummaryRedaction, SummaryRow, SummarySnapshot
from .pdf import forget_pdfs

#: The fields of a row that hold what people wrote (a masked fragment may be in any);
#: each is one of ``digest.SEALED_FIELDS``, so it can be redacted alone.
TEXT_FIELDS = ("title", "text", "justification", "referred_to")


def _whole(fields):
    def change(row):
        changed = []
        for field in fields:
            if row.get(field) and row[field] != REDACTED:
                row[field] = REDACTED
                changed.append(field)
        return changed
    return change


def _fragment(fragment):
    def change(row):
        changed = []
        for field in TEXT_FIELDS:
            value = row.get(field)
            if isinstance(value, str) and fragment in value:
                row[field] = value.replace(fragment, REDACTED)
                changed.append(field)
        return changed
    return change


def redact_rows(consultation_id, codes, change, reason):
    """Redact the rows of the given contributions in every published version of a
    consultation's summary.

    :param consultation_id: the consultation's id.
    :param codes: the contributions' tracking codes.
    :param change: ``change(row)`` → the fields it redacted in the row dict (in place).
    :param reason: a key of ``REASONS``, logged with each field.
    :return: how many fields were redacted.
    """
    codes = [code for code in codes if code]
    if not codes:
        return 0
    snapshots = dict(db.session.execute(
        select(SummarySnapshot.id, SummarySnapshot.version)
        .where(SummarySnapshot.consultation_id == consultation_id)).all())
    if not snapshots:
        return 0
    rows = db.session.execute(
        select(SummaryRow.id, SummaryRow.snapshot_id, SummaryRow.position, SummaryRow.data,
               SummaryRow.salt, SummaryRow.seal)
        .where(SummaryRow.snapshot_id.in_(list(snapshots)),
               SummaryRow.data["code"].as_string().in_(codes))).all()
    now = utcnow()
    count, touched = 0, set()
    for row_id, snapshot_id, position, original, salt, seal in rows:
        data = dict(original)
        fields = change(data)
        if not fields:
            continue
        # Past the ORM, whose guard refuses any change to a published row: a redaction
        # is the one change allowed, and it is logged below. The row's digest stays.
        db.session.execute(update(SummaryRow.__table__).where(SummaryRow.id == row_id)
                           .values(data=data, salt=None, seal=redaction_seal(
                               salt, seal, original, fields)))
        db.session.execute(insert(SummaryRedaction), [
            {"snapshot_id": snapshot_id, "position": position, "code": data.get("code"),
             "field": field, "reason": reason, "redacted_at": now} for field in fields])
        count += len(fields)
        touched.add(snapshot_id)
    if touched:
        _forget_documents(consultation_id, [snapshots[i] for i in touched])
    return count


def _forget_documents(consultation_id, versions):
    """Remove the stored PDFs of the redacted versions (best effort: their names count
    the redactions, so none is served again) and the cached public pages."""
    slug = db.session.scalar(select(Consultation.slug)
                             .where(Consultation.id == consultation_id))
    for version in versions:
        with contextlib.suppress(OSError):
            forget_pdfs(slug, version)
    cache.clear()
    current_app.logger.info("summary of consultation %s: versions %s redacted",
                            consultation_id, sorted(versions))


def _codes_by_consultation(query):
    grouped = {}
    for consultation_id, code in db.session.execute(query):
        grouped.setdefault(consultation_id, []).append(code)
    return grouped


def _author_rows(user, reason):
    query = select(Contribution.consultation_id, Contribution.tracking_code).where(
        Contribution.author_id == user.id)
    for consultation_id, codes in _codes_by_consultation(query).items():
        redact_rows(consultation_id, codes, _whole(("author",)), reason)


@contribution_hidden.connect
def _on_hidden(contribution, **_extra):
    redact_rows(contribution.consultation_id, [contribution.tracking_code],
                _whole(("title", "text")), "hidden")


@fragment_masked.connect
def _on_masked(contribution, fragment=None, **_extra):
    if fragment:
        redact_rows(contribution.consultation_id, [contribution.tracking_code],
                    _fragment(fragment), "masked")


@author_name_consent_withdrawn.connect
def _on_offline_name_withdrawn(contribution, **_extra):
    redact_rows(contribution.consultation_id, [contribution.tracking_code],
                _whole(("author",)), "name_withdrawn")


@contribution_author_erased.connect
def _on_offline_author_erased(contribution, **_extra):
    redact_rows(contribution.consultation_id, [contribution.tracking_code],
                _whole(("author",)), "author_erased")


@account_erased.connect
def _on_account_erased(user, **_extra):
    _author_rows(user, "account_erased")


@name_consent_withdrawn.connect
def _on_name_withdrawn(user, **_extra):
    _author_rows(user, "name_withdrawn")
