"""Publishing the summary of a consultation as a frozen, versioned, signed snapshot."""

import hashlib
import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import column, func, insert, select, table

from consulta.audit.operations import record
from consulta.core.dates import utcnow
from consulta.core.operations import OperationError
from consulta.core.sanitize import render_markdown
from consulta.extensions import db

from .figures import compute_figures
from .irm import checklist
from .matrix import iter_rows
from .models import SummaryRow, SummarySnapshot
from .signals import summary_published

_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))

#: The rows table for bulk inserts of rows already serialized (canonical JSON is JSON:
#: serializing each of tens of thousands of rows once, not twice, halves that cost).
_ROWS = table("summary_rows", column("snapshot_id"), column("position"), column("data"))


def canonical(data):
    return _CANONICAL.encode(data)


def digest_of(content, rows):
    """SHA-256 over the content and each row in order (rows may be an iterator)."""
    sha = hashlib.sha256(canonical(content).encode())
    for row in rows:
        sha.update(b"\n")
        sha.update(canonical(row).encode())
    return sha.hexdigest()


def timeline(consultation, published_at=None):
    """The process as it happened, next to the planned phases."""
    return {
        "announced_at": _iso(consultation.announced_at),
        "opens_at": _iso(consultation.opens_at),
        "closes_at": _iso(consultation.closes_at),
        "first_summary_at": _iso(consultation.summary_published_at or published_at),
        "phases": [{"name": p.name, "starts_on": p.starts_on.isoformat(),
                    "ends_on": p.ends_on.isoformat()} for p in consultation.phases],
    }


def _iso(value):
    return value.isoformat() if value else None


def preview(consultation):
    """What would be published now (figures and checklist as if published)."""
    figures = compute_figures(consultation)
    return {
        "introduction_html": str(render_markdown(consultation.summary_introduction)),
        "figures": figures,
        "irm": checklist(consultation, figures, summary_published=True),
        "timeline": timeline(consultation, utcnow()),
        "consultation": {"slug": consultation.slug, "title": consultation.title,
                         "organizer": consultation.organizer,
                         "forum_name": consultation.forum_name},
    }


def publish_summary(consultation, *, actor):
    """Freeze the summary as the next version; only once contributions are closed."""
    now = utcnow()
    if not consultation.is_public:
        raise OperationError(_l("This consultation is not public."))
    if now < consultation.closes_at:
        raise OperationError(_l("The summary can be published once the consultation has "
                                "closed."))
    version = (db.session.scalar(select(func.max(SummarySnapshot.version)).where(
        SummarySnapshot.consultation_id == consultation.id)) or 0) + 1
    content = preview(consultation)
    content["version"] = version
    content["published_at"] = now.isoformat()
    content["timeline"]["first_summary_at"] = _iso(consultation.summary_published_at or now)
    snapshot = SummarySnapshot(consultation_id=consultation.id, version=version,
                               published_at=now, published_by_id=actor.id, content=content,
                               digest="", row_count=0)
    db.session.add(snapshot)
    db.session.flush()
    sha = hashlib.sha256(canonical(content).encode())
    batch, count = [], 0
    for position, row in enumerate(iter_rows(consultation), start=1):
        text = canonical(row)
        sha.update(b"\n")
        sha.update(text.encode())
        batch.append((snapshot.id, position, text))
        count = position
        if len(batch) >= 2000:
            _write_rows(batch)
            batch = []
    if batch:
        _write_rows(batch)
    # Written once, before the snapshot is ever read: the frozen guard is for updates.
    db.session.execute(SummarySnapshot.__table__.update()
                       .where(SummarySnapshot.id == snapshot.id)
                       .values(digest=sha.hexdigest(), row_count=count))
    if consultation.summary_published_at is None:
        consultation.summary_published_at = now
    record("summary.published", snapshot, actor=actor, consultation_id=consultation.id,
           after={"version": version, "rows": count, "digest": sha.hexdigest()})
    db.session.expire(snapshot)  # its digest and row count were written past the ORM
    summary_published.send(snapshot)
    return snapshot


def _write_rows(rows):
    """Append (snapshot_id, position, canonical JSON) rows in the session's transaction.

    PostgreSQL takes them with COPY, several times faster than INSERTs of JSON values
    (4 s to write 50,000 rows, most of a snapshot's publication time there).
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            with cursor.copy("COPY summary_rows (snapshot_id, position, data) "
                             "FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
        return
    connection.execute(insert(_ROWS), [
        {"snapshot_id": snapshot_id, "position": position, "data": data}
        for snapshot_id, position, data in rows])


def stored_rows(snapshot, offset=0, limit=None):
    """Rows ``offset+1`` to ``offset+limit`` of a snapshot, in order.

    Positions run 1..row_count without gaps, so a page is an index range, not an
    OFFSET that walks the rows before it (page 8,000 of 200,000 rows costs as page 1).
    """
    query = select(SummaryRow.data).where(SummaryRow.snapshot_id == snapshot.id,
                                          SummaryRow.position > offset)
    if limit is not None:
        query = query.where(SummaryRow.position <= offset + limit)
    return db.session.scalars(query.order_by(SummaryRow.position))


def recompute_digest(snapshot):
    """The digest recomputed from what is stored (to verify the published one)."""
    rows = db.session.execute(
        select(SummaryRow.data).where(SummaryRow.snapshot_id == snapshot.id)
        .order_by(SummaryRow.position).execution_options(yield_per=2000)).scalars()
    return digest_of(snapshot.content, rows)


def latest_snapshot(consultation, version=None):
    query = select(SummarySnapshot).where(SummarySnapshot.consultation_id == consultation.id)
    if version is not None:
        query = query.where(SummarySnapshot.version == version)
    return db.session.scalar(query.order_by(SummarySnapshot.version.desc()).limit(1))


def save_summary_texts(consultation, *, actor, introduction, notes):
    """The introduction and the notes on the IRM items (they never change a verdict)."""
    before = {"introduction": consultation.summary_introduction,
              "notes": dict(consultation.irm_notes or {})}
    consultation.summary_introduction = introduction or ""
    consultation.irm_notes = {k: v for k, v in notes.items() if v}
    record("summary.texts_saved", consultation, actor=actor, consultation_id=consultation.id,
           before=before, after={"introduction": consultation.summary_introduction,
                                 "notes": consultation.irm_notes})
