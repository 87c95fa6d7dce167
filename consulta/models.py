"""Import every model so that SQLAlchemy's metadata (and Alembic) sees the whole schema."""

from consulta.accounts.models import Entity, Membership, Organization, User, UserRole
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
    ContributionTally,
    Support,
    Tag,
)
from consulta.core.mail import OutboxMessage
from consulta.feedback.models import AnswerTemplate, Response, ResponseVersion
from consulta.finalplan.models import CommitmentChange, FinalPlan
from consulta.followup.models import (
    CommitmentReporter,
    Document,
    DocumentBlob,
    Follower,
    Indicator,
    Milestone,
    PhaseNotice,
    ProgressReport,
    ReportEvidence,
    ReportIndicatorValue,
    ReportMilestone,
)
from consulta.summary.models import SummaryRow, SummarySnapshot

__all__ = [
    "AnswerTemplate",
    "AuditEntry",
    "Commitment",
    "CommitmentChange",
    "CommitmentReporter",
    "Component",
    "Consultation",
    "Contribution",
    "ContributionGroup",
    "ContributionTag",
    "ContributionTally",
    "Document",
    "DocumentBlob",
    "Entity",
    "Event",
    "EventAttendance",
    "FinalPlan",
    "Follower",
    "Indicator",
    "Membership",
    "Milestone",
    "Organization",
    "OutboxMessage",
    "Phase",
    "PhaseNotice",
    "PlanSection",
    "PlanVersion",
    "ProgressReport",
    "ReportEvidence",
    "ReportIndicatorValue",
    "ReportMilestone",
    "Response",
    "ResponseVersion",
    "SummaryRow",
    "SummarySnapshot",
    "Support",
    "Tag",
    "User",
    "UserRole",
]
