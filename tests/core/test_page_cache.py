"""Public pages are reused for a few seconds for anonymous visitors, never for others."""

import pytest
from sqlalchemy import event

from consulta.core.cache import cache
from consulta.extensions import db

from ..conftest import iv_plan_json, login


@pytest.fixture
def cached(app):
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 30
    cache.clear()
    yield app
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 0
    cache.clear()


def queries(app, client, url, **kwargs):
    statements = []

    def count(*args, **kw):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response, len(statements)


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


def test_the_public_counts_of_a_consultation_page_are_reused_for_a_while(
        app, create_consultation, create_user):
    import re

    from sqlalchemy import select

    from consulta.accounts.models import User
    from consulta.consultations.models import Consultation
    from consulta.contributions.operations import submit_contribution
    from consulta.core.cache import figures_cache

    slug = create_consultation(plan=iv_plan_json())
    author = create_user()

    def comment():
        with app.test_request_context():
            consultation = db.session.scalar(
                select(Consultation).where(Consultation.slug == slug))
            submit_contribution(consultation, author=db.session.get(User, author.id),
                                kind="comment", notify=False,
                                values={"body": "Un comentario más para contar."},
                                target="plan")
            db.session.commit()

    def received(response):
        page = response.get_data(as_text=True)
        return re.search(r"<dt>Recibidos?</dt><dd>(\d+)</dd>", page).group(1)

    comment()
    client = app.test_client()
    login(client, create_user())
    app.config["PUBLIC_FIGURES_CACHE_SECONDS"] = 60
    figures_cache.clear()
    try:
        first, first_queries = queries(app, client, f"/consultations/{slug}")
        comment()
        second, second_queries = queries(app, client, f"/consultations/{slug}")
        figures_cache.clear()
        third = client.get(f"/consultations/{slug}")
    finally:
        app.config["PUBLIC_FIGURES_CACHE_SECONDS"] = 0
        figures_cache.clear()
    assert second_queries < first_queries  # the counts were not recomputed
    assert received(first) == received(second) == "1"
    assert received(third) == "2"
