from urllib.parse import urlsplit

from flask import request


def is_safe_next(target):
    """True only for a path on this site: no scheme, no host, no tricks.

    Refuses ``//evil.example``, ``https://evil.example``, ``/\\evil.example``
    (browsers read a backslash as a slash) and anything with control characters.
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return False
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target) or "\\" in target:
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def current_path():
    """This page's path and query string, as links that come back to it name it."""
    return request.full_path.rstrip("?")


def return_target():
    """Where to come back after logging in: this page, or the page that posted the form
    (only on this site; None otherwise)."""
    if request.method == "GET":
        target = current_path()
    else:  # a form was posted: come back to the page that showed it
        referrer = urlsplit(request.referrer or "")
        same_site = referrer.netloc == request.host
        target = (referrer.path + (f"?{referrer.query}" if referrer.query else "")
                  if same_site else None)
    return target if is_safe_next(target) else None


def safe_next(default="/"):
    """The ``next`` parameter of the request if it is safe, else ``default``."""
    target = request.values.get("next", "")
    return target if is_safe_next(target) else default
