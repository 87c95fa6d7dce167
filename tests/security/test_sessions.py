"""Sessions: a new one at log-in, every one ended by logout and password changes,
cookie flags in production, and staff sessions that end after inactivity.

Time is moved without sleeping: by rewriting the activity time stored in the session,
or through the one clock function of consulta.accounts.sessions.
"""

import re

import pytest

from consulta.accounts import sessions
from consulta.contributions.models import Contribution
from consulta.extensions import db

from ..conftest import CSRF_INPUT, iv_plan_json, link_in, login

SESSION, REMEMBER = "consulta_session", "consulta_remember"
NEW_PASSWORD = "otra frase larga y segura"


def cookie(client, name):
    found = client.get_cookie(name)
    return found.value if found else None


def replay(app, **cookies):
    """A fresh browser carrying only the given cookie values."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def logged_in(client):
    return client.get("/account").status_code == 200


def test_a_new_secret_key_keeps_sessions_only_through_its_fallbacks(app, create_user):
    """The session's signer is built once for the app's keys, and again when they
    change: rotating SECRET_KEY with the old one in SECRET_KEY_FALLBACKS keeps people
    logged in; without it, every session ends."""
    old_key, old_fallbacks = app.secret_key, app.config["SECRET_KEY_FALLBACKS"]
    client = app.test_client()
    login(client, create_user())
    assert logged_in(client)
    try:
        app.secret_key = app.config["SECRET_KEY"] = "una-clave-nueva-" + "x" * 32
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert logged_in(client)
        app.config["SECRET_KEY_FALLBACKS"] = []
        assert not logged_in(client)
    finally:
        app.secret_key = app.config["SECRET_KEY"] = old_key
        app.config["SECRET_KEY_FALLBACKS"] = old_fallbacks


# --- a new session at log-in --------------------------------------------------------------

def test_login_starts_a_new_session_and_a_planted_cookie_gains_nothing(app, create_user):
    user = create_user()
    attacker = app.test_client()
    page = attacker.get("/login").get_data(as_text=True)
    planted = cookie(attacker, SESSION)
    old_token = next(g for g in CSRF_INPUT.search(page).groups() if g)
    assert planted
    # The victim logs in with the session cookie the attacker planted.
    victim = replay(app, **{SESSION: planted})
    response = victim.post("/login", data={"email": user.email, "password": user.password,
                                           "csrf_token": old_token})
    assert response.status_code == 302
    assert cookie(victim, SESSION) not in (None, planted)
    assert logged_in(victim)
    assert not logged_in(attacker)
    assert not logged_in(replay(app, **{SESSION: planted}))
    # The CSRF token of the session before the log-in is no longer accepted.
    response = victim.post("/account", data={"display_name": "Cambiado", "sector": "citizen",
                                             "region": "cusco", "csrf_token": old_token})
    assert response.status_code == 400


# --- logout and password changes end every session ----------------------------------------

def test_logout_ends_every_session_and_remember_cookie_of_the_account(app, create_user):
    user = create_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user, remember=True)
    stolen = {"laptop": cookie(laptop, SESSION), "phone": cookie(phone, SESSION),
              "remember": cookie(phone, REMEMBER)}
    assert all(stolen.values())
    assert logged_in(replay(app, **{REMEMBER: stolen["remember"]}))  # it works until then
    laptop.post_form("/logout")
    assert not logged_in(laptop) and not logged_in(phone)
    # Copies of the cookies made before the logout are worth nothing after it.
    assert not logged_in(replay(app, **{SESSION: stolen["laptop"]}))
    assert not logged_in(replay(app, **{SESSION: stolen["phone"]}))
    assert not logged_in(replay(app, **{REMEMBER: stolen["remember"]}))


def test_a_password_change_ends_every_other_session_and_remember_cookie(app, create_user):
    user = create_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user, remember=True)
    login(phone, user, remember=True)
    stolen = {SESSION: cookie(phone, SESSION), REMEMBER: cookie(phone, REMEMBER)}
    old_laptop = {SESSION: cookie(laptop, SESSION), REMEMBER: cookie(laptop, REMEMBER)}
    response = laptop.post_form("/account/password", {
        "current_password": user.password, "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_in(laptop)  # the device that changed it stays in, with new cookies
    assert cookie(laptop, SESSION) != old_laptop[SESSION]
    assert cookie(laptop, REMEMBER) not in (None, old_laptop[REMEMBER])
    assert logged_in(replay(app, **{REMEMBER: cookie(laptop, REMEMBER)}))
    for name, value in (*stolen.items(), *old_laptop.items()):
        assert not logged_in(replay(app, **{name: value})), name


def test_a_password_reset_ends_every_session_and_remember_cookie(app, create_user, outbox):
    user = create_user()
    phone = app.test_client()
    login(phone, user, remember=True)
    stolen = {SESSION: cookie(phone, SESSION), REMEMBER: cookie(phone, REMEMBER)}
    app.test_client().post_form("/password/forgot", {"email": user.email})
    link = link_in(outbox(user.email)[-1], "/password/reset/")
    response = app.test_client().post_form(link, {"password": NEW_PASSWORD,
                                                  "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert not logged_in(phone)
    for name, value in stolen.items():
        assert not logged_in(replay(app, **{name: value})), name


# --- cookie flags in production -----------------------------------------------------------

def test_production_cookies_are_secure_httponly_and_samesite(production_app, create_user):
    production = production_app()
    user = create_user()
    site = "https://consulta.example.gob.pe"
    client = production.test_client()
    page = client.get("/login", base_url=site).get_data(as_text=True)
    token = next(g for g in CSRF_INPUT.search(page).groups() if g)
    response = client.post("/login", base_url=site, headers={"Referer": site + "/login"},
                           data={"email": user.email, "password": user.password,
                                 "remember": "y", "csrf_token": token})
    assert response.status_code == 302
    language = client.get("/language/en", base_url=site)
    set_cookies = response.headers.getlist("Set-Cookie") + \
        language.headers.getlist("Set-Cookie")
    for name in (SESSION, REMEMBER, "consulta_lang"):
        [header] = [h for h in set_cookies if h.startswith(name + "=")]
        attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
        assert {"secure", "httponly", "samesite"} <= attributes, header
        assert "SameSite=Lax" in header, header


# --- staff sessions end after inactivity ----------------------------------------------------

def idle(client, minutes):
    """Pretend the last request of this browser was ``minutes`` earlier."""
    with client.session_transaction() as stored:
        stored[sessions.LAST_SEEN] -= minutes * 60


@pytest.fixture
def moderator(app, create_user):
    client = app.test_client()
    login(client, create_user(roles=("moderator",)))
    return client


def test_an_idle_staff_session_is_closed_and_comes_back_to_the_page(app, moderator):
    assert moderator.get("/moderation").status_code == 200
    idle(moderator, 31)
    response = moderator.get("/moderation/organizations?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/moderation/organizations?x%3D1"
    page = moderator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tu sesión se cerró tras 30 minutos sin actividad" in page
    assert not logged_in(moderator)


def test_the_message_is_in_the_users_language(app, moderator):
    moderator.get("/language/en")
    idle(moderator, 45)
    response = moderator.get("/moderation", follow_redirects=True)
    assert "Your session was closed after 30 minutes without activity" in \
        response.get_data(as_text=True)


def test_an_idle_staff_session_cannot_post(app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json())
    author = app.test_client()
    login(author, create_user())
    sent = author.post_form(f"/consultations/{slug}/comments/new",
                            {"target": "plan", "body": "Un comentario.", "send": "1"})
    code = re.search(r"APO-\d{4}-\d{6}", sent.headers["Location"]).group(0)
    moderator = app.test_client()
    login(moderator, create_user(roles=("moderator",)))
    token = moderator.csrf_token()
    idle(moderator, 31)
    response = moderator.post(f"/moderation/{code}/hide", data={
        "reason": "spam", "csrf_token": token},
        headers={"Referer": f"http://localhost/moderation/{code}"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/moderation/{code}"
    with app.app_context():
        assert db.session.query(Contribution).one().hidden_at is None


def test_an_active_staff_session_stays_open(app, moderator, monkeypatch):
    start = sessions.clock()
    for minutes in range(0, 24 * 60, 25):  # a request every 25 minutes for a day
        monkeypatch.setattr(sessions, "clock", lambda m=minutes: start + m * 60)
        assert moderator.get("/moderation").status_code == 200, minutes


def test_the_idle_time_is_a_setting(app, moderator, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_SESSION_IDLE_MINUTES", 5)
    idle(moderator, 4)
    assert moderator.get("/moderation").status_code == 200
    idle(moderator, 6)
    assert moderator.get("/moderation").status_code == 302


def test_participants_keep_long_sessions(app, create_user, monkeypatch):
    participant = app.test_client()
    login(participant, create_user(), remember=True)
    start = sessions.clock()
    monkeypatch.setattr(sessions, "clock", lambda: start + 20 * 24 * 3600)
    assert logged_in(participant)
    participant.delete_cookie(SESSION)
    assert logged_in(participant)  # remember-me still works for them


def test_remember_me_cannot_bring_back_an_idle_staff_session(app, create_user):
    staff = create_user(roles=("secretariat",))
    client = app.test_client()
    response = login(client, staff, remember=True)
    assert not [h for h in response.headers.getlist("Set-Cookie")
                if h.startswith(REMEMBER + "=")]
    assert cookie(client, REMEMBER) is None
    # A remember-me cookie from before the account became staff does not open a staff
    # session either: it is ended and the cookie deleted.
    promoted = create_user()
    client = app.test_client()
    login(client, promoted, remember=True)
    remembered = cookie(client, REMEMBER)
    with app.app_context():
        from consulta.accounts.models import User, UserRole

        user = db.session.get(User, promoted.id)
        user.roles.append(UserRole(role="moderator"))
        db.session.commit()
    browser = replay(app, **{REMEMBER: remembered})
    response = browser.get("/moderation")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert cookie(browser, REMEMBER) is None
    assert not logged_in(browser)


def test_the_open_data_api_just_carries_on_without_the_expired_session(app, moderator):
    idle(moderator, 31)
    response = moderator.get("/api/v1/consultations")
    assert response.status_code == 200 and response.is_json
    assert not logged_in(moderator)


# --- the forms' token -----------------------------------------------------------------------

def header_token(client):
    """The token of the log-out form in the header of a page a logged-in visitor gets
    (the home page: no form of its own, whose token Flask-WTF signs as it builds it)."""
    html = client.get("/").get_data(as_text=True)
    tokens = {a or b for a, b in CSRF_INPUT.findall(html)}
    assert len(tokens) == 1  # every form of a page carries the same one
    return tokens.pop()


def test_a_session_gets_the_form_token_signed_for_it_within_the_minute(app, create_user,
                                                                        monkeypatch):
    """A worker signs a session's form token at most once a minute: the same token
    within it, a new one after it, another for another session; each one is accepted."""
    import time  # itsdangerous reads time.time: moved here, for the tokens' times too

    ana, beto = app.test_client(), app.test_client()
    login(ana, create_user())
    login(beto, create_user())
    start, passed = time.time(), [0]
    monkeypatch.setattr(time, "time", lambda: start + passed[0])
    first = header_token(ana)
    passed[0] = 30  # a token signed now would carry another time
    assert header_token(ana) == first
    assert header_token(beto) != first
    passed[0] = 61
    later = header_token(ana)
    assert later != first
    passed[0] = 90
    assert header_token(ana) == later
    # Both the token signed a minute ago and the new one are still valid for the session.
    for token in (first, later):
        answer = ana.post("/account", data={"csrf_token": token, "display_name": "Ana",
                                            "sector": "citizen", "region": "cusco"})
        assert "expired" not in answer.get_data(as_text=True).lower()
        assert answer.status_code in (200, 302) and logged_in(ana)
    assert beto.post("/logout", data={"csrf_token": first}).status_code == 400
    assert logged_in(beto)
    assert beto.post("/logout", data={"csrf_token": header_token(beto)}).status_code == 302
    assert not logged_in(beto)
