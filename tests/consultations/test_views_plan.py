"""The structured, versioned draft plan: import, edit, publish, read."""

import json
import re

import pytest
from sqlalchemy import func, select

from consulta.consultations.models import Commitment, Component, Consultation, PlanVersion
from consulta.extensions import db

from ..conftest import iv_plan_json, login


@pytest.fixture
def secretariat_client(app, create_user):
    client = app.test_client()
    login(client, create_user(roles=("secretariat",)))
    return client


def commitments_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Commitment))


def error_summary(page):
    """The text of the page's error summary ("" if it has none)."""
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", summary.group(0)).split()) if summary else ""


def upload(client, slug, content, filename="plan.json"):
    from io import BytesIO

    return client.post_form(f"/consultations/{slug}/plan/import",
                            {"file": (BytesIO(content), filename)},
                            content_type="multipart/form-data")


def test_importing_the_iv_plan_through_the_form_and_publishing_it(app, secretariat_client,
                                                                  create_consultation):
    slug = create_consultation()
    response = upload(secretariat_client, slug, iv_plan_json())
    assert response.status_code == 302
    assert commitments_count(app) == 21
    # Not public until published.
    assert app.test_client().get(f"/consultations/{slug}/plan").status_code == 404
    secretariat_client.post_form(f"/consultations/{slug}/plan/publish", {"note": ""})
    data = app.test_client().get(f"/api/v1/consultations/{slug}").get_json()
    assert len(data["components"]) == 9
    assert len(data["draft_plan"]["commitments"]) == 21
    assert data["draft_plan"]["version"] == 1
    five = next(c for c in data["draft_plan"]["commitments"] if c["number"] == 5)
    assert five["component"] == "Salud"
    assert {p["code"] for p in five["principles"]} >= {"transparency"}
    assert five["url"].endswith("/plan/v1#compromiso-5")
    page = app.test_client().get(f"/consultations/{slug}/plan").get_data(as_text=True)
    assert 'id="compromiso-5"' in page and "Infraestructura" in page
    # Components come in the order of the file.
    assert page.index("Infraestructura") < page.index("Calidad regulatoria")


BAD_FILES = {
    "not json": (b"{ this is not json", "JSON"),
    "not an object": (b"[1, 2, 3]", "objeto"),
    "no themes": (json.dumps({"plan": {"title": "x"}}).encode(), "themes"),
    "missing title": (json.dumps({"themes": [{"name": "Salud", "commitments": [
        {"number": 1}]}]}).encode(), "themes[0].commitments[0].title"),
    "repeated number": (json.dumps({"themes": [
        {"name": "Salud", "commitments": [{"number": 3, "title": "a"}]},
        {"name": "Educación", "commitments": [{"number": 3, "title": "b"}]}]}).encode(),
        "themes[1].commitments[0].number"),
    "unknown component": (json.dumps({"components": ["Salud"], "commitments": [
        {"number": 1, "title": "a", "component": "Salud"},
        {"number": 2, "title": "b", "component": "Turismo"}]}).encode(),
        "commitments[1].component"),
    "bad month": (json.dumps({"themes": [{"name": "Salud", "commitments": [
        {"number": 1, "title": "a", "actions": [{"description": "x", "start": "marzo"}]}]}]})
        .encode(), "themes[0].commitments[0].actions[0].start"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_invalid_plan_files_are_refused_whole_with_every_problem(app, secretariat_client,
                                                                 create_consultation, case):
    slug = create_consultation(plan=iv_plan_json())
    content, expected = BAD_FILES[case]
    response = upload(secretariat_client, slug, content)
    assert response.status_code == 400
    refusal = error_summary(response.get_data(as_text=True))
    assert refusal.startswith("El archivo no se importó: no se cambió nada. Problemas "
                              "encontrados:")
    assert expected in refusal
    assert commitments_count(app) == 21  # the published plan is untouched
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PlanVersion)) == 1


def test_a_file_with_several_problems_lists_them_all(app, secretariat_client,
                                                     create_consultation):
    slug = create_consultation()
    content = json.dumps({"themes": [{"name": "Salud", "commitments": [
        {"number": 1, "title": "a"}, {"number": 1, "title": ""},
        {"number": "dos", "title": "c"}]}]}).encode()
    page = upload(secretariat_client, slug, content).get_data(as_text=True)
    for path in ("themes[0].commitments[1].number", "themes[0].commitments[1].title",
                 "themes[0].commitments[2].number"):
        assert path in page
    assert commitments_count(app) == 0


def test_a_non_json_file_name_is_refused(app, secretariat_client, create_consultation):
    slug = create_consultation()
    response = upload(secretariat_client, slug, iv_plan_json(), filename="plan.exe")
    assert response.status_code == 400
    assert commitments_count(app) == 0


def test_new_versions_keep_old_ones_readable(app, secretariat_client, create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    with app.app_context():
        v1_commitment_ids = set(db.session.scalars(select(Commitment.id)))
    secretariat_client.post_form(f"/consultations/{slug}/plan/start-draft")
    with app.app_context():
        draft = db.session.scalar(select(PlanVersion).where(PlanVersion.number == 2))
        five = next(c for c in draft.commitments if c.number == 5)
        five_id, component_id = five.id, five.component_id
    response = secretariat_client.post_form(
        f"/consultations/{slug}/plan/commitments/{five_id}/edit",
        {"number": "5", "component": str(component_id), "title": "Título revisado",
         "actions-0-description": "", "actions-0-start": "", "actions-0-end": ""})
    assert response.status_code == 302
    secretariat_client.post_form(f"/consultations/{slug}/plan/publish",
                                 {"note": "Se revisó el compromiso 5."})
    visitor = app.test_client()
    latest = visitor.get(f"/consultations/{slug}/plan").get_data(as_text=True)
    assert "Título revisado" in latest and "Se revisó el compromiso 5." in latest
    old = visitor.get(f"/consultations/{slug}/plan/v1").get_data(as_text=True)
    assert "Título revisado" not in old and "observatorio de precios" in old
    with app.app_context():
        # The version-1 commitments (what contributions point to) are untouched.
        assert v1_commitment_ids <= set(db.session.scalars(select(Commitment.id)))
        assert db.session.scalar(select(func.count()).select_from(Commitment)) == 42
    # A published version cannot be edited.
    with app.app_context():
        v1_five = db.session.scalar(select(Commitment).join(PlanVersion).where(
            PlanVersion.number == 1, Commitment.number == 5)).id
    assert secretariat_client.get(
        f"/consultations/{slug}/plan/commitments/{v1_five}/edit").status_code == 404


def test_commitment_form_adds_action_rows_without_javascript(app, secretariat_client,
                                                             create_consultation):
    slug = create_consultation()
    secretariat_client.post_form(f"/consultations/{slug}/components",
                                 {"name": "Salud", "description": ""})
    with app.app_context():
        component_id = db.session.scalar(select(Component.id))
    base = {"number": "1", "component": str(component_id), "title": "Observatorio",
            "problem": "Precios opacos", "objective": "Transparentar precios",
            "due": "2027-06", "principles": ["transparency", "accountability"]}
    rows = {}
    for i, (desc, start, end) in enumerate([("Diseñar", "2026-01", "2026-03"),
                                            ("Implementar", "2026-04", "2026-12"),
                                            ("Evaluar", "2027-01", "2027-06")]):
        rows.update({f"actions-{i}-description": desc, f"actions-{i}-start": start,
                     f"actions-{i}-end": end})
    # "Add another action" shows a fourth row and saves nothing.
    response = secretariat_client.post_form(f"/consultations/{slug}/plan/commitments/new",
                                            {**base, **rows, "add_action": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="actions-3-description"' in page and 'value="Evaluar"' in page
    assert commitments_count(app) == 0
    response = secretariat_client.post_form(f"/consultations/{slug}/plan/commitments/new",
                                            {**base, **rows, "actions-3-description": ""})
    assert response.status_code == 302
    with app.app_context():
        commitment = db.session.scalar(select(Commitment))
        assert [a["description"] for a in commitment.actions] == ["Diseñar", "Implementar",
                                                                  "Evaluar"]
        assert commitment.principles == ["transparency", "accountability"]


def test_commitment_actions_ending_before_they_start_are_refused(app, secretariat_client,
                                                                 create_consultation):
    slug = create_consultation()
    secretariat_client.post_form(f"/consultations/{slug}/components", {"name": "Salud"})
    with app.app_context():
        component_id = db.session.scalar(select(Component.id))
    response = secretariat_client.post_form(f"/consultations/{slug}/plan/commitments/new", {
        "number": "1", "component": str(component_id), "title": "X",
        "actions-0-description": "Hacer", "actions-0-start": "2026-05",
        "actions-0-end": "2026-01"})
    assert response.status_code == 200
    assert commitments_count(app) == 0


def test_commitment_numbers_are_unique_per_version(app, secretariat_client,
                                                   create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    secretariat_client.post_form(f"/consultations/{slug}/plan/start-draft")
    with app.app_context():
        component_id = db.session.scalar(select(Component.id))
    response = secretariat_client.post_form(f"/consultations/{slug}/plan/commitments/new", {
        "number": "5", "component": str(component_id), "title": "Otro cinco"})
    assert response.status_code == 200
    assert commitments_count(app) == 42


def test_a_commitment_cannot_use_another_consultations_component(app, secretariat_client,
                                                                 create_consultation):
    mine = create_consultation(title="Mía")
    other = create_consultation(title="Otra", plan=iv_plan_json())
    secretariat_client.post_form(f"/consultations/{mine}/components", {"name": "Salud"})
    with app.app_context():
        foreign = db.session.scalar(select(Component.id).join(Consultation).where(
            Consultation.slug == other))
    response = secretariat_client.post_form(f"/consultations/{mine}/plan/commitments/new", {
        "number": "1", "component": str(foreign), "title": "X"})
    assert response.status_code == 200
    assert commitments_count(app) == 21


def test_plan_page_is_printable_and_has_stable_anchors(app, create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    page = app.test_client().get(f"/consultations/{slug}/plan").get_data(as_text=True)
    for number in range(1, 22):
        assert f'id="compromiso-{number}"' in page
        assert f'href="#compromiso-{number}"' in page


def test_a_component_name_repeated_in_other_capitals_is_a_form_error(app, secretariat_client,
                                                                     create_consultation):
    slug = create_consultation()
    url = f"/consultations/{slug}/components"
    assert secretariat_client.post_form(url, {"name": "SALUD PÚBLICA"}).status_code == 302
    # SQLite's lower() leaves "Ú" alone: the check must still see the same name.
    for name in ("SALUD PÚBLICA", "Salud Pública", "salud pública"):
        response = secretariat_client.post_form(url, {"name": name})
        assert response.status_code == 200, name
        assert "Ya existe un componente con este nombre" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Component)) == 1


def test_a_commitment_edit_that_leaves_out_the_co_responsible_keeps_them(
        app, secretariat_client, create_consultation):
    slug = create_consultation()
    secretariat_client.post_form(f"/consultations/{slug}/components", {"name": "Salud"})
    with app.app_context():
        component_id = db.session.scalar(select(Component.id))
    base = {"number": "1", "component": str(component_id), "title": "Observatorio"}
    secretariat_client.post_form(f"/consultations/{slug}/plan/commitments/new",
                                 {**base, "co_responsible": "MINSA\nDIGEMID"})
    with app.app_context():
        commitment_id = db.session.scalar(select(Commitment.id))
    response = secretariat_client.post_form(
        f"/consultations/{slug}/plan/commitments/{commitment_id}/edit",
        {**base, "title": "Observatorio de precios"})
    assert response.status_code == 302  # it used to be a 500
    with app.app_context():
        stored = db.session.get(Commitment, commitment_id)
        assert (stored.title, stored.co_responsible) == ("Observatorio de precios",
                                                         ["MINSA", "DIGEMID"])


def test_a_4301_digit_number_is_refused_with_a_message_not_a_500(
        app, secretariat_client, create_consultation):
    slug = create_consultation()
    content = ('{"themes": [{"name": "Salud", "commitments": [{"number": '
              + "9" * 4301 + ', "title": "T"}]}]}').encode()
    response = upload(secretariat_client, slug, content)
    assert response.status_code == 400  # as every refused file
    assert "número" in error_summary(response.get_data(as_text=True))
    assert commitments_count(app) == 0


def test_the_plan_page_reuses_its_sheets_per_language_and_counts_afresh(
        app, create_consultation, create_contribution):
    """The sheets of a published version are rendered once per worker and language
    (issue 16); the language of each reader and the counts of the moment still show."""
    slug = create_consultation(plan=iv_plan_json())
    with app.app_context():
        five = db.session.scalar(select(Commitment.id).where(Commitment.number == 5))
    visitor = app.test_client()
    spanish = visitor.get(f"/consultations/{slug}/plan",
                          headers={"Accept-Language": "es"}).get_data(as_text=True)
    english = visitor.get(f"/consultations/{slug}/plan",
                          headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<dt>Principios</dt>" in spanish and "<dt>Principles</dt>" not in spanish
    assert "<dt>Principles</dt>" in english and "<dt>Principios</dt>" not in english
    # The contents too are kept per language.
    assert '<li><a href="#compromiso-5">Compromiso 5</a></li>' in spanish
    assert '<li><a href="#compromiso-5">Commitment 5</a></li>' in english
    create_contribution(slug, target="commitment", target_id=five)
    again = visitor.get(f"/consultations/{slug}/plan",
                        headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert f"/consultations/{slug}/contributions?commitment=5\">1 comentario</a>" in again
    assert again.count("<article class=\"commitment\"") == spanish.count(
        "<article class=\"commitment\"") == 21
    assert re.sub(r'<p class="commitment-counts">.*?</p>', "", again, flags=re.S) == \
        re.sub(r'<p class="commitment-counts">.*?</p>', "", spanish, flags=re.S)


def test_the_plan_counts_are_kept_as_public_figures_and_follow_a_change_at_once(
        app, create_consultation, create_user, create_contribution):
    """With the figures cache on, a participant's plan page counts once per change of
    the consultation's pages: a new comment shows at the next request."""
    slug = create_consultation(plan=iv_plan_json())
    with app.app_context():
        five = db.session.scalar(select(Commitment.id).where(Commitment.number == 5))
    create_contribution(slug, target="commitment", target_id=five)
    participant = app.test_client()
    login(participant, create_user())
    link = f"/consultations/{slug}/contributions?commitment=5\">"
    app.config["PUBLIC_FIGURES_CACHE_SECONDS"] = 60
    try:
        first = participant.get(f"/consultations/{slug}/plan").get_data(as_text=True)
        create_contribution(slug, target="commitment", target_id=five)
        second = participant.get(f"/consultations/{slug}/plan").get_data(as_text=True)
    finally:
        app.config["PUBLIC_FIGURES_CACHE_SECONDS"] = 0
    assert link + "1 comentario</a>" in first
    assert link + "2 comentarios</a>" in second


def test_a_component_renamed_after_publishing_shows_on_the_kept_plan(
        app, secretariat_client, create_consultation):
    """The plan page and the API keep a published version's sheets per worker; renaming
    a component (allowed while it is in use) shows at the next request all the same."""
    slug = create_consultation(plan=iv_plan_json())
    page = app.test_client().get(f"/consultations/{slug}/plan").get_data(as_text=True)
    data = app.test_client().get(f"/api/v1/consultations/{slug}").get_json()
    assert "Salud" in page and "Salud y bienestar" not in page
    assert next(c for c in data["draft_plan"]["commitments"] if c["number"] == 5)[
        "component"] == "Salud"
    with app.app_context():
        component_id = db.session.scalar(select(Component.id).where(Component.name == "Salud"))
    response = secretariat_client.post_form(
        f"/consultations/{slug}/components/{component_id}/edit",
        {"name": "Salud y bienestar", "description": ""})
    assert response.status_code == 302

    page = app.test_client().get(f"/consultations/{slug}/plan").get_data(as_text=True)
    data = app.test_client().get(f"/api/v1/consultations/{slug}").get_json()
    assert "Salud y bienestar" in page
    assert next(c for c in data["draft_plan"]["commitments"] if c["number"] == 5)[
        "component"] == "Salud y bienestar"
