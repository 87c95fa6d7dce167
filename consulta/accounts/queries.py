"""Read queries of accounts: users, organizations and their members.

Views and operations ask here; none of these changes anything.
"""

import re
import unicodedata

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from consulta.core.dates import utcnow
from consulta.core.mail import OutboxMessage, given_up_condition, waiting_condition
from consulta.core.signals import merged_values
from consulta.extensions import db

from .models import Membership, Organization, User, UserRole
from .signals import data_export

# --- users ---------------------------------------------------------------------------

def find_user_by_email(email):
    """The account with this address (any case, spaces around it), or None.

    :param email: an address as typed; empty gives None.
    """
    if not email:
        return None
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def admin_count():
    """How many accounts hold the administrator role."""
    return db.session.scalar(
        select(func.count()).select_from(UserRole).where(UserRole.role == "admin"))


def users_for_admin(*, search="", role=""):
    """The accounts an administrator manages (deleted ones left out), oldest first.

    :param search: part of the address or of the name (any case); empty: everyone.
    :param role: only the accounts holding this role; empty: any.
    """
    query = select(User).where(User.deleted_at.is_(None)).order_by(User.id)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(or_(User.email.like(pattern), User.display_name.ilike(pattern)))
    if role:
        query = query.where(User.roles.any(UserRole.role == role))
    return query


def messages_to(user):
    """The e-mails in the outbox for ``user``, oldest first (their data export)."""
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == user.id)
        .order_by(OutboxMessage.id)).all()


def _iso(value):
    return value.isoformat() if value else None


def export_user_data(user):
    """Everything Consulta holds about the account, as a JSON-serializable dict (what
    its owner downloads): the account, its consents, its memberships, the e-mails sent
    to it, and what the parts above add through ``signals.data_export`` (contributions
    with their public state, supports).

    :param user: the account.
    """
    messages = messages_to(user)
    return {
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "sector": user.sector,
            "region": user.region,
            "gender": user.gender,
            "show_name_publicly": user.show_name_publicly,
            "interface_language": user.locale,
            "email_notifications": user.email_notifications,
            "roles": sorted(user.role_names),
            "created_at": _iso(user.created_at),
            "email_confirmed_at": _iso(user.email_confirmed_at),
            "last_login_at": _iso(user.last_login_at),
            "privacy_notice": {"version": user.privacy_version,
                               "accepted_at": _iso(user.privacy_accepted_at)},
        },
        "consents": {
            "privacy_notice": {"version": user.privacy_version,
                               "accepted_at": _iso(user.privacy_accepted_at)},
            "show_name_publicly": user.show_name_publicly,
            "email_notifications": user.email_notifications,
        },
        "organizations": [
            {"organization": m.organization.name, "status": m.status,
             "organization_admin": m.is_admin, "requested_at": _iso(m.requested_at),
             "decided_at": _iso(m.decided_at)}
            for m in user.memberships
        ],
        "emails_sent_to_you": [
            {"subject": m.subject, "created_at": _iso(m.created_at), "status": m.status}
            for m in messages
        ],
        **merged_values(data_export, user),
        "exported_at": _iso(utcnow()),
    }


# --- organizations ---------------------------------------------------------------------

def approved_organizations(*, search=""):
    """The public list of organizations, by name.

    :param search: part of the name (any case); empty: all of them.
    """
    query = (select(Organization).where(Organization.status == "approved")
             .order_by(func.lower(Organization.name)))
    if search:
        query = query.where(Organization.name.ilike(f"%{search}%"))
    return query


def pending_organizations():
    """Organizations waiting for a moderator's review, oldest first."""
    return db.session.scalars(
        select(Organization).where(Organization.status == "pending")
        .order_by(Organization.created_at)).all()


def pending_membership_requests():
    """Requests to join any organization still undecided, oldest first."""
    return db.session.scalars(
        select(Membership).where(Membership.status == "pending")
        .options(selectinload(Membership.user), selectinload(Membership.organization))
        .order_by(Membership.requested_at)).all()


#: Letters of other scripts that look like Latin ones (Unicode's confusables, the ones a
#: Spanish or English name can be faked with): compared as the Latin letter.
CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁһӏԛԝАВЕКМНОРСТХУІЈЅ"  # Cyrillic
    "αεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",  # Greek
    "aeopcyxijsdhlqwABEKMHOPCTXYIJS"
    "aeikvoptuxABEZHIKMNOPTYX")
#: Names that would pass for the platform's staff: refused for participants and
#: organizations (compared as ``name_key`` writes them, as whole words).
STAFF_NAMES = (
    "secretaria tecnica", "technical secretariat", "secretariado tecnico", "moderacion",
    "moderador", "moderadora", "moderadores", "moderator", "moderators", "moderation",
    "administrador", "administradora", "administradores", "administrator", "admin",
    "staff", "soporte tecnico",
    "equipo de soporte", "support team",
)


def name_key(name):
    """A name compared ignoring case, accents, spacing, invisible characters (zero-width
    spaces and joiners) and letters of other scripts that look Latin (a Cyrillic "а"):
    "Red Ciudadana por la Trаnsparencia" with a Cyrillic "а" is the same name."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)
                    and unicodedata.category(ch) != "Cf")
    return " ".join(plain.translate(CONFUSABLES).casefold().split())


def imitates_staff(name):
    """True if ``name`` reads like the platform's staff ("Secretaría Técnica",
    "Moderación", "Administrador"), however written (see ``name_key``)."""
    words = f" {' '.join(re.findall(r'[a-z0-9]+', name_key(name)))} "
    return any(f" {staff} " in words for staff in STAFF_NAMES)


def organization_name_taken(name, exclude_id=None):
    """True if another organization has this name, written any other way (see name_key).

    :param exclude_id: the organization being renamed, which may keep its own name.
    """
    key = name_key(name)
    query = select(Organization.id, Organization.name)
    if exclude_id is not None:
        query = query.where(Organization.id != exclude_id)
    return any(name_key(other) == key for _id, other in db.session.execute(query))


def organization_admins(organization):
    """The active accounts that administer ``organization`` (approved admin members)."""
    return [m.user for m in organization.memberships
            if m.status == "approved" and m.is_admin and m.user.is_active]


#: How many messages the outbox page lists per kind (the oldest first).
OUTBOX_PAGE_LIMIT = 200


def waiting_messages():
    """Outbox messages still to be sent, the oldest first (the outbox page)."""
    return db.session.scalars(select(OutboxMessage).where(waiting_condition())
                              .order_by(OutboxMessage.created_at, OutboxMessage.id)
                              .limit(OUTBOX_PAGE_LIMIT)).all()


def given_up_messages():
    """Outbox messages nobody retries any more (MAIL_MAX_ATTEMPTS), the oldest first."""
    return db.session.scalars(select(OutboxMessage).where(given_up_condition())
                              .order_by(OutboxMessage.created_at, OutboxMessage.id)
                              .limit(OUTBOX_PAGE_LIMIT)).all()
