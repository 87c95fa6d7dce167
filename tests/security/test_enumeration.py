"""Log-in, registration and password reset do not tell whether an account exists: same
status, same page (CSRF token and the typed address aside), same messages, the same
work (a password hash check on either path of log-in and registration); and guessing
passwords is throttled, for staff after at most 10 failures in 15 minutes."""

import re
import statistics
import time

import pytest
from limits import parse
from werkzeug.security import check_password_hash

from consulta.accounts.passwords import dummy_hash, hash_password
from consulta.accounts.views import auth
from consulta.core import mail
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


# --- timing ---------------------------------------------------------------------------
#
# What tells a known account from an unknown one is work done on one path and not on the
# other (a password hash check: 0.1 s of CPU). So the requests are measured in CPU time
# of the thread that serves them (the test client runs the app in the test's thread),
# which other processes on a loaded machine do not inflate as they do wall time; the two
# paths are measured in turns (A, B, B, A, ...) so that whatever slows the machine hits
# both alike; and the gap is compared with the cost of one hash check measured the same
# way, on the same machine, at the same time.

ROUNDS = 16


def _cpu_time(app, url, data):
    """CPU seconds this thread spends on one POST of ``data`` to ``url`` (a new browser)."""
    client = app.test_client()
    page = client.get(url).get_data(as_text=True)
    token = next(g for g in CSRF_INPUT.search(page).groups() if g)
    start = time.thread_time()
    response = client.post(url, data={**data, "csrf_token": token})
    elapsed = time.thread_time() - start
    limiter.reset()  # these are not an attack: keep the limits out of the measure
    return elapsed, response


def _check_cost(app):
    """CPU seconds of one check of a wrong password against a real (scrypt) hash."""
    with app.app_context():
        stored = hash_password("una frase cualquiera")
    start = time.thread_time()
    check_password_hash(stored, WRONG)
    return time.thread_time() - start


def _compare(app, known, unknown):
    """Both paths in turns, ROUNDS times each, with a hash check measured between them.

    ``known`` and ``unknown`` are functions of the round number returning (seconds,
    response). Returns the figures in milliseconds: the median of each path, the median
    of the paired differences (known - unknown) and the median cost of a hash check.
    """
    known(-1), unknown(-1)  # warm up (templates, connections)
    times = {"known": [], "unknown": [], "check": []}
    for n in range(ROUNDS):
        pair = [("known", known), ("unknown", unknown)]
        for name, measure in pair if n % 2 == 0 else reversed(pair):
            times[name].append(measure(n)[0])
        times["check"].append(_check_cost(app))
    gaps = [k - u for k, u in zip(times["known"], times["unknown"], strict=True)]
    return {"known": statistics.median(times["known"]) * 1000,
            "unknown": statistics.median(times["unknown"]) * 1000,
            "gap": statistics.median(gaps) * 1000,
            "check": statistics.median(times["check"]) * 1000}


def _assert_same_work(figures):
    figures = {name: round(value, 1) for name, value in figures.items()}
    # Each path checks a hash (without the dummy check, the unknown path costs a few
    # milliseconds: a small fraction of one check)...
    assert min(figures["known"], figures["unknown"]) > 0.8 * figures["check"], figures
    # ...and the two differ by far less than one check.
    assert abs(figures["gap"]) < 0.2 * figures["check"], figures


def test_a_wrong_password_costs_as_much_for_unknown_accounts(app, scrypt, create_user):
    known = create_user()
    # The dummy hash checked for unknown accounts is made as real ones are.
    with app.app_context():
        assert dummy_hash("scrypt").rsplit("$", 2)[0] == hash_password("x").rsplit("$", 2)[0]

    def login(email):
        def measure(n):
            elapsed, response = _cpu_time(app, "/login", {"email": email, "password": WRONG})
            assert response.status_code == 200
            return elapsed, response
        return measure

    _assert_same_work(_compare(app, login(known.email), login(UNKNOWN)))


def test_registering_a_taken_address_costs_as_much_as_a_new_one(app, scrypt, create_user):
    taken = create_user()
    form = {"password": "una frase larga y segura", "password_confirm":
            "una frase larga y segura", "display_name": "Alguien", "sector": "citizen",
            "region": "cusco", "accept_privacy": "y"}

    def register(email_of):
        def measure(n):
            elapsed, response = _cpu_time(app, "/register", {**form, "email": email_of(n)})
            assert response.status_code == 302
            return elapsed, response
        return measure

    _assert_same_work(_compare(app, register(lambda n: taken.email),
                               register(lambda n: f"recien-llegada-{n + 1}@example.pe")))


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


def test_asking_for_a_reset_link_costs_the_request_as_much_for_unknown_addresses(
        app, create_user, outbox, monkeypatch):
    # As in production: the link is looked up and queued apart from the answer.
    monkeypatch.setitem(app.config, "MAIL_SEND_ASYNC", True)
    known = create_user()
    futures = []
    real = mail.after_response

    def keep(job, *args):
        futures.append(real(job, *args))

    monkeypatch.setattr(auth, "after_response", keep)

    def reset(email):
        def measure(n):
            elapsed, response = _cpu_time(app, "/password/forgot", {"email": email})
            assert response.status_code == 200
            return elapsed, response
        return measure

    figures = _compare(app, reset(known.email), reset(UNKNOWN))
    for future in futures:
        future.result(timeout=30)

    # The known path did send its links (one per request, after the answers)...
    assert len(outbox(known.email)) == ROUNDS + 1 and outbox(UNKNOWN) == []
    # ...and cost the request thread what the unknown one did: the gap is within the
    # noise of a loaded machine (before, a known address cost about twice as much: the
    # token, the message rendered, the outbox row written and committed).
    figures = {name: round(value, 2) for name, value in figures.items()}
    assert abs(figures["gap"]) < max(1.0, 0.15 * figures["unknown"]), figures
