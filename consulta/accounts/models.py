import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
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
        return {r.role for r in self.roles}

    def has_role(self, *roles):
        """True if the account holds one of ``roles``; administrators hold every role."""
        names = self.role_names
        return "admin" in names or any(role in names for role in roles)

    @property
    def is_staff(self):
        return bool(self.role_names)

    def approved_organizations(self):
        return [m.organization for m in self.memberships
                if m.status == "approved" and m.organization.status == "approved"]


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (enum_check("role", ROLES),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])


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
