from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consulta.core.dates import utcnow
from consulta.core.models import UTCDateTime, enum_check
from consulta.extensions import db
from consulta.feedback.constants import NEEDS_COMMITMENTS

from .constants import CHANGE_KINDS


class FinalPlan(db.Model):
    """The approved final plan of a consultation: a published version of its plan,
    with the act that approved it and the forum's endorsement.

    Prepared by the secretariat, then published once; from then on it never changes
    (guarded below). Its commitments are the version's, whose ``lineage`` links them to
    the consulted draft and to the responses; the implementation follow-up hangs its
    milestones and reports on them (``plan_version.commitments``, by lineage).
    """

    __tablename__ = "final_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One final plan per consultation.
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), unique=True)
    #: The approved version (published: frozen).
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"))
    #: The draft put to consultation: the version public while it was open. What the
    #: diff compares the final plan with.
    consulted_version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"))
    #: The act that approved the plan ("Resolución Ministerial N.° 123-2026").
    approval_reference: Mapped[str] = mapped_column(String(300))
    approved_on: Mapped[date] = mapped_column(Date)
    #: The multi-stakeholder forum's endorsement: the day, and its minutes (a link or
    #: the text of the agreement). NULL / empty when the forum did not endorse it.
    forum_endorsed_on: Mapped[date | None] = mapped_column(Date)
    forum_endorsement: Mapped[str] = mapped_column(Text, default="")
    #: A short public note shown with the plan (plain text).
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: NULL while the secretariat prepares it; once set, nothing here changes.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When the contributors were told (once; NULL when nobody was, e.g. history).
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consultation = relationship("Consultation")
    plan_version = relationship("PlanVersion", foreign_keys=[plan_version_id])
    consulted_version = relationship("PlanVersion", foreign_keys=[consulted_version_id])
    changes: Mapped[list["CommitmentChange"]] = relationship(
        back_populates="final_plan", order_by="CommitmentChange.id",
        cascade="all, delete-orphan")

    @property
    def is_published(self):
        return self.published_at is not None

    @property
    def commitments(self):
        """The commitments of the approved version, by number."""
        return list(self.plan_version.commitments)

    def change_for(self, lineage):
        return next((c for c in self.changes if c.lineage == lineage), None)


class CommitmentChange(db.Model):
    """What the secretariat says of one difference between the consulted draft and the
    final plan: why a commitment was added, changed or removed, or that it was merged
    into another (``merged_into``: the lineage of the final commitment it joined)."""

    __tablename__ = "final_plan_changes"
    __table_args__ = (
        UniqueConstraint("final_plan_id", "lineage"),
        enum_check("kind", CHANGE_KINDS),
        CheckConstraint("(kind = 'merged') = (merged_into IS NOT NULL)",
                        name="merged_names_its_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    final_plan_id: Mapped[int] = mapped_column(ForeignKey("final_plans.id"), index=True)
    #: The commitment it is about: of the draft (changed, merged, removed) or of the
    #: final plan (added).
    lineage: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(16))
    merged_into: Mapped[str | None] = mapped_column(String(12))
    #: The secretariat's reason, public.
    reason: Mapped[str] = mapped_column(Text, default="")

    final_plan: Mapped[FinalPlan] = relationship(back_populates="changes")


class FinalPlanLanding(db.Model):
    """Where a published response version landed in a published final plan: one row per
    final commitment it reached (through lineage and the recorded merges).

    Both sides are frozen (a published version never changes, nor does a published
    final plan), so it is computed once: for every current version when the plan is
    published, then for each version published later. Whether a contribution is visible,
    which response answers it (its own, else its group's: ``Response.current_version_id``)
    and the order stay for the reader to join: they can change. The version's response,
    that response's group and its outcome are copied here (frozen too): the reader then
    goes from a landing to the response and the contributions, without reading the
    version, and only group responses are looked for in the groups.
    """

    __tablename__ = "final_plan_landings"
    __table_args__ = (
        enum_check("outcome", NEEDS_COMMITMENTS),
        # The reader starts from one commitment (or all) of one plan, own responses and
        # group responses apart; everything else it needs of a landing is in the index.
        Index("ix_final_plan_landings_commitment", "final_plan_id", "commitment_id",
              "group_id", "response_id", "response_version_id", "outcome"),
        # What the triggers that keep ``FinalPlanTrace`` look a landing up by: the
        # version of a response, a group.
        Index("ix_final_plan_landings_response", "response_id", "response_version_id"),
        Index("ix_final_plan_landings_group_id", "group_id"),
    )

    final_plan_id: Mapped[int] = mapped_column(ForeignKey("final_plans.id"),
                                               primary_key=True)
    response_version_id: Mapped[int] = mapped_column(ForeignKey("response_versions.id"),
                                                     primary_key=True)
    #: A commitment of the final plan's version.
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"),
                                               primary_key=True)
    #: The version's response; it answers now only while this version is its current one.
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"))
    #: The group that response answers (NULL: it answers one contribution).
    group_id: Mapped[int | None] = mapped_column(ForeignKey("contribution_groups.id"))
    #: The version's outcome: incorporated or partially.
    outcome: Mapped[str] = mapped_column(String(32))


class FinalPlanTrace(db.Model):
    """A contribution that shaped a commitment of a published final plan, as it stands
    now: visible, and its effective published response (its own, else its group's) is
    at a version that landed in the commitment (``FinalPlanLanding``). One row per
    contribution and commitment, with what orders and names it (received moment,
    tracking code) and the outcome: "the first ten of each commitment" and "a page of
    one" are index walks that stop, and the open data reads every code from the index.

    Kept by database triggers (migration ``5b0e2f7c9a31``, SQLite and PostgreSQL), not by
    the application: a contribution inserted into a group, hidden, shown again,
    withdrawn, voided, regrouped, re-dated or deleted, a response published again, made
    or removed, a landing stored: its contributions' rows are made again from the rule
    (``queries.live_traces`` reads it live; the tests compare them after every kind of
    write). A later migration that rebuilds ``contributions``, ``responses`` or
    ``final_plan_landings`` with ``batch_alter_table`` on SQLite must create the triggers
    again.
    """

    __tablename__ = "final_plan_traces"
    __table_args__ = (
        enum_check("outcome", NEEDS_COMMITMENTS),
        # The readers: one commitment's (or every commitment's) rows, oldest received
        # first, with what the open data lists of them.
        Index("ix_final_plan_traces_order", "final_plan_id", "commitment_id", "received_at",
              "contribution_id", "outcome", "tracking_code"),
    )

    #: First: the triggers make a contribution's rows again by it.
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), primary_key=True)
    final_plan_id: Mapped[int] = mapped_column(
        ForeignKey("final_plans.id", ondelete="CASCADE"), primary_key=True)
    #: A commitment of the final plan's version.
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True)
    #: The contribution's ``received_at`` (the order of every list).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The contribution's ``tracking_code``.
    tracking_code: Mapped[str | None] = mapped_column(String(24))
    #: The landing's outcome: incorporated or partially.
    outcome: Mapped[str] = mapped_column(String(32))


class FinalPlanTally(db.Model):
    """How many contributions shaped each commitment of a published final plan: the
    ``FinalPlanTrace`` rows per commitment, kept by triggers on that table (a commitment
    whose count fell to zero keeps its row; one nothing ever reached has none)."""

    __tablename__ = "final_plan_tallies"

    final_plan_id: Mapped[int] = mapped_column(
        ForeignKey("final_plans.id", ondelete="CASCADE"), primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True)
    contributions: Mapped[int] = mapped_column(Integer, default=0,
                                               server_default=text("0"))


def _was_published(target):
    history = inspect(target).attrs.published_at.history
    return bool(history.deleted and history.deleted[0] is not None) or (
        not history.has_changes() and target.published_at is not None)


@event.listens_for(FinalPlan, "before_update")
@event.listens_for(FinalPlan, "before_delete")
def _published_final_plans_are_frozen(mapper, connection, target):
    if _was_published(target):
        raise RuntimeError("a published final plan never changes")


@event.listens_for(CommitmentChange, "before_insert")
@event.listens_for(CommitmentChange, "before_update")
@event.listens_for(CommitmentChange, "before_delete")
def _published_changes_are_frozen(mapper, connection, target):
    plan = target.final_plan
    if plan is not None and plan.published_at is not None \
            and not inspect(plan).attrs.published_at.history.has_changes():
        raise RuntimeError("the changes of a published final plan never change")
