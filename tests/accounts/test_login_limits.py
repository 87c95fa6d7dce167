"""The login limits against the real Redis: atomic under concurrency, and a Redis that
does not answer never keeps people out."""

import logging
import threading

import pytest

from ..conftest import free_port, make_app
from ..redis_support import redis_prefix, redis_settings, restore_limiter  # noqa: F401

LIMIT = 10


@pytest.fixture
def redis_app(database_url, redis_prefix, restore_limiter):  # noqa: F811
    _client, prefix = redis_prefix
    return make_app(database_url, RATELIMIT_LOGIN_ACCOUNT=f"{LIMIT} per 15 minutes",
                    RATELIMIT_LOGIN_IP="1000 per 15 minutes", **redis_settings(prefix))


def test_forty_simultaneous_failures_let_at_most_the_limit_through(
        redis_app, redis_prefix, create_user):  # noqa: F811
    user = create_user()
    clients = [redis_app.test_client() for _ in range(40)]
    tokens = [client.csrf_token() for client in clients]
    start = threading.Barrier(len(clients))
    statuses = []

    def guess(client, token, n):
        start.wait()
        response = client.post("/login", data={"email": user.email, "password": f"mala-{n}",
                                               "csrf_token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(client, token, n))
               for n, (client, token) in enumerate(zip(clients, tokens, strict=True))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 40 and set(statuses) <= {200, 429}
    assert statuses.count(200) == LIMIT  # each one a password checked and refused
    # Counted in Redis, where every worker reads it.
    client, prefix = redis_prefix
    keys = list(client.scan_iter(match=f"*{prefix}consulta-attempts/login-account/*"))
    assert len(keys) == 1 and int(client.get(keys[0])) == 40
    assert redis_app.test_client().post_form(
        "/login", {"email": user.email, "password": user.password}).status_code == 429


def test_login_works_while_redis_does_not_answer(database_url, create_user, caplog,
                                                 restore_limiter):  # noqa: F811
    from consulta.core.ratelimit import reset_attempts

    reset_attempts()
    dead = f"redis://127.0.0.1:{free_port()}/0"
    app = make_app(database_url, RATELIMIT_LOGIN_ACCOUNT=f"{LIMIT} per 15 minutes",
                   PUBLIC_PAGE_CACHE_SECONDS=30, **redis_settings("dead:", url=dead))
    user = create_user()
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        wrong = client.post_form("/login", {"email": user.email, "password": "mala"})
        right = client.post_form("/login", {"email": user.email, "password": user.password})
    assert wrong.status_code == 200 and "no son correctos" in wrong.get_data(as_text=True)
    assert right.status_code == 302
    assert any("rate-limit storage unavailable" in r.getMessage() for r in caplog.records)
    # Still limited, per process meanwhile.
    other = create_user()
    for n in range(LIMIT):
        app.test_client().post_form("/login", {"email": other.email, "password": f"m{n}"})
    assert app.test_client().post_form(
        "/login", {"email": other.email, "password": other.password}).status_code == 429
    # The other limited forms (Flask-Limiter's own fallback) and the pages still work.
    assert app.test_client().post_form("/password/forgot",
                                       {"email": user.email}).status_code == 200
    assert app.test_client().get("/consultations").status_code == 200
    health = app.test_client().get("/health")
    assert health.status_code == 200
    report = health.get_json()
    assert report["status"] == "degraded" and report["database"] == "ok"
    assert report["redis"] == "unreachable"
    assert report["rate_limits"].startswith("unreachable")
    assert report["cache"].startswith("redis: unreachable")


def test_health_reports_redis_when_it_answers(redis_app):
    redis_app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 30
    report = redis_app.test_client().get("/health").get_json()
    assert {key: report[key] for key in ("status", "database", "redis", "rate_limits",
                                         "cache")} == {
        "status": "ok", "database": "ok", "redis": "ok", "rate_limits": "ok", "cache": "redis"}

