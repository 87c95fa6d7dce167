"""The page cache: public pages for anonymous visitors, shared by every worker and
forgotten the moment what they show changes.

Built on Flask-Caching (``consulta.extensions.cache``): Redis when ``REDIS_URL`` is set
(production: every worker sees the same pages), otherwise a small in-process cache.
``PUBLIC_PAGE_CACHE_SECONDS = 0`` turns the page cache off (the default outside
production).

A page's key is its endpoint, its URL values, the language, the **generation** of the
consultation it shows and the values of the query parameters the view declares; any
other parameter is ignored (``?x=1`` and ``?x=2`` are one entry); a page with a free
text (a search) is stored only at its key's second request (``_admitted``). The
generation is a counter kept in the cache backend and bumped, after the transaction
commits, by every operation that changes what a public page of that consultation shows:
the parts send their signals, and their receivers call ``forget_pages`` (core imports no
part). Pages that belong to no consultation (home, the list of consultations) follow the
site's generation, which every bump moves too. So a change is on every page at the next
request, whatever the time to live; and a hit is only read, never stored again, so it
never lengthens an entry's life. With Redis, each worker also keeps a copy of the pages
it reads, until they expire (``PUBLIC_PAGE_COPIES_MB``): a hit asks Redis for the
generations only (``_page_get``).

Anonymous visitors (no session, no remember cookie) are served whole pages from the
cache, and only pages that set no cookie are stored; views that read no session (the
open-data API) declare ``everyone`` and serve them to every visitor. Views that declare
``members`` also serve logged-in participants (accounts without a role: never staff):
what is kept for them is the page's own parts (title, head, main content; base.html
marks them), rendered once by the view, and each visitor gets them inside their own
header, messages and log-out form (base.html's frame, rendered by each worker once for each
language and filled for each request: ``_in_frame``) instead of the view's queries.
Such a view shows nobody's personal state in those parts (a test compares them with
the anonymous page), and a part holding a form token is never kept. A view may keep
``facts`` beside its parts (``keep_facts``): what its personal parts need to know of the
page's objects, so that a kept page's personal parts are rendered without loading them.

A cache that fails (Redis down) is logged and skipped: the page is rendered as if there
were no cache.
"""

import hashlib
import logging
import re
import secrets
import threading
import time
from functools import wraps
from urllib.parse import quote_plus

from flask import (
    Response,
    current_app,
    g,
    get_flashed_messages,
    render_template,
    request,
    session,
)
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import event
from werkzeug.http import is_resource_modified, parse_etags

from consulta.core.database import reads_only
from consulta.core.i18n import request_language
from consulta.core.security import form_token, without_session_cookies
from consulta.core.urls import current_path
from consulta.extensions import cache, db

log = logging.getLogger(__name__)

#: Not stored with a page: recomputed for each request (HSTS only goes out over HTTPS).
PER_REQUEST_HEADERS = ("content-length", "strict-transport-security", "set-cookie")
#: The scope of the pages that belong to no consultation.
SITE = "*"
#: The generation every page's key includes besides its own: moved to forget them all.
EVERY_PAGE = "!all"
#: Where the consultations to forget wait for their transaction to commit.
_PENDING = "consulta_pages_to_forget"
#: Seconds between two log lines saying the cache does not answer.
LOG_EVERY = 60
_last_logged = [0.0]
#: Who a page is kept for: anonymous visitors (the whole page), logged-in participants
#: (the parts of the page base.html marks as kept), or every visitor whatever their
#: cookies (the whole page, in the anonymous visitors' entry: a view that reads no
#: session).
ANONYMOUS, MEMBERS, EVERYONE = "anonymous", "members", "everyone"
#: The roles that never get the public figures from the cache.
STAFF_ROLES = ("moderator", "secretariat", "admin")

#: URL value name -> function(value) giving the scope (the consultation's slug) of the
#: page; "slug" is the consultation's own. Parts register theirs (a contribution's code).
_scope_resolvers = {"slug": lambda slug: slug}
#: (URL value name, value) -> (generation of EVERY_PAGE, scope): what a resolver answered,
#: kept by each worker while every page's generation stays (a consultation's address is
#: only changed before it is public, and that forgets every page). At most SCOPES_KEPT.
_scopes = {}
SCOPES_KEPT = 20000


def register_page_scope(url_value, resolver):
    """Pages with the URL value ``url_value`` belong to the consultation whose slug
    ``resolver(value)`` returns (None: the page is not cached)."""
    _scope_resolvers[url_value] = resolver


def cacheable(view=None, *, params=("page",), asked_again=(), members=False,
              everyone=False):
    """Let anonymous visitors get this public view's page from the shared cache.

    Only for pages that depend on nothing but the URL, the language and what the
    consultation's generation covers.

    :param params: the names of the query parameters the view reads (others never change
        the key), or a function of the query string returning the values as the view
        reads them (a dict), so that values it ignores make no new entries either.
    :param asked_again: parameters of free text (a search): a page with one is stored
        only at the second request of its key while the consultation's generation
        stays (``_admitted``), so that what is asked once (most searches, or a flood of
        made-up ones each asked once) never takes the room of the pages read again and
        again.
    :param members: logged-in participants get the page's kept parts from the cache
        too (for a page whose title, head and content are the same for every visitor
        who holds no role); or a function of the view's arguments that renders the
        page's personal parts (written between ``<!--personal:NAME-->`` markers) for
        this visitor, put in the kept page in their place.
    :param everyone: the view reads no session and shows nobody's state (the open-data
        API, a PDF): a request that carries cookies, a participant's or a staff
        member's, gets the page anonymous visitors get, from the same entry.
    """
    def decorator(view):
        audience = EVERYONE if everyone else ANONYMOUS

        @wraps(view)
        def wrapped(*args, **kwargs):
            key = _page_key(kwargs, params, audience)
            if key is None:
                if members:
                    member_key = _page_key(kwargs, params, audience=MEMBERS)
                    if member_key is not None:
                        personal = members if callable(members) else None
                        return _member_page(member_key, view, args, kwargs, personal,
                                            asked_again)
                return view(*args, **kwargs)
            stored = _page_get(key)
            if stored is not None:
                body, headers = stored
                return conditional(Response(body, status=200, headers=headers))
            response = current_app.make_response(view(*args, **kwargs))
            if _storable(response) and _admitted(key, asked_again):
                # Its ETag kept with it: a hit would hash the same body again.
                response.add_etag(overwrite=False)
                headers = [(k, v) for k, v in response.headers.items()
                           if k.lower() not in PER_REQUEST_HEADERS]
                _page_set(key, (response.get_data(), headers))
            return conditional(response) if response.status_code == 200 else response

        wrapped.cacheable = True
        return reads_only(wrapped)

    return decorator(view) if view is not None else decorator


def _anonymous_get():
    return request.method in ("GET", "HEAD") and without_session_cookies()


def _member_get():
    """A GET by a logged-in account that holds no role (staff see more on pages)."""
    return (request.method in ("GET", "HEAD") and current_user.is_authenticated
            and not current_user.roles)


def _page_key(view_args, params, audience=ANONYMOUS):
    if not current_app.config.get("PUBLIC_PAGE_CACHE_SECONDS"):
        return None
    if audience == EVERYONE:
        if request.method not in ("GET", "HEAD"):
            return None
    elif not (_anonymous_get() if audience == ANONYMOUS else _member_get()):
        return None
    found = _scope_and_generations(view_args)
    if found is None:
        return None
    scope, generation = found
    if callable(params):  # the view's own reading of its parameters
        query = sorted((name, repr(value)) for name, value in params(request.args).items())
    else:
        query = sorted((name, _normalized(request.args.get(name))) for name in params
                       if (request.args.get(name) or "").strip())
    raw = repr((request.endpoint, request_language(), scope, generation,
                sorted(view_args.items()), query))
    prefix = "blocks:" if audience == MEMBERS else "page:"
    return prefix + hashlib.sha256(raw.encode()).hexdigest()


def _scope_and_generations(view_args):
    """The page's scope and the generations its key holds (its scope's, every page's),
    read from the cache in one round trip when the worker knows the scope; None when
    the page is not cached (its resolver said so, or the cache cannot say)."""
    url_value = next(((name, value) for name, value in view_args.items()
                      if name in _scope_resolvers), None)
    known = (None, SITE) if url_value is None else _scopes.get(url_value)
    if known is not None:
        generations = page_generations(known[1], EVERY_PAGE)
        if generations is None:
            return None
        if url_value is None or generations[1] == known[0]:
            return known[1], generations
    every_page = page_generation(EVERY_PAGE)  # the resolver is asked again
    if every_page is None:
        return None
    scope = _scope(*url_value, every_page)
    generation = None if scope is None else page_generation(scope)
    return None if generation is None else (scope, (generation, every_page))


def _scope(name, value, every_page):
    """The scope of the page with the URL value ``name`` = ``value`` (None: not cached),
    asked of its resolver once while every page's generation stays ``every_page``."""
    known = _scopes.get((name, value))
    if known is not None and known[0] == every_page:
        return known[1]
    scope = _scope_resolvers[name](value)
    if scope is not None:
        if len(_scopes) >= SCOPES_KEPT:
            _scopes.clear()
        _scopes[(name, value)] = (every_page, scope)
    return scope


def keep_facts(**facts):
    """Keep ``facts`` (plain values) beside the parts of the page being rendered for a
    participant: the view's personal function gets them as ``facts`` when it renders the
    personal parts of the kept page (None when the page was not kept with them). Only
    what the consultation's generation covers, as the kept parts."""
    g.setdefault("kept_facts", {}).update(facts)


def _member_page(key, view, args, kwargs, personal, asked_again):
    """The page for a logged-in participant: the parts kept, inside this visitor's own
    base template (with their own personal parts); else the view's page, whose parts are
    kept when they can be."""
    stored = _page_get(key)
    if stored is not None:
        if _PLACE.search(stored["content"]):
            mine = dict(_PERSONAL.findall(str(personal(*args, facts=stored.get("facts"),
                                                        **kwargs))))
            stored = {**stored, "content": _PLACE.sub(
                lambda place: _personal_part(place.group(1), mine.get(place.group(1), "")),
                stored["content"])}
        parts = {name: html for name, html in stored.items() if name != "facts"}
        # No ETag: a page seen logged in goes out with "no-store" (set_security_headers),
        # so no browser asks for it again with one; hashing the body was 3% of a request.
        return current_app.make_response(_in_frame(parts))
    response = current_app.make_response(view(*args, **kwargs))
    if (response.status_code == 200 and not response.is_streamed
            and response.mimetype == "text/html"):
        parts = _kept_parts(response.get_data(as_text=True), personal=personal is not None)
        if parts is not None and _admitted(key, asked_again):
            if personal is not None and g.get("kept_facts"):
                parts["facts"] = g.kept_facts
            _page_set(key, parts)
    return response


# The frame of a kept page -----------------------------------------------------------
#
# What base.html puts around a kept page for a participant differs from one request to
# another only by the language, whether the account's e-mail is confirmed, the form
# token of the log-out form, the page's address (in the language links) and the
# messages: a participant holds no role, so the menu is the same for all. Each worker
# renders it once for each language and confirmation (and root of the site's address)
# around markers, and fills it for each request; a page with messages for the visitor
# is rendered whole.

#: Where a value goes in a frame.
_SLOT = "<!--frame:{}-->"
_SLOTS = re.compile(r"<!--frame:([a-z]+)-->")
#: The page's address while a frame is rendered (no page has it).
_FRAME_PATH = "/frame-of-a-kept-page"
#: Frames a worker keeps at most.
FRAMES_KEPT = 32
#: Each slot a frame must have once, besides the page's address.
_FRAME_SLOTS = ("title", "head", "content", "token")


def _in_frame(parts):
    """``_cached_page.html`` around the kept ``parts`` (our own templates' output,
    escaped when they were rendered), for this visitor."""
    if get_flashed_messages():  # kept by the request: the template reads them again
        return _rendered_around(parts)
    key = (request.script_root, str(get_locale()), bool(current_user.is_confirmed))
    frames = current_app.extensions.setdefault("consulta_kept_frames", {})
    frame = frames.get(key)
    if frame is None:
        if len(frames) >= FRAMES_KEPT:  # roots of the address a proxy passed on
            frames.clear()
        frame = frames[key] = _frame()
    if not frame:  # base.html is not made the way a frame needs
        return _rendered_around(parts)
    values = {**parts, "token": escape(form_token()),
              "path": escape(_encoded_next(current_path()))}
    return "".join(chunk if index % 2 == 0 else values[chunk]
                   for index, chunk in enumerate(frame))


def _rendered_around(parts):
    return render_template("_cached_page.html", cached={
        name: Markup(html) for name, html in parts.items()})  # noqa: S704  # nosec B704


def _frame():
    """The chunks of base.html around a kept page, the slots' names between them (odd
    places); () when a slot is not there exactly once."""
    html = render_template(
        "_cached_page.html", cached={name: _slot(name) for name in ("title", "head", "content")},
        csrf_token=lambda: _slot("token"), current_path=_FRAME_PATH)
    html = html.replace(str(escape(_encoded_next(_FRAME_PATH))), _SLOT.format("path"))
    chunks = _SLOTS.split(html)
    if any(chunks[1::2].count(name) != 1 for name in _FRAME_SLOTS):
        return ()
    return tuple(chunks)


def _slot(name):
    return Markup(_SLOT.format(name))  # noqa: S704  # nosec B704 (a constant)


def _encoded_next(path):
    """``path`` as the value of a ``next`` parameter in a URL that url_for builds:
    encoded as Werkzeug encodes a query's values (``werkzeug.urls._urlencode``), without
    building a URL for each request (a test compares the filled frame with the page
    base.html renders)."""
    return quote_plus(path, safe=_QUERY_SAFE)


#: What Werkzeug leaves as is in a query's values.
_QUERY_SAFE = "!$'()*,/:;?@"


_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_KEPT = re.compile(r"<!--kept-->(.*?)<!--/kept-->", re.S)
#: A personal part of a page, and the place it leaves in a kept page.
_PERSONAL = re.compile(r"<!--personal:([a-z_]+)-->(.*?)<!--/personal:\1-->", re.S)
_PLACE = re.compile(r"<!--personal:([a-z_]+)-->")  # a kept page holds no closing marker


def _personal_part(name, html):
    return f"<!--personal:{name}-->{html}<!--/personal:{name}-->"


def _kept_parts(html, *, personal=False):
    """The title, head and main content of a page (what base.html marks ``kept``), its
    personal parts left as empty places when ``personal``; None when the page is not
    made that way, has personal parts that cannot be rendered apart, or a kept part
    holds a form token (the visitor's)."""
    title, kept = _TITLE.search(html), _KEPT.findall(html)
    if title is None or len(kept) != 2:
        return None
    content = kept[1]
    if _PERSONAL.search(content):
        if not personal:
            return None
        content = _PERSONAL.sub(lambda part: f"<!--personal:{part.group(1)}-->", content)
    parts = {"title": title.group(1), "head": kept[0], "content": content}
    if any("csrf_token" in part for part in parts.values()):
        return None
    return parts


def _admitted(key, asked_again):
    """Whether the page of ``key``, just rendered, may be stored: yes, unless the request
    gives one of the ``asked_again`` parameters a value; then only if its key was asked
    before while the page would have lived. The first request leaves a mark of a few
    bytes for as long as the page would live: a search many visitors make (a link passed
    around) is served from the cache from its third request on, and one asked once
    costs one small write more than before and takes no page's room."""
    if not any((request.args.get(name) or "").strip() for name in asked_again):
        return True
    marked = _cache_call("add", "asked:" + key, 1,
                         timeout=current_app.config["PUBLIC_PAGE_CACHE_SECONDS"])
    return marked is False  # True: this request left the mark; None: no cache


def _normalized(value):
    value = value.strip()
    if value.lstrip("-").isdigit() and len(value) < 12:
        return str(int(value))  # ?page=01 is ?page=1
    return value


def _storable(response):
    """A complete page that sets no cookie (a session begun for an anonymous visitor
    would hand its CSRF token to everyone)."""
    return (response.status_code == 200 and not response.is_streamed
            and "Set-Cookie" not in response.headers and not session.modified)


def conditional(response):
    """ETag and 304 (412 for a failed If-Match) on a public page or open data, from the
    cache or not: Werkzeug's ``make_conditional`` without the two things it adds that
    nobody gets: a Date header (formatted on every response, and replaced by the
    server's own: gunicorn and Werkzeug's server send theirs) and byte ranges (not
    offered: it handles them only when asked to)."""
    response.add_etag(overwrite=False)
    if request.method in ("GET", "HEAD") and not is_resource_modified(
            request.environ, response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified")):
        response.status_code = 412 if parse_etags(request.environ.get("HTTP_IF_MATCH")) \
            else 304
    return response


# Pages stored, and each worker's copies --------------------------------------------
#
# A page is stored with the moment it expires, ``(expires, value)``, so that a worker
# that reads it from a shared cache (Redis) keeps a copy of it until then, and no
# longer: a hit then costs one round trip (the generations), instead of two and the
# page's bytes (30-100 KB). A copy is never out of date, since what changes a page
# changes its key (the generations); and a copy made by a hit keeps the entry's expiry,
# so a hit still never lengthens a page's life.

def _page_get(key):
    """The page stored under ``key``: this worker's copy while the entry lives, else the
    cache's (copied); None when there is none, or the cache cannot say."""
    copies = _copies()
    now = time.time()
    if copies is not None:
        value = copies.get(key, now)
        if value is not None:
            return value
    stored = _cache_call("get", key)
    if not (type(stored) is tuple and len(stored) == 2 and type(stored[0]) is float):
        return None  # none, or stored without its expiry by an earlier version: render
    expires, value = stored
    if expires <= now:  # the backend keeps it up to a second longer than asked
        return None
    if copies is not None:
        copies.put(key, value, expires)
    return value


def _page_set(key, value):
    """Store the page just rendered, with its expiry, in the cache and this worker's
    copies."""
    seconds = current_app.config["PUBLIC_PAGE_CACHE_SECONDS"]
    expires = time.time() + seconds
    _cache_call("set", key, (expires, value), timeout=seconds)
    copies = _copies()
    if copies is not None:
        copies.put(key, value, expires)


def _copies():
    """This worker's copies of pages (``PUBLIC_PAGE_COPIES_MB``; None: kept none, as
    with the in-process cache, which is this worker's already)."""
    megabytes = current_app.config.get("PUBLIC_PAGE_COPIES_MB", 0)
    if not megabytes:
        return None
    copies = current_app.extensions.get(_COPIES)
    if copies is None:
        copies = current_app.extensions[_COPIES] = PageCopies(megabytes * 1024 * 1024)
    return copies


_COPIES = "consulta_page_copies"


class PageCopies:
    """A worker's copies of pages of the shared cache, each until its entry expires, in
    at most ``limit`` bytes (about: the texts' lengths): the oldest copy goes first to
    make room, and the copies of pages whose key changed go that way.

    :param limit: bytes.
    """

    def __init__(self, limit):
        self.limit = limit
        self.size = 0
        self._entries = {}  # key -> (expires, value, size), oldest first
        self._lock = threading.Lock()  # for threaded workers (gthread)

    def __len__(self):
        return len(self._entries)

    def get(self, key, now):
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] > now:
            return entry[1]
        with self._lock:
            self._drop(key)
        return None

    def put(self, key, value, expires):
        size = _size(value)
        if size > self.limit:
            return
        with self._lock:
            self._drop(key)
            while self._entries and self.size + size > self.limit:
                self._drop(next(iter(self._entries)))
            self._entries[key] = (expires, value, size)
            self.size += size

    def _drop(self, key):
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.size -= entry[2]


def _size(value):
    """About the bytes a page takes: the lengths of its texts (a body and its headers, or
    a participant page's parts and facts), and a little for each container."""
    if isinstance(value, bytes | str):
        return len(value) + 50
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, tuple | list):
        return sum(map(_size, value)) + 50
    return 50


def _cache_call(method, *args, **kwargs):
    try:
        return getattr(cache.cache, method)(*args, **kwargs)
    except Exception as error:  # Redis down: render as if there were no cache
        if time.monotonic() - _last_logged[0] > LOG_EVERY:
            _last_logged[0] = time.monotonic()
            log.error("page cache unavailable (%s), pages rendered each time: %s", method,
                      error)
        return None


# Generations -------------------------------------------------------------------------

def _generation_key(scope):
    return "generation:" + scope


def page_generation(scope):
    """The current generation of ``scope`` (a consultation's slug, or SITE); None when
    the cache cannot say (then nothing is cached)."""
    key = _generation_key(scope)
    value = _cache_call("get", key)
    if value is None:
        # A random start: a counter lost (evicted, Redis restarted) never comes back to a
        # number whose pages may still be stored.
        _cache_call("add", key, secrets.randbits(40), timeout=0)
        value = _cache_call("get", key)
    return value


def page_generations(*scopes):
    """The current generations of ``scopes`` (a tuple), read in one round trip; None
    when the cache cannot say."""
    values = _cache_call("get_many", *map(_generation_key, scopes))
    if values is None:
        return None
    values = tuple(value if value is not None else page_generation(scope)
                   for scope, value in zip(scopes, values, strict=True))
    return None if None in values else values


def bump_generation(scope):
    """Forget every page of ``scope`` (and of the site) now."""
    for key in {_generation_key(scope), _generation_key(SITE)}:
        if (not _cache_call("add", key, secrets.randbits(40), timeout=0)
                and _cache_call("inc", key) is None):
            log.error("page cache: could not forget the pages of %s", key)


def forget_every_page():
    """Forget every public page once the current transaction commits: what changed (an
    author's public name) may show on any consultation."""
    forget_pages(EVERY_PAGE)


def forget_pages(slug):
    """Forget the public pages of the consultation ``slug`` once the current transaction
    commits (at once if none is open): bumped earlier, another worker could store the old
    page again under the new generation before the change is visible to it."""
    if not slug:
        return
    current = db.session()
    if current.in_transaction():
        current.info.setdefault(_PENDING, set()).add(slug)
    else:
        bump_generation(slug)


@event.listens_for(db.session, "after_commit")
def _forget_after_commit(db_session):
    for slug in db_session.info.pop(_PENDING, ()):
        bump_generation(slug)


# Figures -----------------------------------------------------------------------------

def cached_figures(key, compute, *, scope=SITE):
    """``compute()``, or its value kept for PUBLIC_FIGURES_CACHE_SECONDS under the
    generation of ``scope``: what changes the consultation's pages recomputes them.
    Staff always get them computed: they act on what they see."""
    seconds = current_app.config.get("PUBLIC_FIGURES_CACHE_SECONDS", 0)
    if not seconds or (current_user.is_authenticated and current_user.holds_role(*STAFF_ROLES)):
        return compute()
    generation = page_generation(scope)
    if generation is None:
        return compute()
    full_key = "figures:" + hashlib.sha256(repr((key, scope, generation)).encode()).hexdigest()
    value = _cache_call("get", full_key)
    if value is None:
        value = compute()
        _cache_call("set", full_key, value, timeout=seconds)
    return value


def clear():
    """Forget everything cached, and this worker's copies (tests)."""
    _cache_call("clear")
    current_app.extensions.pop(_COPIES, None)
