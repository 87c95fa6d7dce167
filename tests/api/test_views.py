"""The open-data API: its OpenAPI document, pagination links, caching and CORS."""

import re
from datetime import date, datetime, time, timedelta

import jsonschema
from openapi_spec_validator import validate
from sqlalchemy import select

from consulta.accounts.models import User
from consulta.consultations.models import Consultation
from consulta.consultations.operations import extend_window, record_past_consultation
from consulta.core.dates import local_to_utc, utcnow
from consulta.extensions import db

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


def test_each_consultation_gives_its_windows_and_whether_it_was_recorded_after_the_fact(
        app, client, create_consultation, create_user):
    def consultation_of(slug):
        return db.session.scalar(select(Consultation).where(Consultation.slug == slug))

    def user_of(ref):
        return db.session.get(User, ref.id)

    def lima(day, hour):
        return local_to_utc(datetime.combine(day, time(hour, 0)))

    secretariat = create_user(roles=("secretariat",))
    live = create_consultation(plan=iv_plan_json(), opens_in_days=-20, closes_in_days=-2,
                               actor=secretariat)
    with app.test_request_context():
        opens, closes = lima(date(2016, 5, 2), 9), lima(date(2016, 6, 30), 18)
    past = create_consultation(announced=False, opens_at=opens, closes_at=closes,
                               actor=secretariat, plan=iv_plan_json())
    with app.test_request_context():
        extend_window(consultation_of(live).windows[0], actor=user_of(secretariat),
                      closes_at=utcnow() + timedelta(days=5),
                      reason="Pedido de la sociedad civil")
        record_past_consultation(consultation_of(past), actor=user_of(secretariat),
                                 announced_on=date(2016, 4, 20),
                                 reference="El Peruano, 2016-04-20")
        db.session.commit()
        recorded_after = consultation_of(past).recorded_after_at
        db.session.remove()

    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]

    def check(data, name):
        jsonschema.validate(data, {"$ref": f"#/components/schemas/{name}",
                                   "components": {"schemas": schemas}})
        return data

    old = check(client.get(f"/api/v1/consultations/{past}").get_json(), "ConsultationDetail")
    assert datetime.fromisoformat(old["recorded_after_at"]) == recorded_after
    assert old["announcement_reference"] == "El Peruano, 2016-04-20"
    [window] = old["windows"]
    assert window["channel"] == "web" and window["reason"] == ""
    assert (datetime.fromisoformat(window["opens_at"]),
            datetime.fromisoformat(window["closes_at"])) == (opens, closes)

    extended = check(client.get(f"/api/v1/consultations/{live}").get_json(),
                     "ConsultationDetail")
    assert (extended["recorded_after_at"], extended["announcement_reference"]) == (None, None)
    first, second = extended["windows"]
    assert [first["channel"], second["channel"]] == ["web", "web"]
    assert (first["reason"], second["reason"]) == ("", "Pedido de la sociedad civil")
    assert first["closes_at"] < second["opens_at"]  # the days in between stay closed

    listed = check(client.get("/api/v1/consultations").get_json(), "ConsultationList")
    by_slug = {c["slug"]: c for c in listed["consultations"]}
    assert by_slug[past]["windows"] == old["windows"]
    assert by_slug[live]["windows"] == extended["windows"]
    assert by_slug[past]["announcement_reference"] == "El Peruano, 2016-04-20"
