"""The security log (logger ``consulta.security``), written so that nothing a visitor
sends can forge a line: every value from a request goes through ``clean``, and paths
are logged with the tokens of e-mailed links replaced. Passwords are never logged."""

import logging

from flask import request
from flask_login import current_user

security_log = logging.getLogger("consulta.security")


def clean(value, limit=200):
    """``value`` for a log line: at most ``limit`` characters, with control and invisible
    formatting characters escaped (a newline becomes the two characters ``\\n``)."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


def request_path():
    """The path of this request for a log line, without the token of a link."""
    path = request.path
    token = (request.view_args or {}).get("token")
    if token:
        path = path.replace(token, "[token]")
    return clean(path)


def _who():
    try:
        if current_user and current_user.is_authenticated:
            return f"user {current_user.id}"
    except Exception:  # e.g. the database is down while an error page is sent
        return "unknown user"
    return "anonymous"


def log_refused(what):
    """A refused request: what, method, path, who and from where (WARNING)."""
    security_log.warning("%s: %s %s by %s from %s", what, request.method, request_path(),
                         _who(), clean(request.remote_addr))
