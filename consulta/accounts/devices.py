"""Known devices: a browser where an account logged in before.

A successful log-in leaves a signed, long-lived cookie naming the account (by a digest
of its e-mail address, never the address itself) and a random id of this browser. A
log-in attempt from such a browser is counted apart from the account's other attempts,
so that someone guessing the password elsewhere cannot lock its owner out: their
failures fill the account's limit, the owner's browser has a limit of its own.
"""

import hashlib
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "consulta_device"
#: How long a browser stays known without a new log-in (seconds): a year.
MAX_AGE = 365 * 24 * 3600


def _serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt="consulta-known-device")


def _account_digest(email):
    normalized = (email or "").strip().lower()
    key = current_app.secret_key.encode() if isinstance(current_app.secret_key, str) \
        else current_app.secret_key
    return hashlib.blake2b(normalized.encode(), key=key[:64], digest_size=16).hexdigest()


def _cookie():
    try:
        return _serializer().loads(request.cookies.get(COOKIE_NAME, ""), max_age=MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None


def known_device(email):
    """This browser's id if the account ``email`` logged in from it before, else None."""
    data = _cookie()
    if not isinstance(data, dict) or data.get("a") != _account_digest(email):
        return None
    device = data.get("d")
    return device if isinstance(device, str) and device else None


def remember_device(response, email):
    """Mark this browser as known for the account ``email`` (after a successful log-in)."""
    device = known_device(email) or secrets.token_urlsafe(12)
    value = _serializer().dumps({"a": _account_digest(email), "d": device})
    response.set_cookie(COOKIE_NAME, value, max_age=MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
