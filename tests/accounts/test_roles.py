"""Roles, as an administrator gives them (the pages under /admin/users).

The permission check itself is in tests/core/test_permissions.py.
"""

from sqlalchemy import select

from consulta.accounts.models import User
from consulta.audit.models import AuditEntry
from consulta.extensions import db

from ..conftest import login


def test_admin_assigns_roles_and_it_is_audited(app, client, create_user):
    admin = create_user(roles=("admin",))
    target = create_user()
    login(client, admin)
    assert client.get("/admin/users").status_code == 200
    response = client.post_form(f"/admin/users/{target.id}/roles",
                                {"moderator": "y", "secretariat": "y"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, target.id)
        assert user.role_names == {"moderator", "secretariat"}
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "account.roles_changed"))
        assert entry.actor_id == admin.id and entry.object_id == target.id
        assert entry.before == {"roles": []}
        assert entry.after == {"roles": ["moderator", "secretariat"]}


def test_participant_cannot_post_roles(app, client, create_user):
    user = create_user()
    login(client, user)
    response = client.post_form(f"/admin/users/{user.id}/roles", {"admin": "y"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(User, user.id).role_names == set()


def test_admin_cannot_remove_their_own_admin_role(app, client, create_user):
    admin = create_user(roles=("admin",))
    login(client, admin)
    response = client.post_form(f"/admin/users/{admin.id}/roles", {"moderator": "y"})
    assert response.status_code == 200
    assert "propio rol" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).role_names == {"admin"}


def test_admin_user_search(client, create_user):
    create_user(email="buscada@example.pe", display_name="Persona Buscada")
    create_user(email="otra@example.pe", display_name="Otra")
    login(client, create_user(roles=("admin",)))
    page = client.get("/admin/users?q=buscada").get_data(as_text=True)
    assert "Persona Buscada" in page and "otra@example.pe" not in page


def test_roles_are_not_given_to_unconfirmed_accounts(app, client, create_user):
    login(client, create_user(roles=("admin",)))
    target = create_user(confirmed=False)
    response = client.post_form(f"/admin/users/{target.id}/roles", {"moderator": "y"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, target.id).role_names == set()
