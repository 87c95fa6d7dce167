"""The security log: failed log-ins and refused requests are recorded (logger
``consulta.security``, level WARNING), one line each, never with a password or the
token of an e-mailed link, whatever the visitor sends."""

import logging
import re

import pytest

from ..conftest import link_in, login

SECURITY = "consulta.security"
PASSWORD = "Contraseña-Secreta-Que-Nunca-Se-Registra"


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="consulta")

    def records(text=""):
        return [r for r in caplog.records
                if r.name == SECURITY and text in r.getMessage()]

    return records


def assert_one_line_each(caplog):
    for record in caplog.records:
        message = record.getMessage()
        assert "\n" not in message and "\r" not in message, message
        assert "\u2028" not in message and "\x1b" not in message, message


def test_failed_logins_are_logged_without_the_password(client, create_user, security_log,
                                                        caplog):
    user = create_user()
    client.post_form("/login", {"email": user.email, "password": PASSWORD},
                     environ_base={"REMOTE_ADDR": "203.0.113.7"})
    client.post_form("/login", {"email": "nadie@example.pe", "password": PASSWORD})
    [known] = security_log(f"failed login for {user.email}")
    [unknown] = security_log("failed login for nadie@example.pe")
    assert known.levelno == unknown.levelno == logging.WARNING
    assert "203.0.113.7" in known.getMessage()
    assert PASSWORD not in caplog.text
    login(client, user)  # a successful log-in is not a failure
    assert len(security_log("failed login")) == 2


def test_an_email_with_line_breaks_cannot_forge_a_log_line(client, security_log, caplog):
    forged = "x@example.pe\r\n2026-01-01 INFO consulta.security: successful login\u2028\x1b[2J"
    client.post_form("/login", {"email": forged, "password": PASSWORD})
    [record] = security_log("failed login for")
    assert "x@example.pe\\r\\n2026-01-01 info" in record.getMessage()  # lower-cased
    assert "\\u2028\\x1b[2j" in record.getMessage()
    assert_one_line_each(caplog)


def test_denied_access_is_logged_with_who_and_what(client, create_user, security_log,
                                                   caplog):
    user = create_user()
    login(client, user)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/moderation/APO%0D%0AINFO%20consulta.security:%20forged").status_code \
        == 403
    [first, second] = security_log("access denied")
    assert first.levelno == logging.WARNING
    assert f"GET /admin/users by user {user.id}" in first.getMessage()
    assert "/moderation/APO\\r\\nINFO consulta.security: forged" in second.getMessage()
    assert_one_line_each(caplog)


def test_refused_csrf_tokens_are_logged_without_the_token_of_the_link(
        app, client, create_user, outbox, security_log, caplog):
    user = create_user()
    client.post_form("/password/forgot", {"email": user.email})
    link = link_in(outbox(user.email)[-1], "/password/reset/")
    token = link.rsplit("/", 1)[1]
    response = client.post(link, data={"password": PASSWORD, "password_confirm": PASSWORD,
                                       "csrf_token": "not-a-token"})
    assert response.status_code == 400
    [record] = security_log("CSRF token refused")
    assert "/password/reset/[token]" in record.getMessage()
    assert token not in "\n".join(r.getMessage() for r in security_log())
    assert PASSWORD not in caplog.text


def test_throttled_log_ins_are_logged(app, client, create_user, security_log, monkeypatch):
    from consulta.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", True)  # whatever another test turned off
    user = create_user()
    limit = int(re.match(r"\d+", app.config["RATELIMIT_LOGIN_ACCOUNT"]).group(0))
    for n in range(limit + 1):
        client.post_form("/login", {"email": user.email, "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
    [record] = security_log("too many requests")
    assert "POST /login" in record.getMessage()
