import uuid
from datetime import date, datetime

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
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consulta.accounts.models import Entity
from consulta.core.dates import utcnow
from consulta.core.models import UTCDateTime, enum_check
from consulta.extensions import db

from .constants import EVENT_KINDS, PRINCIPLES, SCOPES, WINDOW_CHANNELS


class Consultation(db.Model):
    """A public process in which a draft action plan is put to citizens.

    Its status is computed from its dates and announcement, never stored.
    """

    __tablename__ = "consultations"
    __table_args__ = (
        enum_check("scope", SCOPES),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("scope = 'national' OR scope_region IS NOT NULL",
                        name="region_for_subnational"),
        CheckConstraint("scope != 'local' OR scope_locality IS NOT NULL",
                        name="locality_for_local"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-case letters, digits and hyphens; used in every URL of the consultation.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: One or two sentences shown in lists.
    summary: Mapped[str] = mapped_column(String(500))
    #: Markdown source; rendered through consulta.core.sanitize.
    description: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(String(16), default="national")
    scope_region: Mapped[str | None] = mapped_column(String(40))
    scope_locality: Mapped[str | None] = mapped_column(String(120))
    #: The organizing entity: its team manages the consultation.
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    #: The organizing entity's name as displayed (kept equal to ``entity.name`` by the
    #: operations; frozen summaries keep the text they were published with).
    organizer: Mapped[str] = mapped_column(String(200))
    #: The multi-stakeholder forum that follows the plan (IRM guideline 7).
    forum_name: Mapped[str | None] = mapped_column(String(200))
    #: Evidence that the forum stands (IRM guideline 7): its members by sector
    #: ``{sector code: number}``, and the dates (ISO) of the meetings it has held.
    forum_members: Mapped[dict] = mapped_column(JSON, default=dict)
    forum_meetings: Mapped[list] = mapped_column(JSON, default=list)
    #: Markdown source.
    methodology: Mapped[str] = mapped_column(Text, default="")
    #: Channel codes announced for this consultation (see constants.CHANNELS).
    channels: Mapped[list] = mapped_column(JSON, default=list)
    #: The participation period: the first window's opening and the last window's
    #: closing (kept by the window operations; see ``ParticipationWindow``).
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Four eyes: a second secretariat member must approve each response before publication.
    requires_review: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When it was made public; NULL while it is being prepared (evidence of advance notice).
    #: For a consultation recorded after the fact, the real announcement (its day, at
    #: local midnight), as its official notice says.
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: When a consultation that had already taken place was published here, recorded after
    #: the fact; NULL for one announced on this platform ahead of its opening.
    recorded_after_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Where it was announced: the official notice ("Official Gazette, 2016-06-10" or a URL).
    announcement_reference: Mapped[str | None] = mapped_column(String(500))
    #: When the first summary was published (the event; versions are SummarySnapshots).
    summary_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The secretariat's introduction to the summary (Markdown) and notes per IRM item.
    summary_introduction: Mapped[str] = mapped_column(Text, default="")
    irm_notes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    entity: Mapped["Entity"] = relationship()
    phases: Mapped[list["Phase"]] = relationship(
        back_populates="consultation", order_by="(Phase.starts_on, Phase.position, Phase.id)",
        cascade="all, delete-orphan")
    components: Mapped[list["Component"]] = relationship(
        back_populates="consultation", order_by="(Component.position, Component.id)",
        cascade="all, delete-orphan")
    plan_versions: Mapped[list["PlanVersion"]] = relationship(
        back_populates="consultation", order_by="PlanVersion.number",
        cascade="all, delete-orphan")
    windows: Mapped[list["ParticipationWindow"]] = relationship(
        back_populates="consultation",
        order_by="(ParticipationWindow.opens_at, ParticipationWindow.id)",
        cascade="all, delete-orphan")

    def __repr__(self):
        return f"<Consultation {self.slug}>"

    @hybrid_property
    def is_public(self):
        """Announced: the public sees it (in a query, ``Consultation.is_public``)."""
        return self.announced_at is not None

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls):
        return cls.announced_at.is_not(None)

    @property
    def is_recorded_after(self):
        """Published here after it took place (its dates are a record, not an agenda)."""
        return self.recorded_after_at is not None

    def status(self, now=None):
        """draft, announced, open, closed (or summary_published, once a summary exists).

        Open means inside the participation period *and* inside one of its windows:
        between two windows (before an extension starts) it is closed.
        """
        now = now or utcnow()
        if self.announced_at is None:
            return "draft"
        if self.summary_published_at is not None:
            return "summary_published"
        if now < self.opens_at:
            return "announced"
        if now >= self.closes_at:
            return "closed"
        if self.windows and not any(w.contains(now) for w in self.windows):
            return "closed"
        return "open"

    def is_open(self, now=None):
        return self.status(now) == "open"

    def windows_of(self, channel):
        """The participation windows of one channel ("web"...), by opening."""
        return [w for w in self.windows if w.channel == channel]

    def window_at(self, moment, channel):
        """The window of ``channel`` that contains ``moment``, or None.

        A consultation without any window (rows made before windows existed) counts its
        participation period as one web window.
        """
        if not self.windows:
            if channel == "web" and self.opens_at <= moment < self.closes_at:
                return ParticipationWindow(channel="web", opens_at=self.opens_at,
                                           closes_at=self.closes_at)
            return None
        return next((w for w in self.windows_of(channel) if w.contains(moment)), None)

    def next_window(self, moment, channel=None):
        """The first window (of ``channel``, or of any) that opens after ``moment``."""
        later = [w for w in self.windows if w.opens_at > moment
                 and (channel is None or w.channel == channel)]
        return later[0] if later else None

    def accepts_web(self, now=None):
        """Whether the web form receives contributions now: open and in a web window."""
        now = now or utcnow()
        return self.status(now) == "open" and self.window_at(now, "web") is not None

    @property
    def published_versions(self):
        """The published versions of the draft plan, oldest first."""
        return [v for v in self.plan_versions if v.is_published]

    @property
    def published_plan(self):
        """The latest published version of the draft plan, or None."""
        published = self.published_versions
        return published[-1] if published else None

    @property
    def published_commitments(self):
        """The commitments of the published draft plan, by number ([] before it is)."""
        plan = self.published_plan
        return list(plan.commitments) if plan is not None else []

    @property
    def draft_plan(self):
        """The version being edited (not yet published), or None."""
        if self.plan_versions and not self.plan_versions[-1].is_published:
            return self.plan_versions[-1]
        return None


class ParticipationWindow(db.Model):
    """A period during which one channel receives contributions.

    A consultation has one or more per channel; they never overlap within a channel.
    An extension is a new window (or a window's new end) with its reason, never a silent
    edit: every change after the announcement is also a public notice.
    """

    __tablename__ = "participation_windows"
    __table_args__ = (
        enum_check("channel", WINDOW_CHANNELS),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    #: The channel it opens (see constants.WINDOW_CHANNELS).
    channel: Mapped[str] = mapped_column(String(16), default="web")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Exclusive: at this instant the window is closed.
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Why it was added or last changed (an extension's reason); empty for the first one.
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="windows")

    def __repr__(self):
        return f"<ParticipationWindow {self.channel} {self.opens_at}–{self.closes_at}>"

    def contains(self, moment):
        return self.opens_at <= moment < self.closes_at


class Phase(db.Model):
    """A step of the public timeline (dates are calendar days in the local zone)."""

    __tablename__ = "phases"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(150))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    #: Contributions are received in this phase: its days must lie inside the windows.
    receives_contributions: Mapped[bool] = mapped_column(Boolean, default=False)

    consultation: Mapped[Consultation] = relationship(back_populates="phases")

    @property
    def is_one_day(self):
        return self.starts_on == self.ends_on

    def state(self, today):
        if today < self.starts_on:
            return "future"
        if today > self.ends_on:
            return "past"
        return "current"


class Component(db.Model):
    """A theme (eje, componente) of the consultation's plan."""

    __tablename__ = "components"
    __table_args__ = (UniqueConstraint("consultation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")

    consultation: Mapped[Consultation] = relationship(back_populates="components")


class PlanVersion(db.Model):
    """One version of the draft plan. Published versions are frozen and stay readable."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("consultation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    #: What changed from the previous version (shown with the version).
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    consultation: Mapped[Consultation] = relationship(back_populates="plan_versions")
    commitments: Mapped[list["Commitment"]] = relationship(
        back_populates="plan_version", order_by="Commitment.number",
        cascade="all, delete-orphan")
    sections: Mapped[list["PlanSection"]] = relationship(
        back_populates="plan_version", order_by="(PlanSection.position, PlanSection.id)",
        cascade="all, delete-orphan")

    @hybrid_property
    def is_published(self):
        """Published versions are frozen: what contributions point to never changes."""
        return self.published_at is not None

    @is_published.inplace.expression
    @classmethod
    def _is_published_expression(cls):
        return cls.published_at.is_not(None)

    def by_component(self):
        """[(component, [commitments])] in the order of the components, then by number."""
        groups = {}
        for commitment in self.commitments:
            groups.setdefault(commitment.component, []).append(commitment)
        return sorted(groups.items(), key=lambda item: (item[0].position, item[0].id))


class PlanSection(db.Model):
    """Free text of the plan (introduction, methodology...)."""

    __tablename__ = "plan_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown source.
    body: Mapped[str] = mapped_column(Text, default="")

    plan_version: Mapped[PlanVersion] = relationship(back_populates="sections")

    @property
    def anchor(self):
        return f"seccion-{self.position or self.id}"


def commitment_anchor(number):
    """The id of commitment ``number`` on a page that lists commitments (for lists read
    as rows, not ``Commitment`` objects)."""
    return f"compromiso-{number}"


def new_lineage():
    """A fresh commitment identity: 12 hexadecimal characters."""
    return uuid.uuid4().hex[:12]


class Commitment(db.Model):
    """A numbered commitment of a version of the draft plan, on the proposal sheet.

    Commitments belong to one version; ``lineage`` says which commitments of different
    versions are the same one (its number may change, its identity does not).
    """

    __tablename__ = "commitments"
    __table_args__ = (
        UniqueConstraint("plan_version_id", "number"),
        UniqueConstraint("plan_version_id", "lineage"),
        Index("ix_commitments_component", "component_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), index=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("components.id"))
    number: Mapped[int] = mapped_column(Integer)
    #: The commitment's identity across versions: carried when a version is derived
    #: from another (and by number when a plan is imported over a draft), new for a
    #: commitment added. What a response incorporated into stays traceable to the final
    #: plan through it.
    lineage: Mapped[str] = mapped_column(String(12), default=new_lineage, index=True)
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")
    #: The public problem the commitment addresses.
    problem: Mapped[str] = mapped_column(Text, default="")
    objective: Mapped[str] = mapped_column(Text, default="")
    responsible: Mapped[str | None] = mapped_column(String(300))
    #: Names of co-responsible entities.
    co_responsible: Mapped[list] = mapped_column(JSON, default=list)
    #: Rows of {"description", "start": "YYYY-MM", "end": "YYYY-MM"}.
    actions: Mapped[list] = mapped_column(JSON, default=list)
    #: Expected completion, "YYYY-MM".
    due: Mapped[str | None] = mapped_column(String(7))
    #: Principle codes (see constants.PRINCIPLES).
    principles: Mapped[list] = mapped_column(JSON, default=list)

    plan_version: Mapped[PlanVersion] = relationship(back_populates="commitments")
    component: Mapped[Component] = relationship()

    @property
    def anchor(self):
        return commitment_anchor(self.number)

    def principle_labels(self):
        return [PRINCIPLES[p] for p in self.principles if p in PRINCIPLES]


class Event(db.Model):
    """An in-person activity of the consultation: workshop, work table, hearing...

    Its attendance is what was known, no more: a total (NULL when nobody counted),
    how many of them had their gender recorded and how many of those were women (both
    NULL when gender was not recorded), and optional rows by sector, which may cover
    only part of the total.
    """

    __tablename__ = "events"
    __table_args__ = (
        enum_check("kind", EVENT_KINDS),
        CheckConstraint("attendees_total IS NULL OR attendees_total >= 0",
                        name="attendees_total_valid"),
        CheckConstraint("(gender_recorded_count IS NULL AND attendees_women IS NULL) OR "
                        "(attendees_women >= 0 AND attendees_women <= gender_recorded_count "
                        "AND gender_recorded_count <= attendees_total)",
                        name="attendees_gender_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="workshop")
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    #: How many people attended; NULL when it was not recorded (never shown as zero).
    attendees_total: Mapped[int | None] = mapped_column(Integer)
    #: How many attendees had their gender recorded (the base of the women's share).
    gender_recorded_count: Mapped[int | None] = mapped_column(Integer)
    #: Of those whose gender was recorded, how many were women.
    attendees_women: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    consultation: Mapped[Consultation] = relationship()
    attendance: Mapped[list["EventAttendance"]] = relationship(
        back_populates="event", order_by="EventAttendance.id", cascade="all, delete-orphan")

    @property
    def total_participants(self):
        """The total attendance (None when not recorded)."""
        return self.attendees_total

    @property
    def total_women(self):
        """Women among those whose gender was recorded (None when gender was not)."""
        return self.attendees_women

    @property
    def sector_recorded_count(self):
        """How many attendees are in the rows by sector (0 when there are none)."""
        return sum(row.participants for row in self.attendance)

    @property
    def sector_unrecorded_count(self):
        """Attendees whose sector was not recorded; None when the total is unknown."""
        if self.attendees_total is None:
            return None
        return self.attendees_total - self.sector_recorded_count


class EventAttendance(db.Model):
    """How many people of a sector attended an event, and how many of them were women
    (NULL when their gender was not recorded)."""

    __tablename__ = "event_attendance"
    __table_args__ = (
        UniqueConstraint("event_id", "sector"),
        CheckConstraint("participants >= 0 AND (women IS NULL OR "
                        "(women >= 0 AND women <= participants))", name="counts_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    sector: Mapped[str] = mapped_column(String(32))
    participants: Mapped[int] = mapped_column(Integer)
    women: Mapped[int | None] = mapped_column(Integer)

    event: Mapped[Event] = relationship(back_populates="attendance")
