"""The staff's start page: what awaits them, where they land after logging in."""

import re

import pytest
from sqlalchemy import event

from consulta.extensions import db

from ..conftest import iv_plan_json, login
from ..inert import main_content


@pytest.fixture
def work(app, create_consultation, create_contribution, create_response):
    """An open consultation with three contributions (one answered and published, one
    with a response in review, one untouched) and a closed one without a summary."""
    slug = create_consultation(plan=iv_plan_json())
    codes = [create_contribution(slug, body=f"Comentario {n}.") for n in range(3)]
    create_response(codes[0])
    create_response(codes[1], publish=False)
    closed = create_consultation(title="Consulta ya cerrada", opens_in_days=-30,
                                 closes_in_days=-2, plan=iv_plan_json())
    return {"slug": slug, "codes": codes, "closed": closed}


def submit_for_review(app, secretariat_client, slug):
    html = secretariat_client.get(f"/consultations/{slug}/feedback").get_data(as_text=True)
    for response_id in re.findall(r'name="selected" value="(\d+)"', html):
        secretariat_client.post_form(f"/consultations/{slug}/feedback/bulk", {
            "selected": [response_id], "action": "submit"})


def test_a_moderator_lands_on_what_awaits_them(app, work, create_user):
    client = app.test_client()
    answer = login(client, create_user(roles=("moderator",)), next="/")
    assert answer.headers["Location"] == "/staff"
    page = main_content(client.get("/staff").get_data(as_text=True))
    assert "Lo que te espera" in page
    assert "3 aportes por clasificar" in page
    assert f"/consultations/{work['slug']}/moderation" in page
    assert "respuesta" not in page.split("Tus herramientas")[0]  # not the secretariat's work
    menu = client.get("/").get_data(as_text=True).split("</nav>")[0]
    assert 'href="/staff"' in menu and 'href="/moderation"' in menu


def test_the_secretariat_sees_responses_to_review_and_summaries_to_publish(app, work,
                                                                          create_user):
    client = app.test_client()
    login(client, create_user(roles=("secretariat",)))
    submit_for_review(app, client, work["slug"])
    page = main_content(client.get("/staff").get_data(as_text=True))
    assert "1 respuesta por revisar" in page
    assert "2 aportes sin respuesta publicada" in page
    assert f"/consultations/{work['closed']}/summary/manage" in page
    assert "por clasificar" not in page


def test_a_login_that_asked_for_a_page_goes_there(app, work, create_user):
    client = app.test_client()
    answer = login(client, create_user(roles=("moderator",)), next="/consultations")
    assert answer.headers["Location"] == "/consultations"


def test_participants_land_home_and_cannot_open_the_staff_page(app, work, create_user):
    client = app.test_client()
    answer = login(client, create_user(), next="/")
    assert answer.headers["Location"] == "/"
    assert client.get("/staff").status_code == 403
    assert app.test_client().get("/staff").status_code == 302  # to log in


def test_the_start_page_counts_in_a_fixed_number_of_queries(app, work, create_user,
                                                            create_contribution,
                                                            create_consultation):
    client = app.test_client()
    login(client, create_user(roles=("admin",)))

    def statements():
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/staff").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    before = statements()
    for n in range(5):
        create_contribution(work["slug"], body=f"Más {n}.")
    create_consultation(title="Otra consulta", plan=iv_plan_json())
    assert statements() == before


def test_the_home_page_leads_to_the_consultation_open_now(app, work):
    page = main_content(app.test_client().get("/").get_data(as_text=True))
    assert "Consulta abierta ahora" in page
    assert f'href="/consultations/{work["slug"]}"' in page
    assert "Consulta ya cerrada" not in page


def test_the_responses_not_published_are_counted_from_one_index(app):
    """SQLite: the secretariat's counts by status read the (consultation, status) index
    alone, whatever its statistics say (without them it read every response of the
    consultation: 42 ms at 200,000 contributions)."""
    import pytest
    from sqlalchemy import func, select

    from consulta.feedback.models import Response
    from consulta.staff.queries import UNPUBLISHED

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's planner")
        statement = (select(Response.consultation_id, Response.status, func.count())
                     .where(Response.consultation_id.in_([1]),
                            Response.status.in_(UNPUBLISHED))
                     .group_by(Response.consultation_id, Response.status))
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = " | ".join(row[-1] for row in db.session.execute(
            db.text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "COVERING INDEX ix_responses_consultation_status" in plan, plan
