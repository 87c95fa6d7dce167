"""Deleting an account removes personal data everywhere but keeps the public record."""

from sqlalchemy import String, Text, select

from consulta.accounts.models import User
from consulta.audit.models import AuditEntry
from consulta.extensions import db

from ..conftest import login


def all_text_in_database():
    values = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if columns:
            for row in db.session.execute(select(*columns)):
                values.extend(str(v) for v in row if v is not None)
    return "\n".join(values)


def test_deleting_an_account_leaves_no_email_name_or_gender(app, client, create_user):
    user = create_user(email="borrame@example.pe", display_name="Nombre Muy Único",
                       gender="female")
    login(client, user)
    client.post_form("/password/forgot", {"email": user.email})  # something in the outbox
    client.post_form("/organizations/new", {"name": "Colectivo Único", "sector": "other",
                                            "region": "cusco"})
    response = client.post_form("/account/delete", {"password": user.password, "confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        everything = all_text_in_database()
        assert "borrame@example.pe" not in everything
        assert "Nombre Muy Único" not in everything
        deleted = db.session.get(User, user.id)
        assert deleted is not None and deleted.deleted_at is not None  # row kept for authorship
        assert deleted.gender is None and deleted.sector == "citizen"
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "account.deleted"))
        assert (entry.object_type, entry.object_id, entry.actor_id) == ("users", user.id,
                                                                        user.id)
        assert entry.after == {"deleted": True} and entry.created_at is not None


def test_deleting_requires_the_password_and_the_checkbox(app, client, create_user):
    user = create_user()
    login(client, user)
    response = client.post_form("/account/delete", {"password": "otra", "confirm": "y"})
    assert response.status_code == 200
    response = client.post_form("/account/delete", {"password": user.password})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, user.id).deleted_at is None


def test_the_only_administrator_cannot_delete_their_account(app, client, create_user):
    admin = create_user(roles=("admin",))
    login(client, admin)
    response = client.post_form("/account/delete", {"password": admin.password, "confirm": "y"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, admin.id).deleted_at is None


def test_data_export_is_only_ones_own(client, create_user):
    me, other = create_user(), create_user()
    login(client, me)
    exported = client.get("/account/export").get_json()
    assert exported["account"]["email"] == me.email
    assert other.email not in client.get("/account/export").get_data(as_text=True)
