"""The page cache for logged-in participants: the parts of a public page that are the
same for everyone (title, head, main content) are kept once and put inside each
visitor's own header, messages and log-out form; staff always get the page rendered."""

import pytest

from consulta.core.cache import _kept_parts

from ..conftest import iv_plan_json, login
from .test_page_cache import ABUSE, cached, hide, queries  # noqa: F401


def main(html):
    return html[html.index("<main"):html.index("</main>")]


def test_participants_get_the_kept_list_inside_their_own_header(
        cached, create_consultation, create_contribution, create_user):  # noqa: F811
    slug = create_consultation(plan=iv_plan_json())
    create_contribution(slug, body="Un aporte que todos ven igual en la lista.")
    app = cached
    url = f"/consultations/{slug}/contributions"
    anonymous = app.test_client().get(url).get_data(as_text=True)
    ana, beto = app.test_client(), app.test_client()
    login(ana, create_user(display_name="Ana Participante"))
    login(beto, create_user(display_name="Beto Participante"))
    ana.get("/account"), beto.get("/account")  # the welcome message is shown there
    first, rendered = queries(app, ana, url)
    second, kept = queries(app, beto, url)
    # Beto gets what Ana's request rendered, with fewer statements (his account only).
    assert first.status_code == second.status_code == 200
    assert 0 < kept < rendered
    page = second.get_data(as_text=True)
    assert main(page) == main(first.get_data(as_text=True)) == main(anonymous)
    assert "Un aporte que todos ven igual" in page
    # His own header: the log-out form with his own token, nobody else's name.
    assert "Cerrar sesión" in page and "Ana Participante" not in page
    # Never kept by the browser (a shared computer), so no ETag to ask again with.
    assert second.headers["Cache-Control"] == first.headers["Cache-Control"] == "no-store"
    assert "ETag" not in second.headers and "ETag" not in first.headers


def test_hiding_a_contribution_removes_it_from_the_participants_list_at_once(
        cached, create_consultation, create_contribution, create_user):  # noqa: F811
    slug = create_consultation(plan=iv_plan_json())
    code = create_contribution(slug, body=ABUSE)
    app = cached
    url = f"/consultations/{slug}/contributions"
    client = app.test_client()
    login(client, create_user())
    for _ in range(2):
        assert ABUSE in client.get(url).get_data(as_text=True)
    hide(app, code, create_user(roles=("moderator",)))
    assert ABUSE not in client.get(url).get_data(as_text=True)


def test_a_message_for_the_visitor_is_shown_on_a_kept_page(
        cached, create_consultation, create_user):  # noqa: F811
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    url = f"/consultations/{slug}/contributions"
    first = app.test_client()
    login(first, create_user())
    first.get("/account")
    first.get(url)  # kept
    client = app.test_client()
    login(client, create_user(display_name="Carla Recién Llegada"))
    page, _n = queries(app, client, url)  # the first page after logging in
    assert "Carla Recién Llegada" in main(page.get_data(as_text=True))  # the welcome


@pytest.mark.parametrize("language, confirmed", [("es", True), ("en", False)])
def test_the_frame_of_a_kept_page_is_what_base_html_renders_for_the_visitor(
        cached, create_consultation, create_contribution, create_user,  # noqa: F811
        monkeypatch, language, confirmed):
    """base.html is rendered once around a kept page for each language and e-mail
    confirmation, and filled for each visitor: the same bytes as rendered for them, with
    their own token and this page's address in the language link."""
    from consulta.core import cache

    slug = create_consultation(plan=iv_plan_json())
    create_contribution(slug, body="Un aporte que todos ven igual en la lista.")
    app = cached
    app.extensions.pop("consulta_kept_frames", None)  # each worker's, kept across tests
    client = app.test_client()
    login(client, create_user(confirmed=confirmed))
    client.get(f"/language/{language}?next=/")
    client.get("/account")  # the welcome message is shown there
    # Characters Werkzeug leaves as they are in a query's values, and some it encodes.
    url = f"/consultations/{slug}/contributions?page=1&x=agua potable&ñ=1&y=(a)!~'*,b:c@d/e;f$+%25"
    client.get(url)  # rendered, and kept
    framed = client.get(url).get_data(as_text=True)
    frames = app.extensions["consulta_kept_frames"]
    assert frames and all(frames.values())  # a frame, and one the worker can fill
    monkeypatch.setattr(cache, "_frame", lambda: ())
    with app.app_context():
        cache.clear()
    app.extensions["consulta_kept_frames"].clear()
    client.get(url)  # rendered, and kept
    rendered = client.get(url).get_data(as_text=True)  # kept, rendered around its parts
    assert not any(app.extensions.pop("consulta_kept_frames").values())  # none usable
    assert _csrf(framed) and _csrf(rendered)
    assert framed.replace(_csrf(framed), "") == rendered.replace(_csrf(rendered), "")
    other = "en" if language == "es" else "es"
    assert (f'href="/language/{other}?next=/consultations/{slug}/contributions'
            '?page%3D1%26x%3Dagua+potable%26%C3%B1%3D1%26y%3D') in framed
    assert f'<html lang="{language}">' in framed
    assert ("not confirmed yet" in framed or "aún no ha sido confirmado" in framed) \
        != confirmed


def test_staff_always_get_the_page_rendered(cached, create_consultation, create_user):  # noqa: F811
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    url = f"/consultations/{slug}/contributions"
    participant = app.test_client()
    login(participant, create_user())
    participant.get(url)
    _page, kept = queries(app, participant, url)
    moderator = app.test_client()
    login(moderator, create_user(roles=("moderator",)))
    moderator.get(url)
    _page, rendered = queries(app, moderator, url)
    assert rendered > kept


def test_a_part_holding_a_form_token_is_never_kept():
    page = ("<title>Aportes · Consulta</title><!--kept--><!--/kept-->"
            "<main><!--kept-->{}<!--/kept--></main>")
    assert _kept_parts(page.format("<p>Igual para todos</p>"))["content"] \
        == "<p>Igual para todos</p>"
    assert _kept_parts(page.format(
        '<form method="post"><input name="csrf_token" value="de-ana"></form>')) is None
    assert _kept_parts("<title>Sin partes marcadas</title>") is None


def test_the_plan_and_the_summary_are_kept_as_anonymous_visitors_see_them(
        cached, create_consultation, create_user):  # noqa: F811
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    for url in (f"/consultations/{slug}/plan", f"/consultations/{slug}/summary"):
        anonymous = app.test_client().get(url)
        participant = app.test_client()
        login(participant, create_user())
        participant.get("/account")
        rendered, n_rendered = queries(app, participant, url)
        kept, n_kept = queries(app, participant, url)
        assert anonymous.status_code == rendered.status_code == kept.status_code, url
        assert n_kept < n_rendered, url
        assert main(kept.get_data(as_text=True)) == main(anonymous.get_data(as_text=True))


def _csrf(html):
    import re
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def test_a_contribution_page_is_kept_with_each_visitors_own_buttons(
        cached, create_consultation, create_contribution, create_user):  # noqa: F811
    slug = create_consultation(plan=iv_plan_json())
    author = create_user(display_name="Autora de la Propuesta")
    code = create_contribution(slug, author=author, kind="proposal")
    app = cached
    url = f"/contributions/{code}"
    ana, beto, autora = app.test_client(), app.test_client(), app.test_client()
    login(ana, create_user())
    login(beto, create_user())
    login(autora, author)
    for client in (ana, beto, autora):
        client.get("/account")
    _first, rendered = queries(app, ana, url)
    # Ana supports it: her buttons change at once, on the page kept for everyone.
    page = ana.get(url).get_data(as_text=True)
    assert "Apoyar esta propuesta" in page
    ana.post(f"{url}/support", data={"csrf_token": _csrf(page)})
    ana.get(url)  # the count changed: rendered again, and kept
    mine, kept = queries(app, ana, url)
    # Kept with the facts its personal parts read: her account and whether she
    # supports it, not the contribution again.
    assert kept == 2 < rendered
    mine = mine.get_data(as_text=True)
    assert "Retirar mi apoyo" in mine and "Apoyar esta propuesta" not in mine
    assert "1 persona apoya esta propuesta" in mine
    # Beto gets the same page with his own buttons and his own form token.
    his = beto.get(url).get_data(as_text=True)
    assert "Apoyar esta propuesta" in his and "Retirar mi apoyo" not in his
    assert _csrf(his) != _csrf(mine)
    # The author gets her own actions and the receipt, nobody else does.
    hers = autora.get(f"{url}?sent=1").get_data(as_text=True)
    assert "Corregirlo" in hers and "Tu aporte" in hers
    assert "¡Gracias! Recibimos tu aporte." in hers
    his = beto.get(f"{url}?sent=1").get_data(as_text=True)
    assert "Corregirlo" not in his and "¡Gracias!" not in his
    # A personal part never reaches anonymous visitors.
    anonymous = app.test_client().get(url).get_data(as_text=True)
    assert "Inicia sesión para apoyarla" in anonymous and "Retirar mi apoyo" not in anonymous


def test_the_consultation_page_is_kept_with_each_visitors_own_follow_box(
        cached, create_consultation, create_user):  # noqa: F811
    slug = create_consultation(plan=iv_plan_json())
    app = cached
    url = f"/consultations/{slug}"
    ana, beto = app.test_client(), app.test_client()
    login(ana, create_user())
    login(beto, create_user())
    for client in (ana, beto):
        client.get("/account")
    _first, rendered = queries(app, ana, url)
    page = ana.get(url).get_data(as_text=True)
    assert "Dejar de seguir" not in page
    ana.post(f"/follow/consultations/{slug}/account",
             data={"csrf_token": _csrf(page), "action": "follow"})
    ana.get(url)  # the count of followers changed: rendered again, and kept
    mine, kept = queries(app, ana, url)
    # Her account, the consultation's address and whether she follows it: the count of
    # followers is kept with the page.
    assert kept == 3 < rendered
    mine = mine.get_data(as_text=True)
    assert "Dejar de seguir" in mine and "1 persona lo sigue" in mine
    his = beto.get(url).get_data(as_text=True)
    assert "Dejar de seguir" not in his and ">Seguir<" in his
    assert _csrf(his) != _csrf(mine)
    assert main(his).count("personal:follow") == 2  # the box, between its markers


def test_a_new_address_forgets_which_consultation_each_page_belongs_to(
        cached, create_consultation, create_user):  # noqa: F811
    """Workers remember the consultation of a contribution's page while every page's
    generation stays: a consultation's new address (before it is public) moves it."""
    from consulta.accounts.models import User
    from consulta.consultations.models import Consultation
    from consulta.consultations.operations import update_consultation
    from consulta.core.cache import EVERY_PAGE, page_generation
    from consulta.extensions import db

    secretariat = create_user(roles=("secretariat",))
    slug = create_consultation(announced=False, actor=secretariat)
    with cached.test_request_context():
        before = page_generation(EVERY_PAGE)
        consultation = db.session.scalar(db.select(Consultation).filter_by(slug=slug))
        update_consultation(consultation, actor=db.session.get(User, secretariat.id),
                            title=consultation.title)  # the same address: nothing to forget
        db.session.commit()
        assert page_generation(EVERY_PAGE) == before
        update_consultation(consultation, actor=db.session.get(User, secretariat.id),
                            slug=slug + "-nueva")
        db.session.commit()
        assert page_generation(EVERY_PAGE) != before
