"""Import every model so that SQLAlchemy's metadata (and Alembic) sees the whole schema."""

from consulta.accounts.models import Membership, Organization, User, UserRole
from consulta.audit.models import AuditEntry
from consulta.consultations.models import (
    Commitment,
    Component,
    Consultation,
    Event,
    EventAttendance,
    Phase,
    PlanSection,
    PlanVersion,
)
from consulta.contributions.models import (
    Contribution,
    ContributionGroup,
    ContributionTag,
    Support,
    Tag,
)
from consulta.core.mail import OutboxMessage
from consulta.feedback.models import AnswerTemplate, Response, ResponseVersion
from consulta.finalplan.models import CommitmentChange, FinalPlan
from consulta.summary.models import SummaryRow, SummarySnapshot

__all__ = [
    "AnswerTemplate",
    "AuditEntry",
    "Commitment",
    "CommitmentChange",
    "Component",
    "Consultation",
    "Contribution",
    "ContributionGroup",
    "ContributionTag",
    "Event",
    "EventAttendance",
    "FinalPlan",
    "Membership",
    "Organization",
    "OutboxMessage",
    "Phase",
    "PlanSection",
    "PlanVersion",
    "Response",
    "ResponseVersion",
    "SummaryRow",
    "SummarySnapshot",
    "Support",
    "Tag",
    "User",
    "UserRole",
]
