"""Password rules and hashing (Werkzeug: scrypt, or what ``PASSWORD_HASH_METHOD`` says).

Production and development hash with scrypt; the ``testing`` environment uses a cheap
pbkdf2 so that the thousands of log-ins of the test suite do not each cost a scrypt
check (see ``consulta/config.py``). A hash names its own method, so an account hashed
with one method still logs in after the setting changes.
"""

from functools import lru_cache
from pathlib import Path

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


@lru_cache(maxsize=1)
def common_passwords():
    with open(COMMON_PASSWORDS_FILE, encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh
                         if line.strip() and not line.startswith("#"))


def is_common(password):
    return password.strip().lower() in common_passwords()


def hash_method():
    """The Werkzeug method new hashes are made with (``PASSWORD_HASH_METHOD``)."""
    return current_app.config["PASSWORD_HASH_METHOD"]


def hash_password(password):
    """A new hash of ``password`` with the configured method.

    :param password: the password as typed.
    """
    return generate_password_hash(password, method=hash_method())


@lru_cache(maxsize=4)
def dummy_hash(method):
    """A hash made with ``method``, checked when the account does not exist, so that an
    unknown address costs the same check as a known one (same method, same cost)."""
    return generate_password_hash("not-a-real-password-just-for-timing", method=method)


def verify_password(user, password):
    """True if ``password`` is the password of ``user``, in about the same time whether
    the account exists or not.

    :param user: the account, or None when no account has the address (or it is deleted).
    :param password: the password as typed.
    """
    if user is None or not user.password_hash:
        check_password_hash(dummy_hash(hash_method()), password or "")
        return False
    return check_password_hash(user.password_hash, password or "")
