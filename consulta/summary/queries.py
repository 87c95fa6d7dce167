"""Read-side queries of published summaries: their versions, stored rows and digest."""

from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from consulta.accounts.models import User
from consulta.extensions import db

from .digest import digest_of, row_digest, seal_digest
from .models import SummaryRedaction, SummaryRow, SummarySnapshot


def latest_snapshot(consultation, version=None):
    """The consultation's latest published summary, or one version of it.

    :param consultation: the consultation.
    :param version: the version number wanted; None for the latest.
    :return: the ``SummarySnapshot``, or None when there is no such version.
    """
    query = select(SummarySnapshot).where(SummarySnapshot.consultation_id == consultation.id)
    if version is not None:
        query = query.where(SummarySnapshot.version == version)
    return db.session.scalar(query.order_by(SummarySnapshot.version.desc()).limit(1))


def last_version_number(consultation):
    """The number of the consultation's latest published summary; 0 before the first.

    :param consultation: the consultation.
    """
    return db.session.scalar(select(func.max(SummarySnapshot.version)).where(
        SummarySnapshot.consultation_id == consultation.id)) or 0


def published_versions(consultation):
    """Each published version of the consultation's summary, newest first.

    :param consultation: the consultation.
    :return: rows of (version, published_at, digest).
    """
    return db.session.execute(
        select(SummarySnapshot.version, SummarySnapshot.published_at, SummarySnapshot.digest)
        .where(SummarySnapshot.consultation_id == consultation.id)
        .order_by(SummarySnapshot.version.desc())).all()


def snapshots_with_publishers(consultation):
    """Each published version of the consultation's summary, newest first, with who
    published it: what the summary page shows of all of them (its list of versions) and
    of the one it shows, in one statement (a consultation publishes a few versions).

    :param consultation: the consultation.
    :return: rows of (``SummarySnapshot`` without its content, the publisher's id or
        None when no account is known, the publisher's display name).
    """
    return db.session.execute(
        select(SummarySnapshot, User.id, User.display_name)
        .outerjoin(User, User.id == SummarySnapshot.published_by_id)
        .where(SummarySnapshot.consultation_id == consultation.id)
        .order_by(SummarySnapshot.version.desc())).all()


def stored_rows(snapshot, offset=0, limit=None):
    """Rows ``offset+1`` to ``offset+limit`` of a snapshot's frozen matrix, in order.

    Positions run 1..row_count without gaps, so a page is an index range, not an
    OFFSET that walks the rows before it (page 8,000 of 200,000 rows costs as page 1).

    :param snapshot: the published ``SummarySnapshot``.
    :param offset: how many rows to skip from the first.
    :param limit: how many rows at most; None for all the rest.
    :return: the rows' data (dicts), streamed from the database.
    """
    query = select(SummaryRow.data).where(SummaryRow.snapshot_id == snapshot.id,
                                          SummaryRow.position > offset)
    if limit is not None:
        query = query.where(SummaryRow.position <= offset + limit)
    return db.session.scalars(query.order_by(SummaryRow.position))


def recompute_digest(snapshot):
    """The digest recomputed from what is public, to verify the published one (as
    ``/summary/digest`` tells anyone to): each row's digest from its salt and data, or,
    for a row redacted, from its data and seal, whose leaves must be the fields the
    public redaction log names for that row.

    :param snapshot: the published ``SummarySnapshot``; equal to its ``digest`` as long
        as neither its content nor any field of its rows changed but by a logged
        redaction.
    """
    logged = {}
    for position, field in db.session.execute(
            select(SummaryRedaction.position, SummaryRedaction.field)
            .where(SummaryRedaction.snapshot_id == snapshot.id)):
        logged.setdefault(position, set()).add(field)
    rows = db.session.execute(
        select(SummaryRow.position, SummaryRow.data, SummaryRow.salt, SummaryRow.seal)
        .where(SummaryRow.snapshot_id == snapshot.id)
        .order_by(SummaryRow.position).execution_options(yield_per=2000))

    def digests():
        for position, data, salt, seal in rows:
            if salt is not None:
                yield row_digest(salt, data)
            elif seal and set(seal.get("leaves") or {}) <= logged.get(position, set()):
                yield seal_digest(data, seal)
            else:  # neither salt nor a logged seal: it cannot be checked, so it fails
                yield ""

    return digest_of(snapshot.content, digests())


def redacted_positions(snapshot):
    """The positions of a version's rows that the redaction log names."""
    return set(db.session.scalars(select(SummaryRedaction.position).distinct()
                                  .where(SummaryRedaction.snapshot_id == snapshot.id)))


def redaction_log(snapshot):
    """The public redaction log of a version, oldest first: (redacted_at, position,
    code, field, reason); never what was redacted.

    :param snapshot: the published ``SummarySnapshot``.
    """
    return db.session.execute(
        select(SummaryRedaction.redacted_at, SummaryRedaction.position,
               SummaryRedaction.code, SummaryRedaction.field, SummaryRedaction.reason)
        .where(SummaryRedaction.snapshot_id == snapshot.id)
        .order_by(SummaryRedaction.id)).all()


def row_seals(snapshot, offset=0, limit=None):
    """Each row's position, digest, salt (None once redacted) and seal (once redacted),
    in order, for anyone to verify the version's digest.

    :param snapshot: the published ``SummarySnapshot``.
    :param offset: how many rows to skip from the first.
    :param limit: how many rows at most; None for all the rest.
    """
    query = select(SummaryRow.position, SummaryRow.digest, SummaryRow.salt,
                   SummaryRow.seal).where(
        SummaryRow.snapshot_id == snapshot.id, SummaryRow.position > offset)
    if limit is not None:
        query = query.where(SummaryRow.position <= offset + limit)
    return db.session.execute(query.order_by(SummaryRow.position)).all()


def snapshots_before(consultation_id, version):
    """The versions of a consultation's summary published before ``version``, oldest
    first, with their content (every caller reads it: in one statement, not one per
    version).

    :param consultation_id: the consultation's id.
    :param version: a version number.
    """
    return db.session.scalars(
        select(SummarySnapshot).where(SummarySnapshot.consultation_id == consultation_id,
                                      SummarySnapshot.version < version)
        .options(undefer(SummarySnapshot.content))
        .order_by(SummarySnapshot.version)).all()
