"""The operations of accounts, called directly (as views and commands call them).

Accounts and organizations come from the factories (tests/conftest.py); what only HTTP
shows (forms, permissions, redirects, pages) is in the other files of this folder.
"""

import json
from datetime import datetime

import pytest
from sqlalchemy import func, select

from consulta.accounts import operations
from consulta.accounts.models import Membership, Organization, User
from consulta.accounts.tokens import InvalidToken, user_for_confirmation, user_for_reset
from consulta.audit.models import AuditEntry
from consulta.core.mail import OutboxMessage
from consulta.core.operations import OperationError
from consulta.extensions import db

from ..conftest import TEST_PASSWORD, link_in

NEW_PASSWORD = "otra frase larga y segura"


@pytest.fixture
def request_ctx(app):
    """A request context (operations build links for e-mails); the session is closed after.

    Call the factories first, then load what they made: they commit and close their
    session, which may be this one (create_organization runs in this app context)."""
    with app.test_request_context():
        yield
        db.session.remove()


def user(ref):
    return db.session.get(User, ref.id)


def organization(organization_id):
    return db.session.get(Organization, organization_id)


def membership_of(user_ref, organization_id):
    return db.session.scalar(select(Membership).where(
        Membership.user_id == user_ref.id, Membership.organization_id == organization_id))


def entries(action=None):
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return db.session.scalars(query).all()


def actions():
    return [entry.action for entry in entries()]


def assert_no_personal_data(entry, *values):
    """Nothing personal in what the audit log keeps (before and after)."""
    kept = json.dumps([entry.before, entry.after], ensure_ascii=False)
    for value in values:
        assert value not in kept, (value, kept)


def token_in(message, path_prefix):
    return link_in(message, path_prefix).rsplit("/", 1)[1]


def register(email="nueva@example.pe", **values):
    return operations.register_user(**{
        "email": email, "password": "una frase larga y segura", "display_name": "Ana Quispe",
        "sector": "citizen", "region": "cusco", "gender": "female", **values})


# --- registration and confirmation ------------------------------------------------------

def test_registering_creates_an_unconfirmed_account_and_sends_the_link(app, request_ctx,
                                                                       outbox):
    created = register(email="  Ana.Quispe@Example.PE ", show_name_publicly=True, locale="en")
    db.session.commit()
    assert created.email == "ana.quispe@example.pe"
    assert (created.display_name, created.sector, created.region, created.gender) == (
        "Ana Quispe", "citizen", "cusco", "female")
    assert created.show_name_publicly is True and created.locale == "en"
    assert not created.is_confirmed and created.is_active and created.role_names == set()
    assert created.privacy_version == app.config["PRIVACY_NOTICE_VERSION"]
    assert created.privacy_accepted_at is not None
    assert "una frase larga y segura" not in created.password_hash
    assert operations.authenticate("ana.quispe@example.pe", "una frase larga y segura") \
        is created
    [message] = outbox()
    assert message.recipient == "ana.quispe@example.pe" and message.user_id == created.id
    assert "Confirm" in message.subject  # in the account's language
    assert user_for_confirmation(token_in(message, "/confirm/")) is created


def test_registering_is_audited_without_personal_data(app, request_ctx):
    created = register()
    db.session.commit()
    [entry] = entries()
    assert (entry.action, entry.object_type, entry.object_id, entry.actor_id) == (
        "account.registered", "users", created.id, created.id)
    assert entry.after == {"privacy_version": app.config["PRIVACY_NOTICE_VERSION"]}
    assert_no_personal_data(entry, "nueva@example.pe", "Ana Quispe", "female",
                            created.password_hash)


def test_registering_a_taken_address_changes_nothing_and_tells_its_owner(
        request_ctx, create_user, outbox):
    taken = create_user(email="ya.existe@example.pe")
    assert register(email=" YA.EXISTE@example.pe ") is None
    db.session.commit()
    assert entries() == []
    assert db.session.scalars(select(User.id)).all() == [taken.id]
    [message] = outbox()
    assert message.recipient == "ya.existe@example.pe"
    assert "/password/forgot" in message.body and "/confirm/" not in message.body


def test_an_empty_gender_is_stored_as_none(request_ctx):
    assert register(gender="").gender is None


def test_the_confirmation_link_is_sent_again_only_where_it_is_needed(request_ctx,
                                                                     create_user, outbox):
    waiting = create_user(confirmed=False)
    confirmed = create_user()
    deleted = create_user(confirmed=False, deleted_at=datetime(2026, 1, 1).astimezone())
    assert operations.request_confirmation_link(waiting.email.upper()) is user(waiting)
    for email in (confirmed.email, deleted.email, "nadie@example.pe", ""):
        assert operations.request_confirmation_link(email) is None
    db.session.commit()
    assert [m.recipient for m in outbox()] == [waiting.email]
    assert user_for_confirmation(token_in(outbox()[0], "/confirm/")) is user(waiting)


def test_confirming_the_address_is_audited_once(request_ctx, create_user):
    account = user(create_user(confirmed=False))
    assert operations.confirm_email(account) is True
    assert operations.confirm_email(account) is False
    db.session.commit()
    assert account.is_confirmed
    [entry] = entries()
    assert (entry.action, entry.object_id, entry.actor_id) == (
        "account.email_confirmed", account.id, account.id)


# --- log-in and sessions ------------------------------------------------------------------

def test_authenticate_accepts_the_password_and_records_the_time(request_ctx, create_user):
    account = user(create_user())
    assert account.last_login_at is None
    assert operations.authenticate(f" {account.email.upper()} ", TEST_PASSWORD) is account
    assert account.last_login_at is not None


def test_authenticate_refuses_wrong_passwords_unknown_and_deleted_accounts(request_ctx,
                                                                           create_user):
    account = user(create_user())
    deleted = create_user(deleted_at=datetime(2026, 1, 1).astimezone())
    assert operations.authenticate(account.email, "no es la clave") is None
    assert operations.authenticate("nadie@example.pe", TEST_PASSWORD) is None
    assert operations.authenticate(deleted.email, TEST_PASSWORD) is None
    assert operations.authenticate("", TEST_PASSWORD) is None
    assert account.last_login_at is None


def test_an_unconfirmed_account_can_log_in(request_ctx, create_user):
    account = user(create_user(confirmed=False))
    assert operations.authenticate(account.email, TEST_PASSWORD) is account


def test_ending_all_sessions_changes_the_session_token(request_ctx, create_user):
    account = user(create_user())
    token, login_id = account.session_token, account.get_id()
    operations.end_all_sessions(account)
    assert account.session_token != token and account.get_id() != login_id


# --- passwords ----------------------------------------------------------------------------

def test_a_reset_link_goes_only_to_an_active_account(request_ctx, create_user, outbox):
    account = user(create_user())
    deleted = create_user(deleted_at=datetime(2026, 1, 1).astimezone())
    assert operations.request_password_reset(account.email.upper()) is account
    assert operations.request_password_reset(deleted.email) is None
    assert operations.request_password_reset("nadie@example.pe") is None
    db.session.commit()
    [message] = outbox()
    assert message.recipient == account.email
    assert user_for_reset(token_in(message, "/password/reset/")) is account


def test_a_password_reset_is_audited_confirms_the_address_and_ends_sessions(
        request_ctx, create_user, outbox):
    account = user(create_user(confirmed=False))
    old_token, old_hash = account.session_token, account.password_hash
    operations.request_password_reset(account.email)
    db.session.commit()
    token = token_in(outbox()[-1], "/password/reset/")
    operations.set_password(account, NEW_PASSWORD)
    db.session.commit()
    assert account.session_token != old_token and account.is_confirmed
    assert operations.authenticate(account.email, NEW_PASSWORD) is account
    assert operations.authenticate(account.email, TEST_PASSWORD) is None
    with pytest.raises(InvalidToken):  # the link worked once
        user_for_reset(token)
    [entry] = entries()
    assert (entry.action, entry.actor_id) == ("account.password_changed", account.id)
    assert entry.after == {"via": "reset_link", "email_confirmed": True}
    assert_no_personal_data(entry, NEW_PASSWORD, old_hash, account.password_hash,
                            account.email)
    assert "cambi" in outbox(account.email)[-1].subject  # the owner is told


def test_a_password_change_needs_the_current_password_and_is_audited(request_ctx,
                                                                     create_user):
    account = user(create_user())
    with pytest.raises(OperationError, match="contraseña actual"):
        operations.change_password(account, "no es la clave", NEW_PASSWORD)
    assert entries() == []
    operations.change_password(account, TEST_PASSWORD, NEW_PASSWORD)
    db.session.commit()
    [entry] = entries()
    assert entry.action == "account.password_changed"
    assert entry.after == {"via": "current_password"}
    assert operations.authenticate(account.email, TEST_PASSWORD) is None
    assert operations.authenticate(account.email, NEW_PASSWORD) is account


# --- profile and personal data --------------------------------------------------------------

def test_a_profile_update_lists_the_changed_fields_but_keeps_no_personal_values(
        request_ctx, create_user):
    account = user(create_user(display_name="Ana", gender="female", locale=None))
    operations.update_profile(account, display_name="Ana María", sector="citizen",
                              region="puno", gender="male", show_name_publicly=True,
                              locale="en", email_notifications=True)
    db.session.commit()
    assert (account.display_name, account.region, account.gender, account.locale) == (
        "Ana María", "puno", "male", "en")
    [entry] = entries("account.profile_updated")
    assert entry.actor_id == account.id and entry.object_id == account.id
    assert entry.after == {"changed": ["display_name", "region", "gender",
                                       "show_name_publicly", "locale"],
                           "show_name_publicly": True, "locale": "en"}
    assert entry.before == {"show_name_publicly": False, "locale": None}
    assert_no_personal_data(entry, "Ana", "female", "male", "puno", "cusco")


def test_a_profile_update_changes_only_what_it_is_given(request_ctx, create_user):
    account = user(create_user(display_name="Ana", gender="female", locale="en"))
    operations.update_profile(account, gender="", locale="", email=["otra@example.pe"],
                              password_hash="x")
    assert (account.gender, account.locale, account.display_name) == (None, None, "Ana")
    assert account.email != "otra@example.pe" and account.password_hash != "x"
    assert entries()[0].after["changed"] == ["gender", "locale"]


def test_a_profile_saved_without_changes_writes_nothing(request_ctx, create_user):
    account = user(create_user(display_name="Ana"))
    operations.update_profile(account, display_name="Ana", sector=account.sector,
                              region=account.region, gender="", locale="",
                              show_name_publicly=False, email_notifications=True)
    db.session.commit()
    assert entries() == []


# --- deleting an account ------------------------------------------------------------------

def test_deleting_an_account_anonymizes_it_and_keeps_its_sector(request_ctx, create_user,
                                                                create_organization,
                                                                outbox):
    ref = create_user(display_name="Nombre Único", gender="female", locale="en",
                      show_name_publicly=True, roles=("moderator",))
    organization_id = create_organization(admin=ref, approved=False)
    account = user(ref)
    operations.request_password_reset(account.email)  # an e-mail to purge
    db.session.commit()
    assert outbox(ref.email)
    operations.delete_account(account, TEST_PASSWORD)
    db.session.commit()
    assert (account.email, account.password_hash, account.display_name, account.gender,
            account.locale) == (None, None, "", None, None)
    assert account.show_name_publicly is False and account.email_notifications is False
    assert not account.is_active and account.deleted_at is not None
    assert account.sector == "citizen" and account.region == "cusco"  # aggregates keep them
    assert account.role_names == set() and account.memberships == []
    assert membership_of(ref, organization_id) is None
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    [entry] = entries("account.deleted")
    assert (entry.actor_id, entry.before, entry.after) == (
        account.id, {"roles": ["moderator"]}, {"deleted": True})
    assert operations.authenticate(ref.email, TEST_PASSWORD) is None


def test_deleting_needs_the_password(request_ctx, create_user):
    account = user(create_user())
    with pytest.raises(OperationError):
        operations.delete_account(account, "no es la clave")
    assert account.is_active and entries() == []


def test_the_last_administrator_cannot_delete_their_account(request_ctx, create_user):
    first = user(create_user(roles=("admin",)))
    with pytest.raises(OperationError, match="único administrador"):
        operations.delete_account(first, TEST_PASSWORD)
    assert first.is_active


def test_an_administrator_can_delete_their_account_when_another_remains(request_ctx,
                                                                        create_user):
    first, _second = create_user(roles=("admin",)), create_user(roles=("admin",))
    operations.delete_account(user(first), TEST_PASSWORD)
    assert not user(first).is_active


# --- roles ----------------------------------------------------------------------------------

def test_set_roles_gives_exactly_the_roles_and_audits_the_change(request_ctx, create_user):
    admin = user(create_user(roles=("admin",)))
    target = user(create_user(roles=("moderator",)))
    assert operations.set_roles(target, {"secretariat", "superuser"}, actor=admin) is True
    db.session.commit()
    assert target.role_names == {"secretariat"}
    [role] = target.roles
    assert role.granted_by_id == admin.id and role.granted_at is not None
    [entry] = entries()
    assert (entry.action, entry.actor_id, entry.object_id, entry.before, entry.after) == (
        "account.roles_changed", admin.id, target.id, {"roles": ["moderator"]},
        {"roles": ["secretariat"]})
    assert operations.set_roles(target, {"secretariat"}, actor=admin) is False
    assert len(entries()) == 1


def test_set_roles_refuses_what_the_rules_forbid(request_ctx, create_user):
    admin = user(create_user(roles=("admin",)))
    unconfirmed = user(create_user(confirmed=False))
    deleted = user(create_user(deleted_at=datetime(2026, 1, 1).astimezone()))
    with pytest.raises(OperationError, match="propio rol"):
        operations.set_roles(admin, {"moderator"}, actor=admin)
    with pytest.raises(OperationError, match="no ha confirmado"):
        operations.set_roles(unconfirmed, {"moderator"}, actor=admin)
    with pytest.raises(OperationError, match="eliminada"):
        operations.set_roles(deleted, {"moderator"}, actor=admin)
    assert admin.role_names == {"admin"} and unconfirmed.role_names == set()
    assert operations.set_roles(unconfirmed, set(), actor=admin) is False  # nothing to give
    assert entries() == []


def test_make_administrator_creates_a_confirmed_administrator(app, request_ctx):
    created, is_new = operations.make_administrator(" Jefa@Example.pe ", NEW_PASSWORD, "Jefa")
    db.session.commit()
    assert is_new and created.email == "jefa@example.pe" and created.display_name == "Jefa"
    assert created.is_confirmed and created.role_names == {"admin"}
    assert operations.authenticate(created.email, NEW_PASSWORD) is created
    assert [(e.action, e.actor_id, e.object_id, e.before, e.after) for e in entries()] == [
        ("account.created", None, created.id, None,
         {"privacy_version": app.config["PRIVACY_NOTICE_VERSION"]}),
        ("account.roles_changed", None, created.id, {"roles": []}, {"roles": ["admin"]}),
    ]


def test_make_administrator_takes_over_an_existing_account(request_ctx, create_user):
    ref = create_user(roles=("moderator",), confirmed=False, display_name="Quien Sea")
    account = user(ref)
    token = account.session_token
    promoted, is_new = operations.make_administrator(ref.email, NEW_PASSWORD, "ignorado")
    db.session.commit()
    assert promoted is account and not is_new and account.display_name == "Quien Sea"
    assert account.role_names == {"admin", "moderator"} and account.is_confirmed
    assert account.session_token != token  # whoever registered it beforehand is out
    assert operations.authenticate(ref.email, TEST_PASSWORD) is None
    assert operations.authenticate(ref.email, NEW_PASSWORD) is account
    assert [(e.action, e.actor_id, e.before, e.after) for e in entries()] == [
        ("account.password_changed", None, None,
         {"via": "create_admin", "email_confirmed": True}),
        ("account.roles_changed", None, {"roles": ["moderator"]},
         {"roles": ["admin", "moderator"]}),
    ]


# --- organizations ------------------------------------------------------------------------

def test_a_participant_proposes_an_organization_and_is_its_admin(request_ctx, create_user):
    founder = user(create_user())
    proposed = operations.create_organization(
        founder, name="Red Ciudadana", sector="civil_society", region="cusco",
        website="")
    db.session.commit()
    assert (proposed.status, proposed.website, proposed.created_by_id) == (
        "pending", None, founder.id)
    assert proposed.reviewed_at is None
    assert proposed.is_admin(founder) and proposed.can_be_managed_by(founder)
    [entry] = entries()
    assert (entry.action, entry.actor_id, entry.after) == (
        "organization.created", founder.id, {"name": "Red Ciudadana", "status": "pending"})


def test_a_moderators_organization_is_approved_without_them_as_member(request_ctx,
                                                                     create_user):
    moderator = user(create_user(roles=("moderator",)))
    created = operations.create_organization(moderator, name="Colegio de Abogados",
                                             sector="other", region="lima-metropolitana")
    assert created.status == "approved" and created.reviewed_by_id == moderator.id
    assert created.memberships == []


def test_organization_names_are_unique_however_written(request_ctx, create_user,
                                                      create_organization):
    create_organization(name="Asociación Civil Transparencia Cusco")
    founder = user(create_user())
    for name in ("ASOCIACION CIVIL  TRANSPARENCIA CUSCO", "asociación civil transparencia "
                 "cusco"):
        with pytest.raises(OperationError, match="Ya existe"):
            operations.create_organization(founder, name=name, sector="other",
                                           region="cusco")
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 1


def test_an_unconfirmed_account_cannot_propose_an_organization(request_ctx, create_user):
    with pytest.raises(OperationError, match="confirma tu correo"):
        operations.create_organization(user(create_user(confirmed=False)), name="Otra",
                                       sector="other", region="cusco")
    assert entries() == []


def test_updating_an_organization_is_audited_only_when_something_changes(
        request_ctx, create_user, create_organization):
    admin_ref = create_user()
    first_id = create_organization(admin=admin_ref, name="Red Uno")
    create_organization(name="Red Dos")
    first, admin = organization(first_id), user(admin_ref)
    count = len(entries())
    operations.update_organization(first, actor=admin, name="Red Uno", sector=first.sector,
                                   region=first.region, website="")
    assert len(entries()) == count
    with pytest.raises(OperationError, match="Ya existe"):
        operations.update_organization(first, actor=admin, name="RED DOS",
                                       sector="academia", region="puno")
    operations.update_organization(first, actor=admin, name="Red Uno Renovada",
                                   sector="academia", region="puno",
                                   website="https://red.example.pe")
    entry = entries("organization.updated")[-1]
    assert entry.actor_id == admin.id
    # Renamed by its admin: back to review (issue 17), which the log says too.
    assert entry.before == {"name": "Red Uno", "sector": "civil_society", "region": "cusco",
                            "website": None, "status": "approved"}
    assert entry.after == {"name": "Red Uno Renovada", "sector": "academia",
                           "region": "puno", "website": "https://red.example.pe",
                           "status": "pending"}


@pytest.mark.parametrize("approve", [True, False])
def test_reviewing_an_organization_decides_it_once_and_tells_its_founder(
        request_ctx, create_user, create_organization, outbox, approve):
    founder, moderator_ref = create_user(), create_user(roles=("moderator",))
    proposed = organization(create_organization(admin=founder, approved=False))
    moderator = user(moderator_ref)
    operations.review_organization(proposed, approve=approve, actor=moderator)
    db.session.commit()
    assert proposed.status == ("approved" if approve else "rejected")
    assert proposed.reviewed_by_id == moderator.id and proposed.reviewed_at is not None
    entry = entries("organization.reviewed")[-1]
    assert (entry.actor_id, entry.before, entry.after) == (
        moderator.id, {"status": "pending"}, {"status": proposed.status})
    [message] = outbox(founder.email)
    assert "aprobada" in message.subject
    assert ("no fue" not in message.subject) is approve
    with pytest.raises(OperationError, match="ya fue revisada"):
        operations.review_organization(proposed, approve=True, actor=moderator)


# --- memberships ----------------------------------------------------------------------------

def test_asking_to_join_makes_a_pending_request_that_the_admins_hear_of(
        request_ctx, create_user, create_organization, outbox):
    admin, member_ref = create_user(), create_user()
    organization_id = create_organization(admin=admin)
    member = user(member_ref)
    membership = operations.request_membership(member, organization(organization_id))
    db.session.commit()
    assert (membership.status, membership.is_admin) == ("pending", False)
    assert membership.requested_at is not None
    assert not organization(organization_id).is_admin(member)
    message = outbox(admin.email)[-1]
    assert organization(organization_id).name in message.subject
    assert f"/organizations/{organization_id}/members" in message.body
    [entry] = entries("membership.requested")
    assert (entry.object_type, entry.object_id, entry.actor_id) == (
        "memberships", membership.id, member.id)
    assert entry.before is None
    assert entry.after == {"status": "pending", "organization_id": organization_id,
                           "user_id": member.id}


def test_asking_to_join_is_refused_where_the_rules_say(request_ctx, create_user,
                                                      create_organization):
    admin = create_user()
    approved_id = create_organization(admin=admin)
    pending_id = create_organization(approved=False)
    unconfirmed = user(create_user(confirmed=False))
    with pytest.raises(OperationError, match="confirma tu correo"):
        operations.request_membership(unconfirmed, organization(approved_id))
    with pytest.raises(OperationError, match="aún no puede recibir"):
        operations.request_membership(user(admin), organization(pending_id))
    with pytest.raises(OperationError, match="Ya solicitaste"):  # already a member
        operations.request_membership(user(admin), organization(approved_id))
    member = user(create_user())
    operations.request_membership(member, organization(approved_id))
    with pytest.raises(OperationError, match="Ya solicitaste"):
        operations.request_membership(member, organization(approved_id))


def test_asking_again_after_a_refusal_is_audited_with_the_refusal(request_ctx, create_user,
                                                                  create_organization):
    organization_id, moderator = create_organization(), create_user(roles=("moderator",))
    member = user(create_user())
    membership = operations.request_membership(member, organization(organization_id))
    operations.decide_membership(membership, approve=False, actor=user(moderator))
    operations.request_membership(member, organization(organization_id))
    db.session.commit()
    assert membership.status == "pending" and membership.decided_at is None
    assert [e.before for e in entries("membership.requested")] == [None,
                                                                    {"status": "rejected"}]


@pytest.mark.parametrize("approve", [True, False])
def test_deciding_a_request_tells_the_person_who_asked(request_ctx, create_user,
                                                      create_organization, outbox,
                                                      approve):
    admin, member = create_user(), create_user()
    organization_id = create_organization(admin=admin)
    membership = operations.request_membership(user(member), organization(organization_id))
    operations.decide_membership(membership, approve=approve, actor=user(admin))
    db.session.commit()
    assert membership.status == ("approved" if approve else "rejected")
    assert membership.decided_by_id == admin.id
    assert [o.id for o in user(member).approved_organizations()] == (
        [organization_id] if approve else [])
    entry = entries("membership.decided")[-1]
    assert entry.after == {"status": membership.status, "organization_id": organization_id,
                           "user_id": member.id}
    [message] = outbox(member.email)
    assert ("miembro" in message.subject) is approve
    with pytest.raises(OperationError, match="ya fue resuelta"):
        operations.decide_membership(membership, approve=True, actor=user(admin))


def test_an_organization_keeps_at_least_one_admin(request_ctx, create_user,
                                                 create_organization):
    admin_ref, member_ref = create_user(), create_user()
    organization_id = create_organization(admin=admin_ref)
    admin = user(admin_ref)
    membership = operations.request_membership(user(member_ref),
                                               organization(organization_id))
    with pytest.raises(OperationError, match="miembros aprobados"):
        operations.set_membership_admin(membership, is_admin=True, actor=admin)
    operations.decide_membership(membership, approve=True, actor=admin)
    own = membership_of(admin_ref, organization_id)
    with pytest.raises(OperationError, match="al menos un"):
        operations.set_membership_admin(own, is_admin=False, actor=admin)
    with pytest.raises(OperationError, match="único"):
        operations.leave_organization(own, actor=admin)
    operations.set_membership_admin(membership, is_admin=True, actor=admin)
    operations.set_membership_admin(membership, is_admin=True, actor=admin)  # no change
    assert [e.after for e in entries("membership.admin_changed")] == [{"is_admin": True}]
    operations.leave_organization(own, actor=admin)
    db.session.commit()
    assert membership_of(admin_ref, organization_id) is None
    assert organization(organization_id).is_admin(user(member_ref))
    [entry] = entries("membership.left")
    assert entry.before == {"status": "approved", "organization_id": organization_id}


def test_the_only_member_may_leave_even_as_its_only_admin(request_ctx, create_user,
                                                         create_organization):
    admin = create_user()
    organization_id = create_organization(admin=admin)
    operations.leave_organization(membership_of(admin, organization_id), actor=user(admin))
    assert organization(organization_id).memberships == []
