"""Password hashing and rules (consulta/accounts/passwords.py)."""

from consulta import create_app
from consulta.accounts.models import User
from consulta.accounts.passwords import dummy_hash, hash_method, hash_password, is_common
from consulta.accounts.passwords import verify_password as verify

from ..core.test_config import PRODUCTION, STRONG_KEY


def test_passwords_are_hashed_with_scrypt_in_production_and_development(tmp_path):
    """The test suite hashes with a cheap pbkdf2; every real deployment with scrypt, the
    dummy hash of unknown accounts included."""
    production = create_app(environ={**PRODUCTION, "SECRET_KEY": STRONG_KEY})
    development = create_app(environ={"SECRET_KEY": STRONG_KEY,
                                      "DATABASE_URL": f"sqlite:///{tmp_path}/dev.db",
                                      "AUTO_MIGRATE": "0"})
    for app in (production, development):
        assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"
        with app.app_context():
            stored = hash_password("una frase larga y segura")
            assert stored.startswith("scrypt:") and dummy_hash(hash_method()).startswith(
                "scrypt:")
            assert verify(User(password_hash=stored), "una frase larga y segura")
            assert not verify(User(password_hash=stored), "otra frase cualquiera")


def test_the_test_suite_hashes_cheaply_with_the_configured_method(app):
    with app.app_context():
        assert hash_method() == app.config["PASSWORD_HASH_METHOD"] == "pbkdf2:sha256:1000"
        stored = hash_password("una frase larga y segura")
        assert stored.startswith("pbkdf2:sha256:1000$")
        assert verify(User(password_hash=stored), "una frase larga y segura")


def test_unknown_and_deleted_accounts_are_checked_against_the_dummy_hash(app,
                                                                         monkeypatch):
    checked = []
    monkeypatch.setattr("consulta.accounts.passwords.check_password_hash",
                        lambda stored, password: checked.append(stored) or True)
    with app.app_context():
        assert verify(None, "cualquier cosa") is False  # even when the check says yes
        assert verify(User(password_hash=None), "cualquier cosa") is False
        assert checked == [dummy_hash(hash_method())] * 2


def test_common_passwords_are_known_whatever_their_case():
    assert is_common("1234567890") and is_common(" Contraseña ") and is_common("PASSWORD")
    assert not is_common("una frase larga y segura")
