"""Self-assessments: published by the secretariat from the published reports, frozen,
sealed with the summary's digest, public as a page, a PDF and open data (JSON, CSV)."""

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from consulta.accounts.models import User
from consulta.core.operations import OperationError
from consulta.extensions import db
from consulta.finalplan.queries import published_final_plan
from consulta.followup import assessment as assessments
from consulta.followup.models import Milestone, SelfAssessment, SelfAssessmentRow
from consulta.summary.digest import row_digest

from ..conftest import login
from ..pdf import pdf_text
from .public_world import build_plan_world, consultation_of, report


@pytest.fixture
def plan_world(app, create_user, create_consultation):
    return build_plan_world(app, create_user, create_consultation)

MANAGE = "/consultations/{slug}/follow-up/self-assessments/publish"


def publish(client, world, kind="mid_term", introduction="Balance a *medio término*."):
    return client.post_form(MANAGE.format(slug=world.slug),
                            {"kind": kind, "introduction": introduction})


def count():
    return db.session.scalar(select(func.count(SelfAssessment.id)))


def test_the_secretariat_publishes_a_self_assessment_and_everyone_reads_it(
        app, client, plan_world):
    login(client, plan_world.secretariat)
    preview = client.get(MANAGE.format(slug=plan_world.slug))
    assert preview.status_code == 200
    assert "Vista previa: lo que se publicaría ahora" in preview.get_data(as_text=True)
    response = publish(client, plan_world)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/follow-up/self-assessments/mid-term")
    anonymous = app.test_client()
    base = f"/consultations/{plan_world.slug}/follow-up/self-assessments"
    html = anonymous.get(f"{base}/mid-term").get_data(as_text=True)
    assert "Autoevaluación de medio término" in html
    assert "<em>medio término</em>" in html
    assert "Becas con datos abiertos" in html and "Vencido" in html
    with app.app_context():
        item = db.session.scalar(select(SelfAssessment))
        assert item.kind == "mid_term" and item.row_count == 5
        assert item.digest in html
        assert assessments.recompute_digest(item) == item.digest
        rows = {r.data["number"]: r.data for r in db.session.scalars(
            select(SelfAssessmentRow).order_by(SelfAssessmentRow.position))}
        assert {n: (r["status"], r["progress"]) for n, r in rows.items()} == {
            1: ("completed", 100), 2: ("in_progress", 40), 3: ("delayed", 50),
            4: ("not_started", 0), 5: ("cancelled", 0)}
        assert rows[2]["indicators"][0]["latest"] == 42.5
        assert item.content["figures"]["overall"]["total"] == 5
        assert item.content["reports"] == 3  # published ones only
    listing = anonymous.get(base).get_data(as_text=True)
    assert f"{base}/mid-term" in listing and "todavía no publicada" in listing
    assert anonymous.get(f"{base}/end-of-term").status_code == 404


def test_its_open_data_lets_anyone_check_the_digest(app, client, plan_world):
    login(client, plan_world.secretariat)
    publish(client, plan_world)
    anonymous = app.test_client()
    base = f"/consultations/{plan_world.slug}/follow-up/self-assessments/mid-term"
    data = anonymous.get(f"{base}.json").get_json()
    from consulta.summary.digest import digest_of

    recomputed = digest_of(data["content"], (row_digest(seal["salt"], row) for row, seal in
                                             zip(data["rows"], data["row_digests"],
                                                 strict=True)))
    assert recomputed == data["digest_sha256"]
    text = anonymous.get(f"{base}.csv").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[0][:6] == ["number", "title", "component", "responsible", "status",
                            "progress"]
    assert lines[3][:6] == ["3", "Becas con datos abiertos", "Educación", "PRONABEC",
                            "delayed", "50"]
    pdf = anonymous.get(f"{base}.pdf?lang=en")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    words = pdf_text(pdf.data)
    assert data["digest_sha256"] in words.replace(" ", "")
    assert "Mid-term self-assessment" in words and "Observatorio de precios" in words


def test_a_self_assessment_never_changes_once_published(app, client, plan_world):
    login(client, plan_world.secretariat)
    publish(client, plan_world)
    with app.app_context():
        before = db.session.scalar(select(SelfAssessment))
        digest = before.digest
        # A later report changes the commitments, not the published self-assessment.
        for milestone in db.session.scalars(select(Milestone)):
            milestone.current_status, milestone.current_percent = "completed", 100
        report(plan_world.commitments[3], 2, as_of=date(2026, 9, 30))
        db.session.commit()
        item = db.session.scalar(select(SelfAssessment))
        assert item.digest == digest and assessments.recompute_digest(item) == digest
        with pytest.raises(RuntimeError):
            item.digest = "0" * 64
            db.session.flush()
        db.session.rollback()
    html = app.test_client().get(f"/consultations/{plan_world.slug}/follow-up/"
                                 "self-assessments/mid-term").get_data(as_text=True)
    assert "Retrasado" in html


def test_a_second_self_assessment_of_the_same_kind_is_refused(app, client, plan_world):
    login(client, plan_world.secretariat)
    publish(client, plan_world)
    refused = publish(client, plan_world, introduction="Otra vez.")
    assert refused.status_code == 200
    assert ("La autoevaluación de medio término ya fue publicada; no cambia nunca."
            in refused.get_data(as_text=True))
    with app.app_context():
        assert count() == 1
        assert db.session.scalar(select(func.count(SelfAssessmentRow.id))) == 5
    assert publish(client, plan_world, kind="end_of_term").status_code == 302
    with app.app_context():
        assert count() == 2


def test_publishing_without_a_published_report_is_refused(app, client, create_user,
                                                          create_consultation):
    world = build_plan_world(app, create_user, create_consultation, reports=False)
    login(client, world.secretariat)
    refused = publish(client, world)
    assert refused.status_code == 200
    assert ("Todavía no se ha publicado ningún reporte de avance: la autoevaluación se "
            "calcula a partir de los reportes publicados.") in refused.get_data(as_text=True)
    with app.app_context():
        assert count() == 0


@pytest.mark.parametrize(("kind", "message"), [("", "Este campo es obligatorio."),
                                             ("annual", "Opción inválida."),
                                             ("<b>", "Opción inválida.")])
def test_an_unknown_kind_is_refused(app, client, plan_world, kind, message):
    login(client, plan_world.secretariat)
    refused = publish(client, plan_world, kind=kind)
    assert refused.status_code == 200
    assert message in refused.get_data(as_text=True)
    with app.test_request_context():
        assert count() == 0
        final_plan = published_final_plan(consultation_of(plan_world.slug))
        with pytest.raises(OperationError, match="Elija la autoevaluación de medio término"):
            assessments.publish_assessment(final_plan, kind=kind,
                                           actor=db.session.get(User, plan_world.secretariat.id))
        assert count() == 0


def test_only_the_secretariat_publishes(app, client, plan_world, create_user):
    url = MANAGE.format(slug=plan_world.slug)
    assert client.get(url).status_code == 302  # to log in
    login(client, create_user())
    assert client.get(url).status_code == 403
    assert publish(client, plan_world).status_code == 403
    with app.app_context():
        assert count() == 0


def test_unknown_or_unpublished_kinds_are_not_found(client, plan_world):
    base = f"/consultations/{plan_world.slug}/follow-up/self-assessments"
    for path in ("mid-term", "mid-term.pdf", "mid-term.json", "mid-term.csv", "annual",
                 "1", "mid_term"):
        assert client.get(f"{base}/{path}").status_code == 404, path


def test_a_logged_in_reader_gets_the_pdf_in_their_own_language_from_the_cache(
        app, client, plan_world, create_user):
    """The PDF is kept for everyone, cookies or not, by language: the language of a
    reader's account chooses the entry, as it chooses the PDF."""
    from consulta.core.cache import clear

    login(client, plan_world.secretariat)
    publish(client, plan_world)
    pdf = f"/consultations/{plan_world.slug}/follow-up/self-assessments/mid-term.pdf"
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 30
    try:
        with app.app_context():
            clear()
        spanish = app.test_client().get(pdf)
        assert "de medio t" in pdf_text(spanish.data)
        assert "Mid-term self-assessment" not in pdf_text(spanish.data)
        reader = app.test_client()
        login(reader, create_user(locale="en"))
        english = reader.get(pdf)
        assert english.status_code == 200
        assert "Mid-term self-assessment" in pdf_text(english.data)
        assert client.get(pdf).data == spanish.data  # the secretariat, in Spanish
        assert reader.get(pdf).data == english.data
    finally:
        app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 0
        with app.app_context():
            clear()
