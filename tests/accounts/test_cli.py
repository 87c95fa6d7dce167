"""The create-admin command (accounts)."""

from sqlalchemy import select

from consulta.accounts.models import User
from consulta.extensions import db


def test_create_admin_creates_a_confirmed_administrator(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "Jefa@Example.pe",
                                 "--password", "clave larga de la jefa"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "jefa@example.pe"))
        assert user.has_role("admin") and user.is_confirmed


def test_create_admin_promotes_an_existing_account(app, create_user):
    user = create_user()
    result = app.test_cli_runner().invoke(
        args=["create-admin", user.email, "--password", "otra clave cualquiera"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(User, user.id).role_names == {"admin"}


def test_create_admin_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "a@example.pe",
                                                "--password", "1234567890"])
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_create_admin_takes_over_an_account_registered_beforehand(app, create_user):
    """Someone who registered the address first must not keep access to the admin account."""
    squatter = create_user(email="jefa@entidad.gob.pe", confirmed=False,
                           password="clave del intruso")
    laptop = app.test_client()
    from ..conftest import login

    login(laptop, squatter)
    result = app.test_cli_runner().invoke(
        args=["create-admin", "jefa@entidad.gob.pe", "--password", "clave real de la jefa"])
    assert result.exit_code == 0, result.output
    assert laptop.get("/admin/users").status_code == 302  # the old session is gone
    old = app.test_client().post_form("/login", {"email": "jefa@entidad.gob.pe",
                                                 "password": "clave del intruso"})
    assert old.status_code == 200  # the old password no longer works
    new = app.test_client().post_form("/login", {"email": "jefa@entidad.gob.pe",
                                                 "password": "clave real de la jefa"})
    assert new.status_code == 302

def test_create_admin_leaves_the_region_empty_and_the_admin_can_then_save_the_profile(
        app, database_url):
    from ..conftest import login, make_app

    mexico = make_app(database_url, CONSULTA_PROFILE="mexico")
    result = mexico.test_cli_runner().invoke(args=["create-admin", "jefa@jalisco.gob.mx",
                                                   "--password", "clave larga de la jefa"])
    assert result.exit_code == 0, result.output
    with mexico.app_context():
        user = db.session.scalar(select(User))
        assert user.region == ""
        ref = type("Ref", (), {"email": user.email, "password": "clave larga de la jefa"})
    client = mexico.test_client()
    login(client, ref)
    response = client.post_form("/account", {"display_name": "Jefa", "sector": "other",
                                              "region": "jalisco", "locale": "es"})
    assert response.status_code == 302
    with mexico.app_context():
        assert db.session.scalar(select(User)).region == "jalisco"


def test_create_admin_refuses_a_region_of_another_profile(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "jefa@example.org",
                                                "--region", "jalisco",
                                                "--password", "clave larga de la jefa"])
    assert result.exit_code != 0 and "not a region of the profile" in result.output
    with app.app_context():
        assert db.session.scalar(select(User)) is None
    result = app.test_cli_runner().invoke(args=["create-admin", "jefa@example.org",
                                                "--region", "cusco",
                                                "--password", "clave larga de la jefa"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User)).region == "cusco"
