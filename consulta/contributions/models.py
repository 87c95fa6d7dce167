import re
from datetime import date, datetime, timedelta
from functools import lru_cache

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
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consulta.consultations.constants import CHANNELS
from consulta.core.dates import utcnow
from consulta.core.models import UTCDateTime, enum_check
from consulta.extensions import db

from .constants import CONTACT_CHANNELS, HIDE_REASONS, KINDS, TARGETS, TYPED_IN_WEB

#: What the listing indexes hold: the contributions public lists show (see
#: ``queries.not_withdrawn``).
LISTED = "withdrawn_at IS NULL AND voided_at IS NULL"
#: Visible (``contributions.queries.is_visible``): neither hidden, withdrawn nor voided.
VISIBLE = "hidden_at IS NULL AND withdrawn_at IS NULL AND voided_at IS NULL"


class Contribution(db.Model):
    """A proposal or a comment given to a consultation. Never deleted.

    Web contributions have an author account; offline ones (typed in by a moderator)
    carry the author's details as given on paper.
    """

    __tablename__ = "contributions"
    __table_args__ = (
        enum_check("kind", KINDS),
        enum_check("channel", CHANNELS),
        enum_check("author_contact_channel", CONTACT_CHANNELS),
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
        # The list filtered by the author's sector or region: the same walk, the kind and
        # the listing columns carried so that the capped count reads the index alone.
        *(Index(f"ix_contributions_by_{column}", "consultation_id", column, "received_at",
                "id", "kind", "withdrawn_at", "voided_at",
                postgresql_where=text(LISTED), sqlite_where=text(LISTED))
          for column in ("sector", "region")),
        Index("ix_contributions_supported", "consultation_id", "supports_count", "id",
              postgresql_where=text(LISTED), sqlite_where=text(LISTED)),
        Index("ix_contributions_author", "author_id", "received_at"),
        # Partial: almost every row has no parent, and SQLite's planner ignored a full
        # index of NULLs and scanned the table for a proposal's comments.
        Index("ix_contributions_parent_id", "parent_id",
              postgresql_where=text("parent_id IS NOT NULL"),
              sqlite_where=text("parent_id IS NOT NULL")),
        # The same row of a spreadsheet imported twice is found, not created again.
        Index("ix_contributions_import_fingerprint", "consultation_id", "import_fingerprint",
              unique=True),
        # Covers the moderation figures of the consultation page, the staff's counts by
        # state (personal_data_held_at too, else a table scan) and the secretariat's
        # coverage (answered, by component and commitment): index-only scans. One index
        # for all: two of the same prefix left SQLite's planner to pick the wrong one.
        Index("ix_contributions_states", "consultation_id", "hidden_at", "withdrawn_at",
              "classified_at", "group_id", "hidden_reason", "voided_at",
              "personal_data_held_at", "answered", "classified_component_id",
              "component_id", "classified_commitment_id", "commitment_id"),
        # Covers the capped count of a list filtered by kind (an index-only scan) and a
        # recount of the plan page's counts per commitment and kind (``CommitmentTally``
        # keeps them). Plain columns: an expression index cannot be reflected there.
        Index("ix_contributions_commitment_counts", "consultation_id",
              "classified_commitment_id", "commitment_id", "kind", "withdrawn_at",
              "voided_at"),
        # The authors to tell by SMS, phone or letter (a few among thousands): partial,
        # in the list's order, so that the page does not scan every contribution.
        Index("ix_contributions_to_notify", "consultation_id", "received_at", "id",
              postgresql_where=text("author_contact_channel IS NOT NULL"),
              sqlite_where=text("author_contact_channel IS NOT NULL")),
        # The visible contributions without a published answer, oldest first.
        Index("ix_contributions_unanswered", "consultation_id", "received_at", "id",
              postgresql_where=text(f"answered = false AND {VISIBLE}"),
              sqlite_where=text(f"answered = 0 AND {VISIBLE}")),
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
    #: How the author without e-mail asked to be told of the answer ("sms", "phone" or
    #: "post": ``CONTACT_CHANNELS``) and the number or address: personal data, never
    #: public; the secretariat's "to notify" list reads them.
    author_contact_channel: Mapped[str | None] = mapped_column(String(8))
    author_contact: Mapped[str | None] = mapped_column(String(300))
    #: Gender as declared on an imported sheet (optional; only ever counted in aggregate).
    author_gender: Mapped[str | None] = mapped_column(String(16))
    #: When, and by whom, the author without e-mail was told of the published response.
    author_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_told_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: SHA-256 of the spreadsheet row it was imported from (normalized): importing the
    #: same file again creates nothing new.
    import_fingerprint: Mapped[str | None] = mapped_column(String(64))
    #: Sector and region of the author when they contributed (kept for the statistics;
    #: NULL when a paper sheet did not say).
    sector: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(40))
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
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"))

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
    #: Likely personal data found in its texts on the way in (``{"code", "text"}``, see
    #: ``consulta.core.personal_data``), masked in public (in ``masked_fragments``) until
    #: a moderator confirms the mask or releases it; a reviewed one keeps the decision
    #: (``"decision": "confirmed" | "released"``), so it is not held again.
    personal_data_held: Mapped[list] = mapped_column(JSON, default=list)
    #: When personal data was held for review; NULL when none awaits a moderator.
    personal_data_held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A published response answers it (its own, or its group's). Derived, stored so that
    #: the secretariat's counts and lists of the unanswered read an index instead of
    #: testing every contribution: kept by ``consulta.feedback`` (publishing a response,
    #: joining or leaving a group), never written by hand.
    answered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Optimistic locking: two moderators saving at once cannot overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    #: The columns that hold personal data of its author or of third parties: what
    #: "download my data" gives its author and what erasing a typed-in author clears
    #: (besides the texts, which a moderator masks). Other parts append their contact
    #: columns here.
    PERSONAL_FIELDS = ("author_name", "author_name_public", "author_organization",
                       "author_email", "sector", "region", "author_gender",
                       "author_contact_channel", "author_contact")
    #: The texts the author wrote, in the order of the proposal sheet.
    TEXT_FIELDS = ("title", "problem", "objective", "responsible", "co_responsible",
                   "actions", "due", "body")

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
        """A list field (co-responsible entities) as the public may read it; a fragment
        spanning two items is masked in both."""
        return mask_items(getattr(self, field) or [], self.masked_fragments or [])

    def public_value(self, value):
        return mask(value, self.masked_fragments) if self.masked_fragments else value

    def public_actions(self):
        """The actions with their descriptions as the public may read them; a fragment
        spanning two rows is masked in both."""
        actions = self.actions or []
        descriptions = mask_items([a.get("description") or "" for a in actions],
                                  self.masked_fragments or [])
        return [{**a, "description": text if a.get("description") is not None else None}
                for a, text in zip(actions, descriptions, strict=True)]

    def texts(self):
        """Every text a person typed into it, one string per field, list item or action
        (what personal data is looked for in)."""
        return [self.title, self.problem, self.objective, self.responsible,
                *(self.co_responsible or []),
                *((a.get("description") or "") for a in self.actions or []), self.body]

    def public_texts(self, fragments=None):
        """The texts the public reads, each list field joined as one (``mask_items``):
        with ``fragments``, as they would read with those masked instead.

        :param fragments: the fragments to mask (default: its own masked fragments).
        """
        fragments = self.masked_fragments or [] if fragments is None else fragments
        actions = [a.get("description") or "" for a in self.actions or []]
        return [mask(self.title or "", fragments), mask(self.problem or "", fragments),
                mask(self.objective or "", fragments), mask(self.body or "", fragments),
                mask(self.responsible or "", fragments),
                ITEM_SEPARATOR.join(mask_items(self.co_responsible or [], fragments)),
                ITEM_SEPARATOR.join(mask_items(actions, fragments))]

    @property
    def awaits_personal_data_review(self):
        return self.personal_data_held_at is not None

    @property
    def personal_data_to_review(self):
        """The held fragments no moderator has decided on yet."""
        return [item for item in self.personal_data_held or [] if "decision" not in item]

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

#: Joins the items of a list field (co-responsible entities, action descriptions) while
#: they are masked, so that a fragment spanning two items (copied from the page, where
#: they follow each other) is found and masked in each of them.
ITEM_SEPARATOR = "\x1f"
_GAP = r"[\s\x1f]+"


@lru_cache(maxsize=512)
def _fragment_pattern(fragment):
    """The fragment with any run of spaces, line breaks or item boundaries matching any
    other: copied from a page, a text over two lines or two items reads with a space."""
    return re.compile(_GAP.join(re.escape(word) for word in fragment.split()))


def _masked(match):
    # Over several items, each item's part is masked and the items stay apart.
    return ITEM_SEPARATOR.join(MASK if part.strip() else part
                               for part in match.group().split(ITEM_SEPARATOR))


def mask(text, fragments):
    """The text with every fragment replaced by ``MASK``, longest first; spaces and line
    breaks inside a fragment match any spaces or line breaks.

    :param text: the text (a list field joined by ``ITEM_SEPARATOR``).
    :param fragments: the fragments to mask.
    """
    for fragment in sorted(fragments, key=len, reverse=True):
        if fragment and fragment.strip():
            text = _fragment_pattern(fragment).sub(_masked, text)
    return text


def mask_items(items, fragments):
    """The items of a list field with the fragments masked, a fragment spanning two
    items masked in both; as many items as given.

    :param items: strings.
    :param fragments: the fragments to mask.
    """
    if not fragments:
        return list(items)
    joined = ITEM_SEPARATOR.join((item or "").replace(ITEM_SEPARATOR, " ")
                                 for item in items)
    return mask(joined, fragments).split(ITEM_SEPARATOR) if items else []


class ContributionGroup(db.Model):
    """Contributions that say the same thing, answered together."""

    __tablename__ = "contribution_groups"
    __table_args__ = (
        # The groups' pages list a consultation's groups by title, a page at a time:
        # walked in that order and stopped after the page, instead of every group read,
        # counted and sorted (4,000 at 200,000 contributions).
        Index("ix_contribution_groups_by_title", "consultation_id", "title", "id"),
    )

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


class ContributionTally(db.Model):
    """A consultation's contributions counted by state, kept by the database itself.

    Triggers on ``contributions`` (made by migration ``62813607d38b``) add a row's
    states when it is inserted and take them away when it is deleted, and move them when
    an update changes a state or the consultation: every way of writing contributions
    (the ORM, a bulk ``update()``, an import, the benchmark's bulk inserts, SQL typed at
    a prompt) keeps them, and nothing in the application writes here. Read instead of
    counting: on SQLite a count walked an index range as long as the consultation (33 ms
    for the consultation page at 200,000 contributions), this is one row.

    The columns are the states of ``moderation.queries.STATES``, each with the meaning
    of ``moderation.queries.live_state_counts`` (every state but ``voided`` leaves the
    voided records out), which recounts them from the rows. A consultation without
    contributions has no row (it counts zero). A later migration that rebuilds
    ``contributions`` with ``batch_alter_table`` on SQLite drops its triggers with the
    old table: it must create them again.
    """

    __tablename__ = "contribution_tallies"

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"),
                                                 primary_key=True)
    #: Every record but the voided ones (withdrawn and hidden included).
    received: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    classified: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    grouped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    hidden: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    withdrawn: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Neither classified, hidden nor withdrawn: what waits for a moderator.
    unclassified: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Typed in by mistake and voided (the only state that counts voided records).
    voided: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Personal data held masked for a moderator's review.
    personal_data: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CommitmentTally(db.Model):
    """How many contributions of each kind a consultation has about one commitment (as
    classified, else as the author chose), neither withdrawn nor voided (hidden ones are
    listed with their reason): the counts the plan page shows under each commitment,
    read in a few hundred rows instead of grouping every contribution on each view.

    Kept by database triggers on ``contributions`` (migration ``b7e4f2a9c6d1``, SQLite
    and PostgreSQL), as ``ContributionTally``: every insert, update of a counted column
    (the consultation, the commitments, the kind, withdrawn, voided) and delete moves the
    counts, whatever wrote the row; nothing in the application writes here. A
    contribution about no commitment is not tallied; a key whose count fell to zero
    keeps its row. A later migration that rebuilds ``contributions`` with
    ``batch_alter_table`` on SQLite must create the triggers again.
    """

    __tablename__ = "commitment_tallies"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True)
    #: ``coalesce(classified_commitment_id, commitment_id)``: a commitment of any version.
    commitment_key: Mapped[int] = mapped_column(Integer, primary_key=True,
                                                autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    listed: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
