"""The moderators' workspace: queue, classification, groups, hiding, audit log."""

import re

import pytest
from sqlalchemy import func, select

from consulta.audit.models import AuditEntry, AuditLogIsAppendOnly
from consulta.consultations.models import Consultation
from consulta.contributions.models import Contribution, ContributionGroup, Tag
from consulta.extensions import db

from ..conftest import iv_plan_json, login
from ..inert import active_html, main_content
from .conftest import count_statements

IV = "iv-plan-gobierno-abierto"


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return IV


@pytest.fixture
def moderator_client(app):
    client = app.test_client()
    response = client.post_form("/login", {"email": "moderador@demo.consulta.pe",
                                           "password": "consulta-demo-2026"})
    assert response.status_code == 302
    return client


@pytest.fixture
def codes(app, demo):
    """{n: tracking code} of the demo's contributions in the order they were created.

    Codes carry the year they were received in, so tests never spell them out."""
    with app.app_context():
        return dict(db.session.execute(select(Contribution.id, Contribution.tracking_code)).all())


def get(app, code):
    with app.app_context():
        item = db.session.scalar(select(Contribution).where(Contribution.tracking_code == code))
        item.tags, item.group  # noqa: B018 (load before detaching)
        db.session.expunge_all()
        return item


def ids(app):
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == IV))
        return ({c.name: c.id for c in consultation.components},
                {c.number: c.id for c in consultation.published_plan.commitments})


def version_of(page):
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def test_queue_shows_counts_and_unclassified_first(app, demo, codes, moderator_client):
    page = moderator_client.get(f"/consultations/{IV}/moderation").get_data(as_text=True)
    assert "Sin clasificar" in page
    assert codes[1] in page


def test_queue_filter_and_bulk_form_fields_have_their_own_ids(app, demo, moderator_client):
    """Each label points to one field: the filter's "Component" and the bulk form's."""
    page = moderator_client.get(f"/consultations/{IV}/moderation").get_data(as_text=True)
    found = re.findall(r'\sid="([^"]+)"', page)
    assert sorted({i for i in found if found.count(i) > 1}) == []
    assert 'for="bulk-component"' in page and 'for="component"' in page


def test_classify_with_principles_commitment_tags_and_go_to_next(app, demo, codes,
                                                                  moderator_client):
    components, commitments = ids(app)
    page = moderator_client.get(f"/moderation/{codes[1]}").get_data(as_text=True)
    response = moderator_client.post_form(f"/moderation/{codes[1]}", {
        "component": components["Seguridad ciudadana"], "commitment": commitments[15],
        "principles": ["participation", "accountability"],
        "tags": "Seguridad, barrios críticos, seguridad", "version": version_of(page),
        "next": "1"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/moderation/{codes[2]}"
    item = get(app, codes[1])
    assert item.classified_component_id == components["Seguridad ciudadana"]
    assert item.classified_commitment_id == commitments[15]
    assert item.principles == ["participation", "accountability"]
    assert [t.name for t in item.tags] == ["barrios críticos", "seguridad"]
    # The public page shows the classification.
    public = app.test_client().get(f"/contributions/{codes[1]}").get_data(as_text=True)
    assert "Rendición de cuentas" in public and "Compromiso 15" in public
    # Existing tags are offered for autocompletion.
    page = moderator_client.get(f"/moderation/{codes[2]}").get_data(as_text=True)
    assert '<option value="barrios críticos">' in page
    # And it is in the audit log with before and after.
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "contribution.classified", AuditEntry.object_id == 1))
        assert entry.before["principles"] == [] and entry.after["tags"] == [
            "seguridad", "barrios críticos"]


def queue_row(page, code):
    """The text of the queue's row of the contribution ``code``."""
    row = re.search(r'<tr data-row>((?:(?!</tr>).)*?>' + re.escape(code) + r'</a>.*?)</tr>',
                    page, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def test_a_queue_row_shows_its_classification_tags_state_and_author(app, demo, codes,
                                                                    moderator_client):
    components, commitments = ids(app)
    page = moderator_client.get(f"/moderation/{codes[1]}").get_data(as_text=True)
    moderator_client.post_form(f"/moderation/{codes[1]}", {
        "component": components["Seguridad ciudadana"], "commitment": commitments[15],
        "tags": "Seguridad, barrios críticos", "version": version_of(page)})
    queue = moderator_client.get(
        f"/consultations/{IV}/moderation?state=classified&commitment={commitments[15]}"
    ).get_data(as_text=True)
    row = queue_row(queue, codes[1])
    assert "Seguridad ciudadana" in row and "Compromiso 15" in row
    assert "barrios críticos, seguridad" in row and "Clasificado" in row
    # The filter keeps the commitment chosen, and the row links back to this tab.
    assert f'<option value="{commitments[15]}" selected>' in queue
    assert f"/moderation/{codes[1]}?" in queue and "state=classified" in queue


def commitment_select(page):
    return re.search(r'<select[^>]* name="commitment"[^>]*>.*?</select>', page, re.S).group(0)


def test_the_commitments_offered_follow_each_published_version_and_language(
        app, demo, codes, moderator_client, create_user):
    """The classification form's commitments are kept with their HTML per worker and
    language (``classification_commitments``): a version published is offered at the
    next view, newest first, and each view selects its own contribution's commitment."""
    _components, commitments = ids(app)
    first = commitment_select(moderator_client.get(f"/moderation/{codes[1]}")
                              .get_data(as_text=True))
    assert '<option selected value="0">Ninguno</option>' in first
    assert f'<option value="{commitments[5]}">5. ' in first
    english = commitment_select(moderator_client.get(
        f"/moderation/{codes[1]}", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert '<option selected value="0">None</option>' in english
    assert english.count("<option") == first.count("<option")

    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        from consulta.accounts.models import User
        from consulta.consultations import operations as plan

        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == IV))
        actor = db.session.get(User, secretariat.id)
        draft = plan.ensure_draft_version(consultation, actor=actor)
        five = next(c for c in draft.commitments if c.number == 5)
        plan.save_commitment(draft, actor=actor, commitment=five,
                             component_id=five.component_id, number=5,
                             title="Compromiso revisado <en> una nueva versión")
        plan.publish_plan_version(consultation, actor=actor)
        db.session.commit()
        revised = five.id
    page = moderator_client.get(f"/moderation/{codes[1]}").get_data(as_text=True)
    response = moderator_client.post_form(f"/moderation/{codes[1]}", {
        "commitment": revised, "version": version_of(page)})
    assert response.status_code == 302

    second = commitment_select(moderator_client.get(f"/moderation/{codes[1]}")
                               .get_data(as_text=True))
    assert second.count("<option") == 2 * first.count("<option") - 1  # both versions
    assert second.index(f'value="{revised}"') < second.index(f'value="{commitments[5]}"')
    assert f'<option selected value="{revised}">5. Compromiso revisado &lt;en&gt; una ' \
        'nueva versión</option>' in second
    assert second.count("selected") == 1
    assert f'<option value="{commitments[5]}">5. ' in second
    other = commitment_select(moderator_client.get(f"/moderation/{codes[2]}")
                              .get_data(as_text=True))
    assert '<option selected value="0">Ninguno</option>' in other
    assert other.count("selected") == 1


def test_a_second_moderator_does_not_silently_overwrite_the_first(app, demo, codes,
                                                                   moderator_client, create_user):
    components, _ = ids(app)
    other = app.test_client()
    login(other, create_user(roles=("moderator",)))
    page_a = moderator_client.get(f"/moderation/{codes[3]}").get_data(as_text=True)
    page_b = other.get(f"/moderation/{codes[3]}").get_data(as_text=True)
    assert version_of(page_a) == version_of(page_b)
    first = moderator_client.post_form(f"/moderation/{codes[3]}", {
        "component": components["Justicia"], "principles": ["integrity"],
        "version": version_of(page_a)})
    assert first.status_code == 302
    second = other.post_form(f"/moderation/{codes[3]}", {
        "component": components["Salud"], "principles": ["transparency"],
        "version": version_of(page_b)})
    assert second.status_code == 200
    text = second.get_data(as_text=True)
    assert "Alguien más guardó" in text
    # The current values are shown, with the new version to save against.
    assert re.search(rf'<option selected value="{components["Justicia"]}"|'
                     rf'<option value="{components["Justicia"]}" selected', text)
    assert version_of(text) != version_of(page_b)
    item = get(app, codes[3])
    assert item.classified_component_id == components["Justicia"]
    assert item.principles == ["integrity"]


def test_bulk_classification_is_all_or_nothing(app, demo, moderator_client):
    components, _ = ids(app)
    with app.app_context():
        chosen = db.session.scalars(select(Contribution.id).order_by(Contribution.id)
                                    .limit(3)).all()
    response = moderator_client.post_form(f"/consultations/{IV}/moderation/bulk", {
        "selected": [str(i) for i in chosen], "component": components["Salud"],
        "principles": ["transparency"], "tags": "salud"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution).where(
            Contribution.id.in_(chosen),
            Contribution.classified_component_id == components["Salud"])) == 3
    # One bad id (another consultation's, or unknown) → nothing changes.
    with app.app_context():
        others = db.session.scalars(select(Contribution.id).where(
            Contribution.classified_at.is_(None)).limit(2)).all()
    moderator_client.post_form(f"/consultations/{IV}/moderation/bulk", {
        "selected": [str(others[0]), str(others[1]), "999999"],
        "component": components["Justicia"]})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution).where(
            Contribution.id.in_(others),
            Contribution.classified_component_id == components["Justicia"])) == 0


def test_suggestions_find_the_written_contributions_of_the_workshop(app, demo, codes,
                                                                    moderator_client):
    page = moderator_client.get(f"/moderation/{codes[1]}").get_data(as_text=True)
    first = re.search(r'name="with" value="(APO-[\d-]+)"', page).group(1)
    assert get(app, first).title == "Seguridad ciudadana"
    page = moderator_client.get(f"/moderation/{codes[2]}").get_data(as_text=True)
    first = re.search(r'name="with" value="(APO-[\d-]+)"', page).group(1)
    assert get(app, first).title == "Prevención de riesgos de desastres"


def test_grouping_from_the_suggestions(app, demo, codes, moderator_client):
    response = moderator_client.post_form(f"/moderation/{codes[1]}/group", {
        "with": [codes[9]], "title": "Inseguridad ciudadana",
        "summary": "Propuestas para reducir la inseguridad en La Libertad."})
    assert response.status_code == 302
    one, nine = get(app, codes[1]), get(app, codes[9])
    assert one.group_id == nine.group_id is not None
    page = moderator_client.get(f"/moderation/groups/{one.group_id}").get_data(as_text=True)
    assert codes[1] in page and codes[9] in page
    # A contribution belongs to at most one group: adding it elsewhere moves it.
    moderator_client.post_form(f"/moderation/{codes[2]}/group", {
        "with": [codes[9]], "title": "Otro grupo"})
    assert get(app, codes[9]).group_id != one.group_id
    moderator_client.post_form(f"/moderation/{codes[9]}/ungroup")
    assert get(app, codes[9]).group_id is None
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"group.created", "contribution.grouped", "contribution.ungrouped"} <= actions
        # The two made here, beside the demo's own (its finished consultation has one).
        iv_groups = select(func.count()).select_from(ContributionGroup).where(
            ContributionGroup.consultation_id == one.consultation_id)
        assert db.session.scalar(iv_groups) == 2


def test_hiding_keeps_the_contribution_and_shows_a_public_placeholder(app, demo, codes,
                                                                       moderator_client,
                                                                       outbox):
    code = codes[11]  # a web comment by a demo participant
    author_email = "carmen@demo.consulta.pe"
    text = get(app, code).body
    response = moderator_client.post_form(f"/moderation/{code}/hide", {
        "reason": "offensive", "note": "Lenguaje ofensivo."})
    assert response.status_code == 302
    public = app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
    assert "Ocultado por moderación" in public and "Lenguaje ofensivo." in public
    assert text not in public
    listing = app.test_client().get(f"/consultations/{IV}/contributions?per_page=100")
    assert code in listing.get_data(as_text=True)
    assert text not in listing.get_data(as_text=True)
    api = app.test_client().get(f"/api/v1/consultations/{IV}/contributions?per_page=100")
    item = next(c for c in api.get_json()["contributions"] if c["tracking_code"] == code)
    assert item["hidden"] and item["hidden_reason"] == "offensive" and item["body"] is None
    assert text not in api.get_data(as_text=True)
    assert any(code in m.subject for m in outbox(author_email))
    # Still in the database and in the counts.
    page = app.test_client().get(f"/consultations/{IV}").get_data(as_text=True)
    assert "Lenguaje ofensivo o discriminatorio" in page
    moderator_client.post_form(f"/moderation/{code}/unhide")
    assert text in app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.object_id == get(app, code).id,
            AuditEntry.object_type == "contributions")))
        assert actions.count("contribution.hidden") == actions.count(
            "contribution.unhidden") == 1


def test_hiding_needs_a_reason_from_the_list(app, demo, codes, moderator_client):
    moderator_client.post_form(f"/moderation/{codes[11]}/hide", {"reason": "me-cae-mal"})
    assert get(app, codes[11]).hidden_at is None


def test_masking_personal_data_keeps_the_rest(app, demo, codes, moderator_client):
    code = codes[12]
    body = get(app, code).body
    fragment = "quechua"
    assert fragment in body
    moderator_client.post_form(f"/moderation/{code}/mask", {"fragment": fragment})
    public = app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
    assert fragment not in main_content(public)
    assert "información de obras" in public
    api = app.test_client().get(f"/api/v1/consultations/{IV}/contributions?per_page=100")
    assert fragment not in api.get_data(as_text=True)
    found = app.test_client().get(f"/consultations/{IV}/contributions?q=quechua")
    assert code not in found.get_data(as_text=True)  # not findable by the masked word
    # Text that is not in the contribution cannot be "masked".
    moderator_client.post_form(f"/moderation/{code}/mask", {"fragment": "no aparece"})
    assert get(app, code).masked_fragments == [fragment]


def test_the_audit_log_is_append_only(app, demo, codes, moderator_client):
    moderator_client.post_form(f"/moderation/{codes[11]}/hide", {"reason": "spam"})
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "contribution.hidden"))
        entry.action = "tampered"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "contribution.hidden"))
        db.session.delete(entry)
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
    page = moderator_client.get(f"/consultations/{IV}/moderation/audit").get_data(as_text=True)
    assert "Aporte ocultado" in page and "Equipo de Moderación" in page


def test_the_audit_log_is_append_only_in_the_database_too(app, demo):
    """On PostgreSQL and on SQLite alike (a trigger on each)."""
    with app.app_context():
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        with pytest.raises(DBAPIError), db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_entries SET action = 'x'"))
        with pytest.raises(DBAPIError), db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_entries"))


def test_hostile_group_titles_and_notes_are_inert(app, demo, codes, moderator_client):
    payload = '<script>window.__xss=1</script><img src=x onerror=alert(1)>'
    moderator_client.post_form(f"/moderation/{codes[1]}/group", {
        "title": payload, "summary": payload})
    moderator_client.post_form(f"/moderation/{codes[11]}/hide", {
        "reason": "spam", "note": payload})
    item = get(app, codes[1])
    for url in (f"/moderation/groups/{item.group_id}", f"/contributions/{codes[11]}",
                f"/contributions/{codes[1]}", f"/consultations/{IV}/moderation/audit",
                f"/moderation/{codes[1]}"):
        page = moderator_client.get(url).get_data(as_text=True)
        assert active_html(main_content(page)) == [], url


def test_participants_and_visitors_are_kept_out_of_every_moderation_route(app, demo, codes,
                                                                         create_user):
    participant = app.test_client()
    login(participant, create_user())
    anonymous = app.test_client()
    with app.app_context():
        group_id = None
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "moderation":
            continue
        url = rule.rule.replace("<slug>", IV).replace("<code>", codes[1]) \
            .replace("<int:group_id>", str(group_id or 1))
        for method in sorted(rule.methods & {"GET", "POST"}):
            as_participant = (participant.get(url) if method == "GET"
                              else participant.post_form(url, {"reason": "spam"}))
            as_anonymous = (anonymous.get(url) if method == "GET"
                            else anonymous.post_form(url, {"reason": "spam"}))
            assert as_participant.status_code == 403, (method, url)
            assert as_anonymous.status_code == 302, (method, url)
            assert as_anonymous.headers["Location"].startswith("/login")
            checked += 1
    assert checked >= 12
    assert get(app, codes[1]).hidden_at is None


def test_secretariat_reads_the_audit_log_but_does_not_moderate(app, demo, create_user):
    client = app.test_client()
    login(client, create_user(roles=("secretariat",)))
    assert client.get(f"/consultations/{IV}/moderation/audit").status_code == 200
    assert client.get(f"/consultations/{IV}/moderation").status_code == 403


def test_tags_are_per_consultation_and_normalized(app, demo, codes, moderator_client):
    components, _ = ids(app)
    page = moderator_client.get(f"/moderation/{codes[4]}").get_data(as_text=True)
    moderator_client.post_form(f"/moderation/{codes[4]}", {
        "component": components["Calidad regulatoria"], "tags": " Gobierno  Digital ;TIC",
        "version": version_of(page)})
    with app.app_context():
        assert sorted(db.session.scalars(select(Tag.name))) == ["gobierno digital", "tic"]


def test_bulk_classification_keeps_what_it_does_not_set(app, demo, codes, moderator_client):
    components, _ = ids(app)
    page = moderator_client.get(f"/moderation/{codes[5]}").get_data(as_text=True)
    moderator_client.post_form(f"/moderation/{codes[5]}", {
        "component": components["Salud"], "principles": ["integrity"], "tags": "anterior",
        "version": version_of(page)})
    item = get(app, codes[5])
    moderator_client.post_form(f"/consultations/{IV}/moderation/bulk", {
        "selected": [str(item.id)], "component": components["Justicia"], "tags": "nueva"})
    item = get(app, codes[5])
    assert item.classified_component_id == components["Justicia"]
    assert item.principles == ["integrity"]
    assert [t.name for t in item.tags] == ["anterior", "nueva"]


def test_a_hidden_proposal_cannot_be_commented_and_its_title_stays_hidden(app, demo, codes,
                                                                         moderator_client,
                                                                         create_user):
    code = codes[1]
    title = get(app, code).title
    moderator_client.post_form(f"/moderation/{code}/hide", {"reason": "spam"})
    participant = app.test_client()
    login(participant, create_user())
    response = participant.get(f"/consultations/{IV}/comments/new?target=proposal&target_id="
                               f"{get(app, code).id}")
    assert response.status_code == 404
    assert title not in response.get_data(as_text=True)


def test_the_moderators_home_costs_the_same_queries_for_one_or_many_consultations(
        app, create_consultation, create_contribution, moderator_login):
    def home():
        response = moderator_login.get("/moderation")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    first = create_consultation(title="Primera consulta", plan=iv_plan_json())
    create_contribution(first)
    with_one = count_statements(app, home)
    for title in ("Segunda consulta", "Tercera consulta", "Cuarta consulta"):
        slug = create_consultation(title=title, plan=iv_plan_json())
        create_contribution(slug)
        create_contribution(slug)
    page = home()
    assert all(title in page for title in ("Primera consulta", "Cuarta consulta"))
    assert "2 aportes por clasificar" in page and "1 aporte por clasificar" in page
    assert count_statements(app, home) == with_one


def flashes(page):
    return " ".join(re.findall(r'<p class="flash flash-[^"]*">(.*?)</p>', page, re.S))


def test_the_hide_message_says_the_author_was_told_only_when_they_were(
        app, consultation, create_contribution, moderator_login, outbox):
    letter = create_contribution(consultation, channel="written", values={"title": "Carta"},
                                 author_email="carta@example.pe")
    sheet = create_contribution(consultation, channel="written", values={"title": "Hoja"},
                                author_name="Vecina de Trujillo")  # typed in, no address

    workspace = moderator_login.get(f"/moderation/{sheet}").get_data(as_text=True)
    assert "no dejó un correo electrónico: no se le avisará" in workspace
    page = moderator_login.post_form(f"/moderation/{sheet}/hide", {"reason": "spam"},
                                     follow_redirects=True).get_data(as_text=True)
    assert "Su autor no dejó un correo electrónico, así que no se le ha avisado." in \
        flashes(page)
    assert "avisó" not in flashes(page).replace("no se le ha avisado", "")
    assert outbox() == []

    workspace = moderator_login.get(f"/moderation/{letter}").get_data(as_text=True)
    assert "se le avisa a su autor por correo electrónico" in workspace
    page = moderator_login.post_form(f"/moderation/{letter}/hide", {"reason": "spam"},
                                     follow_redirects=True).get_data(as_text=True)
    assert "se le avisó a su autor por correo electrónico" in flashes(page)
    assert [m.recipient for m in outbox()] == ["carta@example.pe"]


def test_a_hidden_proposal_promises_no_response_and_offers_no_support(
        app, consultation, create_contribution, create_user, moderator_login):
    code = create_contribution(consultation, kind="proposal")
    fan = app.test_client()
    login(fan, create_user())
    before = fan.get(f"/contributions/{code}").get_data(as_text=True)
    assert "Apoyar esta propuesta" in before and "Cada aporte recibirá" in before
    assert "Comenta esta propuesta" in before

    moderator_login.post_form(f"/moderation/{code}/hide", {"reason": "spam"})

    page = fan.get(f"/contributions/{code}").get_data(as_text=True)
    assert "Apoyar esta propuesta" not in page and "Cada aporte recibirá" not in page
    assert "Comenta esta propuesta" not in page  # its comment form would answer 404
    assert "Este aporte fue ocultado por moderación y no tiene respuesta publicada." in page
    answer = fan.post_form(f"/contributions/{code}/support", follow_redirects=True)
    assert "Esta propuesta fue ocultada por moderación: no se puede apoyar." in \
        answer.get_data(as_text=True)
    assert get(app, code).supports_count == 0


def test_bulk_classification_echoes_only_a_known_tab_into_the_address(
        app, demo, moderator_client):
    # The queue's tab travels in the form as "queue_state" (the bulk form's own fields
    # have names of their own).
    for state, query in (("x" * 70_000, ""), ("hidden", "?state=hidden")):
        answer = moderator_client.post_form(f"/consultations/{IV}/moderation/bulk",
                                            {"queue_state": state})
        assert answer.status_code == 302
        assert answer.headers["Location"].endswith(f"/consultations/{IV}/moderation{query}")
