"""Password rules and hashing (scrypt, through Werkzeug)."""

from functools import lru_cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"

#: Checked against when the account does not exist, so both paths take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password-just-for-timing")


@lru_cache(maxsize=1)
def common_passwords():
    with open(COMMON_PASSWORDS_FILE, encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh
                         if line.strip() and not line.startswith("#"))


def is_common(password):
    return password.strip().lower() in common_passwords()


def hash_password(password):
    return generate_password_hash(password, method="scrypt")


def verify_password(user, password):
    """Check ``password`` for ``user`` (which may be None) in constant-ish time."""
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return False
    return check_password_hash(user.password_hash, password or "")
