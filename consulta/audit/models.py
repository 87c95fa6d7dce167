from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consulta.core.dates import utcnow
from consulta.core.models import UTCDateTime
from consulta.extensions import db


class AuditLogIsAppendOnly(RuntimeError):
    pass


class AuditEntry(db.Model):
    """One state-changing action: who, when, on what, with values before and after.

    Append-only: no code path updates or deletes a row (enforced below).
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_object", "object_type", "object_id"),
        # A consultation's log by action (the audit page's filter and its list of
        # actions, the public date-change notices), without reading the whole log.
        Index("ix_audit_entries_consultation_action", "consultation_id", "action", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: NULL for actions of the system or the command line.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Dotted verb, e.g. ``account.roles_changed``.
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column()
    #: The consultation the action belongs to, for the per-consultation log.
    consultation_id: Mapped[int | None] = mapped_column(index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    actor = relationship("User", foreign_keys=[actor_id], lazy="joined")


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_changes(mapper, connection, target):
    raise AuditLogIsAppendOnly("audit entries are never changed or deleted")
