"""Hosts and sizes: a forged Host header gets 400 and can never put its host in an
e-mailed link; a body over MAX_CONTENT_LENGTH gets a clean 413 page in the user's
language, forms and file uploads alike, and changes nothing.

(tests/test_security.py already checks that production refuses to start without
TRUSTED_HOSTS and that an untrusted Host gets 400 on a page.)"""

import io
import logging
import re

import pytest
from sqlalchemy import func, select

from consulta.consultations.models import Commitment, PlanVersion
from consulta.feedback.models import Response

from ..conftest import iv_plan_json, login, make_app

SITE = "consulta.example.gob.pe"
ATTACKER = "evil.example"
MAX = 10 * 1024 * 1024


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


# --- sizes -----------------------------------------------------------------------------

def test_the_default_limit_is_ten_megabytes(app):
    assert app.config["MAX_CONTENT_LENGTH"] == MAX


def assert_too_large_page(response, language="es"):
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Traceback" not in page
    if language == "es":
        assert "Demasiado grande" in page and 'lang="es"' in page
    else:
        assert "Too large" in page and 'lang="en"' in page


@pytest.mark.parametrize("language", ["es", "en"])
def test_an_oversized_form_gets_a_clean_413_in_the_visitors_language(client, language):
    response = client.post("/login", data={"email": "a@example.pe", "password": "x" * (MAX + 1)},
                           headers={"Accept-Language": language})
    assert_too_large_page(response, language)


def test_an_oversized_form_of_a_participant_changes_nothing(app, client, create_user,
                                                           create_consultation):
    from consulta.contributions.models import Contribution
    from consulta.extensions import db

    slug = create_consultation(plan=iv_plan_json())
    login(client, create_user(locale="en"))
    response = client.post_form(f"/consultations/{slug}/comments/new",
                                {"target": "plan", "send": "1", "body": "x" * (MAX + 1)})
    assert_too_large_page(response, "en")  # the user's setting wins over the browser's
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0


def test_too_many_form_fields_get_a_clean_413(client):
    fields = {f"field{n}": "x" for n in range(2000)}
    response = client.post("/login", data=fields, content_type="multipart/form-data")
    assert_too_large_page(response)


def counts(app, *models):
    from consulta.extensions import db

    with app.app_context():
        return [db.session.scalar(select(func.count()).select_from(m)) for m in models]


@pytest.mark.parametrize("language", ["es", "en"])
def test_an_oversized_plan_upload_gets_a_clean_413_and_imports_nothing(
        app, client, create_user, create_consultation, language):
    secretariat = create_user(roles=("secretariat",), locale=language)
    slug = create_consultation(actor=secretariat, plan=iv_plan_json())
    before = counts(app, PlanVersion, Commitment)
    login(client, secretariat)
    padded = iv_plan_json() + b" " * (MAX + 1)  # a valid plan, only too large
    response = client.post_form(f"/consultations/{slug}/plan/import",
                                {"file": (io.BytesIO(padded), "plan.json")},
                                content_type="multipart/form-data")
    assert_too_large_page(response, language)
    assert counts(app, PlanVersion, Commitment) == before


def test_an_oversized_spreadsheet_upload_gets_a_clean_413_and_imports_nothing(
        app, client, create_user, create_consultation):
    secretariat = create_user(roles=("secretariat",))
    slug = create_consultation(actor=secretariat, plan=iv_plan_json(), closes_in_days=-1)
    login(client, secretariat)
    workbook = client.get(f"/consultations/{slug}/feedback/matrix.xlsx")
    assert workbook.status_code == 200
    response = client.post_form(
        f"/consultations/{slug}/feedback/import",
        {"file": (io.BytesIO(workbook.data + b"\0" * (MAX + 1)), "matriz.xlsx")},
        content_type="multipart/form-data")
    assert_too_large_page(response)
    assert counts(app, Response) == [0]


def test_an_upload_just_under_the_limit_is_not_refused_for_its_size(
        app, client, create_user, create_consultation):
    """The limit is the limit: a plan of nearly 10 MB is read, and refused for its content."""
    secretariat = create_user(roles=("secretariat",))
    slug = create_consultation(actor=secretariat)
    login(client, secretariat)
    almost = b"[" + b" " * (MAX - 64 * 1024) + b"]"
    response = client.post_form(f"/consultations/{slug}/plan/import",
                                {"file": (io.BytesIO(almost), "plan.json")},
                                content_type="multipart/form-data")
    assert response.status_code == 400  # read and refused as a plan, not as a size
    assert "Demasiado grande" not in response.get_data(as_text=True)
