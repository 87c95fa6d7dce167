"""Log-in, registration and password reset do not tell whether an account exists: same
status, same page (CSRF token and the typed address aside), same messages, about the
same time; and guessing passwords is throttled, for staff after at most 10 failures
in 15 minutes."""

import re
import statistics
import time

import pytest
from limits import parse

from consulta.accounts.passwords import dummy_hash, hash_password
from consulta.extensions import limiter

from ..conftest import CSRF_INPUT

WRONG = "no-es-la-clave-correcta"
UNKNOWN = "nadie-registrado@example.pe"


@pytest.fixture
def rate_limits(monkeypatch):
    """Rate limits on for this test, whatever another test turned off."""
    monkeypatch.setattr(limiter, "enabled", True)
    limiter.reset()


def normalized(response, *emails):
    """The page with its CSRF token and the typed addresses blanked out."""
    page = response.get_data(as_text=True)
    page = CSRF_INPUT.sub("csrf", page)
    for email in emails:
        page = page.replace(email, "EMAIL")
    return page


def test_login_answers_alike_for_known_unknown_and_unconfirmed_accounts(
        app, create_user):
    known = create_user()
    unconfirmed = create_user(confirmed=False)
    answers = {}
    for name, email in (("known", known.email), ("unconfirmed", unconfirmed.email),
                        ("unknown", UNKNOWN)):
        client = app.test_client()
        response = client.post_form("/login", {"email": email, "password": WRONG})
        answers[name] = (response.status_code, normalized(response, email))
    assert answers["known"] == answers["unknown"] == answers["unconfirmed"]
    assert answers["known"][0] == 200
    assert "no son correctos" in answers["known"][1]


def test_registration_answers_alike_for_new_and_taken_addresses(app, create_user, outbox):
    taken = create_user()
    base = {"password": "una frase larga y segura",
            "password_confirm": "una frase larga y segura", "display_name": "Alguien",
            "sector": "citizen", "region": "cusco", "accept_privacy": "y"}
    answers = {}
    for name, email in (("taken", taken.email), ("new", "recien-llegada@example.pe")):
        client = app.test_client()
        sent = client.post_form("/register", {**base, "email": email})
        done = client.get(sent.headers["Location"])
        # A form with a mistake must not tell either.
        mistake = client.post_form("/register", {**base, "email": email,
                                                 "password_confirm": "otra cosa"})
        answers[name] = (sent.status_code, sent.headers["Location"], normalized(done),
                         mistake.status_code, normalized(mistake, email))
    assert answers["taken"] == answers["new"]
    # The owner of the taken address is told by e-mail instead.
    assert len(outbox(taken.email)) == 1


def test_password_reset_and_confirmation_answer_alike_for_any_address(
        app, create_user, outbox):
    known, unconfirmed = create_user(), create_user(confirmed=False)
    for url in ("/password/forgot", "/confirm"):
        answers = set()
        for email in (known.email, unconfirmed.email, UNKNOWN):
            response = app.test_client().post_form(url, {"email": email})
            answers.add((response.status_code, normalized(response, email)))
        assert len(answers) == 1, url


@pytest.fixture
def scrypt(app, monkeypatch):
    """Hashes made with scrypt, as in production (the test suite's pbkdf2 costs next to
    nothing, so a missing dummy check would go unseen)."""
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "scrypt")


def _login_time(app, email):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = next(g for g in CSRF_INPUT.search(page).groups() if g)
    start = time.perf_counter()
    response = client.post("/login", data={"email": email, "password": WRONG,
                                           "csrf_token": token})
    elapsed = time.perf_counter() - start
    assert response.status_code == 200
    limiter.reset()  # these are not an attack: keep the limits out of the measure
    return elapsed


def _median_gap(app, known_email, rounds=15):
    times = {"known": [], "unknown": []}
    for _round in range(rounds):  # interleaved, so that load on the machine hits both alike
        times["known"].append(_login_time(app, known_email))
        times["unknown"].append(_login_time(app, UNKNOWN))
    known, unknown = statistics.median(times["known"]), statistics.median(times["unknown"])
    return abs(known - unknown), known, unknown


def test_a_wrong_password_takes_as_long_for_unknown_accounts(app, scrypt, create_user):
    known = create_user()
    # The dummy hash checked for unknown accounts costs what a real one does.
    with app.app_context():
        assert dummy_hash("scrypt").rsplit("$", 2)[0] == hash_password("x").rsplit("$", 2)[0]
    _login_time(app, known.email), _login_time(app, UNKNOWN)  # warm up
    # Without the dummy check the gap is a whole scrypt hash (50 ms or more) in every
    # attempt; a busy CI machine can blur one attempt, so the best of three counts.
    attempts = []
    for _attempt in range(3):
        gap, known_median, unknown_median = _median_gap(app, known.email)
        attempts.append((round(gap * 1000, 1), round(known_median * 1000, 1),
                         round(unknown_median * 1000, 1)))
        if gap < 0.020:
            break
    assert min(a[0] for a in attempts) < 20, f"(gap, known, unknown) in ms: {attempts}"
    # Both include the hash check (a few tens of milliseconds), not just one.
    assert min(attempts[-1][1:]) > 5


def test_login_limits_allow_at_most_10_failures_in_15_minutes_per_account(app):
    limit = parse(app.config["RATELIMIT_LOGIN_ACCOUNT"])
    assert limit.amount <= 10 and limit.get_expiry() >= 15 * 60


def test_staff_accounts_are_throttled_after_10_failures_from_anywhere(
        app, create_user, rate_limits):
    staff = create_user(roles=("admin",))
    limit = parse(app.config["RATELIMIT_LOGIN_ACCOUNT"]).amount
    for n in range(limit):
        response = app.test_client().post_form(
            "/login", {"email": staff.email, "password": WRONG},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n}"})
        assert response.status_code == 200
    # Even the right password, from yet another address, waits now.
    response = app.test_client().post_form(
        "/login", {"email": staff.email, "password": staff.password},
        environ_base={"REMOTE_ADDR": "192.0.2.200"})
    assert response.status_code == 429
    assert "Demasiados intentos" in response.get_data(as_text=True)


def test_throttling_does_not_tell_known_from_unknown_accounts(app, create_user, rate_limits):
    known = create_user()
    limit = parse(app.config["RATELIMIT_LOGIN_ACCOUNT"]).amount
    answers = {}
    for email in (known.email, UNKNOWN):
        statuses = []
        for n in range(limit + 1):
            response = app.test_client().post_form(
                "/login", {"email": email, "password": WRONG},
                environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
            statuses.append(response.status_code)
        answers[email] = statuses
    assert answers[known.email] == answers[UNKNOWN] == [200] * limit + [429]


def test_the_per_account_limit_ignores_case_and_spaces(app, create_user, rate_limits):
    known = create_user()
    limit = parse(app.config["RATELIMIT_LOGIN_ACCOUNT"]).amount
    for n in range(limit):
        variant = f"  {known.email.upper() if n % 2 else known.email}  "
        app.test_client().post_form("/login", {"email": variant, "password": WRONG},
                                    environ_base={"REMOTE_ADDR": f"203.0.113.{n}"})
    response = app.test_client().post_form(
        "/login", {"email": known.email, "password": known.password})
    assert response.status_code == 429
    assert re.search(r"\d", response.headers.get("Retry-After", "")), response.headers
