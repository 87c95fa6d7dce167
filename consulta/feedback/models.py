from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consulta.core.dates import utcnow
from consulta.core.models import UTCDateTime, enum_check
from consulta.extensions import db

from .constants import OUTCOMES, STATUSES

response_commitments = Table(
    "response_commitments",
    db.metadata,
    Column("response_id", ForeignKey("responses.id"), primary_key=True),
    Column("commitment_id", ForeignKey("commitments.id"), primary_key=True),
)


class Response(db.Model):
    """How a contribution (or a group of them) was considered: the working copy.

    Each publication freezes a ResponseVersion; the public only ever sees those.
    """

    __tablename__ = "responses"
    __table_args__ = (
        enum_check("outcome", OUTCOMES),
        enum_check("status", STATUSES),
        CheckConstraint("(contribution_id IS NULL) != (group_id IS NULL)",
                        name="for_contribution_or_group"),
        # One response per contribution or group. Partial: each column is NULL in the
        # other kind of response, and SQLite's statistics (PRAGMA optimize) count those
        # NULLs as one huge duplicate value, after which it scanned the whole table to
        # load a page's group responses instead of using the index.
        Index("uq_responses_contribution_id", "contribution_id", unique=True,
              postgresql_where=text("contribution_id IS NOT NULL"),
              sqlite_where=text("contribution_id IS NOT NULL")),
        Index("uq_responses_group_id", "group_id", unique=True,
              postgresql_where=text("group_id IS NOT NULL"),
              sqlite_where=text("group_id IS NOT NULL")),
        # The secretariat's list, latest edited first: read in order, a page at a time.
        Index("ix_responses_consultation_updated", "consultation_id", "updated_at", "id"),
        # The staff's counts by status of each consultation (``staff.queries``), from
        # the index alone whatever SQLite's statistics say.
        Index("ix_responses_consultation_status", "consultation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("contribution_groups.id"))
    outcome: Mapped[str] = mapped_column(String(32))
    justification: Mapped[str] = mapped_column(Text)
    #: The entity a "referred" contribution was sent to.
    referred_to: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who last changed the text: with four eyes on, someone else must approve it.
    last_edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The latest published version (what the public sees).
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("response_versions.id", use_alter=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    commitments = relationship("Commitment", secondary=response_commitments,
                               order_by="Commitment.number")
    contribution = relationship("Contribution", back_populates="own_response")
    group = relationship("ContributionGroup", back_populates="response")
    current_version = relationship("ResponseVersion", foreign_keys=[current_version_id],
                                   post_update=True)
    versions = relationship("ResponseVersion", foreign_keys="ResponseVersion.response_id",
                            back_populates="response", order_by="ResponseVersion.number")
    last_edited_by = relationship("User", foreign_keys=[last_edited_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])



class ResponseVersion(db.Model):
    """A published response, frozen. Never changed: a new publication adds a version."""

    __tablename__ = "response_versions"
    __table_args__ = (UniqueConstraint("response_id", "number"), enum_check("outcome", OUTCOMES))

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(32))
    justification: Mapped[str] = mapped_column(Text)
    referred_to: Mapped[str | None] = mapped_column(String(300))
    #: [{"id", "number", "title"}] of the commitments where it was incorporated.
    incorporated_in: Mapped[list] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    response = relationship("Response", foreign_keys=[response_id], back_populates="versions")

    @property
    def is_update(self):
        return self.number > 1


class AnswerTemplate(db.Model):
    """A reusable justification for frequent answers, per consultation."""

    __tablename__ = "answer_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(32))
    justification: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(ResponseVersion, "before_update")
@event.listens_for(ResponseVersion, "before_delete")
def _published_versions_are_frozen(mapper, connection, target):
    raise RuntimeError("a published response version is never changed; publish a new one")


class CoverageTally(db.Model):
    """How many contributions of a consultation are about one component and one
    commitment (as classified, else as the author chose): listed in the matrix, visible,
    and visible with a published response. The feedback dashboard's coverage and the
    matrix's total, read in a few rows instead of grouping or counting every contribution
    on each view (20 ms and 4 ms at 50,000 on SQLite, growing with the table).

    Kept by database triggers on ``contributions`` (made by the migration that made this
    table, on SQLite and PostgreSQL): every insert, update of a counted column (the
    component, the commitment, hidden, withdrawn, voided, answered) and delete moves the
    counts, whatever wrote the row. No component or no commitment is key 0 (a primary
    key column cannot be NULL); a key whose counts fell to zero keeps its row.
    """

    __tablename__ = "coverage_tallies"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True)
    #: ``coalesce(classified_component_id, component_id, 0)``.
    component_key: Mapped[int] = mapped_column(Integer, primary_key=True,
                                               autoincrement=False)
    #: ``coalesce(classified_commitment_id, commitment_id, 0)``.
    commitment_key: Mapped[int] = mapped_column(Integer, primary_key=True,
                                                autoincrement=False)
    #: Contributions neither withdrawn nor voided (hidden ones too): the matrix's rows.
    listed: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    #: Of those, the ones not hidden.
    visible: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    #: Of those, the ones a published response answers (``Contribution.answered``).
    answered: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class ResponseTally(db.Model):
    """How many responses (to contributions and to groups) a consultation has in each
    status: the secretariat's list of responses counted in a few rows instead of every
    response of the consultation (160,000 at 200,000 contributions, 3 ms on SQLite, on
    each view of the dashboard).

    Kept by database triggers on ``responses`` (made by the migration that made this
    table; SQLite: row triggers, PostgreSQL: statement triggers reading the transition
    tables), as ``CoverageTally``: every insert, delete and change of status or
    consultation moves the counts, whatever wrote the row; nothing in the application
    writes here. A status whose count fell to zero keeps its row.
    """

    __tablename__ = "response_tallies"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True)
    #: A code of ``STATUSES``.
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    responses: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
