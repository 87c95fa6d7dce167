"""Signed, expiring links for e-mail confirmation and password reset."""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from consulta.extensions import db

from .models import User

CONFIRM_SALT = "consulta.confirm-email"
RESET_SALT = "consulta.reset-password"


class InvalidToken(Exception):
    """The link was tampered with, is for another purpose, or no longer applies."""


class ExpiredToken(InvalidToken):
    pass


def _serializer(salt):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(value):
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]


def make_confirmation_token(user):
    # Bound to the address, so a link for an old address stops working.
    return _serializer(CONFIRM_SALT).dumps({"u": user.id, "e": _fingerprint(user.email)})


def make_reset_token(user):
    # Bound to the current password hash, so the link works once.
    return _serializer(RESET_SALT).dumps({"u": user.id, "p": _fingerprint(user.password_hash)})


def _load(token, salt, max_age):
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ExpiredToken() from exc
    except BadSignature as exc:
        raise InvalidToken() from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise InvalidToken()
    return data


def user_for_confirmation(token):
    data = _load(token, CONFIRM_SALT, current_app.config["EMAIL_CONFIRMATION_MAX_AGE"])
    user = db.session.get(User, data["u"])
    if user is None or not user.is_active or data.get("e") != _fingerprint(user.email):
        raise InvalidToken()
    return user


def user_for_reset(token):
    data = _load(token, RESET_SALT, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, data["u"])
    if user is None or not user.is_active or data.get("p") != _fingerprint(user.password_hash):
        raise InvalidToken()
    return user
