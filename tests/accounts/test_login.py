"""Logging in and out: credentials, remember-me, limits, coming back to the page."""

import pytest
from sqlalchemy import select

from consulta.accounts.models import User
from consulta.extensions import db

from ..conftest import login


def test_login_and_logout(client, create_user):
    user = create_user()
    response = client.post_form("/login", {"email": user.email.upper(),
                                           "password": user.password})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    client.post_form("/logout")
    assert client.get("/account").status_code == 302


def test_wrong_password_and_unknown_account_get_the_same_answer(client, create_user):
    user = create_user()
    wrong = client.post_form("/login", {"email": user.email, "password": "no es la clave"})
    unknown = client.post_form("/login", {"email": "nadie@example.pe",
                                          "password": "no es la clave"})
    assert wrong.status_code == unknown.status_code == 200
    assert "no son correctos" in wrong.get_data(as_text=True)
    assert "no son correctos" in unknown.get_data(as_text=True)


def test_remember_me_sets_a_long_lived_secure_cookie(client, create_user):
    user = create_user()
    response = login(client, user, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("consulta_remember="))
    assert "HttpOnly" in remember and "Expires=" in remember


def test_remember_me_cookie_logs_back_in_after_the_session_cookie_is_gone(client,
                                                                          create_user):
    user = create_user()
    login(client, user, remember=True)
    client.delete_cookie("consulta_session")
    assert client.get("/account").status_code == 200


def test_logout_ends_every_session_of_the_account(app, create_user):
    user = create_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user, remember=True)
    laptop.post_form("/logout")
    assert phone.get("/account").status_code == 302


def test_login_brings_the_user_back_to_where_they_were(client, create_user):
    user = create_user()
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account/password"
    response = client.post_form("/login?next=/account/password",
                                {"email": user.email, "password": user.password})
    assert response.headers["Location"] == "/account/password"


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example",
    "http:evil.example", "javascript:alert(1)", "/%0a/evil.example".replace("%0a", "\n"),
    " //evil.example", "///evil.example",
])
def test_login_ignores_next_pointing_to_another_host(client, create_user, target):
    user = create_user()
    response = client.post_form("/login", {"email": user.email, "password": user.password,
                                           "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_is_rate_limited_per_account(app, client, create_user):
    user = create_user()
    limit = int(app.config["RATELIMIT_LOGIN_ACCOUNT"].split()[0])
    for n in range(limit):
        client.post_form("/login", {"email": user.email, "password": "equivocada"},
                         environ_base={"REMOTE_ADDR": f"10.1.0.{n}"})
    response = client.post_form("/login", {"email": user.email, "password": user.password},
                                environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert response.status_code == 429
    assert "Demasiados intentos" in response.get_data(as_text=True)


def test_login_is_rate_limited_per_ip(app, client, create_user):
    limit = int(app.config["RATELIMIT_LOGIN_IP"].split()[0])
    for n in range(limit):
        client.post_form("/login", {"email": f"x{n}@example.pe", "password": "equivocada"})
    user = create_user()
    response = client.post_form("/login", {"email": user.email, "password": user.password})
    assert response.status_code == 429


def test_login_records_the_time(app, client, create_user):
    user = create_user()
    login(client, user)
    with app.app_context():
        assert db.session.scalar(select(User.last_login_at).where(User.id == user.id))


def test_change_password_requires_the_current_one_and_ends_other_sessions(app, create_user):
    user = create_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    response = laptop.post_form("/account/password", {
        "current_password": "no es", "password": "nueva frase muy larga",
        "password_confirm": "nueva frase muy larga"})
    assert response.status_code == 200
    assert "no es correcta" in response.get_data(as_text=True)
    response = laptop.post_form("/account/password", {
        "current_password": user.password, "password": "nueva frase muy larga",
        "password_confirm": "nueva frase muy larga"})
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200  # this device stays in
    assert phone.get("/account").status_code == 302  # the other one is out


def test_session_cookie_flags(client, create_user):
    user = create_user()
    response = login(client, user)
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("consulta_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_successful_logins_do_not_use_up_the_limit(app, create_user):
    user = create_user()
    limit = int(app.config["RATELIMIT_LOGIN_ACCOUNT"].split()[0])
    for _ in range(limit + 2):
        client = app.test_client()
        assert client.post_form("/login", {"email": user.email,
                                           "password": user.password}).status_code == 302


def test_logout_deletes_the_remember_cookie(client, create_user):
    login(client, create_user(), remember=True)
    response = client.post_form("/logout")
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("consulta_remember=;") or
               (c.startswith("consulta_remember=") and "Expires=Thu, 01 Jan 1970" in c)
               for c in cookies), cookies


def test_a_known_device_is_not_locked_out_by_failures_elsewhere(app, create_user):
    user = create_user()
    owner = app.test_client()
    login(owner, user)  # this browser is now known for the account
    owner.post_form("/logout")
    attacker = app.test_client()
    limit = int(app.config["RATELIMIT_LOGIN_ACCOUNT"].split()[0])
    for n in range(limit + 3):
        attacker.post_form("/login", {"email": user.email, "password": f"adivina-{n}"},
                           environ_base={"REMOTE_ADDR": f"10.2.0.{n}"})
    # The attacker, even with the right password now, is refused ...
    assert attacker.post_form("/login", {"email": user.email, "password": user.password},
                              environ_base={"REMOTE_ADDR": "10.2.1.1"}).status_code == 429
    # ... and so is any browser the account never used; its owner's browser is not.
    stranger = app.test_client()
    assert stranger.post_form("/login", {"email": user.email, "password": user.password},
                              environ_base={"REMOTE_ADDR": "10.2.1.2"}).status_code == 429
    assert owner.post_form("/login", {"email": user.email, "password": user.password},
                           environ_base={"REMOTE_ADDR": "10.3.0.1"}).status_code == 302


def test_a_known_device_cookie_is_signed_and_names_one_account(app, create_user):
    user, other = create_user(), create_user()
    owner = app.test_client()
    response = login(owner, user)
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("consulta_device="))
    assert user.email not in cookie and "HttpOnly" in cookie
    owner.post_form("/logout")
    limit = int(app.config["RATELIMIT_LOGIN_ACCOUNT"].split()[0])
    for n in range(limit):
        app.test_client().post_form("/login", {"email": other.email, "password": "no"},
                                    environ_base={"REMOTE_ADDR": f"10.4.0.{n}"})
    # Known for one account only: the other account's limit applies to it as to anyone.
    assert owner.post_form("/login", {"email": other.email, "password": other.password},
                           environ_base={"REMOTE_ADDR": "10.4.1.1"}).status_code == 429
    owner.set_cookie("consulta_device", "forged." + cookie.split("=", 1)[1][:20])
    for n in range(limit):
        app.test_client().post_form("/login", {"email": user.email, "password": "no"},
                                    environ_base={"REMOTE_ADDR": f"10.5.0.{n}"})
    assert owner.post_form("/login", {"email": user.email, "password": user.password},
                           environ_base={"REMOTE_ADDR": "10.5.1.1"}).status_code == 429
