import pytest

from consulta import create_app
from consulta.config import ConfigurationError


def test_security_headers_on_every_page(client):
    for url in ("/", "/login", "/no-existe"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_scripts(client):
    for url in ("/", "/register", "/login", "/privacy"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page and "onclick=" not in page and "onload=" not in page


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


PRODUCTION = {"CONSULTA_ENV": "production", "DATABASE_URL": "sqlite://",
              "TRUSTED_HOSTS": "consulta.example.gob.pe"}
STRONG_KEY = "0123456789abcdef" * 4


def test_production_refuses_to_start_without_trusted_hosts():
    settings = {**PRODUCTION, "SECRET_KEY": STRONG_KEY}
    del settings["TRUSTED_HOSTS"]
    with pytest.raises(ConfigurationError):
        create_app(environ=settings)


def test_untrusted_host_headers_are_refused_so_links_cannot_point_elsewhere(create_user,
                                                                            outbox):
    app = create_app(environ={**PRODUCTION, "SECRET_KEY": STRONG_KEY})
    client = app.test_client()
    response = client.get("/login", headers={"Host": "evil.example"})
    assert response.status_code == 400
    ok = client.get("/login", base_url="https://consulta.example.gob.pe")
    assert ok.status_code == 200


def test_forwarded_host_is_ignored_unless_the_proxy_is_trusted_for_it():
    app = create_app(environ={**PRODUCTION, "SECRET_KEY": STRONG_KEY, "PROXY_COUNT": "1"})

    @app.route("/_host")
    def show_host():
        from flask import request

        return request.host

    response = app.test_client().get("/_host", base_url="https://consulta.example.gob.pe",
                                      headers={"X-Forwarded-Host": "evil.example"})
    assert response.get_data(as_text=True) == "consulta.example.gob.pe"


def test_production_refuses_to_start_without_a_strong_secret_key():
    with pytest.raises(ConfigurationError):
        create_app(environ=PRODUCTION)
    with pytest.raises(ConfigurationError):
        create_app(environ={**PRODUCTION, "SECRET_KEY": "secret"})


def test_production_refuses_to_start_with_debug_on():
    with pytest.raises(ConfigurationError):
        create_app(environ={**PRODUCTION, "SECRET_KEY": "f" * 8 + "0123456789abcdef" * 3,
                            "FLASK_DEBUG": "1"})


def test_production_cookies_are_secure():
    app = create_app(environ={**PRODUCTION, "SECRET_KEY": STRONG_KEY})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["AUTO_MIGRATE"] is False


def test_passwords_are_hashed_with_scrypt_in_production_and_development(tmp_path):
    """The test suite hashes with a cheap pbkdf2; every real deployment with scrypt, the
    dummy hash of unknown accounts included."""
    from consulta.accounts.models import User
    from consulta.accounts.passwords import dummy_hash, hash_method, hash_password
    from consulta.accounts.passwords import verify_password as verify

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
