"""Security headers and pages without inline scripts (consulta/core/security.py)."""

from ..conftest import login


def test_security_headers_on_every_page(client):
    for url in ("/", "/login", "/no-existe"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_response_keeps_the_security_headers_it_set_itself(app):
    """A document download sandboxes itself with its own policy: it is kept (whatever
    the case of its name), and every other header is added once."""
    from flask import Response

    from consulta.core.security import set_security_headers

    with app.test_request_context("/", base_url="https://localhost"):
        response = Response(b"%PDF", headers={
            "content-security-policy": "sandbox; default-src 'none'"})
        set_security_headers(response)
    headers = response.headers
    assert headers.getlist("Content-Security-Policy") == ["sandbox; default-src 'none'"]
    for name in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                 "Permissions-Policy", "Cross-Origin-Opener-Policy",
                 "Strict-Transport-Security"):
        assert len(headers.getlist(name)) == 1, name


def test_pages_have_no_inline_scripts(client):
    for url in ("/", "/register", "/login", "/privacy"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page and "onclick=" not in page and "onload=" not in page


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_seen_logged_in_are_not_cached(client, create_user):
    assert "no-store" not in client.get("/privacy").headers.get("Cache-Control", "")
    login(client, create_user())
    assert client.get("/account").headers["Cache-Control"] == "no-store"
    assert client.get("/privacy").headers["Cache-Control"] == "no-store"


def test_a_page_of_the_request_that_logs_in_is_not_kept_either(app, create_user):
    """A request that came without cookies is anonymous for the headers, unless it
    logged its visitor in itself: then its page is personal, and never kept."""
    from flask import Response
    from flask_login import login_user

    from consulta.accounts.models import User
    from consulta.core.security import set_security_headers
    from consulta.extensions import db

    account = create_user()
    with app.test_request_context("/"):
        anonymous = set_security_headers(Response("x"))
        login_user(db.session.get(User, account.id))
        personal = set_security_headers(Response("x"))
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    assert personal.headers["Cache-Control"] == "no-store"


def test_a_page_that_read_the_session_varies_by_cookie_once(app, client):
    """A shared cache must not give one visitor's page to another: ``Vary: Cookie`` on
    a page that read the session, added to what the response varies by already, once."""
    from flask import Response, session
    from flask.globals import request_ctx

    assert client.get("/").headers.getlist("Vary") == ["Cookie"]
    interface = app.session_interface
    for given, expected in ((None, "Cookie"), ("Accept-Language", "Accept-Language, Cookie"),
                            ("Accept-Language, cookie", "Accept-Language, cookie")):
        with app.test_request_context("/"):
            response = Response(headers={"Vary": given} if given else {})
            assert "_user_id" not in session  # read, as every page reads it
            interface.save_session(app, request_ctx._session, response)
        assert response.headers.getlist("Vary") == [expected]
        assert "Set-Cookie" not in response.headers
    with app.test_request_context("/"):
        response = Response()
        interface.save_session(app, request_ctx._session, response)
    assert "Vary" not in response.headers  # not read: nothing said
