"""The open-data API under fuzzing: its OpenAPI document is a contract.

- schemathesis reads /api/v1/openapi.json and generates requests for every operation
  (valid and invalid parameters), sent to the app through WSGI: never a 5xx, and every
  answer has a status, a content type and a body that the document declares
  (response-schema conformance on).
- Hypothesis sends what schemathesis would not: every query parameter the API and the
  public lists read (page, per_page, version, sort, filters, search) with hostile,
  huge and malformed values, ids and slugs in paths, unknown parameters, repeated ones.
  JSON answers still match the document's schemas.

Both run against a consultation with contributions, published responses and a
published summary, and against slugs and versions that do not exist.
CONSULTA_FUZZ_API_EXAMPLES sets the cases per operation (100 by default).
"""

import os
from datetime import timedelta
from urllib.parse import quote

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from consulta.extensions import db

from .form_catalog import build_world, fuzz_app  # noqa: F401  (the fixture)

EXAMPLES = int(os.environ.get("CONSULTA_FUZZ_API_EXAMPLES", "100"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def publish_a_summary(world):
    """A second consultation, closed, with contributions typed in, a published response,
    a published summary and final plan: what /summary, /summary/vN/matrix and
    /final-plan serve."""
    from consulta.accounts.models import User
    from consulta.consultations import operations as consultations
    from consulta.consultations.plan_import import parse_plan
    from consulta.contributions import operations as contributions
    from consulta.core.dates import utcnow
    from consulta.feedback import operations as feedback
    from consulta.finalplan import operations as finalplan
    from consulta.summary.operations import publish_summary

    from .form_catalog import SMALL_PLAN

    with world.app.test_request_context():
        secretariat = db.session.get(User, world.users["secretariat"][0])
        moderator = db.session.get(User, world.users["moderator"][0])
        now = utcnow()
        consultation = consultations.create_consultation(
            actor=secretariat, title="Consulta cerrada", summary="Ya cerró.",
            organizer="Gobierno Regional del Cusco", scope="regional", scope_region="cusco",
            channels=["web"], opens_at=now - timedelta(days=40),
            closes_at=now - timedelta(days=10))
        consultations.import_plan(consultation, parse_plan(SMALL_PLAN), actor=secretariat)
        consultations.publish_plan_version(consultation, actor=secretariat)
        consultation.announced_at = now - timedelta(days=60)
        db.session.flush()
        for n in range(3):
            contribution = contributions.record_offline_contribution(
                consultation, moderator=moderator, kind="comment", channel="written",
                values={"title": f"Carta {n} \u202e<b>", "body": "Texto\x0b con\u200b control."})
            response = feedback.save_response(
                contribution, actor=secretariat, outcome="out_of_scope",
                justification="Está fuera del alcance. Se tendrá en cuenta luego.")
            feedback.publish_response(response, actor=secretariat)
        publish_summary(consultation, actor=secretariat)
        final_plan = finalplan.save_final_plan(
            consultation, actor=secretariat, plan_version_id=consultation.published_plan.id,
            approval_reference="Ordenanza Regional N.° 1-2026 ‮<b>",
            approved_on=now.date(), note="Nota con control.")
        finalplan.publish_final_plan(final_plan, actor=secretariat, notify=False)
        db.session.commit()
        world.ids["closed_slug"] = consultation.slug
        db.session.remove()


@pytest.fixture
def api_world(fuzz_app):  # noqa: F811  (the imported fixture)
    world = build_world(fuzz_app)
    publish_a_summary(world)
    return world


@pytest.mark.fuzz
def test_the_api_keeps_its_openapi_contract_under_schemathesis(api_world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_world.app)
    operations = len(list(schema.get_all_operations()))
    # Valid and invalid parameters; half of the cases on the consultations that exist.
    real = [{"slug": api_world.ids["slug"]}, {"slug": api_world.ids["closed_slug"]}]
    cases = st.one_of(
        *(schema.as_strategy(mode) for mode in GenerationMode),
        *(schema.as_strategy(mode, path_parameters=values)
          for mode in GenerationMode for values in real))

    @settings(max_examples=EXAMPLES * operations, deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def fuzz(case):
        case.call_and_validate(checks=CHECKS)

    fuzz()


# --- Hypothesis over every parameter, with the document's schemas ---------------------

HOSTILE = ["", "0", "-1", "1.5", "1e3", "NaN", "٣", "²", " 2 ", "+3", "0x10", "true", "[]",
           "99999999999999999999", str(2**31), str(2**63), "-9223372036854775809",
           "%zz", "%ED%A0%80", "%C0%AF", "%", "\u202e1", "1\u200b", "' OR 1=1 --",
           "<script>", "{{7*7}}", "newest", "oldest", "supported", "proposal", "comment",
           "citizen", "cusco", "web", "incorporated", "1", "2", "100", "101"]
QUERY_NAMES = ["page", "per_page", "version", "sort", "kind", "component", "commitment",
               "sector", "region", "channel", "outcome", "withdrawn", "q", "all", "status",
               "level", "entity", "page[]", "x" * 40]

values = st.one_of(st.sampled_from(HOSTILE),
                   st.integers(-(2**70), 2**70).map(str),
                   st.text(st.characters(codec="utf-8", exclude_characters="\x00"),
                           max_size=30).map(lambda v: quote(v, safe="")))
queries = st.lists(st.tuples(st.sampled_from(QUERY_NAMES), values), max_size=6).map(
    lambda pairs: "&".join(f"{name}={value}" for name, value in pairs))
slugs = st.one_of(st.sampled_from(["{slug}", "{closed_slug}", "no-existe", "%00", "..",
                                   "a" * 300, "%ED%A0%80", "consulta%2Fabierta"]),
                  st.text(st.characters(codec="utf-8", exclude_characters="\x00"),
                          min_size=1, max_size=20).map(lambda v: quote(v, safe="")))
versions = st.one_of(st.sampled_from(["1", "2", "0", "99999999999999999999", "-1"]),
                     st.integers(0, 2**70).map(str))

#: Every GET route of the API and the public lists, with the schema of a 200 answer.
PATHS = [
    ("/api/v1/consultations", "ConsultationList"),
    ("/api/v1/consultations/{slug}", "ConsultationDetail"),
    ("/api/v1/consultations/{slug}/contributions", "ContributionList"),
    ("/api/v1/consultations/{slug}/contributions.csv", None),
    ("/api/v1/consultations/{slug}/contributions.xlsx", None),
    ("/api/v1/consultations/{slug}/final-plan", "FinalPlan"),
    ("/api/v1/consultations/{slug}/final-plan/traceability.csv", None),
    ("/api/v1/consultations/{slug}/final-plan/traceability.xlsx", None),
    ("/api/v1/consultations/{slug}/progress", "ProgressList"),
    ("/api/v1/consultations/{slug}/summary", "Summary"),
    ("/api/v1/consultations/{slug}/summary/v{version}/matrix", "SummaryMatrix"),
    ("/api/v1/entities", "EntityList"),
    ("/entities", None),
    ("/consultations", None),
    ("/consultations/{slug}/contributions", None),
    ("/consultations/{slug}/summary", None),
    ("/consultations/{slug}", None),
]


def test_every_api_route_is_fuzzed(app):
    api = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    covered = {path.replace("{slug}", "<slug>").replace("{version}", "<int:version>")
               for path, _schema in PATHS}
    assert api - covered == {"/api/v1/openapi.json"}


@pytest.mark.fuzz
def test_every_api_parameter_under_hypothesis_never_fails_or_breaks_the_schema(api_world):
    client = api_world.app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    components = {"components": document["components"]}

    def conforms(data, name):
        jsonschema.validate(data, {"$ref": f"#/components/schemas/{name}", **components})

    @settings(max_examples=EXAMPLES * 5, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(route=st.sampled_from(PATHS), slug=slugs, version=versions, query=queries)
    def fuzz(route, slug, version, query):
        path, schema_name = route
        slug = slug.format(**api_world.ids)
        url = path.replace("{slug}", slug).replace("{version}", version) + "?" + query
        response = client.get(url)
        body = response.get_data()  # streamed exports fail while they are read
        assert response.status_code < 500, url
        if not path.startswith("/api/"):
            return
        if response.status_code == 200 and schema_name:
            conforms(response.get_json(), schema_name)
        elif response.status_code != 200:
            assert response.is_json, url
            conforms(response.get_json(), "Error")
        assert body is not None

    fuzz()
