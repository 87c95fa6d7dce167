"""The page cache: anonymous visitors share pages, and a change is on every page at the
next request (the consultation's generation), whatever the time to live."""

import re
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from consulta.core import cache as cache_module
from consulta.core.cache import PageCopies, clear
from consulta.extensions import cache, db

from ..conftest import iv_plan_json, login, make_app
from ..redis_support import redis_prefix, redis_settings, restore_limiter  # noqa: F401

ABUSE = "Texto abusivo que la moderación va a ocultar."


@pytest.fixture
def cached(app):
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 30
    with app.app_context():
        clear()
    yield app
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 0
    app.config["PUBLIC_PAGE_COPIES_MB"] = 0
    with app.app_context():
        clear()


def sent(app, client, url, **kwargs):
    """(the response to a GET of ``url``, the statements it sent)."""
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return response, statements


def queries(app, client, url, **kwargs):
    response, statements = sent(app, client, url, **kwargs)
    return response, len(statements)


def stored_entries(app):
    with app.app_context():
        return sum(1 for key in cache.cache._cache
                   if key.removeprefix("consulta:").startswith("page:"))


def hide(app, code, moderator):
    from consulta.accounts.models import User
    from consulta.contributions.models import Contribution
    from consulta.moderation.operations import hide_contribution

    with app.test_request_context():
        contribution = db.session.scalar(select(Contribution)
                                         .where(Contribution.tracking_code == code))
        hide_contribution(contribution, actor=db.session.get(User, moderator.id),
                          reason="offensive")
        db.session.commit()
        db.session.remove()


def test_anonymous_visitors_get_the_same_page_without_touching_the_database(
        cached, create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    first, n1 = queries(app, app.test_client(), f"/consultations/{slug}")
    second, n2 = queries(app, app.test_client(), f"/consultations/{slug}")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and n1 > 0 and n2 == 0
    assert "Content-Security-Policy" in second.headers
    # Each language has its own copy.
    english, _n = queries(app, app.test_client(), f"/consultations/{slug}",
                          headers={"Accept-Language": "en"})
    assert '<html lang="en">' in english.get_data(as_text=True)


def test_logged_in_users_and_posts_are_never_served_from_the_cache(cached, create_consultation,
                                                                   create_user):
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    queries(app, app.test_client(), f"/consultations/{slug}")
    client = app.test_client()
    login(client, create_user(display_name="Persona Logueada"))
    page, n = queries(app, client, f"/consultations/{slug}")
    assert n > 0 and "Cerrar sesión" in page.get_data(as_text=True)
    # And what a logged-in user saw is never given to anonymous visitors.
    anonymous, _n = queries(app, app.test_client(), f"/consultations/{slug}")
    assert "Cerrar sesión" not in anonymous.get_data(as_text=True)


def test_api_answers_from_the_cache_still_honour_conditional_requests(cached,
                                                                      create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    first = app.test_client().get(f"/api/v1/consultations/{slug}")
    etag = first.headers["ETag"]
    again = app.test_client().get(f"/api/v1/consultations/{slug}",
                                  headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_a_public_page_answers_conditional_requests(cached, create_consultation):
    """RFC 9110: the ETag a reader holds gets a 304 without a body, another one the
    page; If-Match with another ETag gets 412 (the page is not the one they expect)."""
    slug = create_consultation(plan=iv_plan_json())
    url = f"/consultations/{slug}/contributions"
    client = cached.test_client()
    page = client.get(url)
    etag = page.headers["ETag"]
    assert page.status_code == 200 and page.data
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not not_modified.data
    assert not_modified.headers["ETag"] == etag
    other = client.get(url, headers={"If-None-Match": '"another"'})
    assert other.status_code == 200 and other.data == page.data
    assert client.get(url, headers={"If-Match": etag}).status_code == 200
    assert client.get(url, headers={"If-Match": '"another"'}).status_code == 412
    assert client.head(url, headers={"If-None-Match": etag}).status_code == 304


def test_the_open_data_is_served_from_the_cache_whatever_the_reader_s_cookies(
        cached, create_consultation, create_contribution, create_user):
    """The API reads no session: a participant's script or a moderator's browser gets
    the entry anonymous readers get, without the view's queries; and a change is in it
    at the next request, for them too."""
    slug = create_consultation(plan=iv_plan_json())
    create_contribution(slug)
    app = cached
    url = f"/api/v1/consultations/{slug}/contributions"
    anonymous = app.test_client().get(url)
    readers = []
    for roles in ((), ("moderator",)):
        client = app.test_client()
        login(client, create_user(roles=roles))
        readers.append(client)
        again, statements = sent(app, client, url)
        assert again.status_code == 200 and again.data == anonymous.data
        assert again.headers["ETag"] == anonymous.headers["ETag"]
        assert again.headers["Cache-Control"] == "no-store"  # still sent per request
        assert not [s for s in statements if "contributions" in s], statements
        assert client.get(url, headers={"If-None-Match": again.headers["ETag"]}
                          ).status_code == 304
    code = create_contribution(slug)
    for client in readers:
        assert code in client.get(url).get_data(as_text=True)


def count_cache_calls(app, monkeypatch):
    """The calls the page cache makes to its backend from now on (a list to read, and to
    clear between requests): with Redis, one round trip each."""
    with app.app_context():
        backend = cache.cache
    calls, inside = [], []

    def counting(name, original):
        def counted(*args, **kwargs):
            if not inside:  # the in-process cache's get_many calls its get
                calls.append(name)
            inside.append(name)
            try:
                return original(*args, **kwargs)
            finally:
                inside.pop()
        return counted

    for name in ("get", "get_many", "add", "set", "inc", "has", "delete"):
        monkeypatch.setattr(backend, name, counting(name, getattr(backend, name)))
    return calls


@pytest.mark.parametrize(("copies_mb", "expected"), [(0, ["get_many", "get"]),
                                                     (1, ["get_many"])],
                         ids=["cache", "worker-copies"])
def test_a_hit_reads_the_generations_then_the_page_or_the_worker_s_copy(
        cached, create_consultation, create_user, monkeypatch, copies_mb, expected):
    """A hit reads the generations in one round trip, then the page: with Redis, two
    round trips, for an anonymous visitor, a participant and the API alike; one, when the
    worker keeps a copy of the page (``PUBLIC_PAGE_COPIES_MB``, production's default
    with Redis)."""
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    app.config["PUBLIC_PAGE_COPIES_MB"] = copies_mb
    participant = app.test_client()
    login(participant, create_user())
    visits = [(app.test_client(), f"/consultations/{slug}/contributions"),
              (participant, f"/consultations/{slug}/contributions"),
              (participant, f"/api/v1/consultations/{slug}/contributions"),
              (app.test_client(), "/")]
    for client, url in visits:
        client.get(url)  # stored
    calls = count_cache_calls(app, monkeypatch)
    for client, url in visits:
        calls.clear()
        assert client.get(url).status_code == 200
        assert calls == expected, (url, calls)


def test_a_worker_copies_a_page_another_stored_and_keeps_it_no_longer_than_the_entry(
        cached, create_consultation, monkeypatch):
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    app.config["PUBLIC_PAGE_COPIES_MB"] = 1
    client = app.test_client()
    url = f"/consultations/{slug}/contributions"
    first = client.get(url).get_data()  # rendered and stored
    with app.app_context():  # as another worker would: it has no copy of it
        copies = app.extensions.pop(cache_module._COPIES)
    assert len(copies) == 1
    calls = count_cache_calls(app, monkeypatch)
    for expected in (["get_many", "get"], ["get_many"]):  # from the cache, then the copy
        calls.clear()
        response, statements = queries(app, client, url)
        assert (response.get_data(), statements, calls) == (first, 0, expected)
    # Past the moment the entry expires (30 s after it was stored), the copy is not
    # served, nor the entry (a backend may keep it a little longer): rendered again.
    clock = time.time
    monkeypatch.setattr(cache_module, "time", SimpleNamespace(
        time=lambda: clock() + 31, monotonic=time.monotonic))
    calls.clear()
    _response, statements = queries(app, client, url)
    assert statements > 0
    assert calls[-1] == "set"


def test_a_worker_keeps_copies_in_its_room_the_oldest_leaving_first():
    copies = PageCopies(limit=1000)
    for key in "abc":
        copies.put(key, (key * 400).encode(), expires=100.0)
    assert copies.size <= 1000
    assert [copies.get(key, now=50.0) for key in "abc"] == [None, b"b" * 400, b"c" * 400]
    copies.put("huge", b"h" * 2000, expires=100.0)  # larger than the room: not kept
    assert copies.get("huge", now=50.0) is None
    assert len(copies) == 2
    copies.put("b", b"B" * 10, expires=60.0)  # the same key again: replaced
    assert copies.get("b", now=50.0) == b"B" * 10
    assert copies.get("b", now=60.0) is None  # expired with its entry, and let go
    assert len(copies) == 1


def test_with_redis_each_worker_reads_a_page_once_then_serves_its_copy(
        database_url, create_consultation, redis_prefix, restore_limiter,  # noqa: F811
        monkeypatch):
    redis_client, prefix = redis_prefix
    settings = {"PUBLIC_PAGE_CACHE_SECONDS": 30, "PUBLIC_PAGE_COPIES_MB": 32,
                **redis_settings(prefix)}
    rendering, other = make_app(database_url, **settings), make_app(database_url, **settings)
    slug = create_consultation(plan=iv_plan_json())
    url = f"/consultations/{slug}"
    page = rendering.test_client().get(url).get_data()
    [key] = redis_client.scan_iter(match=f"{prefix}page:*")
    ttl = redis_client.pttl(key)
    calls = count_cache_calls(other, monkeypatch)
    client = other.test_client()
    for expected in (["get_many", "get"], ["get_many"], ["get_many"]):
        calls.clear()
        response, statements = queries(other, client, url)
        assert (response.get_data(), statements, calls) == (page, 0, expected)
    assert 0 < redis_client.pttl(key) <= ttl


def test_public_pages_carry_an_etag_and_answer_304(cached, create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    first = app.test_client().get(f"/consultations/{slug}/contributions")
    again = app.test_client().get(f"/consultations/{slug}/contributions",
                                  headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_page_from_the_cache_keeps_the_etag_of_its_body(cached, create_consultation,
                                                          create_contribution):
    """The ETag is stored with the page (a hit does not hash the body again): it is the
    body's, and a change makes a new page with a new one."""
    from werkzeug.http import generate_etag, quote_etag

    slug = create_consultation(plan=iv_plan_json())
    app = cached
    first = app.test_client().get(f"/consultations/{slug}/contributions")
    hit = app.test_client().get(f"/consultations/{slug}/contributions")
    assert hit.data == first.data
    assert hit.headers["ETag"] == first.headers["ETag"] == quote_etag(generate_etag(hit.data))
    create_contribution(slug)
    changed = app.test_client().get(f"/consultations/{slug}/contributions")
    assert changed.data != first.data
    assert changed.headers["ETag"] == quote_etag(generate_etag(changed.data))


def test_unknown_query_parameters_create_no_new_entries(cached, create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    client = app.test_client()
    client.get(f"/consultations/{slug}/contributions")
    entries = stored_entries(app)
    assert entries == 1
    for n in range(1, 6):
        response, statements = queries(app, client,
                                       f"/consultations/{slug}/contributions?x={n}&utm={n}")
        assert response.status_code == 200 and statements == 0
    assert stored_entries(app) == entries
    # Allowed parameters are normalized and sorted: one entry for the same page.
    client.get(f"/consultations/{slug}/contributions?kind=proposal&page=1")
    entries = stored_entries(app)
    _r, statements = queries(app, client,
                             f"/consultations/{slug}/contributions?page=01&kind=proposal")
    assert statements == 0 and stored_entries(app) == entries
    # A value the list ignores makes one entry for the page that says so, whatever the
    # value: made-up values cannot fill the cache.
    client.get(f"/consultations/{slug}/contributions?kind=nada")
    entries = stored_entries(app)
    for value in ("otra", "cosa", "nada2"):
        response, statements = queries(app, client,
                                       f"/consultations/{slug}/contributions?kind={value}")
        assert statements == 0 and stored_entries(app) == entries
        assert "Se ignoró el filtro «Tipo»" in response.get_data(as_text=True)


@pytest.mark.parametrize("copies_mb", [0, 1], ids=["cache", "worker-copies"])
def test_a_new_submission_is_on_the_cached_first_page_at_the_next_request(
        cached, create_consultation, create_contribution, copies_mb):
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    app.config["PUBLIC_PAGE_COPIES_MB"] = copies_mb
    client = app.test_client()
    url = f"/consultations/{slug}/contributions"
    assert "Un aporte recién enviado" not in client.get(url).get_data(as_text=True)
    _r, statements = queries(app, client, url)
    assert statements == 0  # served from the cache
    create_contribution(slug, body="Un aporte recién enviado a la consulta.")
    assert "Un aporte recién enviado" in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("copies_mb", [0, 1], ids=["cache", "worker-copies"])
def test_hiding_a_contribution_removes_it_from_every_anonymous_page_at_once(
        cached, create_consultation, create_contribution, create_user, copies_mb):
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    app.config["PUBLIC_PAGE_COPIES_MB"] = copies_mb
    code = create_contribution(slug, body=ABUSE)
    pages = [f"/consultations/{slug}/contributions", f"/contributions/{code}",
             f"/api/v1/consultations/{slug}/contributions"]
    client = app.test_client()
    for url in pages * 2:
        assert ABUSE in client.get(url).get_data(as_text=True)
    hide(app, code, create_user(roles=("moderator",)))
    for url in pages:
        assert ABUSE not in client.get(url).get_data(as_text=True), url


def _page_expiries(app):
    with app.app_context():
        return {key: entry[0] for key, entry in cache.cache._cache.items()
                if key.removeprefix("consulta:").startswith("page:")}


def test_a_hit_does_not_extend_the_life_of_an_entry(cached, create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    client = app.test_client()
    client.get(f"/consultations/{slug}")
    stored = _page_expiries(app)
    assert len(stored) == 1
    time.sleep(1.1)  # the expiry is kept in whole seconds
    _hit, statements = queries(app, client, f"/consultations/{slug}")
    assert statements == 0  # served from the cache ...
    assert _page_expiries(app) == stored  # ... and not stored again with a new expiry


def test_a_hit_does_not_extend_the_life_of_an_entry_in_redis(
        database_url, create_consultation, redis_prefix, restore_limiter):  # noqa: F811
    redis_client, prefix = redis_prefix
    app = make_app(database_url, PUBLIC_PAGE_CACHE_SECONDS=30, **redis_settings(prefix))
    slug = create_consultation(plan=iv_plan_json())
    client = app.test_client()
    client.get(f"/consultations/{slug}")
    [key] = redis_client.scan_iter(match=f"{prefix}page:*")
    time.sleep(1.2)
    ttl_before = redis_client.pttl(key)
    _hit, statements = queries(app, client, f"/consultations/{slug}")
    assert statements == 0
    assert 0 < redis_client.pttl(key) <= ttl_before <= 29_000


def test_anonymous_contribution_pages_set_no_cookie_and_are_cached(
        cached, create_consultation, create_contribution):
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    code = create_contribution(slug, kind="proposal")
    first = app.test_client().get(f"/contributions/{code}")
    assert first.status_code == 200 and "Set-Cookie" not in first.headers
    second, statements = queries(app, app.test_client(), f"/contributions/{code}")
    assert second.data == first.data
    assert statements <= 1  # the consultation of the code, read apart; nothing rendered


def stored_keys(app, prefix):
    with app.app_context():
        return {key.removeprefix("consulta:") for key in cache.cache._cache
                if key.removeprefix("consulta:").startswith(prefix)}


def test_a_free_text_search_is_kept_once_asked_again(
        cached, create_consultation, create_contribution, create_user):
    """A search asked once leaves only a mark; asked again it is stored, and from then
    on served without the database, to anonymous visitors and participants alike, until
    something changes: a new contribution it finds is on it at the next request."""
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    create_contribution(slug, body="Más transparencia en las compras públicas.")
    search = f"/consultations/{slug}/contributions?q=transparencia"
    entries = stored_entries(app)
    first, _n = queries(app, app.test_client(), search)
    assert first.status_code == 200 and stored_entries(app) == entries
    assert len(stored_keys(app, "asked:page:")) == 1
    app.test_client().get(f"/consultations/{slug}/contributions?q=agua")  # another one
    assert stored_entries(app) == entries
    second, _n = queries(app, app.test_client(), search)
    assert second.data == first.data and stored_entries(app) == entries + 1
    third, statements = queries(app, app.test_client(), search)
    assert third.data == first.data and statements == 0
    assert app.test_client().get(search, headers={
        "If-None-Match": third.headers["ETag"]}).status_code == 304

    create_contribution(slug, body="Otra propuesta sobre transparencia activa.")
    found = app.test_client().get(search).get_data(as_text=True)
    assert "transparencia activa" in found

    participant = app.test_client()
    login(participant, create_user())
    pages = [queries(app, participant, search) for _ in range(3)]
    assert "transparencia activa" in pages[2][0].get_data(as_text=True)
    assert len(stored_keys(app, "blocks:")) >= 1 and pages[2][1] <= 1  # the account


def test_the_public_counts_follow_a_change_at_once_and_staff_always_get_them_fresh(
        app, create_consultation, create_user, create_contribution):
    slug = create_consultation(plan=iv_plan_json())

    def received(response):
        page = response.get_data(as_text=True)
        return re.search(r"<dt>Recibidos?</dt><dd>(\d+)</dd>", page).group(1)

    create_contribution(slug)
    participant, moderator = app.test_client(), app.test_client()
    login(participant, create_user())
    login(moderator, create_user(roles=("moderator",)))
    app.config["PUBLIC_FIGURES_CACHE_SECONDS"] = 60
    try:
        first, first_queries = queries(app, participant, f"/consultations/{slug}")
        second, second_queries = queries(app, participant, f"/consultations/{slug}")
        create_contribution(slug)
        third = participant.get(f"/consultations/{slug}")
        _s, staff_first = queries(app, moderator, f"/consultations/{slug}")
        _s, staff_second = queries(app, moderator, f"/consultations/{slug}")
    finally:
        app.config["PUBLIC_FIGURES_CACHE_SECONDS"] = 0
    assert second_queries < first_queries  # the counts were kept
    assert received(first) == received(second) == "1"
    assert received(third) == "2"  # and recomputed after a new contribution
    assert staff_second == staff_first  # never kept for staff


def test_an_author_who_withdraws_consent_to_show_their_name_leaves_every_page_at_once(
        cached, create_consultation, create_contribution, create_user):
    from consulta.accounts.models import User
    from consulta.accounts.operations import update_profile

    slug = create_consultation(plan=iv_plan_json())
    app = cached
    author = create_user(display_name="Rosa Quispe Mamani", show_name_publicly=True)
    create_contribution(slug, author=author)
    url = f"/consultations/{slug}/contributions"
    client = app.test_client()
    assert "Rosa Quispe Mamani" in client.get(url).get_data(as_text=True)
    with app.test_request_context():
        update_profile(db.session.get(User, author.id), show_name_publicly=False)
        db.session.commit()
        db.session.remove()
    assert "Rosa Quispe Mamani" not in client.get(url).get_data(as_text=True)
