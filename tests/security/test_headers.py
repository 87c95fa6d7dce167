"""Security headers on every kind of response — pages, redirects, errors (400, 403, 404,
405, 500), static files, the API and its errors — of a production app behind a
reverse proxy; HSTS exactly when the proxy says the visitor came over HTTPS."""

import pytest

from ..conftest import CSRF_INPUT
from .conftest import PRODUCTION

SITE = PRODUCTION["TRUSTED_HOSTS"]


@pytest.fixture
def production(production_app):
    app = production_app(PROXY_COUNT="1")

    @app.route("/_broken")
    def broken():
        raise RuntimeError("a bug")

    return app


def responses(app, user, scheme):
    """One response of every kind, as the proxy forwards them (``scheme`` of the visitor)."""
    client = app.test_client()
    headers = {"X-Forwarded-Proto": scheme, "X-Forwarded-For": "198.51.100.9"}

    def get(path, **kwargs):
        return client.get(path, base_url=f"http://{SITE}", headers=headers, **kwargs)

    def post(path, data):
        return client.post(path, base_url=f"http://{SITE}", data=data,
                           headers={**headers, "Referer": f"{scheme}://{SITE}/login"})

    yield "page", get("/")
    yield "404 page", get("/no-existe")
    yield "405 page", get("/logout")
    yield "400 (no CSRF token)", post("/login", {"email": user.email, "password": "x"})
    yield "500 page", get("/_broken")
    yield "static file", get("/static/css/consulta.css")
    yield "static 404", get("/static/no-existe.css")
    yield "API", get("/api/v1/consultations")
    yield "API 404", get("/api/v1/consultations/no-existe")
    yield "API export", get("/api/v1/openapi.json")
    yield "health", get("/health")
    yield "redirect to log in", get("/account")
    page = get("/login").get_data(as_text=True)
    token = next(g for g in CSRF_INPUT.search(page).groups() if g)
    yield "log-in redirect", post("/login", {"email": user.email, "password": user.password,
                                             "csrf_token": token})
    yield "403 page", get("/admin/users")
    yield "logged-in page", get("/account")


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_every_kind_of_response_carries_the_security_headers(production, create_user, scheme):
    user = create_user()
    seen = set()
    for kind, response in responses(production, user, scheme):
        seen.add(response.status_code)
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, kind
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, kind
        assert "object-src 'none'" in csp and "base-uri 'self'" in csp, kind
        assert headers.get("X-Content-Type-Options") == "nosniff", kind
        assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", kind
        assert headers.get("X-Frame-Options") == "DENY", kind
        hsts = headers.get("Strict-Transport-Security")
        if scheme == "https":
            assert hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 15552000, kind
        else:
            assert hsts is None, kind
    assert {200, 302, 400, 403, 404, 405, 500} <= seen


def test_hsts_is_not_sent_on_a_forged_forwarded_proto_without_a_proxy(production_app):
    """Without PROXY_COUNT nobody vouches for X-Forwarded-Proto."""
    app = production_app()
    response = app.test_client().get("/", base_url=f"http://{SITE}",
                                     headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
    secure = app.test_client().get("/", base_url=f"https://{SITE}")
    assert "Strict-Transport-Security" in secure.headers


def test_a_page_cached_for_an_https_visitor_does_not_carry_hsts_to_others(production):
    from consulta.core.cache import cache

    assert production.config["PUBLIC_PAGE_CACHE_SECONDS"] > 0
    cache.clear()
    client = production.test_client()
    first = client.get("/consultations", base_url=f"http://{SITE}",
                       headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in first.headers
    second = client.get("/consultations", base_url=f"http://{SITE}",
                        headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in second.headers
    third = client.get("/consultations", base_url=f"http://{SITE}",
                       headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in third.headers
    assert first.data == second.data == third.data  # the same page, from the cache
    cache.clear()
