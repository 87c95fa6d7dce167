"""The operations of accounts, called directly (as views and commands call them)."""

import json

import pytest
from sqlalchemy import select

from consulta.accounts import operations
from consulta.accounts.models import Organization, User
from consulta.audit.models import AuditEntry
from consulta.extensions import db

from ..conftest import TEST_PASSWORD

NEW_PASSWORD = "otra frase larga y segura"


@pytest.fixture
def request_ctx(app):
    """A request context (operations build links for e-mails); the session is closed after.

    Factories commit in a session of their own: call them before the operations write
    (SQLite lets one writer at a time)."""
    with app.test_request_context():
        yield
        db.session.remove()


def user(ref):
    return db.session.get(User, ref.id)


def entries(action=None):
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return db.session.scalars(query).all()


def assert_no_personal_data(entry, *values):
    """Nothing personal in what the audit log keeps (before and after)."""
    kept = json.dumps([entry.before, entry.after], ensure_ascii=False)
    for value in values:
        assert value not in kept, (value, kept)


def register(email="nueva@example.pe", **values):
    return operations.register_user(**{
        "email": email, "password": "una frase larga y segura", "display_name": "Ana Quispe",
        "sector": "citizen", "region": "cusco", "gender": "female", **values})


# --- the audit log of every change of an account ---------------------------------------

def test_registering_is_audited_without_personal_data(app, request_ctx):
    created = register()
    db.session.commit()
    [entry] = entries()
    assert (entry.action, entry.object_type, entry.object_id, entry.actor_id) == (
        "account.registered", "users", created.id, created.id)
    assert entry.after == {"privacy_version": app.config["PRIVACY_NOTICE_VERSION"]}
    assert_no_personal_data(entry, "nueva@example.pe", "Ana Quispe", "female",
                            created.password_hash)


def test_registering_a_taken_address_changes_nothing(request_ctx, create_user, outbox):
    taken = create_user(email="ya.existe@example.pe")
    assert register(email=" YA.EXISTE@example.pe ") is None
    db.session.commit()
    assert entries() == []
    assert db.session.scalars(select(User.id)).all() == [taken.id]
    [message] = outbox("ya.existe@example.pe")  # its owner is told instead
    assert "/password/forgot" in message.body


def test_confirming_the_address_is_audited_once(request_ctx, create_user):
    account = user(create_user(confirmed=False))
    assert operations.confirm_email(account) is True
    assert operations.confirm_email(account) is False
    db.session.commit()
    assert account.is_confirmed
    [entry] = entries()
    assert (entry.action, entry.object_id, entry.actor_id) == (
        "account.email_confirmed", account.id, account.id)


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


def test_a_profile_saved_without_changes_writes_nothing(request_ctx, create_user):
    account = user(create_user(display_name="Ana"))
    operations.update_profile(account, display_name="Ana", sector=account.sector,
                              region=account.region, gender="", locale="",
                              show_name_publicly=False, email_notifications=True)
    db.session.commit()
    assert entries() == []


def test_a_password_reset_is_audited_confirms_the_address_and_ends_sessions(
        request_ctx, create_user, outbox):
    account = user(create_user(confirmed=False))
    old_token, old_hash = account.session_token, account.password_hash
    operations.set_password(account, NEW_PASSWORD)
    db.session.commit()
    assert account.session_token != old_token and account.is_confirmed
    assert operations.authenticate(account.email, NEW_PASSWORD) is account
    [entry] = entries()
    assert (entry.action, entry.actor_id) == ("account.password_changed", account.id)
    assert entry.after == {"via": "reset_link", "email_confirmed": True}
    assert_no_personal_data(entry, NEW_PASSWORD, old_hash, account.password_hash,
                            account.email)
    assert "cambi" in outbox(account.email)[-1].subject


def test_a_password_change_needs_the_current_password_and_is_audited(request_ctx,
                                                                     create_user):
    account = user(create_user())
    with pytest.raises(operations.OperationError):
        operations.change_password(account, "no es la clave", NEW_PASSWORD)
    assert entries() == []
    operations.change_password(account, TEST_PASSWORD, NEW_PASSWORD)
    db.session.commit()
    [entry] = entries()
    assert entry.action == "account.password_changed"
    assert entry.after == {"via": "current_password"}
    assert operations.authenticate(account.email, TEST_PASSWORD) is None


def test_asking_to_join_an_organization_is_audited(request_ctx, create_user,
                                                    create_organization):
    organization = db.session.get(Organization, create_organization())
    member = user(create_user())
    membership = operations.request_membership(member, organization)
    db.session.commit()
    [entry] = entries("membership.requested")
    assert (entry.object_type, entry.object_id, entry.actor_id) == (
        "memberships", membership.id, member.id)
    assert entry.before is None
    assert entry.after == {"status": "pending", "organization_id": organization.id,
                           "user_id": member.id}


def test_asking_again_after_a_refusal_is_audited_with_the_refusal(request_ctx, create_user,
                                                                  create_organization):
    organization_id, moderator = create_organization(), create_user(roles=("moderator",))
    organization = db.session.get(Organization, organization_id)
    member = user(create_user())
    membership = operations.request_membership(member, organization)
    operations.decide_membership(membership, approve=False, actor=user(moderator))
    operations.request_membership(member, organization)
    db.session.commit()
    assert membership.status == "pending"
    assert [e.before for e in entries("membership.requested")] == [None,
                                                                    {"status": "rejected"}]


def test_the_create_admin_command_audits_what_it_does(request_ctx, create_user):
    moderator = user(create_user(roles=("moderator",), confirmed=False))
    operations.make_administrator("nueva.admin@example.pe", NEW_PASSWORD, "Nueva")
    operations.make_administrator(moderator.email, NEW_PASSWORD, "ignored")
    db.session.commit()
    actions = [(e.action, e.actor_id, e.before, e.after) for e in entries()]
    created = db.session.scalar(select(User).where(User.email == "nueva.admin@example.pe"))
    assert actions == [
        ("account.created", None, None,
         {"privacy_version": created.privacy_version}),
        ("account.roles_changed", None, {"roles": []}, {"roles": ["admin"]}),
        ("account.password_changed", None, None,
         {"via": "create_admin", "email_confirmed": True}),
        ("account.roles_changed", None, {"roles": ["moderator"]},
         {"roles": ["admin", "moderator"]}),
    ]
    assert [e.object_id for e in entries()] == [created.id, created.id, moderator.id,
                                                moderator.id]

