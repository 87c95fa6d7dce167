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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consulta.consultations.constants import CHANNELS
from consulta.core.dates import utcnow
from consulta.core.models import UTCDateTime, enum_check
from consulta.extensions import db

from .constants import HIDE_REASONS, KINDS, TARGETS, TYPED_IN_WEB

#: What the listing indexes hold: the contributions public lists show (see
#: ``queries.not_withdrawn``).
LISTED = "withdrawn_at IS NULL AND voided_at IS NULL"


class Contribution(db.Model):
    """A proposal or a comment given to a consultation. Never deleted.

    Web contributions have an author account; offline ones (typed in by a moderator)
    carry the author's details as given on paper.
    """

    __tablename__ = "contributions"
    __table_args__ = (
        enum_check("kind", KINDS),
        enum_check("channel", CHANNELS),
        CheckConstraint("target IS NULL OR target IN ({})".format(
            ", ".join(f"'{t}'" for t in TARGETS)), name="target_valid"),
        CheckConstraint("kind = 'comment' OR target IS NULL", name="proposals_have_no_target"),
        CheckConstraint("author_id IS NOT NULL OR entered_by_id IS NOT NULL",
                        name="author_or_typist"),
        CheckConstraint("supports_count >= 0", name="supports_not_negative"),
        CheckConstraint("hidden_reason IS NULL OR hidden_reason IN ({})".format(
            ", ".join(f"'{r}'" for r in HIDE_REASONS)), name="hidden_reason_valid"),
        CheckConstraint("(hidden_at IS NULL) = (hidden_reason IS NULL)",
                        name="hidden_with_reason"),
        # A voided record says who voided it and why; only typed-in records are voided.
        CheckConstraint("(voided_at IS NULL) = (void_reason IS NULL) "
                        "AND (voided_at IS NULL) = (voided_by_id IS NULL)",
                        name="voided_with_reason"),
        CheckConstraint("voided_at IS NULL OR entered_by_id IS NOT NULL",
                        name="only_typed_in_voided"),
        # Public lists read these in page order and stop after a page: partial (only
        # what is listed) and ending in id, the order's tie-breaker, so that PostgreSQL
        # walks them backwards instead of sorting every row (225 ms to 0.1 ms at 50,000).
        # They are sorted by the received moment (``received_at``), never the typing one.
        Index("ix_contributions_listing", "consultation_id", "received_at", "id",
              postgresql_where=text(LISTED), sqlite_where=text(LISTED)),
        Index("ix_contributions_supported", "consultation_id", "supports_count", "id",
              postgresql_where=text(LISTED), sqlite_where=text(LISTED)),
        Index("ix_contributions_author", "author_id", "received_at"),
        # Covers the moderation figures of the consultation page (an index-only scan).
        Index("ix_contributions_states", "consultation_id", "hidden_at", "withdrawn_at",
              "classified_at", "group_id", "hidden_reason", "voided_at"),
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
    #: The organization's name when it was sent: a later rename (sent back to review)
    #: never rewrites what the record shows.
    organization_name: Mapped[str | None] = mapped_column(String(200))
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
    #: The moderator who typed in an offline contribution: set exactly for the records
    #: typed in by staff (``is_offline``), whatever their channel (web forms outside the
    #: platform too).
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    #: The day a typed-in contribution was received (on paper, by e-mail, through a form
    #: outside the platform...), as the sheet says; NULL for web ones (and when unknown).
    received_on: Mapped[date | None] = mapped_column(Date)
    #: The moment it was received, which every figure, list, sort and export uses: the
    #: sending time of a web contribution; for a typed-in one the start of its
    #: ``received_on`` day in the deployment's zone (its typing time when no day was
    #: given). Set by the operations (``operations.received_moment``).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A typed-in record whose received day lies outside every participation window of
    #: its channel, saved once the moderator confirmed it arrived late or early
    #: (``queries.received_outside_windows``); counted apart in the summary.
    received_outside_window: Mapped[bool] = mapped_column(Boolean, default=False)

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

    # Systematization by the moderators (see consulta.moderation).
    classified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    classified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    classified_component_id: Mapped[int | None] = mapped_column(ForeignKey("components.id"),
                                                                index=True)
    classified_commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id"),
                                                                 index=True)
    #: A proposal the moderators read as a new commitment (not about an existing one).
    is_new_commitment: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Principle codes (consultations.constants.PRINCIPLES).
    principles: Mapped[list] = mapped_column(JSON, default=list)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("contribution_groups.id"),
                                                 index=True)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(32))
    #: The moderator's note, shown with the reason.
    hidden_note: Mapped[str | None] = mapped_column(String(1000))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: A typed-in record voided as entered by mistake: kept, shown to staff with the
    #: reason, left out of every count, figure, public list and export (not moderation:
    #: hiding is for real contributions, which still count).
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(String(1000))
    #: Fragments of text (personal data of third parties) masked in public.
    masked_fragments: Mapped[list] = mapped_column(JSON, default=list)
    #: Optimistic locking: two moderators saving at once cannot overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    consultation = relationship("Consultation")
    author = relationship("User", foreign_keys=[author_id])
    entered_by = relationship("User", foreign_keys=[entered_by_id])
    classified_by = relationship("User", foreign_keys="Contribution.classified_by_id")
    hidden_by = relationship("User", foreign_keys="Contribution.hidden_by_id")
    voided_by = relationship("User", foreign_keys="Contribution.voided_by_id")
    organization = relationship("Organization")
    event = relationship("Event")
    component = relationship("Component", foreign_keys=[component_id])
    commitment = relationship("Commitment", foreign_keys=[commitment_id])
    section = relationship("PlanSection")
    plan_version = relationship("PlanVersion")
    parent = relationship("Contribution", remote_side=[id])
    classified_component = relationship("Component", foreign_keys=[classified_component_id])
    classified_commitment = relationship("Commitment", foreign_keys=[classified_commitment_id])
    group = relationship("ContributionGroup", back_populates="members")
    tags = relationship("Tag", secondary="contribution_tags", order_by="Tag.name")
    own_response = relationship("Response", back_populates="contribution", uselist=False)

    @property
    def response(self):
        """The response that applies: its own once published, else its group's, else its
        own draft (or None). A draft on one member never hides the group's answer."""
        own = self.own_response
        group = self.group.response if self.group is not None else None
        if own is not None and own.current_version is not None:
            return own
        if group is not None and group.current_version is not None:
            return group
        return own or group

    @property
    def published_response(self):
        """The published version the public sees, or None."""
        response = self.response
        return response.current_version if response is not None else None

    def __repr__(self):
        return f"<Contribution {self.tracking_code or self.id}>"

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    @property
    def is_hidden(self):
        return self.hidden_at is not None

    @property
    def is_voided(self):
        return self.voided_at is not None

    @property
    def recorded_at(self):
        """When it was stored: sent through the web, or typed in by a moderator."""
        return self.created_at

    @property
    def is_classified(self):
        return self.classified_at is not None

    def public(self, field):
        """A text field as the public may read it: personal data fragments masked."""
        value = getattr(self, field)
        if not value or not self.masked_fragments:
            return value
        return mask(value, self.masked_fragments)

    def public_list(self, field):
        return [self.public_value(v) for v in getattr(self, field) or []]

    def public_value(self, value):
        return mask(value, self.masked_fragments) if self.masked_fragments else value

    def public_actions(self):
        return [{**a, "description": self.public_value(a.get("description"))}
                for a in self.actions or []]

    @property
    def is_offline(self):
        """Typed in by staff (from paper, e-mail, a workshop or a web form outside the
        platform), as opposed to sent by its author through this platform."""
        return self.entered_by_id is not None

    @property
    def channel_label(self):
        """How it arrived, in words: a web record typed in came through a form outside
        this site."""
        return TYPED_IN_WEB if self.channel == "web" and self.is_offline \
            else CHANNELS[self.channel]

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
            return self.organization_name or self.organization.name
        return self.author_organization


MASK = "[…]"


def mask(text, fragments):
    for fragment in sorted(fragments, key=len, reverse=True):
        if fragment:
            text = text.replace(fragment, MASK)
    return text


class ContributionGroup(db.Model):
    """Contributions that say the same thing, answered together."""

    __tablename__ = "contribution_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    #: A short summary in the moderators' words.
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    consultation = relationship("Consultation")
    members = relationship("Contribution", back_populates="group",
                           order_by="Contribution.id")
    response = relationship("Response", back_populates="group", uselist=False)


class Tag(db.Model):
    """A free tag of a consultation's systematization."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("consultation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    #: Lower case, trimmed.
    name: Mapped[str] = mapped_column(String(60))


class ContributionTag(db.Model):
    __tablename__ = "contribution_tags"

    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"),
                                                 primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True, index=True)


class Support(db.Model):
    """One person's support for a proposal."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("contribution_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
