"""Protections of the contribution pages that a regression must not remove silently."""

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from consulta.audit.models import AuditEntry
from consulta.consultations.models import Component, Consultation, Event, Phase
from consulta.contributions import operations
from consulta.contributions.models import Contribution, Support
from consulta.extensions import db

from ..conftest import iv_plan_json, login


@pytest.fixture
def slug(create_consultation):
    return create_consultation(plan=iv_plan_json())


def count(app, model=Contribution):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def comment(app, client, slug, body="Un comentario sobre el plan.", **extra):
    return client.post_form(f"/consultations/{slug}/comments/new",
                            {"target": "plan", "body": body, "send": "1", **extra})


def consultation_id(app, slug):
    with app.app_context():
        return db.session.scalar(select(Consultation.id).where(Consultation.slug == slug))


def test_a_double_submit_race_returns_the_stored_contribution_not_an_error(
        app, slug, create_user, monkeypatch):
    client = app.test_client()
    login(client, create_user())
    first = comment(app, client, slug, submission_token="token-del-formulario-123")
    assert first.status_code == 302
    # The second request does not see the first one when it looks (a race), so its
    # insert hits the unique token: it must answer with the stored contribution.
    real = operations.contribution_by_token
    calls = {"n": 0}

    def late_lookup(token):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(token)

    monkeypatch.setattr(operations, "contribution_by_token", late_lookup)
    second = comment(app, client, slug, submission_token="token-del-formulario-123")
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count(app) == 1


def test_web_authors_names_are_public_only_with_consent(app, slug, create_user):
    for name, show in (("Nombre Público", True), ("Nombre Privado", False)):
        client = app.test_client()
        login(client, create_user(display_name=name, show_name_publicly=show,
                                  sector="academia"))
        comment(app, client, slug, body=f"Comentario de {name.split()[1]}.")
    for url in (f"/consultations/{slug}/contributions",
                f"/api/v1/consultations/{slug}/contributions"):
        text = app.test_client().get(url).get_data(as_text=True)
        assert "Nombre Público" in text and "Nombre Privado" not in text, url
    with app.app_context():
        code = db.session.scalar(select(Contribution.tracking_code).where(
            Contribution.body == "Comentario de Privado."))
    page = app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
    assert "Nombre Privado" not in page and "Participante" in page


def test_submission_is_rate_limited_per_ip_with_a_friendly_page(app, slug, create_user):
    original = app.config["RATELIMIT_SUBMIT_IP"]
    app.config["RATELIMIT_SUBMIT_IP"] = "2 per hour"
    try:
        statuses = []
        for n in range(3):
            client = app.test_client()
            login(client, create_user())
            statuses.append(comment(app, client, slug, body=f"Comentario {n} del taller.")
                            .status_code)
        assert statuses == [302, 302, 429]
        client = app.test_client()
        login(client, create_user())
        page = comment(app, client, slug).get_data(as_text=True)
        assert "Demasiados intentos" in page
    finally:
        app.config["RATELIMIT_SUBMIT_IP"] = original
    assert count(app) == 2


def test_previews_do_not_use_up_the_ip_limit(app, slug, create_user):
    original = app.config["RATELIMIT_SUBMIT_IP"]
    app.config["RATELIMIT_SUBMIT_IP"] = "2 per hour"
    try:
        client = app.test_client()
        login(client, create_user())
        for _ in range(4):
            page = client.post_form(f"/consultations/{slug}/comments/new",
                                    {"target": "plan", "body": "Borrador", "preview": "1"})
            assert page.status_code == 200
        assert comment(app, client, slug).status_code == 302
    finally:
        app.config["RATELIMIT_SUBMIT_IP"] = original


def test_supports_are_refused_once_the_consultation_closed(app, slug, create_user):
    author, fan = app.test_client(), app.test_client()
    login(author, create_user())
    login(fan, create_user())
    with app.app_context():
        component = db.session.scalar(select(Component.id))
    author.post_form(f"/consultations/{slug}/proposals/new", {
        "component": component, "title": "Propuesta", "problem": "Un problema.",
        "objective": "Un objetivo.", "send": "1"})
    with app.app_context():
        code = db.session.scalar(select(Contribution.tracking_code))
        consultation = db.session.scalar(select(Consultation))
        consultation.closes_at = consultation.opens_at.replace(year=consultation.opens_at.year)
        from datetime import timedelta

        from consulta.core.dates import utcnow

        consultation.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    fan.post_form(f"/contributions/{code}/support")
    assert count(app, Support) == 0


def test_the_api_leaves_out_withdrawn_contributions_and_private_consultations(
        app, slug, create_user, create_consultation):
    client = app.test_client()
    login(client, create_user())
    comment(app, client, slug, body="Se queda.")
    comment(app, client, slug, body="Me retiro.")
    with app.app_context():
        code = db.session.scalar(select(Contribution.tracking_code).where(
            Contribution.body == "Me retiro."))
    client.post_form(f"/contributions/{code}/withdraw")
    text = app.test_client().get(f"/api/v1/consultations/{slug}/contributions").get_data(
        as_text=True)
    assert "Se queda." in text and "Me retiro." not in text
    private = create_consultation(plan=iv_plan_json(), announced=False, title="Privada")
    assert app.test_client().get(
        f"/api/v1/consultations/{private}/contributions").status_code == 404


def test_a_contribution_of_a_private_consultation_is_not_found(app, create_consultation,
                                                               create_user):
    private = create_consultation(plan=iv_plan_json(), announced=False)
    with app.test_request_context():
        from consulta.accounts.models import User

        consultation = db.session.scalar(select(Consultation).where(
            Consultation.slug == private))
        moderator = db.session.get(User, create_user(roles=("moderator",)).id)
        consultation.announced_at = consultation.created_at  # briefly public to type in
        item = operations.record_offline_contribution(
            consultation, moderator=moderator, kind="comment", channel="written",
            values={"title": "Secreto"})
        consultation.announced_at = None
        db.session.commit()
        code = item.tracking_code
    assert app.test_client().get(f"/contributions/{code}").status_code == 404
    client = app.test_client()
    login(client, create_user(roles=("moderator",)))
    assert client.get(f"/consultations/{private}/contributions/offline/new").status_code == 404


def test_ids_of_another_consultation_are_refused(app, slug, create_consultation,
                                                  create_user):
    other = create_consultation(plan=iv_plan_json(), title="Otra")
    moderator = app.test_client()
    login(moderator, create_user(roles=("moderator", "secretariat")))
    # An event of the other consultation on offline input.
    moderator.post_form(f"/consultations/{other}/events/new", {
        "kind": "workshop", "title": "Taller ajeno", "held_on": "2026-05-11",
        "region": "cusco"})
    with app.app_context():
        event_id = db.session.scalar(select(Event.id))
        foreign_phase = db.session.scalar(select(Phase.id).join(Consultation).where(
            Consultation.slug == other))
    response = moderator.post_form(f"/consultations/{slug}/contributions/offline/new", {
        "kind": "comment", "channel": "workshop", "title": "Hoja", "event": event_id})
    assert response.status_code == 200
    assert count(app) == 0
    # A phase of the other consultation.
    assert moderator.get(f"/consultations/{slug}/phases/{foreign_phase}/edit").status_code \
        == 404
    assert moderator.post_form(f"/consultations/{slug}/phases/{foreign_phase}/delete") \
        .status_code == 404
    # A proposal of the other consultation as the target of a comment.
    participant = app.test_client()
    login(participant, create_user())
    with app.app_context():
        component = db.session.scalar(select(Component.id).join(Consultation).where(
            Consultation.slug == other))
    participant.post_form(f"/consultations/{other}/proposals/new", {
        "component": component, "title": "Propuesta ajena", "problem": "p.",
        "objective": "o.", "send": "1"})
    with app.app_context():
        proposal = db.session.scalar(select(Contribution.id))
    response = participant.post_form(f"/consultations/{slug}/comments/new", {
        "target": "proposal", "target_id": proposal, "body": "x", "send": "1"})
    assert response.status_code == 404
    assert count(app) == 1


def test_offline_input_is_idempotent_and_correctable_with_an_audit_trail(app, slug,
                                                                        create_user):
    moderator = app.test_client()
    login(moderator, create_user(roles=("moderator",)))
    page = moderator.get(f"/consultations/{slug}/contributions/offline/new").get_data(
        as_text=True)
    import re

    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"kind": "comment", "channel": "written", "title": "Hoja del taller",
            "body": "Texto con un error de tipeo.", "submission_token": token}
    first = moderator.post_form(f"/consultations/{slug}/contributions/offline/new", data)
    second = moderator.post_form(f"/consultations/{slug}/contributions/offline/new", data)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app) == 1
    code = first.headers["Location"].rsplit("/", 1)[1]
    response = moderator.post_form(f"/contributions/{code}/correct", {
        "channel": "written", "title": "Hoja del taller",
        "body": "Texto sin el error de tipeo."})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Contribution.body)) == "Texto sin el error de tipeo."
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "contribution.corrected_offline"))
        assert entry.before["body"] == "Texto con un error de tipeo."
    participant = app.test_client()
    login(participant, create_user())
    assert participant.get(f"/contributions/{code}/correct").status_code == 403


def test_commitment_counts_survive_a_new_version_of_the_plan(app, slug, create_user):
    client = app.test_client()
    login(client, create_user())
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        five = next(c.id for c in consultation.published_plan.commitments if c.number == 5)
    client.post_form(f"/consultations/{slug}/comments/new", {
        "target": "commitment", "target_id": five, "body": "Sobre el cinco.", "send": "1"})
    secretariat = app.test_client()
    login(secretariat, create_user(roles=("secretariat",)))
    secretariat.post_form(f"/consultations/{slug}/plan/start-draft")
    secretariat.post_form(f"/consultations/{slug}/plan/publish", {"note": "v2"})
    plan = app.test_client().get(f"/consultations/{slug}/plan").get_data(as_text=True)
    assert f"/consultations/{slug}/contributions?commitment=5" in plan
    listing = app.test_client().get(f"/consultations/{slug}/contributions?commitment=5")
    assert "Sobre el cinco." in listing.get_data(as_text=True)
    # Commenting on a commitment of an old version is refused.
    response = client.post_form(f"/consultations/{slug}/comments/new", {
        "target": "commitment", "target_id": five, "body": "Tarde.", "send": "1"})
    assert response.status_code == 404


def test_searching_only_common_words_does_not_filter(app, slug, create_user):
    client = app.test_client()
    login(client, create_user())
    comment(app, client, slug, body="Transparencia en las obras.")
    page = app.test_client().get(f"/consultations/{slug}/contributions?q=de+la")
    assert "Transparencia en las obras." in page.get_data(as_text=True)


def test_a_proposal_page_runs_a_constant_number_of_queries(app, slug, create_user):
    author = app.test_client()
    login(author, create_user())
    with app.app_context():
        component = db.session.scalar(select(Component.id))
    author.post_form(f"/consultations/{slug}/proposals/new", {
        "component": component, "title": "Propuesta", "problem": "p.", "objective": "o.",
        "send": "1"})
    with app.app_context():
        proposal = db.session.scalar(select(Contribution))
        code, proposal_id = proposal.tracking_code, proposal.id

    def queries():
        statements = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args, **kwargs: statements.append(args[2])  # noqa: E731
        sa_event.listen(engine, "before_cursor_execute", listener)
        try:
            assert app.test_client().get(f"/contributions/{code}").status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    def add_comments(n):
        for i in range(n):
            client = app.test_client()
            login(client, create_user())
            client.post_form(f"/consultations/{slug}/comments/new", {
                "target": "proposal", "target_id": proposal_id, "body": f"C{i}",
                "send": "1"})

    add_comments(2)
    few = queries()
    add_comments(6)
    assert queries() == few


def test_an_organization_name_is_escaped_in_the_on_behalf_of_choice(app, slug, create_user):
    """Lazy strings render as markup: a name formatted into one reached the page raw."""
    from consulta.accounts.models import Membership, Organization

    from ..inert import active_html, main_content

    member = create_user()
    name = "</option></select><img src=x onerror=alert(1)>"
    with app.app_context():
        organization = Organization(name=name, sector="civil_society", region="cusco",
                                    status="approved")
        db.session.add(organization)
        db.session.flush()
        db.session.add(Membership(user_id=member.id, organization_id=organization.id,
                                  status="approved"))
        db.session.commit()
    client = app.test_client()
    login(client, member)
    for path in (f"/consultations/{slug}/proposals/new",
                 f"/consultations/{slug}/comments/new"):
        page = client.get(path).get_data(as_text=True)
        assert active_html(main_content(page)) == [], path
        assert "&lt;/option&gt;&lt;/select&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_an_overlong_submission_token_is_refused_not_a_server_error(app, slug, create_user):
    """The token column holds 64 characters; PostgreSQL refused a longer one with a 500."""
    client = app.test_client()
    login(client, create_user())
    response = comment(app, client, slug, submission_token="t" * 65)
    assert response.status_code == 200
    assert "El formulario ha expirado" in response.get_data(as_text=True)
    assert count(app) == 0
    assert comment(app, client, slug, submission_token="t" * 64).status_code == 302
    assert count(app) == 1
