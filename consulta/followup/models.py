"""The implementation follow-up of an approved final plan.

Everything hangs on the commitments of the final plan's version (``Commitment`` rows
of a published, frozen version, so their ids never move): each has milestones
(seeded from its action rows) and indicators; the people who report on it
(``CommitmentReporter``, a role per commitment); and its progress reports, which go
draft → review → published like responses. A published report never changes: a
correction is a new report. Publishing a report copies each milestone's status and
percentage onto the milestone (``current_*``), so the tracking page reads one row per
milestone instead of replaying the history.

Uploaded files (evidence, forum minutes) are ``Document`` rows: metadata here, the
bytes in ``DocumentBlob`` (database storage) or in an S3-compatible store
(``storage = 's3'``, ``storage_key``), never only on one server's disk.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from consulta.contributions.constants import HIDE_REASONS
from consulta.core.dates import utcnow
from consulta.core.models import UTCDateTime, enum_check
from consulta.extensions import db

from .constants import (
    ASSESSMENT_KINDS,
    DOCUMENT_STORAGES,
    FORUM_ROLES,
    FORUM_SIDES,
    MILESTONE_STATUSES,
    REPORT_STATES,
)

_STATUS_CHECK = tuple(MILESTONE_STATUSES)


class CommitmentReporter(db.Model):
    """An account that reports on one commitment of a final plan (the responsible
    entity's staff). The secretariat of the consultation may always report too."""

    __tablename__ = "commitment_reporters"
    __table_args__ = (UniqueConstraint("commitment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    commitment = relationship("Commitment")
    user = relationship("User", foreign_keys=[user_id])


class Milestone(db.Model):
    """A milestone of a final-plan commitment, with its planned months ("YYYY-MM", as
    the commitment's action rows) and its current status (from the last published
    report; ``not_started`` and 0 until one says otherwise)."""

    __tablename__ = "milestones"
    __table_args__ = (
        UniqueConstraint("commitment_id", "position"),
        enum_check("current_status", _STATUS_CHECK),
        CheckConstraint("current_percent BETWEEN 0 AND 100", name="current_percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    #: Planned start and end months, "YYYY-MM"; NULL when the plan gives none.
    starts: Mapped[str | None] = mapped_column(String(7))
    due: Mapped[str | None] = mapped_column(String(7))
    current_status: Mapped[str] = mapped_column(String(16), default="not_started")
    current_percent: Mapped[int] = mapped_column(Integer, default=0)
    #: The "as of" day of the published report that set the current status (NULL: none
    #: yet).
    current_as_of: Mapped[date | None] = mapped_column(Date)

    commitment = relationship("Commitment")


class Indicator(db.Model):
    """How a commitment's result is measured: from ``baseline`` to ``target`` in
    ``unit``, read from ``source``."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("commitment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    target: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    unit: Mapped[str] = mapped_column(String(60), default="")
    source: Mapped[str] = mapped_column(String(300), default="")

    commitment = relationship("Commitment")


class ProgressReport(db.Model):
    """What the responsible entity says of a commitment as of a day: per milestone a
    status and a percentage, indicator values, a narrative and evidence.

    ``number`` counts the commitment's reports (1, 2, …). Draft → review → published
    (``state``); once published it never changes (guarded in operations and by
    ``published_at``): a correction is the next report.
    """

    __tablename__ = "progress_reports"
    __table_args__ = (
        UniqueConstraint("commitment_id", "number"),
        enum_check("state", tuple(REPORT_STATES)),
        CheckConstraint("(state = 'published') = (published_at IS NOT NULL)",
                        name="published_state_has_moment"),
        Index("ix_progress_reports_published", "commitment_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: The day the report describes ("as of").
    as_of: Mapped[date] = mapped_column(Date)
    #: Markdown source, rendered through consulta.core.sanitize.
    narrative: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The secretariat's note when it returned the report to draft (shown to the
    #: reporters until the report is sent again; the audit log keeps every one).
    review_note: Mapped[str] = mapped_column(Text, default="", server_default="")

    commitment = relationship("Commitment")
    created_by = relationship("User", foreign_keys=[created_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])
    milestones: Mapped[list["ReportMilestone"]] = relationship(
        back_populates="report", cascade="all, delete-orphan",
        order_by="ReportMilestone.milestone_id")
    indicator_values: Mapped[list["ReportIndicatorValue"]] = relationship(
        back_populates="report", cascade="all, delete-orphan",
        order_by="ReportIndicatorValue.indicator_id")
    evidence: Mapped[list["ReportEvidence"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportEvidence.id")

    @property
    def is_published(self):
        return self.state == "published"


class ReportMilestone(db.Model):
    """A milestone's status and completion in one report."""

    __tablename__ = "report_milestones"
    __table_args__ = (
        UniqueConstraint("report_id", "milestone_id"),
        enum_check("status", _STATUS_CHECK),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
        CheckConstraint("status NOT IN ('delayed', 'cancelled') OR reason != ''",
                        name="reason_when_delayed_or_cancelled"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id"), index=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    percent: Mapped[int] = mapped_column(Integer, default=0)
    #: Why it is delayed or cancelled, or why the percentage went down.
    reason: Mapped[str] = mapped_column(Text, default="")

    report: Mapped[ProgressReport] = relationship(back_populates="milestones")
    milestone: Mapped[Milestone] = relationship()


class ReportIndicatorValue(db.Model):
    """An indicator's value as of the report."""

    __tablename__ = "report_indicator_values"
    __table_args__ = (UniqueConstraint("report_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), index=True)
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    note: Mapped[str] = mapped_column(String(500), default="")

    report: Mapped[ProgressReport] = relationship(back_populates="indicator_values")
    indicator: Mapped[Indicator] = relationship()


class Document(db.Model):
    """An uploaded file (a report's evidence, a forum meeting's minutes), checked on
    upload (size, type by content, never HTML or SVG). The bytes are in
    ``DocumentBlob`` when ``storage`` is ``database``, else in the object store under
    ``storage_key``."""

    __tablename__ = "documents"
    __table_args__ = (enum_check("storage", DOCUMENT_STORAGES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The name shown and offered on download (sanitized).
    filename: Mapped[str] = mapped_column(String(200))
    #: Detected from the content, not from the browser's claim.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage: Mapped[str] = mapped_column(String(16), default="database")
    storage_key: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class DocumentBlob(db.Model):
    """The bytes of a document stored in the database (apart, so listing documents
    never loads them)."""

    __tablename__ = "document_blobs"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ReportEvidence(db.Model):
    """A piece of evidence of a report: a link or an uploaded document."""

    __tablename__ = "report_evidence"
    __table_args__ = (
        CheckConstraint("(url IS NULL) != (document_id IS NULL)",
                        name="link_or_document"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(1000))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))

    report: Mapped[ProgressReport] = relationship(back_populates="evidence")
    document: Mapped[Document | None] = relationship()


# The standing forum (fu-forum)

class ForumMember(db.Model):
    """A member of the consultation's standing multi-stakeholder forum, as the
    secretariat records it. Linked to an account (``user_id``), the member may post the
    forum's observations on published progress reports while serving (``starts_on`` …
    ``ends_on``, either open)."""

    __tablename__ = "forum_members"
    __table_args__ = (
        enum_check("role", tuple(FORUM_ROLES)),
        enum_check("side", tuple(FORUM_SIDES)),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
                        name="ends_after_it_starts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    #: Public: the person's name as the forum publishes it.
    name: Mapped[str] = mapped_column(String(200))
    organization: Mapped[str] = mapped_column(String(200), default="")
    #: A sector code of the deployment profile (consulta.core.taxonomy).
    sector: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16), default="member")
    side: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: The account that posts observations as this member (its e-mail is never shown).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id])

    def serves_on(self, day):
        """True when the member belongs to the forum on ``day`` (a local date)."""
        return ((self.starts_on is None or self.starts_on <= day)
                and (self.ends_on is None or day <= self.ends_on))


#: Which members attended a meeting (optional: the attendance number is what counts).
forum_meeting_attendees = db.Table(
    "forum_meeting_attendees",
    Column("meeting_id", ForeignKey("forum_meetings.id"), primary_key=True),
    Column("member_id", ForeignKey("forum_members.id"), primary_key=True, index=True),
)


class ForumMeeting(db.Model):
    """A meeting the forum held: its day (local), place, attendance, agenda (Markdown,
    rendered through consulta.core.sanitize) and minutes, an uploaded document or a
    link (never both)."""

    __tablename__ = "forum_meetings"
    __table_args__ = (
        CheckConstraint("attendance IS NULL OR attendance >= 0",
                        name="attendance_not_negative"),
        CheckConstraint("minutes_document_id IS NULL OR minutes_url IS NULL",
                        name="minutes_document_or_link"),
        Index("ix_forum_meetings_held", "consultation_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(300), default="")
    #: How many attended (NULL: not recorded).
    attendance: Mapped[int | None] = mapped_column(Integer)
    agenda: Mapped[str] = mapped_column(Text, default="")
    minutes_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    minutes_url: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    minutes_document: Mapped[Document | None] = relationship()
    attendees: Mapped[list[ForumMember]] = relationship(
        secondary=forum_meeting_attendees, order_by=ForumMember.name)


class ForumObservation(db.Model):
    """The forum's observation on a published progress report, kept next to the
    government's report: by a member (``member_id``) or by the forum as a whole (NULL);
    posted by the member's own account, or typed in by the secretariat on the forum's
    behalf (``on_behalf``)."""

    __tablename__ = "forum_observations"
    __table_args__ = (
        Index("ix_forum_observations_consultation", "consultation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("forum_members.id"))
    #: Markdown source, rendered through consulta.core.sanitize.
    body: Mapped[str] = mapped_column(Text)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[ProgressReport] = relationship()
    member: Mapped[ForumMember | None] = relationship()


class ReportComment(db.Model):
    """A participant's comment on a published progress report. Moderated like
    contributions: hidden with a public reason (shown instead of the text), never
    deleted."""

    __tablename__ = "report_comments"
    __table_args__ = (
        CheckConstraint("hidden_reason IS NULL OR hidden_reason IN ({})".format(
            ", ".join(f"'{r}'" for r in HIDE_REASONS)), name="hidden_reason_valid"),
        CheckConstraint("(hidden_at IS NULL) = (hidden_reason IS NULL)",
                        name="hidden_with_reason"),
        Index("ix_report_comments_report", "report_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: Markdown source, rendered through consulta.core.sanitize.
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(32))
    hidden_note: Mapped[str | None] = mapped_column(String(1000))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    report: Mapped[ProgressReport] = relationship()
    author = relationship("User", foreign_keys=[author_id])

    @property
    def is_hidden(self):
        return self.hidden_at is not None

    @property
    def public_author(self):
        """The name shown publicly, or None when only "Participant" and the sector
        show (as contributions do)."""
        author = self.author
        if author is not None and author.is_active and author.show_name_publicly:
            return author.display_name
        return None
# Followers (fu-follow) ------------------------------------------------------------------

#: A follower follows exactly one thing: a consultation or a commitment of a final plan.
_ONE_TARGET = "(consultation_id IS NULL) != (commitment_id IS NULL)"
#: Followed by an account (one click) or by an address (double opt-in).
_ACCOUNT_OR_ADDRESS = "(user_id IS NULL) != (email IS NULL)"


def _unique_follow(name, target, who):
    """One follow per target and account or address. Partial: the other columns are NULL
    in the other kinds of follow."""
    where = text(f"{target} IS NOT NULL AND {who} IS NOT NULL")
    return Index(name, target, who, unique=True, postgresql_where=where, sqlite_where=where)


class Follower(db.Model):
    """Someone told of what happens to a consultation (a new phase, a change of dates,
    the summary, the final plan) or to a commitment of a final plan (each published
    progress report).

    An account follows at once; an address follows once its owner opens the
    confirmation link (``confirmed_at``): nothing is sent to it before. The address is
    personal data: never shown, exported and erased with the account whose address it
    is. Stopping following deletes the row.
    """

    __tablename__ = "followers"
    __table_args__ = (
        CheckConstraint(_ONE_TARGET, name="one_target"),
        CheckConstraint(_ACCOUNT_OR_ADDRESS, name="account_or_address"),
        _unique_follow("uq_followers_consultation_user", "consultation_id", "user_id"),
        _unique_follow("uq_followers_consultation_email", "consultation_id", "email"),
        _unique_follow("uq_followers_commitment_user", "commitment_id", "user_id"),
        _unique_follow("uq_followers_commitment_email", "commitment_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id"),
                                                        index=True)
    #: A commitment of a published final plan's version.
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id"),
                                                      index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The address of someone without an account (lower case).
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    #: The language of the messages to an address (an account's own setting wins).
    locale: Mapped[str] = mapped_column(String(8), default="es")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: NULL until the owner of the address confirms; an account's follow at once.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the last confirmation (or "you already follow this") message went: at most
    #: one an hour, so the form cannot be used to flood a mailbox.
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The secret of the unsubscribe link in every message (random, not derived).
    unsubscribe_key: Mapped[str] = mapped_column(String(64), unique=True)

    consultation = relationship("Consultation")
    commitment = relationship("Commitment")
    user = relationship("User")

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class PhaseNotice(db.Model):
    """A phase whose start followers were told of (by ``send-follow-notices``), so that
    each start is told once."""

    __tablename__ = "follow_phase_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("phases.id"), unique=True)
    #: The start day that was told.
    starts_on: Mapped[date] = mapped_column(Date)
    noticed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: How many messages were queued.
    told: Mapped[int] = mapped_column(Integer, default=0)
# Self-assessments (fu-public)

class SelfAssessment(db.Model):
    """A mid-term or end-of-term self-assessment of a final plan: where every commitment
    stood, computed from the published reports when it was published, then frozen.

    Sealed as a summary is (``consulta.summary.digest``): the SHA-256 digest covers the
    canonical JSON of the content and each row's salted digest, in order, so anyone can
    verify it from the open data. Never changed (guarded below); one of each kind.
    """

    __tablename__ = "self_assessments"
    __table_args__ = (
        UniqueConstraint("final_plan_id", "kind"),
        enum_check("kind", tuple(ASSESSMENT_KINDS)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    final_plan_id: Mapped[int] = mapped_column(ForeignKey("final_plans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Introduction (HTML, sanitized), figures overall and by component, as published.
    content: Mapped[dict] = deferred(mapped_column(JSON))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Hex SHA-256 of the canonical content and of each row's digest, in order.
    digest: Mapped[str] = mapped_column(String(64))

    final_plan = relationship("FinalPlan")
    published_by = relationship("User")


class SelfAssessmentRow(db.Model):
    """One commitment of a self-assessment, as it stood (its milestones, indicators and
    reports included)."""

    __tablename__ = "self_assessment_rows"
    __table_args__ = (UniqueConstraint("assessment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("self_assessments.id"))
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    #: Hex SHA-256 of the row with its salt (``summary.digest.row_digest``).
    digest: Mapped[str] = mapped_column(String(64))
    #: The random salt in the row's digest, public with the row.
    salt: Mapped[str] = mapped_column(String(32))


@event.listens_for(SelfAssessment, "before_update")
@event.listens_for(SelfAssessment, "before_delete")
@event.listens_for(SelfAssessmentRow, "before_update")
@event.listens_for(SelfAssessmentRow, "before_delete")
def _published_assessments_are_frozen(mapper, connection, target):
    raise RuntimeError("a published self-assessment never changes")
