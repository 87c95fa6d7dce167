from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consulta.consultations.constants import CHANNELS
from consulta.core.dates import utcnow
from consulta.core.models import UTCDateTime, enum_check
from consulta.core.taxonomy import SECTORS
from consulta.extensions import db

from .constants import KINDS, TARGETS


class Contribution(db.Model):
    """A proposal or a comment given to a consultation. Never deleted.

    Web contributions have an author account; offline ones (typed in by a moderator)
    carry the author's details as given on paper.
    """

    __tablename__ = "contributions"
    __table_args__ = (
        enum_check("kind", KINDS),
        enum_check("channel", CHANNELS),
        enum_check("sector", SECTORS),
        CheckConstraint("target IS NULL OR target IN ({})".format(
            ", ".join(f"'{t}'" for t in TARGETS)), name="target_valid"),
        CheckConstraint("kind = 'comment' OR target IS NULL", name="proposals_have_no_target"),
        CheckConstraint("author_id IS NOT NULL OR entered_by_id IS NOT NULL",
                        name="author_or_typist"),
        CheckConstraint("supports_count >= 0", name="supports_not_negative"),
        Index("ix_contributions_listing", "consultation_id", "withdrawn_at", "created_at"),
        Index("ix_contributions_supported", "consultation_id", "supports_count"),
        Index("ix_contributions_author", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Public reference, e.g. APO-2026-000123.
    tracking_code: Mapped[str | None] = mapped_column(String(24), unique=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16), default="web")
    #: The account that sent it (web); NULL for offline input.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Sent on behalf of this organization (its member sent it).
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                        index=True)
    #: Offline author as written on the sheet (web authors come from their account).
    author_name: Mapped[str | None] = mapped_column(String(200))
    #: The offline author agreed that their name be published.
    author_name_public: Mapped[bool] = mapped_column(Boolean, default=False)
    author_organization: Mapped[str | None] = mapped_column(String(200))
    #: For notifications only; never shown or exported.
    author_email: Mapped[str | None] = mapped_column(String(254))
    #: Sector and region of the author when they contributed (kept for the statistics;
    #: NULL when a paper sheet did not say).
    sector: Mapped[str | None] = mapped_column(String(32), index=True)
    region: Mapped[str | None] = mapped_column(String(40), index=True)
    #: The moderator who typed in an offline contribution.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    #: When an offline contribution was received (on paper, by e-mail...).
    received_on: Mapped[date | None] = mapped_column(Date)

    # What a comment is about.
    target: Mapped[str | None] = mapped_column(String(16))
    #: The version of the draft plan commented on (or current when sent).
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_versions.id"))
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("plan_sections.id"))
    #: The proposal commented on.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"), index=True)

    # The proposal sheet (comments use title and body only, but offline written
    # comments often come on a full sheet).
    component_id: Mapped[int | None] = mapped_column(ForeignKey("components.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(300))
    problem: Mapped[str] = mapped_column(Text, default="")
    objective: Mapped[str] = mapped_column(Text, default="")
    responsible: Mapped[str | None] = mapped_column(String(300))
    co_responsible: Mapped[list] = mapped_column(JSON, default=list)
    actions: Mapped[list] = mapped_column(JSON, default=list)
    due: Mapped[str | None] = mapped_column(String(7))
    #: The comment, or the free explanation of a proposal.
    body: Mapped[str] = mapped_column(Text, default="")

    #: The searchable text, prepared by consulta.core.search.prepare (PostgreSQL indexes it).
    search_document: Mapped[str] = mapped_column(Text, default="")
    supports_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Idempotency token of the web form: a re-sent POST finds the same contribution.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consultation = relationship("Consultation")
    author = relationship("User", foreign_keys=[author_id])
    entered_by = relationship("User", foreign_keys=[entered_by_id])
    organization = relationship("Organization")
    event = relationship("Event")
    component = relationship("Component")
    commitment = relationship("Commitment")
    section = relationship("PlanSection")
    plan_version = relationship("PlanVersion")
    parent = relationship("Contribution", remote_side=[id])

    def __repr__(self):
        return f"<Contribution {self.tracking_code or self.id}>"

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    @property
    def is_offline(self):
        return self.channel != "web"

    @property
    def editable_until(self):
        minutes = current_app.config["CONTRIBUTION_EDIT_MINUTES"]
        return self.created_at + timedelta(minutes=minutes)

    def can_be_edited_by(self, user, now=None):
        now = now or utcnow()
        return (user is not None and getattr(user, "is_authenticated", False)
                and self.author_id == user.id and not self.is_withdrawn
                and now < self.editable_until and self.consultation.is_open(now))

    def can_be_withdrawn_by(self, user, now=None):
        return (user is not None and getattr(user, "is_authenticated", False)
                and self.author_id == user.id and not self.is_withdrawn
                and self.consultation.is_open(now))

    @property
    def public_author(self):
        """The name shown publicly, or None when only "Participant" and the sector show."""
        if self.author_id is not None:
            author = self.author
            if author is not None and author.is_active and author.show_name_publicly:
                return author.display_name
            return None
        return self.author_name if self.author_name_public and self.author_name else None

    @property
    def public_organization(self):
        if self.organization is not None:
            return self.organization.name
        return self.author_organization


class Support(db.Model):
    """One person's support for a proposal."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("contribution_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
