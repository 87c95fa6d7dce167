"""Hosts and sizes: a forged Host header gets 400 and can never put its host in an
e-mailed link; a body over MAX_CONTENT_LENGTH gets a clean 413 page in the user's
language, forms and file uploads alike, and changes nothing.

(tests/test_security.py already checks that production refuses to start without
TRUSTED_HOSTS and that an untrusted Host gets 400 on a page.)"""

import logging
import re

import pytest

from ..conftest import make_app

SITE = "consulta.example.gob.pe"
ATTACKER = "evil.example"


@pytest.fixture
def site(app, database_url):
    """The app as deployed: TRUSTED_HOSTS set, one reverse proxy in front."""
    return make_app(database_url, TRUSTED_HOSTS=[SITE], PROXY_COUNT=1)


def csrf_and_cookie(client):
    """A CSRF token and the session cookie it belongs to, fetched from the real site."""
    page = client.get("/password/forgot", base_url=f"https://{SITE}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    cookie = client.get_cookie("consulta_session", domain=SITE)
    return token, f"consulta_session={cookie.value}"


def hosts_in(body):
    return {match.lower() for match in re.findall(r"https?://([^/\s:]+)", body)}


@pytest.mark.parametrize("host", [
    ATTACKER,
    f"{SITE}.{ATTACKER}",
    f"{ATTACKER}.{SITE}",
    f"{SITE}@{ATTACKER}",
    f"{SITE}:443@{ATTACKER}",
    f"{SITE}, {ATTACKER}",
    f"{SITE}/{ATTACKER}",
])
def test_a_reset_request_under_a_forged_host_is_refused_and_sends_nothing(
        site, create_user, outbox, host, caplog):
    user = create_user()
    client = site.test_client()
    token, cookie = csrf_and_cookie(client)
    with caplog.at_level(logging.ERROR):
        response = client.post("/password/forgot", data={"email": user.email,
                                                          "csrf_token": token},
                               base_url=f"https://{SITE}",
                               headers={"Host": host, "Cookie": cookie,
                                        "Referer": f"https://{host}/password/forgot"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Traceback" not in page and ATTACKER not in page
    assert "No pudimos atender" in page and "We could not handle" in page  # bilingual
    assert outbox(user.email) == []
    # A scanner's forged Host is a bad request, not an error of ours: nothing to page on.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The same request under the site's own name is accepted: only the Host was wrong.
    response = client.post("/password/forgot", data={"email": user.email,
                                                      "csrf_token": token},
                           base_url=f"https://{SITE}",
                           headers={"Referer": f"https://{SITE}/password/forgot"})
    assert response.status_code == 200
    [message] = outbox(user.email)
    assert hosts_in(message.body) == {SITE}


def test_reset_links_point_to_the_site_whatever_the_forwarded_host_says(site, create_user,
                                                                        outbox):
    user = create_user()
    client = site.test_client()
    token, _cookie = csrf_and_cookie(client)
    response = client.post("/password/forgot", data={"email": user.email,
                                                      "csrf_token": token},
                           base_url=f"https://{SITE}",
                           headers={"X-Forwarded-Host": ATTACKER,
                                    "X-Forwarded-Proto": "https",
                                    "Referer": f"https://{SITE}/password/forgot"})
    assert response.status_code == 200
    [message] = outbox(user.email)
    assert "/password/reset/" in message.body
    assert hosts_in(message.body) == {SITE}
