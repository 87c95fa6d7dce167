"""Settings: production refuses to start with unsafe ones, and sets the safe ones."""

from pathlib import Path

import pytest
from flask import request

from consulta import create_app
from consulta.config import ConfigurationError

#: One worker, so per-process rate limits are allowed (see the tests of REDIS_URL below).
PRODUCTION = {"CONSULTA_ENV": "production", "DATABASE_URL": "sqlite://",
              "TRUSTED_HOSTS": "consulta.example.gob.pe", "WEB_CONCURRENCY": "1"}
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


def test_production_with_several_workers_refuses_per_process_rate_limits():
    settings = {**PRODUCTION, "SECRET_KEY": STRONG_KEY}
    del settings["WEB_CONCURRENCY"]
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        create_app(environ=settings)
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        create_app(environ={**settings, "WEB_CONCURRENCY": "4",
                            "RATELIMIT_STORAGE_URI": "memory://"})


def test_production_counts_rate_limits_and_keeps_pages_in_redis_when_redis_url_is_set():
    settings = {**PRODUCTION, "SECRET_KEY": STRONG_KEY, "REDIS_URL": "redis://127.0.0.1:6379/0"}
    del settings["WEB_CONCURRENCY"]
    app = create_app(environ=settings)
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert app.config["CACHE_TYPE"] == "RedisCache"


@pytest.mark.parametrize("value", ["1", "2", "y", "enabled", "True", "on"])
def test_production_refuses_every_debug_value_flask_counts_as_on(value):
    with pytest.raises(ConfigurationError, match="FLASK_DEBUG"):
        create_app(environ={**PRODUCTION, "SECRET_KEY": STRONG_KEY, "FLASK_DEBUG": value})


@pytest.mark.parametrize("value", ["", "0", "false", "No"])
def test_production_starts_with_debug_off_written_as_flask_reads_it(value):
    app = create_app(environ={**PRODUCTION, "SECRET_KEY": STRONG_KEY, "FLASK_DEBUG": value})
    assert app.debug is False


@pytest.mark.parametrize("key", ["consulta-production-secret-key-2026",
                                 "CONSULTA_PRODUCTION_SECRET_KEY_2026_PERU",
                                 "correct horse battery staple consulta 2026"])
def test_production_refuses_a_long_key_made_of_words(key):
    assert len(key) >= 32
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(environ={**PRODUCTION, "SECRET_KEY": key})


def test_production_accepts_the_keys_the_readme_makes():
    import secrets

    for key in (secrets.token_hex(32), secrets.token_urlsafe(32), secrets.token_hex(16)):
        assert create_app(environ={**PRODUCTION, "SECRET_KEY": key}).secret_key == key


def test_production_never_falls_back_to_the_default_sqlite_file():
    settings = {**PRODUCTION, "SECRET_KEY": STRONG_KEY}
    del settings["DATABASE_URL"]
    with pytest.raises(ConfigurationError, match="DATABASE_URL is not set"):
        create_app(environ=settings)


def test_a_cli_command_in_production_refuses_to_run_without_a_database_url(tmp_path):
    """As cron runs it: no exported variables but CONSULTA_ENV."""
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "CONSULTA_ENV": "production", "SECRET_KEY": STRONG_KEY,
           "TRUSTED_HOSTS": "consulta.example.org",
           "CONSULTA_SETTINGS_FILE": str(tmp_path / "empty.env")}
    (tmp_path / "empty.env").write_text("")
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "send-mail"],
                            env=env, capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr + result.stdout
    assert "Sent" not in result.stdout


def test_the_settings_file_is_read_by_whoever_starts_the_app(tmp_path):
    from consulta.config import read_environment

    settings = tmp_path / "consulta.env"
    settings.write_text("CONSULTA_ENV=production\nDATABASE_URL=sqlite://\n"
                        f"SECRET_KEY={STRONG_KEY}\nTRUSTED_HOSTS=consulta.example.org\n"
                        "WEB_CONCURRENCY=1\nMAIL_MAX_ATTEMPTS=5\n")
    env = read_environment({"CONSULTA_SETTINGS_FILE": str(settings), "MAIL_MAX_ATTEMPTS": "3"})
    app = create_app(environ=env)
    assert app.config["CONSULTA_ENV"] == "production"
    assert app.config["MAIL_MAX_ATTEMPTS"] == 3  # the environment wins over the file
    with pytest.raises(ConfigurationError, match="does not exist"):
        read_environment({"CONSULTA_SETTINGS_FILE": str(tmp_path / "missing.env")})
