"""Feedback: a reasoned, published response for every contribution."""

import re
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from consulta.audit.models import AuditEntry
from consulta.consultations.models import Consultation
from consulta.contributions.models import Contribution, ContributionGroup
from consulta.extensions import db
from consulta.feedback.models import Response, ResponseVersion

from ..conftest import free_port, iv_plan_json, login

JUSTIFICATION = ("La propuesta se incorporó en el compromiso 5. El observatorio incluirá "
                 "las quejas y denuncias ciudadanas.")


@pytest.fixture
def setup(app, create_consultation, create_user):
    """A consultation with two web comments and one offline comment with an e-mail."""
    slug = create_consultation(plan=iv_plan_json())
    authors = [create_user(email=f"autora{n}@example.pe") for n in range(2)]
    for author in authors:
        client = app.test_client()
        login(client, author)
        client.post_form(f"/consultations/{slug}/comments/new", {
            "target": "plan", "body": f"Comentario de {author.email}.", "send": "1"})
    moderator = app.test_client()
    login(moderator, create_user(roles=("moderator",)))
    moderator.post_form(f"/consultations/{slug}/contributions/offline/new", {
        "kind": "comment", "channel": "written", "title": "Carta de la comunidad",
        "author_email": "comunidad@example.pe"})
    with app.app_context():
        codes = db.session.scalars(select(Contribution.tracking_code)
                                   .order_by(Contribution.id)).all()
        consultation = db.session.scalar(select(Consultation))
        five = next(c.id for c in consultation.published_plan.commitments if c.number == 5)
    return {"slug": slug, "codes": codes, "authors": authors, "five": five}


@pytest.fixture
def secretariat(app, create_user):
    client = app.test_client()
    login(client, create_user(roles=("secretariat",)))
    return client


def incorporated(setup, **changes):
    return {"outcome": "incorporated", "justification": JUSTIFICATION,
            "commitments": [str(setup["five"])], **changes}


def response_of(app, code):
    with app.app_context():
        contribution = db.session.scalar(select(Contribution).where(
            Contribution.tracking_code == code))
        response = contribution.response
        if response is None:
            return None
        data = {"status": response.status, "id": response.id,
                "versions": [(v.number, v.outcome, v.justification) for v in response.versions]}
        return data


def test_write_review_publish_and_the_author_is_told_once(app, setup, secretariat, outbox):
    code = setup["codes"][0]
    response = secretariat.post_form(f"/feedback/contributions/{code}", incorporated(setup))
    assert response.status_code == 302
    assert response_of(app, code)["status"] == "draft"
    # Drafts never leak.
    page = app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
    assert JUSTIFICATION not in page
    api = app.test_client().get(f"/api/v1/consultations/{setup['slug']}/contributions")
    assert JUSTIFICATION not in api.get_data(as_text=True)
    response_id = response_of(app, code)["id"]
    secretariat.post_form(f"/feedback/responses/{response_id}/submit")
    assert response_of(app, code)["status"] == "in_review"
    secretariat.post_form(f"/feedback/responses/{response_id}/publish")
    assert response_of(app, code)["status"] == "published"
    page = app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
    assert JUSTIFICATION in page and "Incorporado" in page and "✔" in page
    assert "#compromiso-5" in page
    api = app.test_client().get(f"/api/v1/consultations/{setup['slug']}/contributions")
    item = next(c for c in api.get_json()["contributions"] if c["tracking_code"] == code)
    assert item["response"]["outcome"] == "incorporated"
    assert item["response"]["incorporated_in"] == [5] and item["response"]["version"] == 1
    messages = outbox(setup["authors"][0].email)
    answered = [m for m in messages if code in m.subject and "respuesta" in m.subject]
    assert len(answered) == 1 and JUSTIFICATION in answered[0].body
    # "Mis aportes" shows it.
    author = app.test_client()
    login(author, setup["authors"][0])
    assert "Incorporado" in author.get("/my/contributions").get_data(as_text=True)


@pytest.mark.parametrize("changes,expected", [
    ({"justification": ""}, "Explica"),
    ({"justification": "Corto."}, "dos oraciones"),
    ({"commitments": []}, "compromiso"),
    ({"outcome": "referred", "commitments": []}, "entidad"),
    ({"outcome": "inventado"}, "inválida"),
])
def test_incomplete_responses_are_refused_with_a_message(app, setup, secretariat, changes,
                                                          expected):
    code = setup["codes"][0]
    response = secretariat.post_form(f"/feedback/contributions/{code}",
                                     incorporated(setup, **changes))
    assert response.status_code == 200
    assert expected in response.get_data(as_text=True)
    assert response_of(app, code) is None


def test_four_eyes_the_author_cannot_approve_their_own_response(app, setup, secretariat,
                                                                create_user):
    with app.app_context():
        db.session.scalar(select(Consultation)).requires_review = True
        db.session.commit()
    code = setup["codes"][0]
    secretariat.post_form(f"/feedback/contributions/{code}", incorporated(setup))
    response_id = response_of(app, code)["id"]
    secretariat.post_form(f"/feedback/responses/{response_id}/approve")
    secretariat.post_form(f"/feedback/responses/{response_id}/publish")
    assert response_of(app, code)["status"] == "draft"
    colleague = app.test_client()
    login(colleague, create_user(roles=("secretariat",)))
    colleague.post_form(f"/feedback/responses/{response_id}/approve")
    assert response_of(app, code)["status"] == "approved"
    secretariat.post_form(f"/feedback/responses/{response_id}/publish")
    assert response_of(app, code)["status"] == "published"


def test_participants_cannot_write_or_publish_responses(app, setup, create_user):
    client = app.test_client()
    login(client, create_user())
    code = setup["codes"][0]
    assert client.post_form(f"/feedback/contributions/{code}",
                            incorporated(setup)).status_code == 403
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("feedback."):
            continue
        url = (rule.rule.replace("<slug>", setup["slug"]).replace("<code>", code)
               .replace("<int:group_id>", "1").replace("<int:response_id>", "1")
               .replace("<action>", "publish").replace("<int:template_id>", "1"))
        for method in sorted(rule.methods & {"GET", "POST"}):
            result = client.get(url) if method == "GET" else client.post_form(url, {})
            assert result.status_code == 403, (method, url)
            checked += 1
    assert checked >= 10
    assert response_of(app, code) is None


def test_a_stale_form_gets_a_conflict_not_an_overwrite(app, setup, secretariat, create_user):
    code = setup["codes"][0]
    secretariat.post_form(f"/feedback/contributions/{code}", incorporated(setup))
    form = secretariat.get(f"/feedback/contributions/{code}").get_data(as_text=True)
    stale = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    colleague = app.test_client()
    login(colleague, create_user(roles=("secretariat",)))
    colleague.post_form(f"/feedback/contributions/{code}", incorporated(
        setup, justification="Texto de la colega. Con dos oraciones completas.",
        version=stale))
    response = secretariat.post_form(f"/feedback/contributions/{code}", incorporated(
        setup, justification="Texto viejo que pisaría. Con dos oraciones.", version=stale),
        follow_redirects=True)
    assert "Alguien más guardó" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Response.justification)).startswith("Texto de la colega")


def test_updates_after_publication_keep_earlier_versions(app, setup, secretariat, outbox):
    code = setup["codes"][0]
    secretariat.post_form(f"/feedback/contributions/{code}",
                          {**incorporated(setup), "then": "publish"})
    assert response_of(app, code)["status"] == "published"
    form = secretariat.get(f"/feedback/contributions/{code}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    secretariat.post_form(f"/feedback/contributions/{code}", {
        "outcome": "already_covered", "justification": "El borrador ya lo considera. Las "
        "acciones del compromiso 5 atienden el problema planteado.",
        "version": version})
    # Until published, the public still sees version 1.
    page = app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
    assert JUSTIFICATION in page and "Ya considerado" not in page
    response_id = response_of(app, code)["id"]
    secretariat.post_form(f"/feedback/responses/{response_id}/publish")
    page = app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
    assert "Ya considerado en el borrador" in page and "Actualizado el" in page
    assert JUSTIFICATION in page  # the earlier version stays readable
    versions = response_of(app, code)["versions"]
    assert [v[:2] for v in versions] == [(1, "incorporated"), (2, "already_covered")]
    assert versions[0][2] == JUSTIFICATION  # never overwritten
    assert sum("actualizó" in m.subject for m in outbox(setup["authors"][0].email)) == 1
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == "responses")))
        assert actions.count("response.saved") == 2 and actions.count(
            "response.published") == 2


def test_group_responses_reach_every_member(app, setup, secretariat, create_user):
    moderator = app.test_client()
    login(moderator, create_user(roles=("moderator",)))
    first, second, third = setup["codes"]
    moderator.post_form(f"/moderation/{first}/group", {"with": [second],
                                                       "title": "Comentarios generales"})
    with app.app_context():
        group_id = db.session.scalar(select(ContributionGroup.id))
    secretariat.post_form(f"/feedback/groups/{group_id}", {
        "outcome": "not_incorporated", "justification": "No se incorporó por falta de "
        "presupuesto. Se considerará en el próximo plan.", "then": "publish"})
    for code in (first, second):
        page = app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
        assert "No incorporado" in page, code
    # Adding a contribution to the answered group gives it the response...
    moderator.post_form(f"/moderation/{third}/group", {"group": group_id})
    assert "No incorporado" in app.test_client().get(f"/contributions/{third}").get_data(
        as_text=True)
    # ...and taking it out leaves it without one, which coverage shows.
    moderator.post_form(f"/moderation/{third}/ungroup")
    assert "No incorporado" not in app.test_client().get(f"/contributions/{third}") \
        .get_data(as_text=True)
    page = secretariat.get(f"/consultations/{setup['slug']}/feedback").get_data(as_text=True)
    assert "2 de 3" in page and third in page


def test_bulk_publish_is_all_or_nothing(app, setup, secretariat):
    first, second, _third = setup["codes"]
    for code in (first, second):
        secretariat.post_form(f"/feedback/contributions/{code}", incorporated(setup))
    with app.app_context():
        ids = [str(i) for i in db.session.scalars(select(Response.id))]
        # One of them became invalid meanwhile (its commitment list emptied by hand).
        broken = db.session.scalar(select(Response).where(Response.id == int(ids[1])))
        broken.commitments = []
        db.session.commit()
    secretariat.post_form(f"/consultations/{setup['slug']}/feedback/bulk",
                          {"selected": ids, "action": "publish"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ResponseVersion)) == 0
    secretariat.post_form(f"/consultations/{setup['slug']}/feedback/bulk",
                          {"selected": ids[:1], "action": "publish"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ResponseVersion)) == 1


def test_coverage_reaches_100_percent(app, setup, secretariat):
    for code in setup["codes"]:
        secretariat.post_form(f"/feedback/contributions/{code}", {
            "outcome": "out_of_scope", "justification": "No corresponde al plan de gobierno "
            "abierto. Se sugiere canalizarlo por la vía correspondiente.",
            "then": "publish"})
    page = secretariat.get(f"/consultations/{setup['slug']}/feedback").get_data(as_text=True)
    assert "3 de 3" in page and "(100\xa0%)" in page


def test_offline_authors_with_an_email_are_told_too(app, setup, secretariat, outbox):
    code = setup["codes"][2]
    secretariat.post_form(f"/feedback/contributions/{code}", {
        "outcome": "referred", "justification": "El tema corresponde al gobierno regional. "
        "La secretaría técnica derivó el aporte.", "referred_to": "Gobierno Regional",
        "then": "publish"})
    [message] = outbox("comunidad@example.pe")
    assert code in message.subject and "Gobierno Regional" in message.body


def test_responses_wait_in_the_outbox_when_the_mail_server_is_down(app, setup, secretariat,
                                                                   outbox):
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS",
                                        "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False,
                      MAIL_TIMEOUT=2)
    try:
        code = setup["codes"][0]
        response = secretariat.post_form(f"/feedback/contributions/{code}",
                                         {**incorporated(setup), "then": "publish"})
        assert response.status_code == 302
        assert response_of(app, code)["status"] == "published"  # publishing did not fail
        [message] = [m for m in outbox(setup["authors"][0].email) if code in m.subject
                     and "respuesta" in m.subject]
        assert message.status == "failed"
    finally:
        app.config.update(saved)


def test_outcome_filter_on_the_public_list(app, setup, secretariat):
    first, second, _ = setup["codes"]
    secretariat.post_form(f"/feedback/contributions/{first}",
                          {**incorporated(setup), "then": "publish"})
    secretariat.post_form(f"/feedback/contributions/{second}", incorporated(setup))  # draft
    page = app.test_client().get(
        f"/consultations/{setup['slug']}/contributions?outcome=incorporated")
    text = page.get_data(as_text=True)
    assert first in text and second not in text


def test_answer_templates_fill_a_response(app, setup, secretariat):
    secretariat.post_form(f"/consultations/{setup['slug']}/feedback/templates", {
        "title": "Fuera de alcance", "outcome": "out_of_scope",
        "justification": "Texto de la plantilla. Con dos oraciones."})
    with app.app_context():
        from consulta.feedback.models import AnswerTemplate

        template_id = db.session.scalar(select(AnswerTemplate.id))
    page = secretariat.get(f"/feedback/contributions/{setup['codes'][0]}?template="
                           f"{template_id}").get_data(as_text=True)
    assert "Texto de la plantilla. Con dos oraciones." in page
    assert '<option selected value="out_of_scope">' in page or \
        'value="out_of_scope" selected' in page


def _xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, slug, content):
    return client.post_form(f"/consultations/{slug}/feedback/import",
                            {"file": (BytesIO(content), "matriz.xlsx")},
                            content_type="multipart/form-data")


def test_the_matrix_round_trips_through_a_spreadsheet(app, setup, secretariat):
    exported = secretariat.get(f"/consultations/{setup['slug']}/feedback/matrix.xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(BytesIO(exported.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    headers = rows[0]
    assert headers[0] == "Código" and "Justificación" in headers
    outcome_col, justification_col = headers.index("Resultado"), headers.index("Justificación")
    incorporated_col = headers.index("Incorporado en (números de compromiso)")
    rows[1][outcome_col] = "Incorporado"
    rows[1][justification_col] = JUSTIFICATION
    rows[1][incorporated_col] = 5
    rows[2][outcome_col] = "no incorporado"
    rows[2][justification_col] = "No se incorporó por falta de presupuesto. Se verá luego."
    response = upload(secretariat, setup["slug"], _xlsx(rows))
    assert response.status_code == 302
    assert response_of(app, setup["codes"][0])["status"] == "draft"  # never published
    assert response_of(app, setup["codes"][1])["status"] == "draft"
    assert response_of(app, setup["codes"][2]) is None
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "responses.imported")).after == {"responses": 2}


def test_an_import_with_any_bad_row_changes_nothing_and_reports_each_row(app, setup,
                                                                        secretariat,
                                                                        create_consultation):
    header = ["Código", "Resultado", "Justificación", "Incorporado en (números de compromiso)",
              "Derivado a"]
    good = [setup["codes"][0], "Incorporado", JUSTIFICATION, "5", ""]
    rows = [header, good,
            ["APO-1999-999999", "Incorporado", JUSTIFICATION, "5", ""],
            [setup["codes"][1], "Quizás", JUSTIFICATION, "", ""],
            [setup["codes"][2], "No incorporado", "", "", ""],
            [setup["codes"][1], "Incorporado", JUSTIFICATION, "99", ""]]
    response = upload(secretariat, setup["slug"], _xlsx(rows))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for row in (3, 4, 5, 6):
        assert f"Fila {row}:" in page
    assert "APO-1999-999999" in page and "Quizás" in page and "99" in page
    assert response_of(app, setup["codes"][0]) is None  # the good row was not applied
    assert upload(secretariat, setup["slug"], b"not a spreadsheet").status_code == 400


def test_spreadsheet_cells_never_become_formulas(app, setup, create_user):
    client = app.test_client()
    login(client, create_user())
    client.post_form(f"/consultations/{setup['slug']}/comments/new", {
        "target": "plan", "body": '=HYPERLINK("http://x","y")', "send": "1"})
    secretariat = app.test_client()
    login(secretariat, create_user(roles=("secretariat",)))
    exported = secretariat.get(f"/consultations/{setup['slug']}/feedback/matrix.xlsx")
    sheet = load_workbook(BytesIO(exported.data)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in
             str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)


def test_reimporting_the_exported_matrix_keeps_published_answers(app, setup, secretariat):
    code = setup["codes"][0]
    secretariat.post_form(f"/feedback/contributions/{code}",
                          {**incorporated(setup), "then": "publish"})
    exported = secretariat.get(f"/consultations/{setup['slug']}/feedback/matrix.xlsx").data
    assert upload(secretariat, setup["slug"], exported).status_code == 302
    assert response_of(app, code)["status"] == "published"
    assert len(response_of(app, code)["versions"]) == 1


def test_group_answers_are_exported_and_a_members_draft_does_not_hide_them(
        app, setup, secretariat, create_user):
    moderator = app.test_client()
    login(moderator, create_user(roles=("moderator",)))
    first, second, _ = setup["codes"]
    moderator.post_form(f"/moderation/{first}/group", {"with": [second], "title": "G"})
    with app.app_context():
        group_id = db.session.scalar(select(ContributionGroup.id))
    secretariat.post_form(f"/feedback/groups/{group_id}", {
        "outcome": "not_incorporated", "justification": "No se incorporó por falta de "
        "presupuesto. Se considerará en el próximo plan.", "then": "publish"})
    sheet = load_workbook(BytesIO(secretariat.get(
        f"/consultations/{setup['slug']}/feedback/matrix.xlsx").data)).active
    rows = {r[0]: r for r in sheet.iter_rows(values_only=True)}
    assert rows[first][12] == "No incorporado" and rows[second][12] == "No incorporado"
    # A draft of its own on one member does not hide the group's published answer.
    secretariat.post_form(f"/feedback/contributions/{first}", incorporated(setup))
    page = app.test_client().get(f"/contributions/{first}").get_data(as_text=True)
    assert "No incorporado" in page
    dashboard = secretariat.get(f"/consultations/{setup['slug']}/feedback").get_data(
        as_text=True)
    assert "2 de 3" in dashboard


def test_two_people_writing_the_first_answer_get_a_conflict(app, setup, secretariat,
                                                            create_user):
    code = setup["codes"][0]
    colleague = app.test_client()
    login(colleague, create_user(roles=("secretariat",)))
    # Both opened the empty form; the colleague saves first.
    colleague.post_form(f"/feedback/contributions/{code}", incorporated(
        setup, justification="Primera respuesta de la colega. Con dos oraciones."))
    response = secretariat.post_form(f"/feedback/contributions/{code}", incorporated(setup),
                                     follow_redirects=True)
    assert "Alguien más guardó" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Response.justification)).startswith("Primera")


def test_import_refuses_formulas_and_over_long_cells(app, setup, secretariat):
    header = ["Código", "Resultado", "Justificación", "Incorporado en (números de compromiso)",
              "Derivado a"]
    rows = [header,
            [setup["codes"][0], "Derivado a otra entidad", JUSTIFICATION, "", "x" * 301],
            [setup["codes"][1], "No incorporado",
             '=CONCATENATE("No se incorporó. ","Falta presupuesto.")', "", ""]]
    response = upload(secretariat, setup["slug"], _xlsx(rows))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Fila 2:" in page and "Fila 3:" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_four_eyes_the_original_author_cannot_approve_after_a_colleagues_edit(
        app, setup, secretariat, create_user):
    with app.app_context():
        db.session.scalar(select(Consultation)).requires_review = True
        db.session.commit()
    code = setup["codes"][0]
    secretariat.post_form(f"/feedback/contributions/{code}", incorporated(setup))
    colleague = app.test_client()
    login(colleague, create_user(roles=("secretariat",)))
    form = colleague.get(f"/feedback/contributions/{code}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    colleague.post_form(f"/feedback/contributions/{code}", incorporated(
        setup, justification="Texto corregido por la colega. Con dos oraciones.",
        version=version))
    response_id = response_of(app, code)["id"]
    secretariat.post_form(f"/feedback/responses/{response_id}/approve")
    assert response_of(app, code)["status"] == "draft"
    third = app.test_client()
    login(third, create_user(roles=("secretariat",)))
    third.post_form(f"/feedback/responses/{response_id}/approve")
    assert response_of(app, code)["status"] == "approved"


def section(page, heading_id):
    """The HTML of the page's ``<section>`` labelled by ``heading_id``."""
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', page, re.S)
    assert match, heading_id
    return match.group(1)


def test_the_two_lists_of_the_dashboard_are_paged_apart(app, create_consultation,
                                                        create_contribution, create_response,
                                                        secretariat):
    slug = create_consultation(plan=iv_plan_json())
    codes = [create_contribution(slug, body=f"Comentario número {n}.") for n in range(22)]
    for code in codes[:2]:
        create_response(code, publish=False)  # drafts: in both lists
    url = f"/consultations/{slug}/feedback"

    page = secretariat.get(f"{url}?unanswered_page=2&status=draft").get_data(as_text=True)
    unanswered, responses = section(page, "h-unanswered"), section(page, "h-responses")
    assert codes[20] in unanswered and codes[21] in unanswered and codes[0] not in unanswered
    assert codes[0] in responses and codes[1] in responses  # not emptied by the other's page
    # Each list's links keep the other list's page and the filter.
    assert f'href="{url}?status=draft&amp;unanswered_page=1#h-unanswered"' in unanswered
    assert f'href="{url}?status=draft&amp;unanswered_page=2#h-responses"' in responses
    assert 'name="unanswered_page" value="2"' in responses  # the bulk form comes back here

    page = secretariat.get(f"{url}?responses_page=2").get_data(as_text=True)
    assert codes[0] in section(page, "h-unanswered")  # page 1 of the unanswered
    assert codes[0] not in section(page, "h-responses")
    first = secretariat.get(url).get_data(as_text=True)
    assert f'href="{url}?unanswered_page=2#h-unanswered"' in section(first, "h-unanswered")
    for bad in ("abc", "-3", "0", "99999999999999999999"):
        answer = secretariat.get(f"{url}?unanswered_page={bad}&responses_page={bad}")
        assert answer.status_code == 200
        assert codes[0] in section(answer.get_data(as_text=True), "h-unanswered")


def test_bulk_actions_come_back_to_the_pages_they_were_sent_from(app, setup, secretariat):
    code = setup["codes"][0]
    secretariat.post_form(f"/feedback/contributions/{code}", incorporated(setup))
    with app.app_context():
        response_id = db.session.scalar(select(Response.id))
    answer = secretariat.post_form(f"/consultations/{setup['slug']}/feedback/bulk", {
        "selected": [str(response_id)], "action": "submit", "status": "draft",
        "unanswered_page": "3", "responses_page": "x"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(
        f"/consultations/{setup['slug']}/feedback?status=draft&unanswered_page=3")


def test_after_plan_version_2_the_form_still_ticks_where_it_was_incorporated(
        app, setup, secretariat):
    from consulta.accounts.models import User
    from consulta.consultations import operations as plan

    code = setup["codes"][0]
    secretariat.post_form(f"/feedback/contributions/{code}",
                          {**incorporated(setup), "then": "publish"})
    with app.test_request_context():
        consultation = db.session.scalar(select(Consultation))
        actor = db.session.scalar(select(User).where(User.roles.any()))
        plan.ensure_draft_version(consultation, actor=actor)
        plan.publish_plan_version(consultation, actor=actor)
        db.session.commit()
        five_now = next(c.id for c in consultation.published_plan.commitments
                        if c.number == 5)
    assert five_now != setup["five"]

    page = secretariat.get(f"/feedback/contributions/{code}").get_data(as_text=True)
    [ticked] = re.findall(r'<input checked [^>]*name="commitments"[^>]*value="(\d+)"', page)
    assert int(ticked) == five_now


def test_bulk_actions_echo_only_allowed_values_into_the_address(app, setup, secretariat):
    answer = secretariat.post_form(f"/consultations/{setup['slug']}/feedback/bulk", {
        "action": "submit", "status": "x" * 70_000, "unanswered_page": "9" * 40,
        "responses_page": "2"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(
        f"/consultations/{setup['slug']}/feedback?responses_page=2")


def test_the_matrix_pages_every_listed_contribution_filtered_or_not(
        app, create_consultation, create_contribution, create_user, secretariat):
    """Without a filter its total comes from the tallies kept by triggers; with one it is
    counted. Either way the last page holds the last rows (withdrawn ones left out)."""
    slug = create_consultation(plan=iv_plan_json())
    author = create_user()
    codes = [create_contribution(slug, author=author, kind="proposal")]
    codes += [create_contribution(slug, author=author) for _ in range(50)]
    withdrawn = create_contribution(slug, author=author)
    with app.app_context():
        item = db.session.scalar(select(Contribution).where(
            Contribution.tracking_code == withdrawn))
        item.withdrawn_at = item.received_at
        db.session.commit()

    first = secretariat.get(f"/consultations/{slug}/matrix").get_data(as_text=True)
    second = secretariat.get(f"/consultations/{slug}/matrix?page=2").get_data(as_text=True)
    comments = secretariat.get(f"/consultations/{slug}/matrix?kind=comment") \
        .get_data(as_text=True)

    assert "Página 1 de 2" in first and withdrawn not in first
    assert codes[0] in second and withdrawn not in second  # the oldest, on the last page
    assert "Página 1 de" not in comments and codes[0] not in comments  # 50: one page
