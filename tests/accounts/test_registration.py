from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from consulta.accounts.models import User
from consulta.extensions import db

from ..conftest import TEST_PASSWORD, link_in, login

VALID = {
    "email": "Maria.Quispe@Example.pe",
    "password": "una frase larga y segura",
    "password_confirm": "una frase larga y segura",
    "display_name": "María Quispe",
    "sector": "civil_society",
    "region": "cusco",
    "gender": "female",
    "show_name_publicly": "y",
    "accept_privacy": "y",
}


def user_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_registration_stores_the_profile_and_sends_a_confirmation_link(app, client, outbox):
    response = client.post_form("/register", VALID)
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/done"
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "maria.quispe@example.pe"  # normalized
        assert user.display_name == "María Quispe"
        assert (user.sector, user.region, user.gender) == ("civil_society", "cusco", "female")
        assert user.show_name_publicly is True
        assert user.privacy_accepted_at is not None and user.privacy_version
        # Hashed with the configured method (scrypt outside the test suite: see
        # test_passwords_are_hashed_with_scrypt_in_production_and_development).
        method = app.config["PASSWORD_HASH_METHOD"].split(":")[0]
        assert user.password_hash.startswith(f"{method}:")
        assert check_password_hash(user.password_hash, VALID["password"])
        assert not user.is_confirmed
    [message] = outbox()
    assert message.recipient == "maria.quispe@example.pe"
    assert "Confirma" in message.subject  # Spanish by default


def test_the_confirmation_email_does_not_greet_with_the_chosen_name(app, client, outbox):
    # Anyone can register any address: the name they choose must not reach its owner.
    bait = "Gane un premio en www.estafa.example"
    client.post_form("/register", {**VALID, "display_name": bait})
    [message] = outbox()
    assert bait not in message.body and "estafa" not in message.subject
    assert message.body.startswith("Hola:")
    # Nor does a reset link ask for that unconfirmed account.
    app.test_client().post_form("/password/forgot", {"email": VALID["email"]})
    assert all(bait not in m.body for m in outbox())
    assert len(outbox()) == 2


def test_registration_journey_confirm_login_profile_export_delete(app, client, outbox):
    client.post_form("/register", VALID)
    confirm = link_in(outbox()[0], "/confirm/")
    response = client.get(confirm)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User)).is_confirmed

    response = client.post_form("/login", {"email": "maria.quispe@example.pe",
                                           "password": VALID["password"]})
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "María Quispe" in page

    response = client.post_form("/account", {"display_name": "María Q.", "sector": "academia",
                                             "region": "puno", "gender": "",
                                             "locale": "es"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.display_name, user.sector, user.region, user.gender) == (
            "María Q.", "academia", "puno", None)
        assert user.show_name_publicly is False  # unchecked box

    data = client.get("/account/export")
    assert data.headers["Content-Disposition"].startswith("attachment")
    exported = data.get_json()
    assert exported["account"]["email"] == "maria.quispe@example.pe"
    assert exported["account"]["display_name"] == "María Q."
    assert exported["emails_sent_to_you"]

    response = client.post_form("/account/delete", {"password": VALID["password"],
                                                    "confirm": "y"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 302  # logged out
    response = client.post_form("/login", {"email": "maria.quispe@example.pe",
                                           "password": VALID["password"]})
    assert response.status_code == 200  # cannot log in any more


def test_registering_an_existing_email_looks_like_success(app, client, create_user, outbox):
    create_user(email="ya.existe@example.pe")
    fresh = client.post_form("/register", {**VALID, "email": "nueva@example.pe"})
    taken = client.post_form("/register", {**VALID, "email": "YA.EXISTE@example.pe"})
    assert fresh.status_code == taken.status_code == 302
    assert fresh.headers["Location"] == taken.headers["Location"]
    assert user_count(app) == 2
    # The owner of the address is told, without a new account being made.
    [message] = outbox("ya.existe@example.pe")
    assert "/password/forgot" in message.body


def post_invalid(client, **changes):
    response = client.post_form("/register", {**VALID, **changes})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_registration_rejects_an_invalid_email_in_spanish_keeping_values(app, client):
    page = post_invalid(client, email="no-es-un-correo")
    assert "Ingresa un correo electrónico válido" in page or "correo electrónico válido" in page
    assert 'value="María Quispe"' in page  # other values kept
    assert user_count(app) == 0


def test_registration_rejects_a_short_password(app, client):
    page = post_invalid(client, password="corta123", password_confirm="corta123")
    assert "10 caracteres" in page
    assert user_count(app) == 0


def test_registration_rejects_a_common_password(app, client):
    page = post_invalid(client, password="1234567890", password_confirm="1234567890")
    assert "demasiado común" in page
    assert user_count(app) == 0


def test_registration_rejects_over_long_fields(app, client):
    page = post_invalid(client, display_name="x" * 81)
    assert "80" in page
    page = post_invalid(client, email="a" * 250 + "@example.pe")
    assert user_count(app) == 0


def test_registration_requires_accepting_the_privacy_notice(app, client):
    changes = dict(VALID)
    del changes["accept_privacy"]
    response = client.post_form("/register", changes)
    assert "aviso de privacidad" in response.get_data(as_text=True)
    assert user_count(app) == 0


def test_registration_rejects_unknown_sector_and_region(app, client):
    post_invalid(client, sector="hacker")
    post_invalid(client, region="atlantis")
    assert user_count(app) == 0


def test_gender_and_language_accept_only_their_choices(app, client, create_user):
    """A blank that is not a choice (" ") used to pass and break the database's check."""
    for gender in (" ", "\t", "unknown"):
        post_invalid(client, gender=gender)
    assert user_count(app) == 0
    without_gender = {k: v for k, v in VALID.items() if k != "gender"}
    without_gender["email"] = "sin.genero@example.pe"
    assert client.post_form("/register", without_gender).status_code == 302
    assert user_count(app) == 1
    user = create_user()
    client = app.test_client()
    login(client, user)
    profile = {"display_name": "Ana", "sector": "citizen", "region": "cusco"}
    for field, value in (("gender", " "), ("gender", "x"), ("locale", " "),
                         ("locale", "qu-PE-long")):
        response = client.post_form("/account", {**profile, field: value})
        assert response.status_code == 200, (field, value)
    response = client.post_form("/account", {**profile, "gender": "", "locale": ""})
    assert response.status_code == 302
    assert client.post_form("/account", profile).status_code == 302  # both left out
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert (stored.display_name, stored.gender, stored.locale) == ("Ana", None, None)


def test_registration_without_csrf_token_is_refused(app, client):
    response = client.post("/register", data=VALID)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "formulario" in page  # the Spanish explanation, not a bare error
    assert "Traceback" not in page
    response = client.post("/register", data={**VALID, "csrf_token": "forged"})
    assert response.status_code == 400
    assert user_count(app) == 0


def test_registration_honeypot_silently_drops_bots(app, client, outbox):
    response = client.post_form("/register", {**VALID, "fax_only": "http://spam.example"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/done"
    assert user_count(app) == 0
    assert outbox() == []


def test_registration_is_rate_limited_per_ip(app, client):
    original = app.config["RATELIMIT_REGISTER_IP"]
    app.config["RATELIMIT_REGISTER_IP"] = "3 per hour"
    try:
        for n in range(3):
            client.post_form("/register", {**VALID, "email": f"p{n}@example.pe"})
        response = client.post_form("/register", {**VALID, "email": "p9@example.pe"})
        assert response.status_code == 429
        assert "Demasiados intentos" in response.get_data(as_text=True)
        assert user_count(app) == 3
    finally:
        app.config["RATELIMIT_REGISTER_IP"] = original


def test_logged_in_user_is_sent_away_from_register(client, create_user):
    user = create_user()
    login(client, user)
    assert client.get("/register").status_code == 302
    assert user.password == TEST_PASSWORD


def test_registration_is_rate_limited_per_address(app, client, create_user, outbox):
    """Nobody can flood an address with 'you already have an account' e-mails."""
    create_user(email="victima@example.pe")
    statuses = [
        client.post_form("/register", {**VALID, "email": "victima@example.pe"},
                         environ_base={"REMOTE_ADDR": f"10.2.0.{n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert len(outbox("victima@example.pe")) == 3
