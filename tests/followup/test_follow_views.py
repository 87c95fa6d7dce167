"""Following through the browser: the box on the consultation page, the one-click button
of an account, the address form with its confirmation and unsubscribe pages, and every
refusal (a Spanish message, nothing saved, nothing sent)."""

import re

import pytest
from sqlalchemy import func, select

from consulta.core.mail import OutboxMessage
from consulta.extensions import db
from consulta.followup import followers
from consulta.followup.models import Follower
from consulta.followup.signals import commitment_page, fragments, report_page, tracking_page
from tests.conftest import link_in, login

from . import test_follow as shared

# The fixtures shared with test_follow.py.
secretariat = shared.secretariat
open_slug = shared.open_slug
closed_slug = shared.closed_slug
final_plan = shared.final_plan
publish_report = shared.publish_report


def rows(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Follower.id)))


def sent(app):
    with app.app_context():
        return db.session.scalar(select(func.count(OutboxMessage.id)))


def text(response):
    return response.get_data(as_text=True)


def test_the_consultation_page_shows_the_box_without_a_form_to_anonymous_visitors(
        client, open_slug):
    page = text(client.get(f"/consultations/{open_slug}"))
    box = page[page.index('class="card follow-box"'):]
    box = box[:box.index("</section>")]
    assert "Seguir esta consulta" in box
    assert f'href="/follow/consultations/{open_slug}"' in box
    # No CSRF token: the page stays the same for every anonymous visitor (page cache).
    assert "csrf_token" not in box and "persona lo sigue" not in box


def test_an_account_follows_and_stops_in_one_click(app, client, open_slug, create_user):
    ana = create_user(email="ana@example.pe")
    login(client, ana)
    response = client.post_form(f"/follow/consultations/{open_slug}/account",
                                {"action": "follow"}, follow_redirects=True)
    page = text(response)
    assert "Ahora sigues esto" in page and "1 persona lo sigue." in page
    assert "Dejar de seguir" in page
    # Again: refused, said in Spanish, nothing new saved.
    response = client.post_form(f"/follow/consultations/{open_slug}/account",
                                {"action": "follow"}, follow_redirects=True)
    assert "Ya sigues esto." in text(response) and rows(app) == 1
    assert "Consulta de prueba" in text(client.get("/follow/mine"))
    response = client.post_form(f"/follow/consultations/{open_slug}/account",
                                {"action": "stop", "back": "mine"}, follow_redirects=True)
    assert "Ya no sigues esto." in text(response) and "Todavía no sigues nada" in text(response)
    assert rows(app) == 0 and sent(app) == 0


def test_the_account_button_needs_a_login_and_a_csrf_token(app, client, open_slug,
                                                           create_user):
    response = client.post_form(f"/follow/consultations/{open_slug}/account",
                                {"action": "follow"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, create_user())
    response = client.post(f"/follow/consultations/{open_slug}/account",
                           data={"action": "follow"})
    assert response.status_code == 400 and rows(app) == 0


def test_an_address_follows_after_confirming_and_unsubscribes_in_one_click(
        app, client, final_plan, outbox):
    commitment_id = final_plan["commitments"][1]
    response = client.post_form(f"/follow/commitments/{commitment_id}",
                                {"email": "Rosa@Example.pe"})
    assert response.status_code == 200 and "Revisa tu correo electrónico" in text(response)
    [confirmation] = outbox("rosa@example.pe")
    confirm_path = link_in(confirmation, "/follow/confirm/")
    # Opening the link (a mail scanner may) confirms nothing: the button does.
    page = text(client.get(confirm_path))
    assert "Sí, quiero seguirlo" in page and rows(app) == 1
    with app.app_context():
        assert followers.follower_count(db.session.get(
            followers.Commitment, commitment_id)) == 0
    response = client.post_form(confirm_path, {})
    assert "Sigues “1. Observatorio de precios de medicamentos”" in text(response)
    with app.test_request_context():
        publish_report(commitment_id)
    report = outbox("rosa@example.pe")[-1]
    assert report.subject.startswith("Nuevo reporte de avance")
    unsubscribe_path = link_in(report, "/follow/unsubscribe/")
    page = text(client.get(unsubscribe_path))
    assert "Dejar de seguir" in page and rows(app) == 1
    response = client.post_form(unsubscribe_path, {})
    assert "Ya no sigues “1. Observatorio de precios de medicamentos”" in text(response)
    assert rows(app) == 0
    # The same link again: it matches nothing (and says so), nothing changes.
    response = client.get(unsubscribe_path)
    assert response.status_code == 404
    assert "no corresponde a ningún seguimiento" in text(response)


@pytest.mark.parametrize("email", ["rosa", "rosa@", "rosa@example", "a" * 250 + "@x.pe", ""])
def test_an_invalid_address_is_refused_in_spanish_and_nothing_is_saved(
        app, client, open_slug, email):
    response = client.post_form(f"/follow/consultations/{open_slug}", {"email": email})
    page = text(response)
    assert response.status_code == 200
    assert ("Ingresa un correo electrónico válido" in page
            or "El correo electrónico es demasiado largo" in page
            or "Este campo es obligatorio" in page)
    assert rows(app) == 0 and sent(app) == 0


def test_an_address_already_following_gets_the_same_page_and_at_most_one_message_an_hour(
        app, client, open_slug, outbox):
    first = client.post_form(f"/follow/consultations/{open_slug}", {"email": "rosa@example.pe"})
    client.post_form(link_in(outbox()[0], "/follow/confirm/"), {})
    again = client.post_form(f"/follow/consultations/{open_slug}", {"email": "rosa@example.pe"})
    # The page says the same for a new address and for one that follows: it never tells
    # a stranger who follows what; only the mailbox hears that it already follows.
    strip = re.compile(r'name="csrf_token"[^>]*>')
    assert strip.sub("", text(first)) == strip.sub("", text(again))
    assert "ya sigue esto, o lo pidió hace menos de una hora" in text(again)
    assert rows(app) == 1 and sent(app) == 1  # within the hour: no second message
    with app.app_context():
        follower = db.session.scalar(select(Follower))
        assert follower.is_confirmed


def test_the_honeypot_drops_the_request_with_the_same_answer(app, client, open_slug):
    response = client.post_form(f"/follow/consultations/{open_slug}",
                                {"email": "rosa@example.pe", "website": "http://spam"})
    assert "Revisa tu correo electrónico" in text(response)
    assert rows(app) == 0 and sent(app) == 0


def test_the_follow_form_is_rate_limited_per_address(app, client, open_slug):
    default = app.config["RATELIMIT_FOLLOW_ADDRESS"]
    app.config["RATELIMIT_FOLLOW_ADDRESS"] = "2 per hour"
    try:
        for _ in range(2):
            assert client.post_form(f"/follow/consultations/{open_slug}",
                                    {"email": "victima@example.pe"}).status_code == 200
        response = client.post_form(f"/follow/consultations/{open_slug}",
                                    {"email": "victima@example.pe"})
        assert response.status_code == 429
    finally:
        app.config["RATELIMIT_FOLLOW_ADDRESS"] = default
    assert sent(app) == 1


def test_an_expired_or_changed_confirmation_link_says_so_and_confirms_nothing(
        app, client, open_slug, outbox):
    client.post_form(f"/follow/consultations/{open_slug}", {"email": "rosa@example.pe"})
    path = link_in(outbox()[0], "/follow/confirm/")
    changed = path[:-3] + ("xyz" if not path.endswith("xyz") else "abc")
    for response in (client.get(changed), client.post_form(changed, {})):
        assert response.status_code == 400
        assert "Este enlace no funciona" in text(response)
    default = app.config["FOLLOW_CONFIRMATION_MAX_AGE"]
    app.config["FOLLOW_CONFIRMATION_MAX_AGE"] = -1
    try:
        response = client.post_form(path, {})
    finally:
        app.config["FOLLOW_CONFIRMATION_MAX_AGE"] = default
    assert response.status_code == 400 and "Este enlace ha expirado" in text(response)
    with app.app_context():
        assert db.session.scalar(select(Follower)).confirmed_at is None


def _followed_by_address(app, client, outbox, commitment_id):
    """rosa@example.pe follows the commitment (confirmed) and is told of a report: her
    message (an ``OutboxMessage``)."""
    client.post_form(f"/follow/commitments/{commitment_id}", {"email": "rosa@example.pe"})
    client.post_form(link_in(outbox("rosa@example.pe")[0], "/follow/confirm/"), {})
    with app.test_request_context():
        publish_report(commitment_id)
    return outbox("rosa@example.pe")[-1]


def test_a_follower_message_carries_the_one_click_unsubscribe_headers(
        app, client, final_plan, outbox):
    from consulta.core.mail import build_message

    message = _followed_by_address(app, client, outbox, final_plan["commitments"][1])
    path = link_in(message, "/follow/unsubscribe/")
    assert message.unsubscribe_url.endswith(path)  # the same link as in the text
    with app.app_context():
        email = build_message(message)
    assert email["List-Unsubscribe"] == f"<{message.unsubscribe_url}>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_mail_clients_one_click_post_unsubscribes_without_a_csrf_token(
        app, client, final_plan, outbox):
    message = _followed_by_address(app, client, outbox, final_plan["commitments"][1])
    path = link_in(message, "/follow/unsubscribe/")
    # A mail client posts the RFC 8058 body with no session, no cookie and no token, as
    # multipart/form-data (what the RFC recommends; urlencoded below).
    mail_client = app.test_client()
    response = mail_client.post(path, data={"List-Unsubscribe": "One-Click"},
                                content_type="multipart/form-data")
    assert response.status_code == 200 and rows(app) == 0
    assert "Ya no sigues “1. Observatorio de precios de medicamentos”" in text(response)
    # Sent again (clients retry): the link matches nothing any more, nothing changes.
    again = mail_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 404 and "no corresponde a ningún seguimiento" in text(again)


def test_without_the_one_click_body_a_post_still_needs_its_csrf_token(
        app, client, final_plan, outbox):
    message = _followed_by_address(app, client, outbox, final_plan["commitments"][1])
    path = link_in(message, "/follow/unsubscribe/")
    for data in ({}, {"List-Unsubscribe": "yes"}, {"csrf_token": "forged"}):
        response = app.test_client().post(path, data=data)
        # The confirmation page again: the follow stays until the button is pressed.
        assert response.status_code == 200 and "Dejar de seguir" in text(response)
        assert rows(app) == 1


def test_a_one_click_post_with_a_wrong_key_changes_nothing(app, client, final_plan, outbox):
    message = _followed_by_address(app, client, outbox, final_plan["commitments"][1])
    path = link_in(message, "/follow/unsubscribe/")
    wrong = path[:-3] + ("xyz" if not path.endswith("xyz") else "abc")
    for bad in (wrong, "/follow/unsubscribe/nada", "/follow/unsubscribe/" + "a" * 80):
        response = app.test_client().post(bad, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 404
        assert "no corresponde a ningún seguimiento" in text(response)
    assert rows(app) == 1


def test_an_unsubscribe_link_for_nothing_says_so(app, client):
    for response in (client.get("/follow/unsubscribe/nada"),
                     client.post_form("/follow/unsubscribe/nada", {})):
        assert response.status_code == 404
        assert "no corresponde a ningún seguimiento" in text(response)


def test_an_unpublished_consultation_cannot_be_followed(app, client, create_consultation,
                                                       create_user, secretariat):
    slug = create_consultation(announced=False, actor=secretariat)
    assert client.get(f"/follow/consultations/{slug}").status_code == 404
    assert client.post_form(f"/follow/consultations/{slug}",
                            {"email": "rosa@example.pe"}).status_code == 404
    assert client.get("/follow/consultations/no-existe").status_code == 404
    login(client, create_user())
    assert client.post_form(f"/follow/consultations/{slug}/account",
                            {"action": "follow"}).status_code == 404
    assert rows(app) == 0 and sent(app) == 0


def test_a_commitment_outside_a_published_final_plan_cannot_be_followed(
        app, client, closed_slug, create_user):
    with app.app_context():
        consultation = db.session.scalar(select(followers.Consultation).where(
            followers.Consultation.slug == closed_slug))
        draft_commitment = consultation.published_versions[0].commitments[0].id
    assert client.get(f"/follow/commitments/{draft_commitment}").status_code == 404
    assert client.post_form(f"/follow/commitments/{draft_commitment}",
                            {"email": "rosa@example.pe"}).status_code == 404
    assert client.get("/follow/commitments/999999").status_code == 404
    login(client, create_user())
    assert client.post_form(f"/follow/commitments/{draft_commitment}/account",
                            {"action": "follow"}).status_code == 404
    assert rows(app) == 0 and sent(app) == 0


def _follow_boxes(signal, sender, words):
    """The fragments of ``signal`` that are a follow box (other modules add their own
    fragments to the same pages: the forum's panel, observations, comments)."""
    return [f for f in fragments(signal, sender) if words in f]


def test_the_commitment_and_tracking_pages_get_their_follow_box(app, final_plan, create_user):
    commitment_id = final_plan["commitments"][1]
    with app.test_request_context():
        commitment = db.session.get(followers.Commitment, commitment_id)
        [box] = _follow_boxes(commitment_page, commitment, "Seguir este compromiso")
        assert f'href="/follow/commitments/{commitment_id}"' in box
        final_plan_row = db.session.scalar(select(followers.FinalPlan))
        [box] = _follow_boxes(tracking_page, final_plan_row, "Seguir esta consulta")
        report = publish_report(commitment_id)
        [box] = _follow_boxes(report_page, report, "Seguir este compromiso")
        assert f'href="/follow/commitments/{commitment_id}"' in box


def test_the_page_cache_keeps_the_consultation_page_and_forgets_it_when_someone_follows(
        app, open_slug, create_user):
    """The box adds no CSRF token for anonymous visitors, so their page is still stored;
    the count changes at the next request once someone follows."""
    from consulta.core.cache import clear

    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 30
    with app.app_context():
        clear()
    try:
        anonymous = app.test_client()
        first = anonymous.get(f"/consultations/{open_slug}")
        assert "Set-Cookie" not in first.headers
        with app.app_context():
            from consulta.extensions import cache

            assert any(key.removeprefix("consulta:").startswith("page:")
                       for key in cache.cache._cache)  # stored for the next visitor
        assert text(anonymous.get(f"/consultations/{open_slug}")) == text(first)
        with app.test_request_context():
            consultation = followers.followable_consultation(open_slug)
            ana = create_user(email="ana@example.pe")
            followers.follow(consultation, user=_user(ana))
            db.session.commit()
        assert "1 persona lo sigue." in text(anonymous.get(f"/consultations/{open_slug}"))
    finally:
        app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 0
        with app.app_context():
            clear()


def _user(ref):
    from consulta.accounts.models import User

    return db.session.get(User, ref.id)


def test_following_a_commitment_leads_back_to_its_follow_up_page(app, client, final_plan,
                                                                  create_user):
    """The commitment's follow box is on its follow-up page: following it from there
    comes back there, not to the final plan."""
    slug, commitment_id = final_plan["slug"], final_plan["commitments"][1]
    login(client, create_user(email="ana@example.pe"))
    response = client.post_form(f"/follow/commitments/{commitment_id}/account",
                                {"action": "follow"})
    assert response.status_code == 302
    assert response.headers["Location"] == \
        f"/consultations/{slug}/follow-up/commitments/{commitment_id}"
    assert "1 persona lo sigue." in text(client.get(response.headers["Location"]))


def test_the_tracking_and_commitment_pages_are_kept_with_each_visitors_own_parts(
        app, final_plan, create_user, secretariat):
    """Logged-in participants get the follow-up's pages from the page cache, each with
    their own follow box, and a reporter with their link to their commitments."""
    from consulta.core.cache import clear
    from consulta.followup import operations
    from tests.core.test_page_cache import queries

    slug, commitment_id = final_plan["slug"], final_plan["commitments"][1]
    ana, beto, carla = (create_user(email=f"{name}@example.pe") for name in
                        ("ana", "beto", "carla"))
    with app.test_request_context():
        followers.follow(followers.followable_consultation(slug), user=_user(ana))
        followers.follow(db.session.get(followers.Commitment, commitment_id), user=_user(ana))
        operations.add_reporter(db.session.get(followers.Commitment, commitment_id),
                                actor=_user(secretariat), email="beto@example.pe")
        db.session.commit()
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 30
    with app.app_context():
        clear()
    try:
        clients = {}
        for name, ref in (("ana", ana), ("beto", beto), ("carla", carla)):
            clients[name] = app.test_client()
            login(clients[name], ref)
            clients[name].get("/account")  # the welcome message is shown there
        for url in (f"/consultations/{slug}/follow-up",
                    f"/consultations/{slug}/follow-up/commitments/{commitment_id}"):
            _page, rendered = queries(app, clients["carla"], url)
            pages = {}
            for name, client in clients.items():
                response, kept = queries(app, client, url)
                assert response.status_code == 200 and kept < rendered, (url, name)
                pages[name] = text(response)
            assert "Dejar de seguir" in pages["ana"], url
            for name in ("beto", "carla"):
                assert "Dejar de seguir" not in pages[name] and ">Seguir<" in pages[name]
            assert "1 persona lo sigue." in pages["carla"]
        tracking = f"/consultations/{slug}/follow-up"
        assert "Mis compromisos" in text(clients["beto"].get(tracking))
        for name in ("ana", "carla"):
            assert "Mis compromisos" not in text(clients[name].get(tracking))
    finally:
        app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 0
        with app.app_context():
            clear()
