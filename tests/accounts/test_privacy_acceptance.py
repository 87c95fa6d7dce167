"""A new version of the privacy notice is accepted again before an account goes on."""

from sqlalchemy import select

from consulta.accounts.models import User
from consulta.audit.models import AuditEntry
from consulta.extensions import db

from ..conftest import login


def test_a_new_notice_version_is_accepted_at_the_next_login(app, client, create_user):
    user = create_user(privacy_version="2025-01")
    login(client, user)
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/privacy/accept")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "El aviso de privacidad ha cambiado" in page and "2026-11" in page
    assert client.get("/privacy").status_code == 200  # the notice itself stays readable

    response = client.post_form("/privacy/accept?next=/account")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored.privacy_version == app.config["PRIVACY_NOTICE_VERSION"] == "2026-11"
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "account.privacy_accepted"))
        assert (entry.before, entry.after) == ({"privacy_version": "2025-01"},
                                               {"privacy_version": "2026-11"})


def test_the_acceptance_needs_its_csrf_token(app, client, create_user):
    user = create_user(privacy_version="2025-01")
    login(client, user)
    assert client.post("/privacy/accept").status_code in (302, 400)
    with app.app_context():
        assert db.session.get(User, user.id).privacy_version == "2025-01"


def test_the_current_version_goes_straight_on(app, client, create_user):
    login(client, create_user())
    assert client.get("/account").status_code == 200
    assert client.get("/privacy/accept").status_code == 302
