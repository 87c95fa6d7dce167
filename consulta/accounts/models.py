import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consulta.core.dates import utcnow
from consulta.core.models import UTCDateTime, enum_check
from consulta.core.taxonomy import GENDERS
from consulta.extensions import db

from .constants import MEMBERSHIP_STATUSES, ORGANIZATION_STATUSES, ROLES


def new_session_token():
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    """An account. Deleting it anonymizes the row so contributions keep an author."""

    __tablename__ = "users"
    __table_args__ = (
        enum_check("gender", GENDERS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased; NULL once the account is deleted.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    #: Werkzeug hash, naming its method (scrypt; see accounts/passwords.py); NULL once
    #: deleted, so nobody can log in.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    sector: Mapped[str] = mapped_column(String(32))
    #: A code from the regions data file.
    region: Mapped[str] = mapped_column(String(40))
    #: Optional, shown only in aggregate.
    gender: Mapped[str | None] = mapped_column(String(16))
    #: Consent to show the display name next to contributions.
    show_name_publicly: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Preferred interface language (one of LANGUAGES); NULL follows the cookie or the browser.
    locale: Mapped[str | None] = mapped_column(String(8))
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    #: When the privacy notice was accepted, and which version of it.
    privacy_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    privacy_version: Mapped[str] = mapped_column(String(16))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Part of the login cookie; rotating it ends every session of the account.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)

    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user",
        lazy="selectin",
        cascade="all, delete-orphan",
        foreign_keys="UserRole.user_id",
    )
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        foreign_keys="Membership.user_id",
    )

    def __repr__(self):
        return f"<User {self.id}>"

    # Flask-Login: the cookie holds id and session token, so rotating the token logs out.
    def get_id(self):
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self):
        return self.deleted_at is None

    @property
    def is_confirmed(self):
        return self.email_confirmed_at is not None

    @property
    def role_names(self):
        """Every role the account holds, platform-wide or for an entity."""
        return {r.role for r in self.roles}

    @property
    def platform_role_names(self):
        """The roles the account holds platform-wide."""
        return {r.role for r in self.roles if r.entity_id is None}

    def has_role(self, *roles, entity=None):
        """True if the account holds one of ``roles`` platform-wide, or (given ``entity``)
        for that entity or one of its parents; administrators hold every role everywhere.

        See ``consulta.core.permissions`` for the one check views use.
        """
        if any(r.role == "admin" or (r.role in roles and r.entity_id is None)
               for r in self.roles):
            return True
        if entity is None:
            return False
        held = {r.entity_id for r in self.roles if r.role in roles and r.entity_id}
        if not held:
            return False
        if entity.id in held:  # the usual case: no query
            return True
        return bool(held & set(entity.lineage_ids()))

    def holds_role(self, *roles):
        """True if the account holds one of ``roles`` anywhere (platform or any entity)."""
        return any(r.role == "admin" or r.role in roles for r in self.roles)

    def role_entity_ids(self, *roles):
        """The entities for which the account holds one of ``roles`` (without their
        children), or None when it holds one platform-wide (every entity)."""
        if any(r.role == "admin" or (r.role in roles and r.entity_id is None)
               for r in self.roles):
            return None
        return {r.entity_id for r in self.roles if r.role in roles and r.entity_id}

    @property
    def is_staff(self):
        return bool(self.role_names)

    def approved_organizations(self):
        return [m.organization for m in self.memberships
                if m.status == "approved" and m.organization.status == "approved"]


class Entity(db.Model):
    """An organizing entity: a ministry, a regional or state government, a municipality,
    an autonomous body... It runs consultations and has its own staff team."""

    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Its public address, /entities/<slug>.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    #: A level-of-government code of the deployment profile (levels.json).
    level: Mapped[str] = mapped_column(String(32), index=True)
    #: The entity it depends on (a ministry's agency...); never a cycle.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    #: A region code of the profile, optional.
    region: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    parent: Mapped["Entity | None"] = relationship(remote_side=[id])

    def __repr__(self):
        return f"<Entity {self.id}>"

    def lineage_ids(self):
        """Its own id, then its parent's, and so on up (a role held for any of them
        covers this entity)."""
        ids, entity = [], self
        while entity is not None and entity.id not in ids:
            ids.append(entity.id)
            entity = entity.parent
        return ids

    @property
    def display_name(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class UserRole(db.Model):
    """A staff role, platform-wide (``entity_id`` NULL) or held for one entity."""

    __tablename__ = "user_roles"
    __table_args__ = (
        enum_check("role", ROLES),
        UniqueConstraint("user_id", "role", "entity_id"),
        # NULLs are distinct in a UNIQUE constraint: one platform-wide row per role.
        Index("uq_user_roles_platform_role", "user_id", "role", unique=True,
              sqlite_where=text("entity_id IS NULL"),
              postgresql_where=text("entity_id IS NULL")),
        CheckConstraint("role != 'admin' OR entity_id IS NULL", name="admin_platform_wide"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    #: The entity the role is held for (and its children); NULL: platform-wide.
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])
    entity: Mapped[Entity | None] = relationship()


class Organization(db.Model):
    """A civil-society organization, company, university or public entity."""

    __tablename__ = "organizations"
    __table_args__ = (
        enum_check("status", ORGANIZATION_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sector: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    #: pending until a moderator reviews it; only approved ones are listed and usable.
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )

    def __repr__(self):
        return f"<Organization {self.id}>"

    def membership_of(self, user):
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return next((m for m in self.memberships if m.user_id == user.id), None)

    def is_admin(self, user):
        membership = self.membership_of(user)
        return bool(membership and membership.status == "approved" and membership.is_admin)

    def can_be_managed_by(self, user):
        """Moderators and the organization's own admins decide on join requests."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return user.has_role("moderator") or self.is_admin(user)


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organization_id"),
        enum_check("status", MEMBERSHIP_STATUSES),
        Index("ix_memberships_organization_status", "organization_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: An organization admin approves the organization's own join requests.
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    organization: Mapped[Organization] = relationship(back_populates="memberships")
