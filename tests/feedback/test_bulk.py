"""Bulk work on the responses list: the page, or every response of the list (its count
confirmed first, checked again before acting)."""

import re

import pytest
from sqlalchemy import select

from consulta.extensions import db
from consulta.feedback.models import Response

from ..conftest import iv_plan_json, login


@pytest.fixture
def drafts(app, create_consultation, create_contribution, create_response):
    """Three draft responses to three comments."""
    slug = create_consultation(plan=iv_plan_json())
    codes = [create_contribution(slug, body=f"Comentario {n}.") for n in range(3)]
    ids = [create_response(code, publish=False) for code in codes]
    return {"slug": slug, "ids": ids}


@pytest.fixture
def secretariat(app, create_user):
    client = app.test_client()
    login(client, create_user(roles=("secretariat",)))
    return client


def statuses(app, ids):
    with app.app_context():
        return [db.session.get(Response, i).status for i in ids]


def test_the_list_offers_the_page_and_acts_on_it(app, drafts, secretariat):
    slug = drafts["slug"]
    html = secretariat.get(f"/consultations/{slug}/feedback").get_data(as_text=True)
    assert "Las 3 respuestas de esta página" in html
    page_ids = re.findall(r'name="page_ids" value="(\d+)"', html)
    assert sorted(map(int, page_ids)) == sorted(drafts["ids"])
    answer = secretariat.post_form(f"/consultations/{slug}/feedback/bulk", {
        "scope": "page", "page_ids": page_ids, "action": "submit"})
    assert answer.status_code == 302
    assert statuses(app, drafts["ids"]) == ["in_review"] * 3


def test_every_response_of_the_list_after_confirming_the_count(app, drafts, secretariat,
                                                               create_contribution,
                                                               create_response):
    slug = drafts["slug"]
    form = {"scope": "filter", "status": "draft", "action": "submit"}
    answer = secretariat.post_form(f"/consultations/{slug}/feedback/bulk", form)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "¿Enviar estas 3 respuestas a revisión?" in html
    assert statuses(app, drafts["ids"]) == ["draft"] * 3
    digest = re.search(r'name="confirmed" value="([0-9a-f]+)"', html).group(1)
    # A fourth draft is written meanwhile: the confirmation is stale, nothing changes.
    fourth = create_response(create_contribution(slug, body="Otro."), publish=False)
    answer = secretariat.post_form(f"/consultations/{slug}/feedback/bulk",
                                   {**form, "confirmed": digest})
    html = answer.get_data(as_text=True)
    assert "cambiaron desde que confirmaste" in html and "estas 4 respuestas" in html
    assert statuses(app, [*drafts["ids"], fourth]) == ["draft"] * 4
    digest = re.search(r'name="confirmed" value="([0-9a-f]+)"', html).group(1)
    answer = secretariat.post_form(f"/consultations/{slug}/feedback/bulk",
                                   {**form, "confirmed": digest})
    assert answer.status_code == 302
    assert statuses(app, [*drafts["ids"], fourth]) == ["in_review"] * 4


def test_an_empty_list_says_so(app, drafts, secretariat):
    answer = secretariat.post_form(f"/consultations/{drafts['slug']}/feedback/bulk", {
        "scope": "filter", "status": "published", "action": "publish"},
        follow_redirects=True)
    assert "Ninguna respuesta coincide con el filtro" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Response.id).where(
            Response.status == "published")) is None
