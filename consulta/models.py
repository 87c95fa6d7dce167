"""Import every model so that SQLAlchemy's metadata (and Alembic) sees the whole schema."""

from consulta.accounts.models import Membership, Organization, User, UserRole
from consulta.audit.models import AuditEntry
from consulta.core.mail import OutboxMessage

__all__ = ["AuditEntry", "Membership", "Organization", "OutboxMessage", "User", "UserRole"]
