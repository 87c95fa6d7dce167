"""A short-lived in-process cache of public pages for anonymous visitors.

Anonymous visitors carry no cookie on public pages (no session, no CSRF token), so
what they get depends only on the URL and the language: the rendered page can be
reused for a few seconds. This is what lets one small server absorb the last days
of a national consultation. Logged-in users, any request with a session cookie,
and anything but GET always get a fresh page. Each worker keeps its own cache
(bounded, least recently used first out); PUBLIC_PAGE_CACHE_SECONDS = 0 turns it
off (the default outside production). A view opts in with ``@cacheable``.
"""

import threading
import time
from collections import OrderedDict

from flask import Response, current_app, request
from flask_babel import get_locale

MAX_ENTRIES = 512
#: Not stored with a page: recomputed for each request (HSTS only goes out over HTTPS).
PER_REQUEST_HEADERS = ("etag", "content-length", "strict-transport-security")


class PageCache:
    def __init__(self):
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key, value, seconds):
        with self._lock:
            self._entries[key] = (time.monotonic() + seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)

    def clear(self):
        with self._lock:
            self._entries.clear()


cache = PageCache()


def cacheable(view):
    """Let anonymous visitors get this public view's page from the cache.

    Only for pages that depend on nothing but the URL and the language.
    """
    view.cacheable = True
    return view


def _is_cacheable(endpoint):
    return getattr(current_app.view_functions.get(endpoint), "cacheable", False)


def _key():
    seconds = current_app.config.get("PUBLIC_PAGE_CACHE_SECONDS", 0)
    if (not seconds or request.method != "GET" or not _is_cacheable(request.endpoint)
            or request.cookies.get(current_app.config["SESSION_COOKIE_NAME"])
            or request.cookies.get(current_app.config["REMEMBER_COOKIE_NAME"])):
        return None
    return (str(get_locale()), request.full_path)


def serve_from_cache():
    key = _key()
    if key is None:
        return None
    stored = cache.get(key)
    if stored is None:
        return None
    body, status, headers = stored
    return Response(body, status=status, headers=headers)


def store_in_cache(response):
    key = _key()
    if (key is not None and response.status_code == 200 and not response.is_streamed
            and "Set-Cookie" not in response.headers):
        headers = [(k, v) for k, v in response.headers.items()
                   if k.lower() not in PER_REQUEST_HEADERS]
        cache.set(key, (response.get_data(), 200, headers),
                  current_app.config["PUBLIC_PAGE_CACHE_SECONDS"])
    return response


#: Public figures (counts over every contribution of a consultation) reused for
#: PUBLIC_FIGURES_CACHE_SECONDS per worker, for everyone: a count of 200,000 rows on
#: each view of a consultation page is what made its cost grow with the table.
figures_cache = PageCache()


def cached_figures(key, compute):
    """``compute()``, or its value from the last PUBLIC_FIGURES_CACHE_SECONDS."""
    seconds = current_app.config.get("PUBLIC_FIGURES_CACHE_SECONDS", 0)
    if not seconds:
        return compute()
    value = figures_cache.get(key)
    if value is None:
        value = compute()
        figures_cache.set(key, value, seconds)
    return value
