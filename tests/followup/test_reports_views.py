"""The follow-up's staff pages through HTTP: the set-up page and its forms, a reporter's
"my commitments" and report form, review and publication, who may do what (403, and
nothing changes), and query counts."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from consulta.core.dates import local_today
from consulta.extensions import db
from consulta.followup.models import (
    CommitmentReporter,
    Indicator,
    Milestone,
    ProgressReport,
    ReportEvidence,
)

from ..conftest import login
from .conftest import PDF, PNG, milestones, reports


def today(app):
    with app.app_context():
        return local_today()


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_secretariat_sets_the_follow_up_up_through_the_forms(
        app, client, followed, secretariat, create_user):
    slug, (first, second) = followed["slug"], (followed["commitments"][1],
                                               followed["commitments"][2])
    person = create_user(email="responsable@minsa.gob.pe")
    login(client, secretariat)
    base = f"/consultations/{slug}/follow-up/manage"
    index = page(client, base)
    assert "Configurar el seguimiento" in index
    assert "0 de 2 compromisos tienen sus hitos e indicadores" in index
    assert f'href="{base}/commitments/{first}"' in index
    assert f'href="{base}/commitments/{second}"' in index
    first_page, second_page = f"{base}/commitments/{first}", f"{base}/commitments/{second}"
    html = page(client, first_page)
    assert "Compromiso 1: Observatorio de precios de medicamentos" in html
    assert "Crear los hitos a partir de las acciones" in html
    assert "Quejas ciudadanas" not in html  # one commitment per page

    seeded = client.post_form(f"{base}/commitments/{first}/seed")
    assert seeded.status_code == 302
    assert seeded.headers["Location"] == f"{first_page}#milestones"
    added = client.post_form(f"{base}/commitments/{second}/milestones", {
        "description": "Lanzar el formulario de quejas", "starts": "2027-01",
        "due": "2027-06"})
    assert added.headers["Location"] == f"{second_page}#milestones"
    assert "Se guardó el hito." in page(client, second_page)  # the flash message is kept
    refused = client.post_form(f"{base}/commitments/{second}/milestones", {
        "description": "Otro", "starts": "2027-13", "due": ""})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Use the form YYYY-MM" not in text
    assert "AAAA-MM" in text
    # Back on the commitment's page: the error next to its field, what was typed kept.
    assert "Compromiso 2: Quejas ciudadanas en línea" in text
    assert 'id="starts-error"' in text and 'value="2027-13"' in text and "Otro</textarea>" in text
    assert "<details open>" in text
    assert client.post_form(f"{base}/commitments/{first}/indicators", {
        "name": "Entidades que publican", "baseline": "1.000", "target": "2.500,5",
        "unit": "entidades", "source": "Portal"}).headers["Location"] == \
        f"{first_page}#indicators"
    wrong = client.post_form(f"{base}/commitments/{first}/indicators", {
        "name": "Malo", "baseline": "cero"})
    text = wrong.get_data(as_text=True)
    assert "Línea de base: «cero» no es un número" in text
    assert 'value="Malo"' in text and 'value="cero"' in text
    unknown = client.post_form(f"{base}/commitments/{first}/reporters", {
        "email": "nadie@minsa.gob.pe"}).get_data(as_text=True)
    assert 'id="email-error"' in unknown and 'value="nadie@minsa.gob.pe"' in unknown
    assert client.post_form(f"{base}/commitments/{first}/reporters", {
        "email": "responsable@minsa.gob.pe"}).headers["Location"] == f"{first_page}#reporters"
    html = page(client, first_page)
    assert "Diseñar el observatorio" in html and "Lanzar el formulario de quejas" not in html
    assert "2.500,5" in html and "responsable@minsa.gob.pe" in html
    assert "Lanzar el formulario de quejas" in page(client, second_page)
    index = page(client, base)
    assert "1 de 2 compromisos tienen sus hitos e indicadores" in index
    with app.app_context():
        assert len(milestones(first)) == 2 and len(milestones(second)) == 1
        indicator = db.session.scalar(select(Indicator))
        assert (indicator.name, str(indicator.target)) == ("Entidades que publican",
                                                          "2500.5000")
        assert db.session.scalar(select(CommitmentReporter.user_id)) == person.id
        indicator_id = indicator.id
        second_milestone = milestones(first)[1].id
    edit = page(client, f"{base}/indicators/{indicator_id}")
    assert 'value="2500,5"' in edit and 'value="1000"' in edit
    assert f'href="{first_page}"' in edit
    moved = client.post_form(f"{base}/milestones/{second_milestone}/move", {"direction": "up"})
    assert moved.headers["Location"] == f"{first_page}#milestones"
    with app.app_context():
        assert milestones(first)[0].id == second_milestone


def test_the_set_up_index_counts_each_commitments_milestones_indicators_and_reporters(
        app, client, followed, secretariat, seed, make_reporter):
    slug, first = followed["slug"], followed["commitments"][1]
    seed(followed)
    make_reporter(first)
    login(client, secretariat)
    html = page(client, f"/consultations/{slug}/follow-up/manage")
    rows = dict(re.findall(r'<tr id="compromiso-(\d+)">(.*?)</tr>', html, re.S))
    # Milestones, indicators and reporters of each commitment, after its number and title.
    cells = {number: re.findall(r'<td data-label="[^"]+">(\d+)</td>', row)
             for number, row in rows.items()}
    assert cells == {"1": ["2", "1", "1"], "2": ["0", "0", "0"]}
    assert rows["1"].startswith("\n    <td>1. <a")
    assert "Completo" in rows["1"] and "Incompleto" in rows["2"]
    assert "MINSA" in rows["1"] and "SUSALUD" in rows["2"]


def test_a_commitment_of_another_plan_has_no_set_up_page(app, client, make_followed,
                                                         secretariat):
    ours, theirs = make_followed(), make_followed()
    login(client, secretariat)
    other = theirs["commitments"][1]
    assert client.get(f"/consultations/{ours['slug']}/follow-up/manage/commitments/{other}"
                      ).status_code == 404
    assert client.get(f"/consultations/{ours['slug']}/follow-up/manage/commitments/99999"
                      ).status_code == 404


def test_only_the_secretariat_sets_the_follow_up_up(app, followed, secretariat, create_user,
                                                    make_reporter):
    slug, first = followed["slug"], followed["commitments"][1]
    reporter = make_reporter(first)
    anonymous = app.test_client()
    assert anonymous.get(f"/consultations/{slug}/follow-up/manage").status_code == 302
    assert anonymous.get(f"/consultations/{slug}/follow-up/manage/commitments/{first}"
                         ).status_code == 302
    for who in (reporter, create_user()):
        client = app.test_client()
        login(client, who)
        assert client.get(f"/consultations/{slug}/follow-up/manage").status_code == 403
        assert client.get(f"/consultations/{slug}/follow-up/manage/commitments/{first}"
                          ).status_code == 403
        assert client.post_form(f"/consultations/{slug}/follow-up/manage/commitments/{first}"
                                "/seed").status_code == 403
        assert client.post_form(f"/consultations/{slug}/follow-up/manage/commitments/{first}"
                                "/reporters", {"email": who.email}).status_code == 403
    with app.app_context():
        assert milestones(first) == []
        assert db.session.query(CommitmentReporter).count() == 1


def test_a_reporter_writes_a_report_and_the_secretariat_publishes_it(
        app, client, followed, secretariat, seed, make_reporter):
    slug, first = followed["slug"], followed["commitments"][1]
    seeded = seed(followed)
    ids = seeded["milestones"]
    reporter = make_reporter(first)
    login(client, reporter)
    mine = page(client, "/follow-up/my-commitments")
    assert "Observatorio de precios de medicamentos" in mine
    assert "Quejas ciudadanas" not in mine
    started = client.post_form(
        f"/consultations/{slug}/follow-up/manage/commitments/{first}/reports")
    assert started.status_code == 302
    url = started.headers["Location"]
    html = page(client, url)
    assert "Reporte 1" in html and "Diseñar el observatorio" in html
    as_of = (today(app) - timedelta(days=1)).isoformat()
    refused = client.post_form(url, {"as_of": as_of, "narrative": "Avance",
                                     f"status-{ids[0]}": "delayed",
                                     f"percent-{ids[0]}": "150", f"reason-{ids[0]}": ""})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Hito 1: el porcentaje debe ser un número entero de 0 a 100" in text
    assert 'value="150"' in text  # what was typed stays in the form
    saved = client.post_form(url, {
        "as_of": as_of, "narrative": "Se diseñó <script>alert(1)</script> el **observatorio**.",
        f"status-{ids[0]}": "delayed", f"percent-{ids[0]}": "30",
        f"reason-{ids[0]}": "Falta presupuesto", f"status-{ids[1]}": "not_started",
        f"percent-{ids[1]}": "0", f"reason-{ids[1]}": "",
        f"value-{seeded['indicator']}": "12", f"note-{seeded['indicator']}": ""})
    assert saved.status_code == 302
    assert client.post_form(url + "/links", {"title": "Acta",
                                             "url": "https://example.pe/acta"}).status_code == 302
    uploaded = client.post(url + "/documents", data={
        "csrf_token": client.csrf_token(), "title": "Foto del taller",
        "file": (BytesIO(PNG), "foto.png")}, content_type="multipart/form-data")
    assert uploaded.status_code == 302
    assert client.post_form(url + "/submit").status_code == 302
    assert "El reporte está en revisión" in page(client, url)
    assert client.post_form(url + "/publish").status_code == 403  # a reporter does not

    reviewer = app.test_client()
    login(reviewer, secretariat)
    assert "Reporte 1" in page(reviewer, "/follow-up/my-commitments")
    published = reviewer.post_form(url + "/publish", follow_redirects=True)
    text = published.get_data(as_text=True)
    assert "Se publicó el reporte." in text
    assert "&lt;script&gt;" in text or "<script>alert" not in text
    assert "<strong>observatorio</strong>" in text
    with app.app_context():
        report = db.session.scalar(select(ProgressReport))
        assert report.state == "published" and report.narrative.startswith("Se diseñó")
        first_milestone = db.session.get(Milestone, ids[0])
        assert (first_milestone.current_status, first_milestone.current_percent) == (
            "delayed", 30)
    # Published: no edit route, nothing changes.
    assert client.post_form(url, {"as_of": as_of, "narrative": "Cambio"}).status_code == 404
    assert reviewer.post_form(url, {"as_of": as_of, "narrative": "Cambio"}).status_code == 404
    assert client.post_form(url + "/links", {"url": "https://example.pe/b"}).status_code == 302
    with app.app_context():
        report = db.session.scalar(select(ProgressReport))
        assert report.narrative.startswith("Se diseñó") and len(report.evidence) == 2


def test_a_reporter_of_another_commitment_gets_403_and_nothing_changes(
        app, followed, secretariat, seed, make_reporter, make_report):
    slug = followed["slug"]
    first, second = followed["commitments"][1], followed["commitments"][2]
    seed(followed)
    report_id = make_report(first, secretariat)
    other = make_reporter(second)
    client = app.test_client()
    login(client, other)
    url = f"/consultations/{slug}/follow-up/manage/reports/{report_id}"
    assert client.get(url).status_code == 403
    assert client.post_form(url, {"as_of": today(app).isoformat(),
                                  "narrative": "Intruso"}).status_code == 403
    assert client.post_form(url + "/links", {"url": "https://example.pe"}).status_code == 403
    assert client.post_form(url + "/submit").status_code == 403
    assert client.post_form(
        f"/consultations/{slug}/follow-up/manage/commitments/{first}/reports").status_code == 403
    with app.app_context():
        report = db.session.get(ProgressReport, report_id)
        assert (report.narrative, report.state, report.evidence) == ("Avance.", "draft", [])
        assert len(reports(first)) == 1
    # Its own commitment works, and an id of another consultation is 404.
    assert client.post_form(
        f"/consultations/{slug}/follow-up/manage/commitments/{second}/reports").status_code == 302
    assert client.get(f"/consultations/{slug}/follow-up/manage/reports/99999").status_code == 404


def test_the_secretariat_returns_a_report_with_a_note_the_reporter_reads(
        app, followed, secretariat, seed, make_reporter, make_report):
    slug, first = followed["slug"], followed["commitments"][1]
    seed(followed)
    reporter = make_reporter(first)
    report_id = make_report(first, reporter, submit=True)
    url = f"/consultations/{slug}/follow-up/manage/reports/{report_id}"
    reviewer = app.test_client()
    login(reviewer, secretariat)
    empty = reviewer.post_form(url + "/return", {"note": ""}, follow_redirects=True)
    assert "Indique qué debe corregirse." in empty.get_data(as_text=True)
    assert reviewer.post_form(url + "/return", {"note": "Falta el acta <b>firmada</b>."}
                              ).status_code == 302
    client = app.test_client()
    login(client, reporter)
    html = page(client, url)
    assert "La secretaría técnica devolvió este reporte" in html
    assert "Falta el acta &lt;b&gt;firmada&lt;/b&gt;." in html


def test_evidence_files_are_public_only_once_their_report_is_published(
        app, followed, secretariat, seed, make_reporter, create_user):
    slug, first = followed["slug"], followed["commitments"][1]
    seed(followed)
    reporter = make_reporter(first)
    client = app.test_client()
    login(client, reporter)
    url = client.post_form(
        f"/consultations/{slug}/follow-up/manage/commitments/{first}/reports").headers["Location"]
    client.post(url + "/documents", data={"csrf_token": client.csrf_token(), "title": "",
                                          "file": (BytesIO(PDF), "../../acta final.pdf")},
                content_type="multipart/form-data")
    with app.app_context():
        document = db.session.scalar(select(ReportEvidence)).document
        link = f"/documents/{document.id}/{document.filename}"
        assert document.filename == "acta final.pdf"
    anonymous, stranger = app.test_client(), app.test_client()
    login(stranger, create_user())
    assert anonymous.get(link).status_code == 404
    assert stranger.get(link).status_code == 404
    own = client.get(link)
    assert own.status_code == 200 and own.data == PDF
    assert own.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/documents/{document.id}/otro.pdf").status_code == 404

    client.post_form(url + "/submit")
    reviewer = app.test_client()
    login(reviewer, secretariat)
    reviewer.post_form(url + "/publish")
    public = anonymous.get(link)
    assert public.status_code == 200 and public.data == PDF
    assert public.mimetype == "application/pdf"
    assert public.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in public.headers["Content-Security-Policy"]
    assert "acta final.pdf" in public.headers["Content-Disposition"].replace("%20", " ")


def test_evidence_removed_through_the_form_takes_its_file_along(
        app, followed, secretariat, seed, make_reporter):
    from consulta.followup.models import Document, DocumentBlob

    slug, first = followed["slug"], followed["commitments"][1]
    seed(followed)
    client = app.test_client()
    login(client, make_reporter(first))
    url = client.post_form(
        f"/consultations/{slug}/follow-up/manage/commitments/{first}/reports").headers["Location"]
    client.post(url + "/documents", data={"csrf_token": client.csrf_token(), "title": "",
                                          "file": (BytesIO(PDF), "acta.pdf")},
                content_type="multipart/form-data")
    with app.app_context():
        evidence = db.session.scalar(select(ReportEvidence))
        evidence_id, document_id = evidence.id, evidence.document_id
        link = f"/documents/{document_id}/acta.pdf"
    assert client.get(link).status_code == 200
    response = client.post_form(f"{url}/evidence/{evidence_id}/delete", follow_redirects=True)
    assert "Se retiró la evidencia." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ReportEvidence, evidence_id) is None
        assert db.session.get(Document, document_id) is None
        assert db.session.get(DocumentBlob, document_id) is None
    assert client.get(link).status_code == 404


def test_a_wrong_upload_through_the_form_says_why_in_spanish(
        app, client, followed, secretariat, seed):
    slug, first = followed["slug"], followed["commitments"][1]
    seed(followed)
    login(client, secretariat)
    url = client.post_form(
        f"/consultations/{slug}/follow-up/manage/commitments/{first}/reports").headers["Location"]
    response = client.post(url + "/documents", data={
        "csrf_token": client.csrf_token(), "title": "",
        "file": (BytesIO(b"<svg onload=alert(1)></svg>"), "acta.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Solo se pueden subir documentos PDF e imágenes PNG, JPEG o WebP" in \
        response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(ReportEvidence).count() == 0


def test_forms_without_a_csrf_token_change_nothing(app, client, followed, secretariat):
    slug, first = followed["slug"], followed["commitments"][1]
    login(client, secretariat)
    client.post(f"/consultations/{slug}/follow-up/manage/commitments/{first}/seed")
    client.post(f"/consultations/{slug}/follow-up/manage/commitments/{first}/reports")
    with app.app_context():
        assert milestones(first) == [] and reports(first) == []


@pytest.fixture
def report_world(app, followed, secretariat, seed, make_reporter, make_report, create_user):
    """The follow-up with more of everything after ``grow()``."""
    slug = followed["slug"]
    seed(followed)
    reporter = make_reporter(followed["commitments"][1])
    make_report(followed["commitments"][1], secretariat, publish_by=secretariat)
    report_id = make_report(followed["commitments"][1], reporter)

    def grow():
        from consulta.consultations.models import Commitment
        from consulta.followup import operations

        from .conftest import user

        emails = [create_user().email for _ in range(6)]
        with app.test_request_context():
            for number in (1, 2):
                target = db.session.get(Commitment, followed["commitments"][number])
                for n in range(3):
                    operations.save_milestone(target, actor=user(secretariat),
                                              description=f"Hito extra {n}")
                    operations.save_indicator(target, actor=user(secretariat),
                                              name=f"Indicador {n}", baseline="1",
                                              target="2")
                    operations.add_reporter(target, actor=user(secretariat),
                                            email=emails.pop())
            report = db.session.get(ProgressReport, report_id)
            for n in range(3):
                operations.add_link(report, actor=user(secretariat), title=f"Enlace {n}",
                                    url=f"https://example.pe/{n}")
            db.session.commit()
            db.session.remove()

    return {"slug": slug, "report": report_id, "grow": grow, "reporter": reporter}


def test_the_set_up_page_and_the_report_form_stay_within_twelve_statements(
        app, report_world, secretariat):
    from ..test_query_counts import MAX_QUERIES, _statements

    clients = {"secretariat": app.test_client(), "reporter": app.test_client()}
    login(clients["secretariat"], secretariat)
    login(clients["reporter"], report_world["reporter"])
    slug = report_world["slug"]
    report = f"/consultations/{slug}/follow-up/manage/reports/{report_world['report']}"
    pages = [("secretariat", f"/consultations/{slug}/follow-up/manage"),
             ("secretariat", report), ("reporter", report),
             ("secretariat", "/follow-up/my-commitments"),
             ("reporter", "/follow-up/my-commitments")]
    before = {page: len(_statements(app, clients[page[0]], page[1])) for page in pages}
    report_world["grow"]()
    after = {page: len(_statements(app, clients[page[0]], page[1])) for page in pages}
    assert {page: n for page, n in after.items() if n > MAX_QUERIES} == {}
    assert after == before, (before, after)


def test_the_consultations_audit_log_reads_the_follow_up(app, followed, secretariat, seed,
                                                         make_report):
    ids = seed(followed)["milestones"]
    make_report(followed["commitments"][1], secretariat, publish_by=secretariat,
                milestones={ids[0]: {"status": "delayed", "percent": "10",
                                     "reason": "Falta presupuesto"}})
    client = app.test_client()
    login(client, secretariat)
    html = page(client, f"/consultations/{followed['slug']}/moderation/audit")
    for label in ("Hitos creados a partir de las acciones", "Indicador guardado",
                  "Reporte de avance iniciado", "Reporte de avance enviado a revisión",
                  "Reporte de avance publicado"):
        assert label in html
    assert "delayed 10%" in html


def test_an_indicator_posted_without_its_numbers_keeps_them(app, client, followed,
                                                            secretariat, seed):
    indicator_id = seed(followed)["indicator"]
    login(client, secretariat)
    url = f"/consultations/{followed['slug']}/follow-up/manage/indicators/{indicator_id}"
    assert client.post_form(url, {"name": "Entidades"}).status_code == 302
    with app.app_context():
        indicator = db.session.get(Indicator, indicator_id)
        assert (indicator.name, str(indicator.target)) == ("Entidades", "1234.5000")


def test_an_entitys_secretariat_sees_the_reports_of_its_own_consultations_to_review(
        app, make_followed, secretariat, make_report, create_user, create_entity):
    from consulta.accounts.entities import entity_by_slug
    from consulta.consultations.models import Consultation

    ours, theirs = make_followed(), make_followed()
    other_entity = create_entity(name="Gobierno Regional de Cusco", level="regional")
    with app.app_context():
        db.session.scalar(select(Consultation).where(Consultation.slug == theirs["slug"])) \
            .entity_id = entity_by_slug(other_entity).id
        our_entity = db.session.scalar(select(Consultation).where(
            Consultation.slug == ours["slug"])).entity.slug
        db.session.commit()
    our_report = make_report(ours["commitments"][1], secretariat, submit=True)
    their_report = make_report(theirs["commitments"][2], secretariat, submit=True)

    def listed(roles):
        client = app.test_client()
        login(client, create_user(roles=roles))
        html = page(client, "/follow-up/my-commitments")
        return {report_id for report_id in (our_report, their_report)
                if f"/follow-up/manage/reports/{report_id}\"" in html}

    assert listed((("secretariat", our_entity),)) == {our_report}
    assert listed((("secretariat", other_entity),)) == {their_report}
    assert listed(("secretariat",)) == {our_report, their_report}
    assert listed((("moderator", our_entity),)) == set()
