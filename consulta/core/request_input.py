"""What a request may carry, checked once before any view sees it.

- **Text.** No NUL character and no lone surrogate anywhere in the path, the query
  string or a form (names, values, file names). PostgreSQL cannot store a NUL and UTF-8
  cannot encode a lone surrogate, so such a value can be neither kept verbatim nor
  shown; no browser sends either (they come from scripts), and one check here covers
  every form, filter and path segment, present and future, before anything is half
  done. The answer is a 400 page in the user's language. Everything else, right-to-left
  overrides and zero-width characters included, is kept verbatim and escaped on output.
- **Bodies.** A request that changes something is a form (urlencoded or multipart) or
  has no body; anything else gets 415. Flask-WTF would otherwise read a JSON body into
  any form, with numbers, lists and nulls that no browser sends.
- **Integers.** ``request.args.get(name, type=int)`` (also ``form``, ``values`` and
  ``getlist``) and ``<int:...>`` URL parts only give numbers a database INTEGER column
  holds; a larger one counts as not given (or the URL as not found), never an overflow.
"""

import re

from flask import Request, current_app, request
from flask_babel import gettext as _
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict, MultiDict
from werkzeug.http import parse_cookie
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

from .errors import render_error

#: The largest value of a 32-bit signed INTEGER column (PostgreSQL's ``integer``).
DATABASE_INT_MAX = 2**31 - 1

#: NUL (PostgreSQL refuses it in text) and lone surrogates (not encodable as UTF-8).
UNSTORABLE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")

FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def database_int(value):
    """``int(value)`` if a database INTEGER column can hold it, else ValueError."""
    number = int(value)
    if not -DATABASE_INT_MAX - 1 <= number <= DATABASE_INT_MAX:
        raise ValueError(f"{value!r} is out of range")
    return number


def _bounded(type):
    return database_int if type is int else type


class _Parameters(ImmutableMultiDict):
    def get(self, key, default=None, type=None):
        if key not in self:  # werkzeug would raise and catch a BadRequestKeyError
            return default
        return super().get(key, default, _bounded(type))

    def getlist(self, key, type=None):
        return super().getlist(key, _bounded(type))


class _CombinedParameters(CombinedMultiDict):
    def get(self, key, default=None, type=None):
        return super().get(key, default, _bounded(type))

    def getlist(self, key, type=None):
        return super().getlist(key, _bounded(type))


class ConsultaRequest(Request):
    """Query strings and forms whose ``type=int`` reads stay within database integers;
    cookies looked up without an exception for one that is not there, and whether the
    session's cookies came read once (five parts of every request ask: together 5% of
    a page from the cache)."""

    parameter_storage_class = _Parameters
    dict_storage_class = _Parameters

    @cached_property
    def cookies(self):
        """Werkzeug's, read from the one ``HTTP_COOKIE`` a WSGI server gives (it joins
        the browser's Cookie headers), and without parsing when there is none."""
        header = self.environ.get("HTTP_COOKIE")
        if not header:
            return self.dict_storage_class()
        return parse_cookie(header, cls=self.dict_storage_class)

    @cached_property
    def without_session_cookies(self):
        """Neither the session's cookie nor the remember-me one came with the request
        (see ``security.without_session_cookies``)."""
        config = current_app.config
        cookies = self.cookies
        return not (cookies.get(config["SESSION_COOKIE_NAME"])
                    or cookies.get(config["REMEMBER_COOKIE_NAME"]))

    @cached_property
    def values(self):
        sources = [self.args] if self.method == "GET" else [self.args, self.form]
        return _CombinedParameters([d if isinstance(d, MultiDict) else MultiDict(d)
                                    for d in sources])


class DatabaseIntegerConverter(IntegerConverter):
    """``<int:...>`` in a URL: at most DATABASE_INT_MAX (larger ids cannot exist: 404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DATABASE_INT_MAX)
        super().__init__(map, *args, **kwargs)


def _texts():
    yield request.path
    # Only a form body has fields or files (Werkzeug parses no other): a GET's empty
    # form is not built (a page from the cache is little more than this check).
    form = bool(request.environ.get("CONTENT_TYPE")) and request.mimetype in FORM_MIMETYPES
    for source in (request.args, request.form) if form else (request.args,):
        for key, values in source.lists():
            yield key
            yield from values
    for key, storage in request.files.items(multi=True) if form else ():
        yield key
        yield storage.filename or ""


def check_request_input():
    """before_request: refuse bodies that are not forms and text that cannot be stored."""
    if request.method not in SAFE_METHODS and request.mimetype \
            and request.mimetype not in FORM_MIMETYPES:
        return render_error(415)
    if any(UNSTORABLE_CHARACTERS.search(text) for text in _texts()):
        return render_error(
            400, title=_("Characters not allowed"),
            message=_("What you sent contains a character that cannot be stored (a null "
                      "character or an invalid Unicode sequence), usually added by a program "
                      "rather than typed. Nothing was saved. Please go back, remove it and "
                      "send it again."))
    return None


def init_request_input(app):
    """Install the request class, the integer converter and the check (before routes)."""
    app.request_class = ConsultaRequest
    app.url_map.converters["int"] = DatabaseIntegerConverter
    app.before_request(check_request_input)
