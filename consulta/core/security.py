"""Security headers on every response; whether a request comes without session cookies
(an anonymous visitor, known without loading an account); the signed-cookie sessions;
the forms' token."""

import time
from functools import wraps

from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


#: Sent on every response that has not set its own: (name in lower case, name, value).
SECURITY_HEADERS = (
    ("content-security-policy", "Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "X-Content-Type-Options", "nosniff"),
    ("x-frame-options", "X-Frame-Options", "DENY"),
    ("referrer-policy", "Referrer-Policy", "strict-origin-when-cross-origin"),
    ("permissions-policy", "Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("cross-origin-opener-policy", "Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("strict-transport-security", "Strict-Transport-Security",
        "max-age=31536000; includeSubDomains")


def set_security_headers(response):
    headers = response.headers
    # The names the response has, read once: a setdefault per header scanned them all
    # each time (a page from the cache is little more than its headers).
    present = {name.lower() for name in headers.keys()}  # noqa: SIM118 (iterated: pairs)
    wanted = (*SECURITY_HEADERS, HSTS) if request.is_secure else SECURITY_HEADERS
    headers.extend([(name, value) for lower, name, value in wanted if lower not in present])
    # Pages seen while logged in may hold personal data: never keep them (shared computers).
    if "cache-control" not in present and _logged_in():
        headers["Cache-Control"] = "no-store"
    return response


def without_session_cookies():
    """The request carries neither the session's cookie nor the remember-me one: its
    visitor is anonymous, and nothing needs to load an account to know it (read once
    per request: five parts ask)."""
    return request.without_session_cookies


def _logged_in():
    # Without a cookie nobody is logged in, unless this very request logged them in:
    # then the session holds their id (Flask-Login's login_user writes it).
    if without_session_cookies() and "_user_id" not in session:
        return False
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # e.g. the database is down while an error page is sent
        return False


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, that build their signer only for a request that
    brings a cookie: Flask built it (a serializer and its HMAC set-up) on every request,
    the visitors without a session included, whose pages come from the cache."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()  # what Flask gives for a request without one
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        """Flask's, but for an empty session left empty (a visitor without one) only the
        ``Vary: Cookie`` Flask adds when the session was read, written without parsing
        the header into a set and back (4% of a page from the cache)."""
        if session or session.modified:
            return super().save_session(app, session, response)
        if session.accessed:
            vary = response.headers.get("Vary")
            if not vary:
                response.headers["Vary"] = "Cookie"
            elif "cookie" not in (name.strip().lower() for name in vary.split(",")):
                response.headers["Vary"] = f"{vary}, Cookie"
        return None

    #: (the keys, the serializer built for them).
    _serializer = (None, None)

    def get_signing_serializer(self, app):
        """Flask's serializer, built once for the app's keys: Flask built a new one for
        every request that brings a cookie (1.5% of a participant's kept page)."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._serializer[0] != keys:
            self._serializer = (keys, super().get_signing_serializer(app))
        return self._serializer[1]


def check_forms_on_changes_only(app):
    """Run Flask-WTF's CSRF check (after ``csrf.init_app(app)``, in its place) only for
    the methods it checks: it looked up the view's exemptions first, on every GET (3%
    of a page from the cache). The same check, the same exemptions, the same settings."""
    handlers = app.before_request_funcs.setdefault(None, [])
    for position, handler in enumerate(handlers):
        if (handler.__module__, handler.__name__) == ("flask_wtf.csrf", "csrf_protect"):
            handlers[position] = _on_changes_only(handler)
            return
    raise RuntimeError("Flask-WTF's CSRF check is not installed")


def _on_changes_only(csrf_protect):
    @wraps(csrf_protect)
    def check():
        if request.method in current_app.config["WTF_CSRF_METHODS"]:
            return csrf_protect()
        return None

    return check


#: Seconds during which a worker gives a session the form token it signed for it.
FORM_TOKEN_REUSE_SECONDS = 60
#: Sessions whose signed token a worker keeps at most.
FORM_TOKENS_KEPT = 10000


def form_token():
    """This request's form token (CSRF), as Flask-WTF's ``generate_csrf`` gives it, but
    signed at most once a minute for a session by each worker.

    Every page a logged-in visitor gets holds one (the log-out form in the header), and
    Flask-WTF signs a new one for every request: an HMAC set-up and a signature, 3% of
    a participant's page from the cache. A token signed less than a minute ago is the
    one the same session got then; it is checked the same way, and its time limit
    (``WTF_CSRF_TIME_LIMIT``) counts from its signature, so it ends at most a minute
    sooner. Forms of the same request get the same token (Flask-WTF reads it from
    ``g``).
    """
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g:  # already signed for this request (a form built by the view)
        return generate_csrf()
    secret = config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)
    signed = current_app.extensions.setdefault("consulta_form_tokens", {})
    now = time.time()
    kept = signed.get((secret, session.get(field)))
    if kept is not None and 0 <= now - kept[0] < FORM_TOKEN_REUSE_SECONDS:
        setattr(g, field, kept[1])
        return kept[1]
    token = generate_csrf()  # gives a new session its raw token
    if len(signed) >= FORM_TOKENS_KEPT:
        signed.clear()
    signed[(secret, session[field])] = (now, token)
    return token
