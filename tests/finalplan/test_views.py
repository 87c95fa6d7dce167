"""The final plan's pages, its preparation through the forms, the contribution page's
link, and its open data."""

import csv
import io

import jsonschema
from openpyxl import load_workbook
from sqlalchemy import select

from consulta.contributions.models import Contribution
from consulta.extensions import db
from consulta.feedback import operations as feedback_ops

from ..conftest import login
from .conftest import consultation_of, give_reasons, lineages, prepare, user


def publish_through_the_forms(client, app, finished, secretariat):
    slug = finished["slug"]
    login(client, secretariat)
    page = client.get(f"/consultations/{slug}/final-plan/manage")
    assert page.status_code == 200
    with app.app_context():
        version_2 = next(v.id for v in consultation_of(slug).plan_versions if v.number == 2)
    response = client.post_form(f"/consultations/{slug}/final-plan/manage", {
        "plan_version": str(version_2),
        "approval_reference": "Resolución Ministerial N.° 123-2026-PCM",
        "approved_on": "2026-11-30", "forum_endorsed_on": "2026-11-28",
        "forum_endorsement": "https://example.pe/acta.pdf", "note": "Plan aprobado."})
    assert response.status_code == 302
    with app.app_context():
        draft, final = lineages(slug, 1), lineages(slug, 2)
    reasons = {f"reason-{draft[2]}": "Se fusionó con el observatorio.",
               f"merge-{draft[2]}": final[1],
               f"reason-{draft[3]}": "Se añadieron créditos.",
               f"reason-{final[4]}": "Lo pidió el foro."}
    assert client.post_form(f"/consultations/{slug}/final-plan/changes",
                            reasons).status_code == 302
    return client.post_form(f"/consultations/{slug}/final-plan/publish",
                            follow_redirects=True)


def test_the_secretariat_publishes_the_final_plan_and_the_public_reads_it(
        app, client, finished, secretariat, outbox):
    slug, codes = finished["slug"], finished["codes"]
    anonymous = app.test_client()
    assert anonymous.get(f"/consultations/{slug}/final-plan").status_code == 404
    published = publish_through_the_forms(client, app, finished, secretariat)
    assert "se avisó a 3 personas" in published.get_data(as_text=True)
    assert len(outbox()) == 3
    html = anonymous.get(f"/consultations/{slug}/final-plan").get_data(as_text=True)
    assert "Resolución Ministerial N.° 123-2026-PCM" in html
    for code in (codes["on_1"], codes["on_2"], codes["on_3"], codes["paper"]):
        assert code in html
    assert codes["rejected"] not in html
    assert "Fusionado" in html and "Se fusionó con el observatorio." in html
    assert "Becas y créditos con datos abiertos" in html and "Lo pidió el foro." in html
    assert "Sociedad civil" in html or "sociedad civil" in html  # the typed-in sector
    detail = anonymous.get(f"/consultations/{slug}").get_data(as_text=True)
    assert f"/consultations/{slug}/final-plan" in detail


def test_a_contribution_links_to_where_it_landed(app, client, finished, secretariat):
    slug, codes = finished["slug"], finished["codes"]
    anonymous = app.test_client()
    before = anonymous.get(f"/contributions/{codes['on_3']}").get_data(as_text=True)
    # Before the final plan: the commitment, by lineage, in the latest version (2).
    assert f"/consultations/{slug}/plan/v2#compromiso-3" in before
    publish_through_the_forms(client, app, finished, secretariat)
    merged = anonymous.get(f"/contributions/{codes['on_2']}").get_data(as_text=True)
    assert f"/consultations/{slug}/final-plan#compromiso-1" in merged
    assert "dio forma al plan final" in merged
    rejected = anonymous.get(f"/contributions/{codes['rejected']}").get_data(as_text=True)
    assert "no quedó en el plan final" in rejected


def test_publishing_with_draft_responses_is_refused_with_their_list(
        app, client, finished, secretariat, outbox):
    slug, codes = finished["slug"], finished["codes"]
    with app.test_request_context():
        contribution = db.session.scalar(select(Contribution).where(
            Contribution.tracking_code == codes["rejected"]))
        feedback_ops.save_response(
            contribution, actor=user(secretariat), outcome="out_of_scope",
            justification="Está fuera del alcance del plan. Corresponde a otra política.")
        db.session.commit()
        db.session.remove()
    response = publish_through_the_forms(client, app, finished, secretariat)
    html = response.get_data(as_text=True)
    assert "Algunas respuestas aún no están publicadas" in html and codes["rejected"] in html
    assert outbox() == []
    assert app.test_client().get(f"/consultations/{slug}/final-plan").status_code == 404


def test_bad_input_in_the_approval_form_changes_nothing(app, client, finished, secretariat):
    slug = finished["slug"]
    login(client, secretariat)
    response = client.post_form(f"/consultations/{slug}/final-plan/manage", {
        "plan_version": "999999", "approval_reference": "", "approved_on": "30/11/2026"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Indica la referencia del acto" in html
    with app.app_context():
        from consulta.finalplan.queries import final_plan_of

        assert final_plan_of(consultation_of(slug)) is None


def test_participants_cannot_prepare_the_final_plan(app, client, finished, create_user):
    slug = finished["slug"]
    login(client, create_user())
    assert client.get(f"/consultations/{slug}/final-plan/manage").status_code == 403
    assert client.post_form(f"/consultations/{slug}/final-plan/publish").status_code == 403


def _published(app, finished, secretariat):
    with app.test_request_context():
        from consulta.finalplan import operations

        final_plan = prepare(finished["slug"], secretariat)
        give_reasons(finished["slug"], secretariat)
        operations.publish_final_plan(final_plan, actor=user(secretariat), notify=False)
        db.session.commit()
        db.session.remove()


def test_the_final_plan_in_the_api(app, client, finished, secretariat):
    slug, codes = finished["slug"], finished["codes"]
    assert client.get(f"/api/v1/consultations/{slug}/final-plan").status_code == 404
    _published(app, finished, secretariat)
    response = client.get(f"/api/v1/consultations/{slug}/final-plan")
    data = response.get_json()
    document = client.get("/api/v1/openapi.json").get_json()
    jsonschema.validate(data, {"$ref": "#/components/schemas/FinalPlan",
                               "components": document["components"]})
    by_number = {c["number"]: c for c in data["commitments"]}
    assert sorted(by_number[1]["contributions"]) == sorted([codes["on_1"], codes["on_2"]])
    assert by_number[4]["contributions"] == []
    # No milestone yet: not started (the follow-up fills it, see tests/api/test_progress).
    assert by_number[1]["progress"] == {"status": "not_started", "percent": 0}
    assert {c["kind"] for c in data["changes"]} == {"merged", "changed", "added"}
    assert (data["version"], data["consulted_version"]) == (2, 1)
    again = client.get(f"/api/v1/consultations/{slug}/final-plan",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_traceability_matrix_as_csv_and_xlsx(app, client, finished, secretariat):
    slug, codes = finished["slug"], finished["codes"]
    _published(app, finished, secretariat)
    text = client.get(f"/api/v1/consultations/{slug}/final-plan/traceability.csv").get_data(
        as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    traced = {(r["commitment_number"], r["tracking_code"]) for r in rows}
    assert ("3", codes["paper"]) in traced and ("4", "") in traced
    workbook = load_workbook(io.BytesIO(client.get(
        f"/api/v1/consultations/{slug}/final-plan/traceability.xlsx").data))
    values = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    assert values[0][0] == "commitment_number" and len(values) == len(rows) + 1


def test_the_version_titles_in_the_approval_form_are_escaped(app, client, finished,
                                                             secretariat):
    slug = finished["slug"]
    with app.app_context():
        consultation = consultation_of(slug)
        # Straight in the database: published versions never change through the app.
        db.session.execute(db.text("UPDATE plan_versions SET title = :title WHERE "
                                   "consultation_id = :id"),
                           {"title": "<script>alert(1)</script>", "id": consultation.id})
        db.session.commit()
        db.session.remove()
    login(client, secretariat)
    html = client.get(f"/consultations/{slug}/final-plan/manage").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_commitment_shows_its_first_contributions_and_pages_the_rest(
        app, client, finished, secretariat, monkeypatch):
    """A national consultation may have thousands of contributions in one commitment: the
    final plan's page shows the first ones under it and links to the commitment's own
    list, paged; the titles are masked there as everywhere."""
    from consulta.finalplan import views

    slug, codes = finished["slug"], finished["codes"]
    with app.app_context():
        proposal = db.session.scalar(select(Contribution).filter_by(
            tracking_code=codes["on_1"]))
        proposal.masked_fragments = ["en línea"]
        db.session.commit()
    publish_through_the_forms(client, app, finished, secretariat)
    monkeypatch.setattr(views, "SHOWN", 1)
    monkeypatch.setattr(views, "PER_PAGE", 1)
    anonymous = app.test_client()
    # Commitment 1 of the final plan: on_1, and on_2 through the merge, oldest first.
    html = anonymous.get(f"/consultations/{slug}/final-plan").get_data(as_text=True)
    section = html[html.index('id="compromiso-1"'):html.index('id="compromiso-3"')]
    assert codes["on_1"] in section and codes["on_2"] not in section
    assert "Ver los 2 aportes que dieron forma al compromiso 1" in section
    assert f"/consultations/{slug}/final-plan/commitments/1" in section
    assert "Precios en línea" not in html and "Precios" in html

    pages = [anonymous.get(f"/consultations/{slug}/final-plan/commitments/1?page={n}")
             for n in (1, 2, 3)]
    assert [p.status_code for p in pages] == [200, 200, 200]
    first, second, past = (p.get_data(as_text=True) for p in pages)
    assert codes["on_1"] in first and codes["on_2"] not in first
    assert "Página 1 de 2" in first and "Precios en línea" not in first
    assert codes["on_2"] in second and codes["on_1"] not in second
    assert "más allá del final de la lista" in past
    assert anonymous.get(f"/consultations/{slug}/final-plan/commitments/2").status_code \
        == 404  # dropped from the final plan
    assert anonymous.get(f"/consultations/{slug}/final-plan/commitments/9").status_code \
        == 404


def test_a_commitment_list_is_not_public_before_the_final_plan_is(
        app, client, finished, secretariat):
    slug = finished["slug"]
    with app.test_request_context():
        prepare(slug, secretariat)
        db.session.commit()
    anonymous = app.test_client()
    assert anonymous.get(f"/consultations/{slug}/final-plan/commitments/1").status_code \
        == 404
    login(client, secretariat)
    preview = client.get(f"/consultations/{slug}/final-plan/commitments/1")
    assert preview.status_code == 200 and "no está publicado" in preview.get_data(as_text=True)


def test_a_hidden_contribution_leaves_the_published_traceability_at_once(
        app, client, finished, secretariat, create_user):
    """The published plan's traceability is read from the landings stored when it was
    published; whether a contribution is visible is read with them, on every request."""
    from consulta.moderation.operations import hide_contribution

    slug, codes = finished["slug"], finished["codes"]
    publish_through_the_forms(client, app, finished, secretariat)
    participant = app.test_client()
    login(participant, create_user(email="carla@example.pe"))
    url = f"/consultations/{slug}/final-plan"
    assert codes["on_3"] in participant.get(url).get_data(as_text=True)
    with app.test_request_context():
        hide_contribution(db.session.scalar(select(Contribution).filter_by(
            tracking_code=codes["on_3"])), actor=user(secretariat), reason="offensive")
        db.session.commit()
    assert codes["on_3"] not in participant.get(url).get_data(as_text=True)
    assert codes["on_3"] not in app.test_client().get(
        f"/api/v1/consultations/{slug}/final-plan").get_data(as_text=True)


def test_participants_get_the_kept_final_plan_and_a_hidden_contribution_leaves_it(
        app, client, finished, secretariat, create_user):
    """With the page cache on, a logged-in participant gets the final plan's kept parts
    (rendered once), and a contribution hidden afterwards is gone at the next request."""
    from consulta.core.cache import clear
    from consulta.moderation.operations import hide_contribution

    from ..core.test_page_cache import queries

    slug, codes = finished["slug"], finished["codes"]
    publish_through_the_forms(client, app, finished, secretariat)
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 30
    try:
        with app.app_context():
            clear()
        participant = app.test_client()
        login(participant, create_user(email="dora@example.pe"))
        participant.get("/account")
        for url in (f"/consultations/{slug}/final-plan",
                    f"/consultations/{slug}/final-plan/commitments/3"):
            _rendered, n_rendered = queries(app, participant, url)
            kept, n_kept = queries(app, participant, url)
            assert n_kept < n_rendered, url
            assert codes["on_3"] in kept.get_data(as_text=True)
            assert "Cerrar sesión" in kept.get_data(as_text=True)
        with app.test_request_context():
            hide_contribution(db.session.scalar(select(Contribution).filter_by(
                tracking_code=codes["on_3"])), actor=user(secretariat), reason="offensive")
            db.session.commit()
        for url in (f"/consultations/{slug}/final-plan",
                    f"/consultations/{slug}/final-plan/commitments/3"):
            assert codes["on_3"] not in participant.get(url).get_data(as_text=True), url
    finally:
        app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 0
        with app.app_context():
            clear()
