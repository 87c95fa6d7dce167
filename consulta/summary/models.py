from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from consulta.core.dates import utcnow
from consulta.core.models import UTCDateTime
from consulta.extensions import db


class SummarySnapshot(db.Model):
    """A published summary, frozen: figures, IRM checklist, timeline and the matrix rows.

    Never changed (guarded below); publishing again creates the next version. The
    SHA-256 digest covers the content and every row, in order.
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
    #: Hex SHA-256 of the canonical JSON of the content and of each row.
    digest: Mapped[str] = mapped_column(String(64))

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


@event.listens_for(SummarySnapshot, "before_update")
@event.listens_for(SummarySnapshot, "before_delete")
@event.listens_for(SummaryRow, "before_update")
@event.listens_for(SummaryRow, "before_delete")
def _published_summaries_are_frozen(mapper, connection, target):
    raise RuntimeError("a published summary never changes; publish a new version")
