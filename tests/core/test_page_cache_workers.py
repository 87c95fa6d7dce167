"""The page cache across real workers: two gunicorn workers and the real Redis.

A contribution hidden for abuse must leave every anonymous page (and the list a logged-in
participant gets from the parts kept for participants) at the next request, whichever
worker answers it and whatever either of them cached before.
"""

import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from consulta.extensions import db

from ..conftest import TEST_PASSWORD, free_port, iv_plan_json, make_app
from ..redis_support import redis_prefix, redis_settings, restore_limiter  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent.parent
ABUSE = "Texto abusivo que la moderación va a ocultar."

pytestmark = pytest.mark.workers


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers


@pytest.fixture
def gunicorn_workers(database_url, redis_prefix):  # noqa: F811
    """A base URL served by two gunicorn workers sharing the test database and Redis."""
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None \
            and shutil.which("gunicorn") is None:
        pytest.skip("gunicorn is not installed (pip install -e '.[test]')")
    _client, prefix = redis_prefix
    port = free_port()
    settings = redis_settings(prefix)
    env = {**os.environ, "CONSULTA_ENV": "testing", "DATABASE_URL": database_url,
           "REDIS_URL": settings["REDIS_URL"], "CACHE_KEY_PREFIX": prefix,
           "RATELIMIT_KEY_PREFIX": prefix, "RATELIMIT_LOGIN_ACCOUNT": "10 per 15 minutes",
           "PUBLIC_PAGE_CACHE_SECONDS": "300", "MAIL_SERVER": "", "MAIL_SEND_ASYNC": "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(base + "/health")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.poll() is not None else ""
                pytest.fail(f"gunicorn did not start: {output[-2000:]}")
            time.sleep(0.2)
        yield base, prefix
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _logged_in(base, user):
    """An opener holding ``user``'s session, logged in through the real form."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(base + "/login", timeout=10) as page:
        token = CSRF.search(page.read().decode()).group(1)
    data = urllib.parse.urlencode({"email": user.email, "password": TEST_PASSWORD,
                                   "csrf_token": token}).encode()
    with opener.open(base + "/login", data=data, timeout=10) as response:
        assert response.status == 200
    return opener


def test_hiding_a_contribution_removes_it_from_every_anonymous_page_on_every_worker(
        gunicorn_workers, redis_prefix, database_url, restore_limiter,  # noqa: F811
        create_consultation, create_contribution, create_user):
    from consulta.accounts.models import User
    from consulta.contributions.models import Contribution
    from consulta.moderation.operations import hide_contribution

    base, prefix = gunicorn_workers
    redis_client, _prefix = redis_prefix
    slug = create_consultation(plan=iv_plan_json())
    code = create_contribution(slug, body=ABUSE)
    moderator = create_user(roles=("moderator",))
    pages = [f"/consultations/{slug}/contributions", f"/contributions/{code}",
             f"/api/v1/consultations/{slug}/contributions",
             f"/consultations/{slug}/contributions?q=abusivo", f"/consultations/{slug}"]
    participant = _logged_in(base, create_user())

    def participants_list():
        with participant.open(base + pages[0], timeout=10) as response:
            return response.read().decode()

    # Every page, many times: both workers answer, and the pages are cached in Redis
    # (for a logged-in participant too: the list's kept parts; the search once asked
    # again, its first request leaving a mark).
    for _round in range(6):
        for page in pages[:4]:
            status, body, _headers = _get(base + page)
            assert status == 200 and ABUSE in body, page
        assert ABUSE in participants_list()
    assert len(list(redis_client.scan_iter(match=f"{prefix}page:*"))) == 4
    assert any(redis_client.scan_iter(match=f"{prefix}blocks:*"))
    assert len(list(redis_client.scan_iter(match=f"{prefix}asked:page:*"))) == 1

    # The moderator hides it, from a third process that shares the database and Redis.
    moderation_app = make_app(database_url, PUBLIC_PAGE_CACHE_SECONDS=300,
                              **redis_settings(prefix))
    with moderation_app.test_request_context():
        contribution = db.session.scalar(select(Contribution)
                                         .where(Contribution.tracking_code == code))
        hide_contribution(contribution, actor=db.session.get(User, moderator.id),
                          reason="offensive")
        db.session.commit()
        db.session.remove()

    # At once, on every page, whichever worker answers.
    for _round in range(6):
        for page in pages[:4]:
            status, body, _headers = _get(base + page)
            assert status == 200 and ABUSE not in body, page
        assert ABUSE not in participants_list()


def test_the_login_limit_holds_across_two_workers(gunicorn_workers, create_user):
    """Counted in Redis: 20 failures spread over both workers let 10 through, not 19."""
    base, _prefix = gunicorn_workers
    user = create_user()
    answers = []
    for n in range(20):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(base + "/login", timeout=10) as page:
            token = CSRF.search(page.read().decode()).group(1)
        data = urllib.parse.urlencode({"email": user.email, "password": f"mala-{n}",
                                       "csrf_token": token}).encode()
        try:
            with opener.open(base + "/login", data=data, timeout=10) as response:
                answers.append(response.status)
        except urllib.error.HTTPError as error:
            answers.append(error.code)
    assert answers == [200] * 10 + [429] * 10
