"""Participants send proposals and comments; everyone reads them."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from consulta.accounts.models import Membership, Organization, User
from consulta.consultations.models import Commitment, Consultation
from consulta.contributions.models import Contribution, Support
from consulta.extensions import db

from ..conftest import iv_plan_json, login
from ..inert import active_html, main_content

ACTIONS = {
    "actions-0-description": "Diseñar el observatorio con la sociedad civil",
    "actions-0-start": "2026-03", "actions-0-end": "2026-06",
    "actions-1-description": "Publicar los precios en datos abiertos",
    "actions-1-start": "2026-07", "actions-1-end": "2026-12",
    "actions-2-description": "Evaluar con las organizaciones de pacientes",
    "actions-2-start": "2027-01", "actions-2-end": "2027-03",
}


@pytest.fixture
def consultation(create_consultation):
    return create_consultation(plan=iv_plan_json())


@pytest.fixture
def participant(create_user):
    return create_user(display_name="Rosa Quispe", sector="civil_society", region="cusco")


@pytest.fixture
def browser(app, participant):
    client = app.test_client()
    login(client, participant)
    return client


def ids(app, slug):
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        components = {c.name: c.id for c in consultation.components}
        commitments = {c.number: c.id for c in consultation.published_plan.commitments}
        return components, commitments


def count(app, model=Contribution):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def proposal_data(app, slug, **changes):
    components, _ = ids(app, slug)
    data = {"component": str(components["Salud"]),
            "title": "Observatorio ciudadano de precios de medicamentos",
            "problem": "Los precios de los medicamentos varían sin control.",
            "objective": "Que la ciudadanía pueda vigilar y denunciar precios abusivos.",
            "responsible": "DIGEMID", "co_responsible": "INDECOPI\nDefensoría del Pueblo",
            "due": "2027-03", "body": "Propuesta de la mesa de salud.", **ACTIONS}
    data.update(changes)
    return data


def send_proposal(client, slug, data):
    """Preview, then send, as a person would."""
    page = client.post_form(f"/consultations/{slug}/proposals/new", {**data, "preview": "1"})
    assert page.status_code == 200, page.get_data(as_text=True)[:3000]
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"',
                      page.get_data(as_text=True)).group(1)
    return client.post_form(f"/consultations/{slug}/proposals/new",
                            {**data, "submission_token": token, "send": "1"})


def test_a_proposal_is_previewed_sent_confirmed_and_receipted(app, browser, consultation,
                                                             participant, outbox):
    data = proposal_data(app, consultation)
    preview = browser.post_form(f"/consultations/{consultation}/proposals/new",
                                {**data, "preview": "1"})
    assert "Vista previa" in preview.get_data(as_text=True)
    assert count(app) == 0  # a preview stores nothing
    response = send_proposal(browser, consultation, data)
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(Contribution))
        assert re.fullmatch(r"APO-\d{4}-\d{6}", item.tracking_code)
        assert item.kind == "proposal" and item.channel == "web"
        assert item.author_id == participant.id
        assert (item.sector, item.region) == ("civil_society", "cusco")
        assert [a["description"] for a in item.actions] == [
            "Diseñar el observatorio con la sociedad civil",
            "Publicar los precios en datos abiertos",
            "Evaluar con las organizaciones de pacientes"]
        assert item.co_responsible == ["INDECOPI", "Defensoría del Pueblo"]
        code = item.tracking_code
    assert response.headers["Location"] == f"/contributions/{code}?sent=1"
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Recibimos tu aporte" in page and code in page
    assert f"/contributions/{code}" in page  # the permalink
    [receipt] = outbox(participant.email)
    assert code in receipt.subject and f"/contributions/{code}" in receipt.body
    mine = browser.get("/my/contributions").get_data(as_text=True)
    assert code in mine
    listing = app.test_client().get(f"/consultations/{consultation}/contributions")
    assert "Observatorio ciudadano de precios" in listing.get_data(as_text=True)


def test_a_comment_on_commitment_5(app, browser, consultation):
    _, commitments = ids(app, consultation)
    url = f"/consultations/{consultation}/comments/new?target=commitment&target_id=" \
          f"{commitments[5]}"
    page = browser.get(url).get_data(as_text=True)
    assert "observatorio de precios de medicamentos" in page
    form = {"target": "commitment", "target_id": commitments[5],
            "body": "El observatorio debe incluir las farmacias de provincias."}
    browser.post_form(url, {**form, "preview": "1"})
    response = browser.post_form(url, {**form, "send": "1"})
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(Contribution))
        assert (item.kind, item.target, item.commitment_id) == ("comment", "commitment",
                                                                commitments[5])
        assert item.plan_version_id == db.session.get(Commitment, commitments[5]) \
            .plan_version_id
    plan = app.test_client().get(f"/consultations/{consultation}/plan").get_data(as_text=True)
    assert f"/consultations/{consultation}/contributions?commitment=5" in plan


def test_comments_on_the_plan_a_section_and_a_proposal(app, browser, consultation,
                                                       create_user):
    send_proposal(browser, consultation, proposal_data(app, consultation))
    with app.app_context():
        proposal_id = db.session.scalar(select(Contribution.id))
    other = app.test_client()
    login(other, create_user())
    for target, target_id in (("plan", None), ("proposal", proposal_id)):
        data = {"target": target, "body": f"Comentario sobre {target}.", "send": "1"}
        if target_id:
            data["target_id"] = target_id
        response = other.post_form(f"/consultations/{consultation}/comments/new", data)
        assert response.status_code == 302, target
    with app.app_context():
        parent = db.session.scalar(select(Contribution).where(Contribution.target == "proposal"))
        assert parent.parent_id == proposal_id


def test_anonymous_visitors_are_taken_to_log_in_and_brought_back(app, consultation,
                                                                 participant):
    client = app.test_client()
    response = client.get(f"/consultations/{consultation}/proposals/new")
    assert response.status_code == 302
    assert response.headers["Location"] == \
        f"/login?next=/consultations/{consultation}/proposals/new"
    response = client.post_form(response.headers["Location"],
                                {"email": participant.email, "password": participant.password})
    assert response.headers["Location"] == f"/consultations/{consultation}/proposals/new"


def test_unconfirmed_accounts_are_told_to_confirm_first(app, consultation, create_user):
    client = app.test_client()
    login(client, create_user(confirmed=False))
    page = client.get(f"/consultations/{consultation}/proposals/new").get_data(as_text=True)
    assert "Confirma tu correo" in page and 'name="title"' not in page
    client.post_form(f"/consultations/{consultation}/proposals/new",
                     {**proposal_data(app, consultation), "send": "1"})
    assert count(app) == 0


def test_the_form_says_when_a_consultation_is_not_open_yet(app, browser, create_consultation):
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=5, closes_in_days=30)
    page = browser.get(f"/consultations/{slug}/proposals/new").get_data(as_text=True)
    assert "aún no está abierta" in page and 'name="title"' not in page
    landing = app.test_client().get(f"/consultations/{slug}/contribute").get_data(as_text=True)
    assert "aún no está abierta" in landing
    browser.post_form(f"/consultations/{slug}/proposals/new",
                      {**proposal_data(app, slug), "send": "1"})
    assert count(app) == 0


def test_a_closed_consultation_refuses_contributions_and_says_what_happens_next(
        app, browser, create_consultation):
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-30, closes_in_days=-1)
    page = browser.get(f"/consultations/{slug}/proposals/new").get_data(as_text=True)
    assert "Esta consulta cerró el" in page and "respuesta" in page
    browser.post_form(f"/consultations/{slug}/proposals/new",
                      {**proposal_data(app, slug), "send": "1"})
    _, commitments = ids(app, slug)
    browser.post_form(f"/consultations/{slug}/comments/new",
                      {"target": "commitment", "target_id": commitments[1], "body": "x",
                       "send": "1"})
    assert count(app) == 0


def test_a_private_consultation_is_not_found(app, browser, create_consultation):
    slug = create_consultation(plan=iv_plan_json(), announced=False)
    assert browser.get(f"/consultations/{slug}/proposals/new").status_code == 404
    browser.post_form(f"/consultations/{slug}/proposals/new",
                      {**proposal_data(app, slug), "send": "1"})
    assert count(app) == 0


def test_a_commitment_of_another_consultation_is_refused(app, browser, consultation,
                                                         create_consultation):
    other = create_consultation(plan=iv_plan_json(), title="Otra")
    _, foreign = ids(app, other)
    response = browser.post_form(f"/consultations/{consultation}/comments/new", {
        "target": "commitment", "target_id": foreign[5], "body": "x", "send": "1"})
    assert response.status_code == 404
    assert count(app) == 0


HOSTILE = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "[clic](javascript:window.__xss=1)",
    '"><svg onload=window.__xss=1>',
    "<a href='javascript:alert(1)'>x</a>",
]


def test_hostile_text_in_every_field_is_stored_and_rendered_inert(app, browser, consultation):
    payload = " ".join(HOSTILE)
    data = proposal_data(app, consultation, title=payload[:300], problem=payload,
                         objective=payload, responsible=payload[:300], co_responsible=payload,
                         body=payload, **{"actions-0-description": payload})
    assert send_proposal(browser, consultation, data).status_code == 302
    with app.app_context():
        item = db.session.scalar(select(Contribution))
        assert item.problem == payload  # stored faithfully, as typed
        code = item.tracking_code
    for url in (f"/contributions/{code}", f"/consultations/{consultation}/contributions",
                "/my/contributions"):
        page = browser.get(url).get_data(as_text=True)
        assert active_html(main_content(page)) == [], url


@pytest.mark.parametrize("changes", [
    {"body": "x" * 100_000},
    {"title": "x" * 301},
    {"problem": ""},
    {"objective": ""},
    {"title": ""},
    {"component": "999999"},
    {"component": "abc"},
    {"actions-0-start": "2026-09", "actions-0-end": "2026-01"},
    {"due": "el próximo año"},
])
def test_bad_proposals_get_a_message_and_store_nothing(app, browser, consultation, changes):
    data = proposal_data(app, consultation, **changes)
    response = browser.post_form(f"/consultations/{consultation}/proposals/new",
                                 {**data, "send": "1"})
    assert response.status_code == 200
    assert "error-summary" in response.get_data(as_text=True)
    assert count(app) == 0


def test_a_component_of_another_consultation_is_refused(app, browser, consultation,
                                                        create_consultation):
    other = create_consultation(plan=iv_plan_json(), title="Otra")
    components, _ = ids(app, other)
    response = browser.post_form(f"/consultations/{consultation}/proposals/new", {
        **proposal_data(app, consultation, component=str(components["Salud"])), "send": "1"})
    assert response.status_code == 200
    assert count(app) == 0


def make_org(app, members):
    with app.app_context():
        org = Organization(name="Red de Salud Cusco", sector="civil_society", region="cusco",
                           status="approved")
        db.session.add(org)
        db.session.flush()
        for user in members:
            db.session.add(Membership(user_id=user.id, organization_id=org.id,
                                      status="approved"))
        db.session.commit()
        return org.id


def test_members_send_on_behalf_of_their_organization(app, browser, consultation, participant):
    org_id = make_org(app, [participant])
    response = send_proposal(browser, consultation,
                             proposal_data(app, consultation, organization=str(org_id)))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Contribution.organization_id)) == org_id
    page = app.test_client().get(response.headers["Location"]).get_data(as_text=True)
    assert "Red de Salud Cusco" in page


def test_a_non_member_cannot_send_on_behalf_of_an_organization(app, browser, consultation,
                                                               create_user):
    org_id = make_org(app, [create_user()])
    response = browser.post_form(f"/consultations/{consultation}/proposals/new", {
        **proposal_data(app, consultation, organization=str(org_id)), "send": "1"})
    assert response.status_code == 200
    assert count(app) == 0


def test_a_re_sent_form_makes_exactly_one_contribution(app, browser, consultation):
    data = proposal_data(app, consultation)
    page = browser.post_form(f"/consultations/{consultation}/proposals/new",
                             {**data, "preview": "1"}).get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    first = browser.post_form(f"/consultations/{consultation}/proposals/new",
                              {**data, "submission_token": token, "send": "1"})
    second = browser.post_form(f"/consultations/{consultation}/proposals/new",
                               {**data, "submission_token": token, "send": "1"})
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app) == 1


def test_the_author_corrects_within_the_window_only(app, browser, consultation, create_user):
    send_proposal(browser, consultation, proposal_data(app, consultation))
    with app.app_context():
        code = db.session.scalar(select(Contribution.tracking_code))
    response = browser.post_form(f"/contributions/{code}/edit",
                                 proposal_data(app, consultation, title="Título corregido"))
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(Contribution))
        assert item.title == "Título corregido" and item.updated_at is not None
        item.created_at = item.created_at - timedelta(minutes=16)
        db.session.commit()
    response = browser.post_form(f"/contributions/{code}/edit",
                                 proposal_data(app, consultation, title="Tarde"))
    assert response.status_code == 302
    assert "ya no se puede modificar" in browser.get(response.headers["Location"]).get_data(
        as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Contribution.title)) == "Título corregido"
    # Someone else cannot edit or withdraw it.
    other = app.test_client()
    login(other, create_user())
    assert other.get(f"/contributions/{code}/edit").status_code == 403
    assert other.post_form(f"/contributions/{code}/withdraw").status_code == 403


def test_withdrawn_contributions_stay_visible_but_apart(app, browser, consultation):
    send_proposal(browser, consultation, proposal_data(app, consultation))
    with app.app_context():
        code = db.session.scalar(select(Contribution.tracking_code))
    browser.post_form(f"/contributions/{code}/withdraw")
    with app.app_context():
        assert db.session.scalar(select(Contribution.withdrawn_at)) is not None
    visitor = app.test_client()
    assert "Retirado por su autor" in visitor.get(f"/contributions/{code}").get_data(
        as_text=True)
    listing = visitor.get(f"/consultations/{consultation}/contributions").get_data(
        as_text=True)
    assert code not in listing
    withdrawn = visitor.get(f"/consultations/{consultation}/contributions?withdrawn=1")
    assert code in withdrawn.get_data(as_text=True)


def test_supports_one_per_person_withdrawable_and_public(app, browser, consultation,
                                                         create_user):
    send_proposal(browser, consultation, proposal_data(app, consultation))
    with app.app_context():
        code = db.session.scalar(select(Contribution.tracking_code))
    # Each visitor sees their own part: a link to log in and come back, no button for
    # the author, the button for another participant.
    anonymous = app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
    assert f'href="/login?next=/contributions/{code}"' in anonymous
    own = browser.get(f"/contributions/{code}").get_data(as_text=True)
    assert "Apoyar esta propuesta" not in own and "/login?next=" not in own
    # The author cannot support their own proposal.
    browser.post_form(f"/contributions/{code}/support")
    assert count(app, Support) == 0
    fan = app.test_client()
    login(fan, create_user())
    page = fan.get(f"/contributions/{code}").get_data(as_text=True)
    assert "Apoyar esta propuesta" in page and "/login?next=" not in page
    fan.post_form(f"/contributions/{code}/support")
    fan.post_form(f"/contributions/{code}/support")  # a double click
    with app.app_context():
        assert count(app, Support) == 1
        assert db.session.scalar(select(Contribution.supports_count)) == 1
    page = app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
    assert "1 persona apoya" in page or "1 apoyo" in page
    fan.post_form(f"/contributions/{code}/support", {"action": "withdraw"})
    with app.app_context():
        assert count(app, Support) == 0
        assert db.session.scalar(select(Contribution.supports_count)) == 0


def test_submission_is_rate_limited_per_account(app, browser, consultation):
    original = app.config["RATELIMIT_SUBMIT_ACCOUNT"]
    app.config["RATELIMIT_SUBMIT_ACCOUNT"] = "2 per hour"
    try:
        statuses = [browser.post_form(f"/consultations/{consultation}/comments/new",
                                      {"target": "plan", "body": f"Comentario {n}",
                                       "send": "1"}).status_code for n in range(3)]
    finally:
        app.config["RATELIMIT_SUBMIT_ACCOUNT"] = original
    assert statuses == [302, 302, 429]
    assert count(app) == 2


def test_the_honeypot_silently_drops_bots(app, browser, consultation):
    response = browser.post_form(f"/consultations/{consultation}/comments/new",
                                 {"target": "plan", "body": "Compra ya", "fax_only": "spam",
                                  "send": "1"})
    assert response.status_code == 302
    assert count(app) == 0


def test_listing_pages_run_a_constant_number_of_queries(app, consultation, create_user):
    authors = [create_user(sector="academia") for _ in range(3)]
    with app.test_request_context():
        from consulta.accounts.models import User
        from consulta.contributions.operations import submit_contribution

        item = db.session.scalar(select(Consultation).where(Consultation.slug == consultation))
        commitments = [c.id for c in item.published_plan.commitments]
        for n in range(45):
            author = db.session.get(User, authors[n % 3].id)
            submit_contribution(item, author=author, kind="comment",
                                values={"body": f"Comentario número {n}"},
                                target="commitment", target_id=commitments[n % 21],
                                notify=False)
        db.session.commit()

    def queries_for(url):
        statements = []

        def count_statement(*args, **kwargs):
            statements.append(args[2])

        with app.app_context():
            engine = db.engine
        sa_event.listen(engine, "before_cursor_execute", count_statement)
        try:
            assert app.test_client().get(url).status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", count_statement)
        return len(statements)

    base = f"/consultations/{consultation}/contributions"
    # The first request reads the plan's commitments for the filter, then kept per worker.
    queries_for(base)
    assert queries_for(f"{base}?per_page=10") == queries_for(f"{base}?per_page=50")
    api = f"/api/v1/consultations/{consultation}/contributions"
    assert queries_for(f"{api}?per_page=5") == queries_for(f"{api}?per_page=40")


def test_my_contributions_come_a_page_at_a_time_newest_first_with_their_state(
        app, slug, create_user, create_contribution, create_group, create_response):
    """A participant's history is paged (20 a page, the count said, a far page gives the
    last), and each row says what became of it: answered through its group, answered
    on its own, withdrawn, waiting (issue 16: the whole history loaded on each view
    grew with it)."""
    from consulta.contributions.operations import withdraw_contribution

    author = create_user()
    codes = [create_contribution(slug, author=author, body=f"Aporte número {n}.")
             for n in range(23)]
    create_contribution(slug)  # someone else's
    group_id = create_group(slug, [codes[0], codes[1]])
    create_response(group_id=group_id, outcome="not_incorporated",
                    justification="No corresponde a este plan. Se deriva a la entidad "
                                  "competente.")
    create_response(codes[2], outcome="incorporated", commitments=(5,))
    with app.test_request_context():
        withdraw_contribution(db.session.scalar(select(Contribution).where(
            Contribution.tracking_code == codes[3])), user=db.session.get(User, author.id))
        db.session.commit()
    client = app.test_client()
    login(client, author)
    first = client.get("/my/contributions").get_data(as_text=True)
    second = client.get("/my/contributions?page=2").get_data(as_text=True)
    far = client.get("/my/contributions?page=99").get_data(as_text=True)

    def shown(page):
        return re.findall(r'class="meta code">([^<]+)<', page)

    assert shown(first) == codes[::-1][:20]  # newest first
    assert shown(second) == codes[::-1][20:] == codes[2::-1]
    assert shown(far) == shown(second)
    assert "23 aportes enviados." in first
    assert "Página 1 de 2" in first and 'rel="next" href="/my/contributions?page=2"' in first
    rows = dict(zip(shown(second), second.split('class="meta code">')[1:], strict=True))
    assert "No incorporado" in rows[codes[0]] and "No incorporado" in rows[codes[1]]
    assert "Incorporado" in rows[codes[2]]
    assert "Retirado" in first.split(f'class="meta code">{codes[3]}<')[1].split("</tr>")[0]
    assert "Recibido, pendiente de respuesta" in first
