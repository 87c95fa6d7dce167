"""The open-data API: its OpenAPI document, pagination links, caching and CORS."""

import re

import jsonschema
from openapi_spec_validator import validate

from ..conftest import iv_plan_json, login


def test_the_openapi_document_is_valid_and_covers_every_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    documented = set(document["paths"])
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            routes.add(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
    assert routes == documented


def test_list_endpoints_paginate_with_link_headers(client, create_consultation,
                                                   create_contribution):
    slug = create_consultation(plan=iv_plan_json())
    for n in range(3):
        create_contribution(slug, body=f"Comentario {n}.")
    response = client.get(f"/api/v1/consultations/{slug}/contributions?per_page=2")
    data = response.get_json()
    assert (data["total"], len(data["contributions"]), data["pages"]) == (3, 2, 2)
    link = response.headers["Link"]
    assert 'rel="next"' in link and "page=2" in link and 'rel="last"' in link
    assert "Link" in client.get("/api/v1/consultations").headers


def test_conditional_requests_and_cross_origin_reads(client, create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    first = client.get(f"/api/v1/consultations/{slug}")
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    etag = first.headers["ETag"]
    again = client.get(f"/api/v1/consultations/{slug}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data


def test_api_responses_match_their_schemas(client, create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]

    def check(data, name):
        schema = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": schemas}}
        jsonschema.validate(data, schema)

    check(client.get("/api/v1/consultations").get_json(), "ConsultationList")
    check(client.get(f"/api/v1/consultations/{slug}").get_json(), "ConsultationDetail")
    check(client.get(f"/api/v1/consultations/{slug}/contributions").get_json(),
          "ContributionList")
    check(client.get("/api/v1/consultations/nope").get_json(), "Error")


def test_a_consultation_being_prepared_is_not_in_the_api_even_for_its_secretariat(
        app, create_consultation, create_user):
    secretariat = create_user(roles=("secretariat",))
    slug = create_consultation(announced=False, actor=secretariat, plan=iv_plan_json())
    client = app.test_client()
    login(client, secretariat)
    assert client.get(f"/consultations/{slug}").status_code == 200  # the site shows it
    for path in ("", "/contributions", "/contributions.csv", "/contributions.xlsx",
                 "/summary", "/summary/v1/matrix"):
        assert client.get(f"/api/v1/consultations/{slug}{path}").status_code == 404, path
    assert slug not in client.get("/api/v1/consultations").get_data(as_text=True)
