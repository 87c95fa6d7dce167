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


def test_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        count = len(db.session.scalars(select(User)).all())
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == count > 0
