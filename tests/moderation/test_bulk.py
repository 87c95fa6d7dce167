"""Bulk work in the moderation queue: the page, every contribution matching the filter
(confirmed first, checked again before acting), and "Save and next" through the queue
as the moderator filtered and ordered it."""

import re
from datetime import timedelta

import pytest

from consulta.core.dates import local_today
from consulta.extensions import db

from .conftest import consultation_of, contribution


@pytest.fixture
def queue(app, consultation, create_contribution):
    """Six contributions: three typed in from a workshop (received on three days, typed
    in the other way round), three sent on the web."""
    with app.app_context():
        today = local_today()
    workshop = [create_contribution(consultation, channel="workshop",
                                    body=f"Aporte del taller {n}.",
                                    received_on=today - timedelta(days=days_ago))
                for n, days_ago in ((1, 1), (2, 2), (3, 3))]
    web = [create_contribution(consultation, body=f"Comentario web {n}.") for n in range(3)]
    return {"slug": consultation, "workshop": workshop, "web": web}


def component_ids(app, slug):
    with app.app_context():
        return [c.id for c in consultation_of(slug).components]


def classified(app, codes):
    with app.app_context():
        return {code: contribution(code).classified_component_id for code in codes}


def test_apply_to_the_page_classifies_every_row_shown(app, queue, moderator_login):
    slug = queue["slug"]
    first, _second = component_ids(app, slug)[:2]
    page = moderator_login.get(f"/consultations/{slug}/moderation?channel=workshop")
    html = page.get_data(as_text=True)
    assert 'name="scope" value="page"' in html and "Todos los 3 aportes de esta página" in html
    page_ids = re.findall(r'name="page_ids" value="(\d+)"', html)
    assert len(page_ids) == 3
    answer = moderator_login.post_form(f"/consultations/{slug}/moderation/bulk", {
        "scope": "page", "page_ids": page_ids, "component": first,
        "queue_state": "unclassified", "queue_channel": "workshop"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("moderation?channel=workshop")
    assert set(classified(app, queue["workshop"]).values()) == {first}
    assert set(classified(app, queue["web"]).values()) == {None}


def test_apply_to_the_filter_asks_to_confirm_the_count_then_acts(app, queue, moderator_login):
    slug = queue["slug"]
    first = component_ids(app, slug)[0]
    form = {"scope": "filter", "component": first, "tags": "taller, agua",
            "queue_state": "unclassified", "queue_channel": "workshop"}
    answer = moderator_login.post_form(f"/consultations/{slug}/moderation/bulk", form)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "¿Clasificar 3 aportes?" in html and "taller, agua" in html
    assert set(classified(app, queue["workshop"]).values()) == {None}  # nothing yet
    digest = re.search(r'name="confirmed" value="([0-9a-f]+)"', html).group(1)
    answer = moderator_login.post_form(f"/consultations/{slug}/moderation/bulk",
                                       {**form, "confirmed": digest})
    assert answer.status_code == 302
    assert set(classified(app, queue["workshop"]).values()) == {first}
    assert set(classified(app, queue["web"]).values()) == {None}


def test_a_stale_confirmation_changes_nothing_and_shows_the_new_count(app, queue,
                                                                      moderator_login,
                                                                      create_contribution):
    slug = queue["slug"]
    first = component_ids(app, slug)[0]
    form = {"scope": "filter", "component": first, "queue_state": "unclassified",
            "queue_channel": "workshop"}
    html = moderator_login.post_form(f"/consultations/{slug}/moderation/bulk",
                                     form).get_data(as_text=True)
    digest = re.search(r'name="confirmed" value="([0-9a-f]+)"', html).group(1)
    # Meanwhile another workshop sheet is typed in: four match now, not three.
    with app.app_context():
        today = local_today()
    late = create_contribution(slug, channel="workshop", body="Llegó tarde.",
                               received_on=today)
    answer = moderator_login.post_form(f"/consultations/{slug}/moderation/bulk",
                                       {**form, "confirmed": digest})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "cambiaron desde que confirmaste" in html and "¿Clasificar 4 aportes?" in html
    assert set(classified(app, [*queue["workshop"], late]).values()) == {None}


def test_apply_to_an_empty_filter_says_so_and_changes_nothing(app, queue, moderator_login):
    slug = queue["slug"]
    first = component_ids(app, slug)[0]
    answer = moderator_login.post_form(f"/consultations/{slug}/moderation/bulk", {
        "scope": "filter", "component": first, "queue_state": "unclassified",
        "queue_q": "palabraquenoaparece"}, follow_redirects=True)
    assert "Ningún aporte coincide con el filtro" in answer.get_data(as_text=True)
    assert set(classified(app, queue["workshop"] + queue["web"]).values()) == {None}


def test_save_and_next_follows_the_filter_and_the_received_order(app, queue,
                                                                  moderator_login):
    slug = queue["slug"]
    first = component_ids(app, slug)[0]
    # The queue filtered by channel lists the workshop sheets by the day received:
    # the third one typed in was received first.
    third, second, first_typed = queue["workshop"][2], queue["workshop"][1], queue["workshop"][0]
    html = moderator_login.get(f"/consultations/{slug}/moderation?channel=workshop") \
        .get_data(as_text=True)
    assert html.index(third) < html.index(second) < html.index(first_typed)
    assert f"/moderation/{third}?channel=workshop" in html
    answer = moderator_login.post_form(f"/moderation/{third}?channel=workshop", {
        "component": first, "next": "1"})
    assert answer.headers["Location"] == f"/moderation/{second}?channel=workshop"
    answer = moderator_login.post_form(f"/moderation/{second}?channel=workshop", {
        "component": first, "next": "1"})
    assert answer.headers["Location"] == f"/moderation/{first_typed}?channel=workshop"
    # The last one of the filtered queue: back to the queue, with its filter.
    answer = moderator_login.post_form(f"/moderation/{first_typed}?channel=workshop", {
        "component": first, "next": "1"})
    assert answer.headers["Location"] == f"/consultations/{slug}/moderation?channel=workshop"
    assert set(classified(app, queue["web"]).values()) == {None}


def test_save_and_next_in_the_classified_tab_goes_on_in_that_tab(app, queue, moderator_login):
    slug = queue["slug"]
    first, other = component_ids(app, slug)[:2]
    with app.app_context():
        ids = [contribution(code).id for code in queue["web"]]
    moderator_login.post_form(f"/consultations/{slug}/moderation/bulk", {
        "selected": ids, "component": first})
    web = queue["web"]
    answer = moderator_login.post_form(f"/moderation/{web[0]}?state=classified", {
        "component": other, "next": "1"})
    assert answer.headers["Location"] == f"/moderation/{web[1]}?state=classified"


def test_the_queue_and_the_workspace_list_their_keyboard_shortcuts(app, queue,
                                                                   moderator_login):
    slug = queue["slug"]
    html = moderator_login.get(f"/consultations/{slug}/moderation").get_data(as_text=True)
    assert "Atajos de teclado" in html and "<kbd>j</kbd>" in html
    html = moderator_login.get(f"/moderation/{queue['web'][0]}").get_data(as_text=True)
    assert "Atajos de teclado" in html and 'accesskey="n"' in html


def test_the_contributions_shown_are_the_queue_the_ids_come_from(app, queue):
    """The ids a filter scope acts on are those of the queue, in its order."""
    from consulta.moderation import queries
    with app.test_request_context():
        consultation = consultation_of(queue["slug"])
        ids = queries.queue_ids(consultation, "unclassified", {"channel": "workshop"}, 10)
        shown = [c.id for c in db.session.scalars(
            queries.queue_query(consultation, "unclassified", {"channel": "workshop"}))]
        assert ids == shown and len(ids) == 3
        assert len(queries.queue_ids(consultation, "all", {}, 2)) == 3  # limit + 1


def test_hiding_or_masking_in_the_workspace_keeps_the_queue_it_was_opened_from(
        app, queue, moderator_login):
    code = queue["workshop"][0]
    html = moderator_login.get(f"/moderation/{code}?channel=workshop").get_data(as_text=True)
    assert f'action="/moderation/{code}/hide?channel=workshop"' in html
    assert f'action="/moderation/{code}/mask?channel=workshop"' in html
    answer = moderator_login.post_form(f"/moderation/{code}/hide?channel=workshop",
                                       {"reason": "spam"})
    assert answer.headers["Location"] == f"/moderation/{code}?channel=workshop"
    with app.app_context():
        assert contribution(code).hidden_reason == "spam"
    # A value outside the queue's allow-lists is not carried back.
    answer = moderator_login.post_form(f"/moderation/{code}/unhide?state={'x' * 5000}", {})
    assert answer.headers["Location"] == f"/moderation/{code}"
