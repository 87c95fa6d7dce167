"""Settings: production refuses to start with unsafe ones, and sets the safe ones."""

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
