"""Read-side queries of published summaries: their versions, stored rows and digest."""

from sqlalchemy import func, select

from consulta.extensions import db

from .digest import digest_of
from .models import SummaryRow, SummarySnapshot


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
    """The digest recomputed from what is stored, to verify the published one.

    :param snapshot: the published ``SummarySnapshot``; equal to its ``digest`` as long
        as neither its content nor any of its rows changed.
    """
    rows = db.session.execute(
        select(SummaryRow.data).where(SummaryRow.snapshot_id == snapshot.id)
        .order_by(SummaryRow.position).execution_options(yield_per=2000)).scalars()
    return digest_of(snapshot.content, rows)
