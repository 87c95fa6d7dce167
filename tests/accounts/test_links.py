"""Confirmation and password-reset links: signed, expiring, single purpose."""

from sqlalchemy import select

from consulta.accounts.models import User
from consulta.extensions import db

from ..conftest import link_in, login


def test_confirmation_link_confirms_once(app, client, create_user, outbox):
    user = create_user(confirmed=False)
    login(client, user)
    client.post_form("/confirm", {"email": user.email})
    link = link_in(outbox(user.email)[-1], "/confirm/")
    assert client.get(link).status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).is_confirmed
    assert client.get(link).status_code == 302  # harmless a second time


def test_tampered_confirmation_link_explains_and_offers_a_new_one(client, create_user, outbox):
    user = create_user(confirmed=False)
    client.post_form("/confirm", {"email": user.email})
    link = link_in(outbox(user.email)[-1], "/confirm/")
    response = client.get(link[:-3] + "abc")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "no funciona" in page
    assert 'action="/confirm"' in page  # a way to ask for a new link


def test_expired_confirmation_link_says_so(app, client, create_user, outbox):
    user = create_user(confirmed=False)
    client.post_form("/confirm", {"email": user.email})
    link = link_in(outbox(user.email)[-1], "/confirm/")
    app.config["EMAIL_CONFIRMATION_MAX_AGE"] = -1
    try:
        response = client.get(link)
    finally:
        app.config["EMAIL_CONFIRMATION_MAX_AGE"] = 48 * 3600
    assert response.status_code == 400
    assert "ha expirado" in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(User, user.id).is_confirmed


def test_password_reset_for_known_and_unknown_addresses_looks_the_same(client, create_user,
                                                                        outbox):
    user = create_user()
    known = client.post_form("/password/forgot", {"email": user.email})
    unknown = client.post_form("/password/forgot", {"email": "nadie@example.pe"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True).replace(
        "nadie@example.pe", user.email)
    assert len(outbox(user.email)) == 1
    assert outbox("nadie@example.pe") == []


def test_password_reset_sets_a_new_password_and_works_once(app, client, create_user, outbox):
    user = create_user()
    client.post_form("/password/forgot", {"email": user.email})
    link = link_in(outbox(user.email)[-1], "/password/reset/")
    assert client.get(link).status_code == 200
    response = client.post_form(link, {"password": "otra frase bien larga",
                                       "password_confirm": "otra frase bien larga"})
    assert response.status_code == 302
    response = client.post_form("/login", {"email": user.email,
                                           "password": "otra frase bien larga"})
    assert response.status_code == 302
    # Used once: the link no longer works.
    assert client.get(link).status_code == 400
    assert "cambió" in outbox(user.email)[-1].subject or "cambi" in outbox(user.email)[-1].body


def test_password_reset_refuses_weak_passwords(app, client, create_user, outbox):
    user = create_user()
    client.post_form("/password/forgot", {"email": user.email})
    link = link_in(outbox(user.email)[-1], "/password/reset/")
    response = client.post_form(link, {"password": "corta", "password_confirm": "corta"})
    assert response.status_code == 200
    assert "10 caracteres" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.password_hash).where(User.id == user.id)) \
            is not None


def test_tampered_and_expired_reset_links_are_refused(app, client, create_user, outbox):
    user = create_user()
    client.post_form("/password/forgot", {"email": user.email})
    link = link_in(outbox(user.email)[-1], "/password/reset/")
    assert client.get(link + "x").status_code == 400
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        response = client.post_form(link, {"password": "otra frase bien larga",
                                           "password_confirm": "otra frase bien larga"})
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 2 * 3600
    assert response.status_code == 400
    assert "ha expirado" in response.get_data(as_text=True)
    # Old password still works: nothing changed.
    assert client.post_form("/login", {"email": user.email,
                                       "password": user.password}).status_code == 302


def test_a_confirmation_token_is_not_a_reset_token(client, create_user, outbox):
    user = create_user(confirmed=False)
    client.post_form("/confirm", {"email": user.email})
    token = link_in(outbox(user.email)[-1], "/confirm/").rsplit("/", 1)[1]
    assert client.get(f"/password/reset/{token}").status_code == 400


def test_password_reset_is_rate_limited_per_account(client, create_user):
    user = create_user()
    statuses = [
        client.post_form("/password/forgot", {"email": user.email},
                         environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_password_reset_is_rate_limited_per_ip(app, client, create_user):
    limit = int(app.config["RATELIMIT_RESET_IP"].split()[0])
    for n in range(limit):
        client.post_form("/password/forgot", {"email": f"otra{n}@example.pe"})
    response = client.post_form("/password/forgot", {"email": "ultima@example.pe"})
    assert response.status_code == 429
