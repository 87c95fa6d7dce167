"""Friendly error pages in the user's language, never a traceback."""

import logging
import sqlite3
import uuid

from flask import make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from consulta.extensions import db

from .logs import log_refused, request_path

log = logging.getLogger(__name__)


def _messages():
    return {
        400: (_("Bad request"), _("The request could not be understood. Please go back "
                                  "and try again.")),
        403: (_("Access denied"), _("You do not have permission to see this page.")),
        404: (_("Page not found"), _("The page you are looking for does not exist or "
                                     "is no longer available.")),
        405: (_("Method not allowed"), _("This address does not accept that kind of "
                                         "request.")),
        413: (_("Too large"), _("What you sent is larger than allowed.")),
        415: (_("Unsupported format"), _("This address only accepts forms sent from its own "
                                         "pages. Nothing was changed.")),
        429: (_("Too many attempts"), _("You have made too many requests in a short time. "
                                        "Please wait a few minutes and try again.")),
        503: (_("Please try again"), _("Many people are saving at this very moment and "
                                        "your request could not wait its turn. Nothing was "
                                        "changed: please try again in a few seconds.")),
        500: (_("Something went wrong"), _("An unexpected error happened on our side. "
                                           "Nothing you did caused it; please try again "
                                           "later.")),
    }


PLAIN_ERROR = """<!doctype html><html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Error {code}</title>
</head><body><main><h1>Error {code}</h1>
<p>No pudimos atender tu solicitud. Por favor, inténtalo de nuevo más tarde.</p>
<p lang="en">We could not handle your request. Please try again later.</p>{ref}
<p><a href="/">Consulta</a></p></main></body></html>"""


def render_error(code, *, title=None, message=None, error_id=None):
    """The error page; a plain bilingual one if even that cannot be rendered."""
    if isinstance(getattr(request, "routing_exception", None), SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so the page with its
        # links cannot be rendered. The plain page, without logging an error each time a
        # scanner tries a forged Host.
        return PLAIN_ERROR.format(code=int(code), ref=""), code, {
            "Content-Type": "text/html; charset=utf-8"}
    try:
        return _render_error(code, title=title, message=message, error_id=error_id)
    except Exception:
        log.exception("the error page for %s could not be rendered", code)
        ref = f"<p>Ref.: <code>{error_id}</code></p>" if error_id else ""
        return PLAIN_ERROR.format(code=int(code), ref=ref), code, {
            "Content-Type": "text/html; charset=utf-8"}


def _render_error(code, *, title=None, message=None, error_id=None):
    default_title, default_message = _messages().get(code, _messages()[500])
    wants_json = (request.path.startswith("/api/") or request.path == "/health"
                  or request.accept_mimetypes.best == "application/json")
    if wants_json:
        body = {"error": code, "message": message or default_message}
        if error_id:
            body["error_id"] = error_id
        return body, code
    return render_template(
        "errors/error.html", code=code, title=title or default_title,
        message=message or default_message, error_id=error_id,
    ), code


def handle_csrf_error(error):
    log_refused("CSRF token refused")
    return render_error(
        400,
        title=_("The form has expired"),
        message=_("For your security, the form could not be accepted (its security token is "
                  "missing or has expired). Nothing was changed. Please go back, reload the "
                  "page and send it again."),
    )


def handle_http_exception(error):
    if error.code is None or error.code < 400:
        return error
    if error.code >= 500:
        return handle_internal_error(error)
    if error.code == 403:
        log_refused("access denied")
    elif error.code == 429:
        log_refused("too many requests")
        retry_after = getattr(error, "retry_after", None)
        if retry_after:  # when the limit frees a place (core/ratelimit.py)
            response = make_response(render_error(error.code))
            response.retry_after = retry_after
            return response
    return render_error(error.code)


def handle_internal_error(error):
    error_id = uuid.uuid4().hex[:12]
    original = getattr(error, "original_exception", None) or error
    log.error("error %s on %s %s", error_id, request.method, request_path(),
              exc_info=(type(original), original, original.__traceback__)
              if isinstance(original, BaseException) else None)
    try:
        db.session.rollback()
    except Exception:  # the database itself may be what failed
        log.exception("rollback after error %s failed", error_id)
    return render_error(500, error_id=error_id)


#: Seconds a client is asked to wait when the database is busy.
BUSY_RETRY_AFTER = 5


#: PostgreSQL's errors that ask a transaction to be tried again: a serialization failure
#: (a REPEATABLE READ transaction, such as a summary's publication, wrote a row someone
#: changed after it began) and a deadlock (the other transaction went through).
_TRY_AGAIN_SQLSTATES = frozenset({"40001", "40P01"})


def _database_busy(error):
    """True for SQLite's "database is locked" (a writer held the lock past the busy
    timeout: a long write elsewhere) and PostgreSQL's "try again" errors: not bugs."""
    original = getattr(error, "orig", None)
    if isinstance(original, sqlite3.OperationalError):
        return "locked" in str(original)
    return getattr(original, "sqlstate", None) in _TRY_AGAIN_SQLSTATES


def handle_operational_error(error):
    """A busy database gets a 503 "try again" (HTML or JSON) with ``Retry-After``, never a
    500; any other operational error is an internal error."""
    if not _database_busy(error):
        return handle_internal_error(error)
    log.warning("database busy on %s %s: %s", request.method, request_path(), error.orig)
    try:
        db.session.rollback()
    except Exception:
        log.exception("rollback after a busy database failed")
    response = make_response(render_error(503))
    response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
    return response


def register_error_handlers(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(OperationalError, handle_operational_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_internal_error)
    app.register_error_handler(Exception, handle_internal_error)
