from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from consulta.core.dates import utcnow
from consulta.core.models import UTCDateTime
from consulta.extensions import db


class SummarySnapshot(db.Model):
    """A published summary, frozen: figures, IRM checklist, timeline and the matrix rows.

    Never changed (guarded below); publishing again creates the next version. The
    SHA-256 digest covers the content and the digest of every row, in order (see
    ``digest.py``), so that personal data redacted from a row later
    (``redaction.py``) leaves the version's digest verifiable.
    """

    __tablename__ = "summary_snapshots"
    __table_args__ = (UniqueConstraint("consultation_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Introduction (HTML, sanitized), figures, IRM checklist, timeline, as published.
    content: Mapped[dict] = deferred(mapped_column(JSON))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Hex SHA-256 of the canonical JSON of the content and of each row's digest.
    digest: Mapped[str] = mapped_column(String(64))
    #: For versions published before per-row digests: the digest they were published
    #: with (SHA-256 of the content and the rows' JSON, verifiable while none of their
    #: rows is redacted); None for the others.
    legacy_digest: Mapped[str | None] = mapped_column(String(64))

    consultation = relationship("Consultation")
    published_by = relationship("User")


class SummaryRow(db.Model):
    """One row of the frozen contribution matrix of a snapshot."""

    __tablename__ = "summary_rows"
    __table_args__ = (Index("ix_summary_rows_position", "snapshot_id", "position", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("summary_snapshots.id"))
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    #: Hex SHA-256 of the salt and the canonical JSON of the row as published; kept
    #: when the row is redacted, so the version's digest stays verifiable.
    digest: Mapped[str | None] = mapped_column(String(64))
    #: A random hex salt in the row's digest, public with the row; erased when the row
    #: is redacted, so that nobody can confirm a guess of what was redacted.
    salt: Mapped[str | None] = mapped_column(String(32))
    #: Once redacted: the salts of its fields not redacted and the leaves of the redacted
    #: ones, from which anyone recomputes its digest (``digest.seal_digest``).
    seal: Mapped[dict | None] = mapped_column(JSON)


class SummaryRedaction(db.Model):
    """One field of a published row redacted, in the version's public log: when, which
    row, which field and why, never what it held."""

    __tablename__ = "summary_redactions"
    __table_args__ = (Index("ix_summary_redactions_snapshot", "snapshot_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("summary_snapshots.id"))
    #: The row's position in the version's matrix, and its tracking code.
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(24))
    #: The row's key that was redacted (``author``, ``title``, ``text``...).
    field: Mapped[str] = mapped_column(String(32))
    #: A code of ``redaction.REASONS``.
    reason: Mapped[str] = mapped_column(String(32))
    redacted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(SummarySnapshot, "before_update")
@event.listens_for(SummarySnapshot, "before_delete")
@event.listens_for(SummaryRow, "before_update")
@event.listens_for(SummaryRow, "before_delete")
def _published_summaries_are_frozen(mapper, connection, target):
    raise RuntimeError("a published summary never changes; publish a new version")
