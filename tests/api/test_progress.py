"""The progress API (``/api/v1/consultations/SLUG/progress``) and the ``progress`` of
the final-plan API: what the follow-up's published reports say, paginated, with ETag,
documented in the OpenAPI document."""

import jsonschema
import pytest

from ..conftest import login
from ..followup.public_world import PLAN, build_plan_world


@pytest.fixture
def plan_world(app, create_user, create_consultation):
    return build_plan_world(app, create_user, create_consultation)


def _check(client, data, name):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    jsonschema.validate(data, {"$ref": f"#/components/schemas/{name}",
                               "components": {"schemas": schemas}})


def test_the_progress_of_each_commitment_with_milestones_indicators_and_reports(
        client, plan_world):
    response = client.get(f"/api/v1/consultations/{plan_world.slug}/progress")
    assert response.status_code == 200
    data = response.get_json()
    _check(client, data, "ProgressList")
    by_number = {c["number"]: c for c in data["commitments"]}
    assert {n: (c["status"], c["progress"]) for n, c in by_number.items()} == {
        1: ("completed", 100), 2: ("in_progress", 40), 3: ("delayed", 50),
        4: ("not_started", 0), 5: ("cancelled", 0)}
    two = by_number[2]
    assert two["lineage"] and two["responsible"] == "MINSA"
    assert two["milestones"] == [{
        "position": 1, "description": "Sistema de quejas en línea", "starts": "2026-01",
        "due": "2099-12", "status": "in_progress", "percent": 40, "as_of": "2026-06-30",
        "overdue": False}]
    indicator = two["indicators"][0]
    assert (indicator["baseline"], indicator["target"], indicator["latest"]["value"]) == (
        10, 80, 42.5)
    assert indicator["latest"]["as_of"] == "2026-06-30"
    # Its published reports, newest first; never a draft nor one in review.
    assert [r["number"] for r in two["reports"]] == [2, 1]
    assert two["reports"][0]["url"].endswith(
        f"/follow-up/reports/{plan_world.reports['two']}")
    assert two["last_report_at"] is not None
    assert [r["number"] for r in by_number[1]["reports"]] == [1]
    assert by_number[3]["reports"] == [] and by_number[3]["last_report_at"] is None
    assert [m["overdue"] for m in by_number[3]["milestones"]] == [True, False]


def test_the_progress_is_paginated_with_link_headers_and_etags(client, plan_world):
    url = f"/api/v1/consultations/{plan_world.slug}/progress"
    first = client.get(f"{url}?per_page=2")
    data = first.get_json()
    assert (data["total"], data["pages"], len(data["commitments"])) == (5, 3, 2)
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]
    last = client.get(f"{url}?per_page=2&page=3").get_json()
    assert [c["number"] for c in last["commitments"]] == [5]
    for bad in ("page=abc", "per_page=-4", "page=0"):
        assert client.get(f"{url}?{bad}").status_code == 200
    again = client.get(url, headers={"If-None-Match": client.get(url).headers["ETag"]})
    assert again.status_code == 304 and not again.data
    assert first.headers["Access-Control-Allow-Origin"] == "*"


def test_there_is_no_progress_before_the_final_plan_is_published(
        client, create_user, create_consultation):
    secretariat = create_user(roles=("secretariat",))
    slug = create_consultation(plan=PLAN, actor=secretariat)
    login(client, secretariat)
    assert client.get(f"/api/v1/consultations/{slug}/progress").status_code == 404
    assert client.get("/api/v1/consultations/nada/progress").status_code == 404


def test_the_final_plan_gives_each_commitments_progress(client, plan_world):
    data = client.get(f"/api/v1/consultations/{plan_world.slug}/final-plan").get_json()
    _check(client, data, "FinalPlan")
    assert {c["number"]: c["progress"] for c in data["commitments"]} == {
        1: {"status": "completed", "percent": 100},
        2: {"status": "in_progress", "percent": 40},
        3: {"status": "delayed", "percent": 50},
        4: {"status": "not_started", "percent": 0},
        5: {"status": "cancelled", "percent": 0}}


def test_the_openapi_document_lists_the_progress_endpoint(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/consultations/{slug}/progress"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"slug", "page", "per_page"}
    assert "ProgressList" in document["components"]["schemas"]


def test_a_double_slash_in_an_api_path_is_a_json_not_found(client):
    """An encoded "/" in the slug makes "//": not found, in JSON, never a redirect."""
    for path in ("/api/v1/consultations/%2F/contributions", "/api/v1/consultations//progress"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.is_json and "error" in response.get_json()
