"""Operations that change accounts, organizations and roles.

Each guards its transition (raising ``OperationError`` with the reason), changes the
models and writes the audit log, never with an address, a name, a gender or a
password hash in it; none commits (the view or command does). What they read comes
from ``queries.py``.
"""

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from consulta.audit.operations import record
from consulta.core.dates import utcnow
from consulta.core.mail import OutboxMessage, queue_mail
from consulta.core.operations import OperationError
from consulta.core.taxonomy import REGION_NOT_LISTED, region_codes, sector_codes
from consulta.extensions import db

from .constants import ROLES
from .models import Membership, Organization, User, UserRole, new_session_token
from .passwords import hash_password, verify_password
from .queries import (
    admin_count,
    find_user_by_email,
    imitates_staff,
    name_key,
    organization_admins,
    organization_name_taken,
)
from .signals import account_erased, name_consent_withdrawn, public_identity_changed
from .tokens import make_confirmation_token, make_reset_token

# --- registration, confirmation, login --------------------------------------

def _check_not_staff_name(name):
    """Refuse a name that passes for the platform's staff ("Secretaría Técnica")."""
    if name and imitates_staff(name):
        raise OperationError(_l("This name could be taken for the site's staff "
                                "(secretariat, moderation, administration). Choose "
                                "another one."))


def _check_sector_and_region(sector, region):
    """Refuse a sector or region code that the deployment profile does not list (the
    database no longer fixes the lists: they are the country's data)."""
    if sector is not None and sector not in sector_codes():
        raise OperationError(_l("Choose a sector from the list."))
    if region is not None and region not in region_codes():
        raise OperationError(REGION_NOT_LISTED)


def register_user(*, email, password, display_name, sector, region, gender=None,
                  show_name_publicly=False, locale=None):
    """Create an account and send the confirmation link.

    If the address already has an account, nothing is created and its owner is
    told by e-mail instead, after the same work (the password is hashed either way);
    the caller shows the same message either way. Returns the new user, or None.

    :param email: the address as typed (stored lower-cased).
    :param password: the password as typed (only its hash is kept).
    :param display_name: the name to show, with ``show_name_publicly`` consent.
    :param sector: a code of the deployment profile's sectors.
    :param region: a code of the deployment's regions.
    :param gender: a code of ``core.taxonomy.GENDERS``, or empty.
    :param locale: the interface language chosen in the browser, if any.
    """
    _check_sector_and_region(sector, region)
    _check_not_staff_name(display_name)
    email = email.strip().lower()
    existing = find_user_by_email(email)
    password_hash = hash_password(password)  # also for existing addresses: same timing
    if existing is not None:
        queue_mail(existing.email, _l("Someone tried to create an account with your address"),
                   "account_exists", user=existing,
                   login_url=url_for("accounts.login", _external=True),
                   reset_url=url_for("accounts.forgot_password", _external=True))
        return None
    now = utcnow()
    user = User(
        email=email, password_hash=password_hash, display_name=display_name,
        sector=sector, region=region, gender=gender or None,
        show_name_publicly=bool(show_name_publicly), locale=locale,
        privacy_accepted_at=now,
        privacy_version=current_app.config["PRIVACY_NOTICE_VERSION"], created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    record("account.registered", user, actor=user,
           after={"privacy_version": user.privacy_version})
    send_confirmation_link(user)
    return user


def send_confirmation_link(user):
    """E-mail ``user`` the link that confirms their address.

    :param user: the account; the link is bound to its current address.
    """
    token = make_confirmation_token(user)
    queue_mail(user.email, _l("Confirm your e-mail address"), "confirm_email", user=user,
               confirm_url=url_for("accounts.confirm_email", token=token, _external=True),
               max_age_hours=current_app.config["EMAIL_CONFIRMATION_MAX_AGE"] // 3600)


def request_confirmation_link(email):
    """Send the confirmation link again to an active account not yet confirmed.

    Returns the account, or None (unknown, deleted or already confirmed): the caller
    answers the same either way.

    :param email: the address as typed.
    """
    user = find_user_by_email(email)
    if user is None or not user.is_active or user.is_confirmed:
        return None
    send_confirmation_link(user)
    return user


def confirm_email(user):
    """Mark the address of ``user`` as confirmed; False if it already was.

    :param user: the account whose confirmation link was opened.
    """
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        record("account.email_confirmed", user, actor=user)
        return True
    return False


def authenticate(email, password):
    """The active account for these credentials, or None (same work either way).

    Records the time of the log-in on the account.

    :param email: the address as typed.
    :param password: the password as typed.
    """
    user = find_user_by_email(email)
    if not verify_password(user, password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


# --- passwords ---------------------------------------------------------------

def request_password_reset(email):
    """E-mail the link that sets a new password to the active account with ``email``.

    Returns the account, or None (unknown or deleted): the caller answers the same
    either way.

    :param email: the address as typed.
    """
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return None
    token = make_reset_token(user)
    queue_mail(user.email, _l("Reset your password"), "reset_password", user=user,
               reset_url=url_for("accounts.reset_password", token=token, _external=True),
               max_age_hours=max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600))
    return user


def set_password(user, password, *, via="reset_link"):
    """Set a new password and end every session of the account; its owner is told.

    Whoever could use a reset link proved they read the mailbox: an address not yet
    confirmed is confirmed too.

    :param user: the account.
    :param password: the new password as typed.
    :param via: how the owner proved who they are, for the audit log: ``reset_link``
        or ``current_password``.
    """
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    after = {"via": via}
    # Whoever could reset the password proved they read the mailbox.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        after["email_confirmed"] = True
    record("account.password_changed", user, actor=user, after=after)
    queue_mail(user.email, _l("Your password was changed"), "password_changed", user=user,
               reset_url=url_for("accounts.forgot_password", _external=True))


def change_password(user, current_password, new_password):
    """Set a new password for someone who knows the current one (see set_password).

    :param user: the account (the one logged in).
    :param current_password: the password it has now, as typed.
    :param new_password: the new password as typed.
    """
    if not verify_password(user, current_password):
        raise OperationError(_l("The current password is not correct."))
    set_password(user, new_password, via="current_password")


def end_all_sessions(user):
    """Log the account out everywhere: every session and remember-me cookie stops working.

    :param user: the account.
    """
    user.session_token = new_session_token()


# --- profile, personal data --------------------------------------------------

PROFILE_FIELDS = ("display_name", "sector", "region", "gender", "show_name_publicly", "locale",
                  "email_notifications")
#: Profile fields public pages may show with a contribution (the name with consent).
PUBLIC_PROFILE_FIELDS = {"display_name", "show_name_publicly", "sector"}
#: Profile fields whose values the audit log may keep (settings, not facts about the
#: person); for the others it keeps only the name of the field that changed.
AUDITED_PROFILE_VALUES = ("show_name_publicly", "locale", "email_notifications")


def update_profile(user, **values):
    """Change the profile fields given in ``values`` (see PROFILE_FIELDS); others stay.

    The audit log lists the fields changed, with values only for AUDITED_PROFILE_VALUES.

    :param user: the account (its owner edits it).
    :param values: new values by field name; an empty gender or locale means none.
    """
    _check_sector_and_region(values.get("sector"), values.get("region"))
    if not user.is_staff and values.get("display_name") != user.display_name:
        _check_not_staff_name(values.get("display_name"))
    changed = []
    before, after = {}, {}
    for name in PROFILE_FIELDS:
        if name in values:
            value = values[name]
            if name in ("gender", "locale"):
                value = value or None
            if getattr(user, name) == value:
                continue
            changed.append(name)
            if name in AUDITED_PROFILE_VALUES:
                before[name], after[name] = getattr(user, name), value
            setattr(user, name, value)
    if changed:
        record("account.profile_updated", user, actor=user, before=before,
               after={**after, "changed": changed})
        if PUBLIC_PROFILE_FIELDS.intersection(changed):
            public_identity_changed.send(user)
    if before.get("show_name_publicly") and not after.get("show_name_publicly", True):
        name_consent_withdrawn.send(user)


def accept_privacy_notice(user):
    """The user accepts the privacy notice in force (the profile's version), after it
    changed since they last accepted one (audited: which version, from which).

    :param user: the account (its owner accepts).
    """
    version = current_app.config["PRIVACY_NOTICE_VERSION"]
    if user.privacy_version == version:
        return
    before = {"privacy_version": user.privacy_version}
    user.privacy_version, user.privacy_accepted_at = version, utcnow()
    record("account.privacy_accepted", user, actor=user, before=before,
           after={"privacy_version": version})


def delete_account(user, password):
    """Anonymize the account: personal data goes, contributions stay.

    The e-mail, name, gender and password are removed, memberships and roles
    dropped and e-mails to the address purged; sector and region stay, since
    they are only used in aggregate. The last administrator cannot leave.

    :param user: the account (its owner deletes it).
    :param password: its password as typed, to confirm.
    """
    if not verify_password(user, password):
        raise OperationError(_l("The password is not correct."))
    if user.has_role("admin") and admin_count() <= 1:
        raise OperationError(_l("You are the only administrator. Give the role to someone "
                                "else before deleting your account."))
    db.session.execute(delete(OutboxMessage).where(
        (OutboxMessage.user_id == user.id) | (OutboxMessage.recipient == user.email)))
    record("account.deleted", user, actor=user,
           before={"roles": sorted(user.role_names)}, after={"deleted": True})
    public_identity_changed.send(user)
    email = user.email
    user.email = None
    user.password_hash = None
    user.display_name = ""
    user.gender = None
    user.show_name_publicly = False
    user.email_notifications = False
    user.locale = None
    user.deleted_at = utcnow()
    user.session_token = new_session_token()
    user.roles.clear()
    user.memberships.clear()
    account_erased.send(user, email=email)


# --- roles -------------------------------------------------------------------

def set_roles(user, roles, *, actor):
    """Give ``user`` exactly ``roles`` platform-wide; False if it already had them.
    Roles held for an entity are kept (see accounts/entities.py).

    An administrator cannot drop their own role; deleted accounts get none, and
    accounts whose address is not confirmed get no new one.

    :param user: the account.
    :param roles: role names (unknown ones are ignored).
    :param actor: the administrator.
    """
    roles = {r for r in roles if r in ROLES}
    before = user.platform_role_names
    if user.id == actor.id and "admin" in before and "admin" not in roles:
        raise OperationError(_l("You cannot remove your own administrator role."))
    if not user.is_active:
        raise OperationError(_l("This account has been deleted."))
    if roles - before and not user.is_confirmed:
        raise OperationError(_l("This account has not confirmed its e-mail address yet; roles "
                                "can be given once it has."))
    if roles == before:
        return False
    for role in list(user.roles):
        if role.entity_id is None and role.role not in roles:
            user.roles.remove(role)
    for name in sorted(roles - before):
        user.roles.append(UserRole(role=name, granted_by_id=actor.id, granted_at=utcnow()))
    record("account.roles_changed", user, actor=actor,
           before={"roles": sorted(before)}, after={"roles": sorted(roles)})
    return True


def retry_outbox_message(message, *, actor):
    """Give a message that failed (given up, or waiting for its next try) a fresh set of
    attempts; it is sent after the commit, and by ``send-mail`` if that fails again.
    Audited without the address or the text (personal data).

    :param message: an outbox message not sent yet.
    :param actor: the administrator.
    """
    if message.status not in ("failed", "pending"):
        raise OperationError(_l("This message is not waiting to be sent."))
    before = {"status": message.status, "attempts": message.attempts}
    message.status, message.attempts, message.claimed_at = "pending", 0, None
    db.session.info.setdefault("outbox_new", []).append(message.id)
    record("mail.retried", object_type="outbox_messages", object_id=message.id, actor=actor,
           before=before, after={"status": "pending", "attempts": 0})


def make_administrator(email, password, display_name, *, region=""):
    """The `create-admin` command: a confirmed administrator with the given password.

    An existing account with the address gets the role *and* the password typed by
    the operator (its other sessions end), so that someone who registered the address
    beforehand cannot keep access to an administrator account. Returns (the account,
    whether it was created).

    :param email: the administrator's address.
    :param password: the password the operator typed.
    :param display_name: the name of a new account (an existing one keeps its own).
    :param region: a new account's region code; empty (the default) leaves it to the
        administrator, who chooses it when they first save their profile.
    """
    email = email.strip().lower()
    user = find_user_by_email(email)
    created = user is None
    if not created:
        user.password_hash = hash_password(password)
        user.session_token = new_session_token()
        after = {"via": "create_admin"}
        if user.email_confirmed_at is None:
            user.email_confirmed_at = utcnow()
            after["email_confirmed"] = True
        record("account.password_changed", user, after=after)
    else:
        now = utcnow()
        user = User(email=email, password_hash=hash_password(password),
                    display_name=display_name, sector="other", region=region or "",
                    privacy_accepted_at=now,
                    privacy_version=current_app.config["PRIVACY_NOTICE_VERSION"],
                    email_confirmed_at=now, created_at=now)
        db.session.add(user)
        db.session.flush()
        record("account.created", user, after={"privacy_version": user.privacy_version})
    if "admin" not in user.role_names:
        before = sorted(user.platform_role_names)
        user.roles.append(UserRole(role="admin", granted_at=utcnow()))
        record("account.roles_changed", user, before={"roles": before},
               after={"roles": sorted(user.platform_role_names)})
    return user, created


# --- organizations -----------------------------------------------------------

def create_organization(user, *, name, sector, region, website=None):
    """Propose an organization; its creator becomes its admin once a moderator approves it.

    A moderator's organization is approved at once, without them as a member.

    :param user: who proposes it (a confirmed account).
    :param name: its name, unique however written (see queries.name_key).
    :param sector: a code of the deployment profile's sectors.
    :param region: a code of the deployment's regions.
    :param website: its address, or empty.
    """
    if not user.is_confirmed:
        raise OperationError(_l("Confirm your e-mail address first."))
    _check_sector_and_region(sector, region)
    _check_not_staff_name(name)
    if organization_name_taken(name):
        raise OperationError(_l("An organization with this name already exists. Ask to join it "
                                "instead."))
    staff = user.has_role("moderator")
    now = utcnow()
    organization = Organization(
        name=name, sector=sector, region=region, website=website or None,
        created_by_id=user.id, created_at=now,
        status="approved" if staff else "pending",
        reviewed_at=now if staff else None, reviewed_by_id=user.id if staff else None,
    )
    db.session.add(organization)
    db.session.flush()
    if not staff:
        db.session.add(Membership(user_id=user.id, organization_id=organization.id,
                                  status="approved", is_admin=True, requested_at=now,
                                  decided_at=now))
    record("organization.created", organization, actor=user,
           after={"name": name, "status": organization.status})
    return organization


def update_organization(organization, *, actor, name, sector, region, website=None):
    """Edit an organization's public details (audited when something changed).

    :param organization: the organization.
    :param actor: a moderator or one of its admins.
    :param name: the new name, unique however written.
    :param sector: a code of the deployment profile's sectors.
    :param region: a code of the deployment's regions.
    :param website: its address, or empty.

    Renamed by one of its admins, an approved organization goes back to review (a
    moderator's rename does not): until approved again, nobody contributes on its
    behalf, and its past contributions keep the name they were sent under.
    """
    _check_sector_and_region(sector, region)
    if name_key(name) != name_key(organization.name):
        _check_not_staff_name(name)
    if organization_name_taken(name, exclude_id=organization.id):
        raise OperationError(_l("An organization with this name already exists."))
    before = {"name": organization.name, "sector": organization.sector,
              "region": organization.region, "website": organization.website}
    renamed = name != organization.name
    organization.name, organization.sector = name, sector
    organization.region, organization.website = region, website or None
    after = {"name": name, "sector": sector, "region": region, "website": website or None}
    if renamed and organization.status == "approved" and not actor.has_role("moderator"):
        # A new name is a new identity: moderators approve it again before anyone speaks
        # under it (contributions already sent keep the name they were sent under).
        before["status"], after["status"] = organization.status, "pending"
        organization.status = "pending"
        organization.reviewed_at = organization.reviewed_by_id = None
    if before != after:
        record("organization.updated", organization, actor=actor, before=before, after=after)
        public_identity_changed.send(organization)
    return organization


def review_organization(organization, *, approve, actor):
    """Approve or reject a proposed organization; whoever proposed it is told.

    :param organization: a pending organization.
    :param approve: True to approve, False to reject.
    :param actor: the moderator.
    """
    if organization.status != "pending":
        raise OperationError(_l("This organization has already been reviewed."))
    organization.status = "approved" if approve else "rejected"
    organization.reviewed_at = utcnow()
    organization.reviewed_by_id = actor.id
    record("organization.reviewed", organization, actor=actor,
           before={"status": "pending"}, after={"status": organization.status})
    public_identity_changed.send(organization)
    creator = db.session.get(User, organization.created_by_id) if organization.created_by_id \
        else None
    if creator is not None and creator.is_active:
        queue_mail(creator.email,
                   _l("Your organization was approved") if approve
                   else _l("Your organization was not approved"),
                   "organization_reviewed", user=creator, organization=organization,
                   approved=approve,
                   url=url_for("accounts.organization", organization_id=organization.id,
                               _external=True))


def request_membership(user, organization):
    """Ask to join an approved organization (again, after a refusal); its admins are told.

    :param user: who asks (a confirmed account).
    :param organization: the organization.
    """
    if not user.is_confirmed:
        raise OperationError(_l("Confirm your e-mail address first."))
    if organization.status != "approved":
        raise OperationError(_l("This organization cannot receive members yet."))
    membership = organization.membership_of(user)
    if membership is not None and membership.status in ("pending", "approved"):
        raise OperationError(_l("You have already asked to join this organization."))
    before = None
    if membership is None:
        membership = Membership(user_id=user.id, organization_id=organization.id)
        organization.memberships.append(membership)
    else:
        before = {"status": membership.status}  # asked again after a refusal
    membership.status = "pending"
    membership.is_admin = False
    membership.requested_at = utcnow()
    membership.decided_at = membership.decided_by_id = None
    db.session.flush()
    record("membership.requested", membership, actor=user, before=before,
           after={"status": "pending", "organization_id": organization.id,
                  "user_id": user.id})
    for admin in organization_admins(organization):
        queue_mail(admin.email, _l("New request to join %(name)s", name=organization.name),
                   "membership_requested", user=admin, organization=organization,
                   url=url_for("accounts.organization_members",
                               organization_id=organization.id, _external=True))
    return membership


def decide_membership(membership, *, approve, actor):
    """Accept or refuse a request to join; the person who asked is told.

    :param membership: a pending request.
    :param approve: True to accept, False to refuse.
    :param actor: an admin of the organization, or a moderator.
    """
    if membership.status != "pending":
        raise OperationError(_l("This request has already been decided."))
    membership.status = "approved" if approve else "rejected"
    membership.decided_at = utcnow()
    membership.decided_by_id = actor.id
    record("membership.decided", membership, actor=actor, before={"status": "pending"},
           after={"status": membership.status, "organization_id": membership.organization_id,
                  "user_id": membership.user_id})
    member = membership.user
    if member.is_active:
        queue_mail(member.email,
                   _l("You are now a member of %(name)s", name=membership.organization.name)
                   if approve else
                   _l("Your request to join %(name)s was not accepted",
                      name=membership.organization.name),
                   "membership_decided", user=member, organization=membership.organization,
                   approved=approve)


def set_membership_admin(membership, *, is_admin, actor):
    """Make a member an admin of the organization, or not (it keeps at least one).

    :param membership: an approved membership.
    :param is_admin: the new value.
    :param actor: an admin of the organization, or a moderator.
    """
    if membership.status != "approved":
        raise OperationError(_l("Only approved members can be organization admins."))
    if membership.is_admin == is_admin:
        return
    if not is_admin and len(organization_admins(membership.organization)) <= 1:
        raise OperationError(_l("The organization needs at least one admin."))
    membership.is_admin = is_admin
    record("membership.admin_changed", membership, actor=actor,
           before={"is_admin": not is_admin}, after={"is_admin": is_admin})


def leave_organization(membership, *, actor):
    """End a membership (or withdraw a request); the only admin of an organization with
    other members must name another admin first.

    :param membership: the membership.
    :param actor: its member.
    """
    organization = membership.organization
    if (membership.is_admin and membership.status == "approved"
            and len(organization_admins(organization)) <= 1
            and any(m.status == "approved" and m is not membership
                    for m in organization.memberships)):
        raise OperationError(_l("You are the organization's only admin. Make another member "
                                "admin before leaving."))
    record("membership.left", membership, actor=actor,
           before={"status": membership.status, "organization_id": organization.id},
           after=None)
    organization.memberships.remove(membership)
