"""The OpenAPI 3 description of the open-data API (kept true by tests/api/test_views.py)."""

from flask import url_for

from consulta.consultations.constants import WINDOW_CHANNELS
from consulta.followup.constants import MILESTONE_STATUSES
from consulta.followup.queries import COMMITMENT_STATUSES

PAGE = {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}
PER_PAGE = {"name": "per_page", "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
VERSION_PATH = {"name": "version", "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1}}
#: Filters by a code of the deployment profile; another value answers 400 with the codes
#: allowed.
CODED_FILTERS = [
    {"name": name, "in": "query", "schema": {"type": "string"},
     "description": f"Only the contributions of this {name} (a code of the deployment "
                    "profile; any other answers 400 listing the allowed codes)"}
    for name in ("sector", "region")]
NOT_FOUND = {"description": "Not found (or not public)",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
#: Any request whose path or query string holds a NUL or a lone surrogate.
BAD_REQUEST = {"description": "The path or query string holds a character that cannot be "
                              "stored (a NUL or an invalid Unicode sequence), or a filter "
                              "a code that is not in its list (then \"parameter\" and "
                              "\"allowed\" name it and its codes)",
               "content": {"application/json": {
                   "schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(schema_ref, description):
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


def document():
    """The OpenAPI 3.1 document of the API (its server URL from the current request)."""
    doc = _document()
    for operation in doc["paths"].values():
        operation["get"]["responses"]["400"] = BAD_REQUEST
    return doc


def _document():
    nullable_string = {"type": ["string", "null"]}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Consulta — open data",
            "version": "1.1",
            "description": "Read-only open data of public consultations on Open Government "
                           "action plans. Dates are ISO 8601 with offset. List endpoints "
                           "paginate and send a Link header. Responses carry an ETag and "
                           "honour If-None-Match. Since 1.1, `organizer` is the "
                           "organizing entity as an object {slug, name, level}; the text "
                           "it was before is `organizer_name`.",
        },
        "servers": [{"url": url_for("core.index", _external=True).rstrip("/")}],
        "paths": {
            "/api/v1/consultations": {"get": {
                "summary": "Announced consultations", "parameters": [PAGE, PER_PAGE],
                "responses": {"200": _json("ConsultationList", "A page of consultations")}}},
            "/api/v1/consultations/{slug}": {"get": {
                "summary": "One consultation with phases, components and its draft plan",
                "parameters": [SLUG],
                "responses": {"200": _json("ConsultationDetail", "The consultation"),
                              "404": NOT_FOUND}}},
            "/api/v1/consultations/{slug}/contributions": {"get": {
                "summary": "Its contributions with classification and published response",
                "parameters": [SLUG, PAGE, PER_PAGE, *CODED_FILTERS],
                "responses": {"200": _json("ContributionList", "A page of contributions"),
                              "404": NOT_FOUND}}},
            "/api/v1/consultations/{slug}/contributions.csv": {"get": {
                "summary": "The contribution matrix as CSV (UTF-8 with BOM)",
                "parameters": [SLUG],
                "responses": {"200": {"description": "CSV",
                                      "content": {"text/csv": {"schema": {"type": "string"}}}},
                              "404": NOT_FOUND}}},
            "/api/v1/consultations/{slug}/contributions.xlsx": {"get": {
                "summary": "The contribution matrix as XLSX", "parameters": [SLUG],
                "responses": {"200": {"description": "XLSX", "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}}}},
                    "404": NOT_FOUND}}},
            "/api/v1/consultations/{slug}/summary": {"get": {
                "summary": "The latest published summary, or another version",
                "parameters": [SLUG, {"name": "version", "in": "query",
                                      "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": _json("Summary", "A frozen summary"),
                              "404": NOT_FOUND}}},
            "/api/v1/consultations/{slug}/summary/v{version}/matrix": {"get": {
                "summary": "The frozen matrix rows of a published summary",
                "parameters": [SLUG, VERSION_PATH, PAGE, PER_PAGE],
                "responses": {"200": _json("SummaryMatrix", "A page of rows"),
                              "404": NOT_FOUND}}},
            "/api/v1/consultations/{slug}/final-plan": {"get": {
                "summary": "The approved final plan: commitments with the contributions "
                           "that shaped them, and the changes since the consulted draft",
                "parameters": [SLUG],
                "responses": {"200": _json("FinalPlan", "The published final plan"),
                              "404": NOT_FOUND}}},
            "/api/v1/consultations/{slug}/final-plan/traceability.csv": {"get": {
                "summary": "The traceability matrix (commitment × contribution) as CSV "
                           "(UTF-8 with BOM)",
                "parameters": [SLUG],
                "responses": {"200": {"description": "CSV",
                                      "content": {"text/csv": {"schema": {"type": "string"}}}},
                              "404": NOT_FOUND}}},
            "/api/v1/consultations/{slug}/final-plan/traceability.xlsx": {"get": {
                "summary": "The traceability matrix as XLSX", "parameters": [SLUG],
                "responses": {"200": {"description": "XLSX", "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}}}},
                    "404": NOT_FOUND}}},
            "/api/v1/consultations/{slug}/progress": {"get": {
                "summary": "The implementation progress of the final plan's commitments: "
                           "status, progress, milestones, indicators and published "
                           "reports (404 until the final plan is published)",
                "parameters": [SLUG, PAGE, PER_PAGE],
                "responses": {"200": _json("ProgressList", "A page of commitments"),
                              "404": NOT_FOUND}}},
            "/api/v1/entities": {"get": {
                "summary": "The organizing entities, by name",
                "parameters": [{"name": "level", "in": "query", "schema": {
                    "type": "string"}, "description": "Only the entities of this level of "
                    "government (a code of the deployment profile)."}],
                "responses": {"200": _json("EntityList", "The entities")}}},
            "/api/v1/openapi.json": {"get": {
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI document",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error", "message"], "properties": {
                "error": {"type": "integer"}, "message": {"type": "string"},
                "error_id": {"type": "string"},
                "parameter": {"type": "string"},
                "allowed": {"type": "array", "items": {"type": "string"}}}},
            "ConsultationSummary": {
                "type": "object",
                "required": ["slug", "title", "status", "scope", "opens_at", "closes_at",
                             "announced_at", "recorded_after_at", "announcement_reference",
                             "windows", "url"],
                "properties": {
                    "slug": {"type": "string"}, "title": {"type": "string"},
                    "summary": {"type": "string"},
                    "status": {"enum": ["announced", "open", "closed", "summary_published"]},
                    "scope": {"enum": ["national", "regional", "local"]},
                    "scope_region": nullable_string, "scope_locality": nullable_string,
                    "organizer": {"$ref": "#/components/schemas/Organizer"},
                    "organizer_name": {"type": "string", "description": "The organizing "
                                       "entity's name (what `organizer` was before 1.1)."},
                    "opens_at": {"type": "string", "format": "date-time"},
                    "closes_at": {"type": "string", "format": "date-time"},
                    "announced_at": {"type": "string", "format": "date-time"},
                    "recorded_after_at": {
                        "type": ["string", "null"], "format": "date-time",
                        "description": "When a consultation that had already taken place "
                                       "was published here, recorded after the fact; null "
                                       "for one announced here ahead of its opening."},
                    "announcement_reference": {
                        **nullable_string,
                        "description": "Where it was announced (the official notice)."},
                    "windows": {"type": "array",
                                "items": {"$ref": "#/components/schemas/Window"}},
                    "url": {"type": "string"}, "api_url": {"type": "string"}}},
            "Organizer": {
                "type": "object", "required": ["slug", "name", "level"],
                "description": "The organizing entity of a consultation.",
                "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                               "level": {"type": "string", "description": "A level of "
                                         "government of the deployment profile."}}},
            "Entity": {
                "type": "object", "required": ["slug", "name", "level", "url"],
                "properties": {
                    "slug": {"type": "string"}, "name": {"type": "string"},
                    "acronym": nullable_string, "level": {"type": "string"},
                    "region": nullable_string,
                    "parent": {**nullable_string, "description": "The slug of the entity "
                               "it depends on."},
                    "url": {"type": "string"}}},
            "EntityList": {"type": "object", "required": ["entities"], "properties": {
                "entities": {"type": "array",
                             "items": {"$ref": "#/components/schemas/Entity"}}}},
            "Window": {
                "type": "object", "required": ["channel", "opens_at", "closes_at", "reason"],
                "description": "A participation window: when one channel received "
                               "contributions (closes_at excluded).",
                "properties": {
                    "channel": {"enum": list(WINDOW_CHANNELS)},
                    "opens_at": {"type": "string", "format": "date-time"},
                    "closes_at": {"type": "string", "format": "date-time"},
                    "reason": {"type": "string", "description": "Why it was added or "
                               "last changed (an extension's reason); empty for the "
                               "period it was announced with."}}},
            "ConsultationList": {"type": "object", "required": ["consultations"], "properties": {
                "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "total": {"type": "integer"},
                "consultations": {"type": "array", "items": {
                    "$ref": "#/components/schemas/ConsultationSummary"}}}},
            "ConsultationDetail": {"allOf": [
                {"$ref": "#/components/schemas/ConsultationSummary"},
                {"type": "object", "properties": {
                    "description_html": {"type": "string"},
                    "methodology_html": {"type": "string"},
                    "forum_name": nullable_string,
                    "channels": {"type": "array", "items": {"type": "string"}},
                    "phases": {"type": "array", "items": {"type": "object"}},
                    "components": {"type": "array", "items": {"type": "object"}},
                    "draft_plan": {"type": ["object", "null"]},
                    "plan_versions": {"type": "array", "items": {"type": "object"}}}}]},
            "Response": {"type": ["object", "null"], "properties": {
                "outcome": {"enum": ["incorporated", "partially_incorporated",
                                     "already_covered", "not_incorporated", "out_of_scope",
                                     "referred"]},
                "justification": {"type": "string"},
                "incorporated_in": {"type": "array", "items": {"type": "integer"}},
                "referred_to": nullable_string,
                "published_at": {"type": "string", "format": "date-time"},
                "version": {"type": "integer"}}},
            "Contribution": {"type": "object", "required": ["tracking_code", "kind"],
                             "properties": {
                "id": {"type": "integer"}, "tracking_code": {"type": "string"},
                "url": {"type": "string"}, "kind": {"enum": ["proposal", "comment"]},
                "channel": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time",
                               "description": "When it was stored (see recorded_at)."},
                "received_at": {"type": "string", "format": "date-time",
                                "description": "When it was received: what figures and "
                                               "lists use (for a typed-in record, the "
                                               "start of its received day)."},
                "received_on": {"type": "string", "format": "date",
                                "description": "The day it was received, in the "
                                               "deployment's time zone."},
                "recorded_at": {"type": "string", "format": "date-time",
                                "description": "When it was sent through the web or typed "
                                               "in by staff."},
                "author": nullable_string, "organization": nullable_string,
                "sector": nullable_string, "region": nullable_string,
                "title": nullable_string, "body": nullable_string,
                "hidden": {"type": "boolean"}, "hidden_reason": nullable_string,
                "withdrawn": {"type": "boolean"}, "supports": {"type": "integer"},
                "group_id": {"type": ["integer", "null"]},
                "classification": {"type": ["object", "null"]},
                "response": {"$ref": "#/components/schemas/Response"}}},
            "ContributionList": {"type": "object", "required": ["contributions"],
                                 "properties": {
                "consultation": {"type": "string"}, "page": {"type": "integer"},
                "per_page": {"type": "integer"}, "total": {"type": "integer"},
                "pages": {"type": "integer"},
                "contributions": {"type": "array", "items": {
                    "$ref": "#/components/schemas/Contribution"}}}},
            "Summary": {"type": "object",
                        "required": ["version", "digest_sha256", "content"], "properties": {
                "consultation": {"type": "string"}, "version": {"type": "integer"},
                "published_at": {"type": "string", "format": "date-time"},
                "digest_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "rows": {"type": "integer"}, "content": {"type": "object"},
                "legacy_digest_sha256": {"type": ["string", "null"]},
                "digest_method_url": {"type": "string"},
                "redactions": {"type": "array", "items": {
                    "type": "object", "properties": {
                        "redacted_at": {"type": "string", "format": "date-time"},
                        "position": {"type": "integer"}, "code": {"type": "string"},
                        "field": {"type": "string"}, "reason": {"type": "string"},
                        "reason_text": {"type": "string"}}}},
                "matrix_url": {"type": "string"}}},
            "FinalPlanCommitment": {
                "type": "object",
                "required": ["number", "lineage", "title", "contributions", "progress"],
                "properties": {
                    "id": {"type": "integer"}, "number": {"type": "integer"},
                    "lineage": {"type": "string", "description": "The commitment's identity "
                                "across versions of the plan (the same in the consulted "
                                "draft and in the final plan)."},
                    "component": {"type": "string"}, "component_id": {"type": "integer"},
                    "title": {"type": "string"}, "summary": {"type": "string"},
                    "problem": {"type": "string"}, "objective": {"type": "string"},
                    "responsible": nullable_string,
                    "co_responsible": {"type": "array", "items": {"type": "string"}},
                    "actions": {"type": "array", "items": {"type": "object"}},
                    "due": nullable_string,
                    "principles": {"type": "array", "items": {"type": "object"}},
                    "url": {"type": "string"},
                    "contributions": {"type": "array", "items": {"type": "string"},
                                      "description": "Tracking codes of the contributions "
                                                     "incorporated (wholly or partly) into it."},
                    "progress": {"type": ["object", "null"],
                                 "description": "Its implementation progress (status and "
                                                "percentage, as in the progress endpoint).",
                                 "properties": {
                                     "status": {"enum": list(COMMITMENT_STATUSES)},
                                     "percent": {"type": "integer"}}}}},
            "FinalPlanChange": {
                "type": "object", "required": ["kind", "lineage", "reason"], "properties": {
                    "kind": {"enum": ["added", "changed", "merged", "removed"]},
                    "lineage": {"type": "string"},
                    "draft_number": {"type": ["integer", "null"]},
                    "final_number": {"type": ["integer", "null"]},
                    "merged_into": {"type": ["integer", "null"]},
                    "fields": {"type": "array", "items": {"type": "object", "properties": {
                        "field": {"type": "string"}, "before": {}, "after": {}}}},
                    "reason": {"type": "string"}}},
            "FinalPlan": {
                "type": "object",
                "required": ["consultation", "version", "approval_reference", "approved_on",
                             "commitments", "changes"],
                "properties": {
                    "consultation": {"type": "string"}, "title": {"type": "string"},
                    "version": {"type": "integer"}, "consulted_version": {"type": "integer"},
                    "approval_reference": {"type": "string"},
                    "approved_on": {"type": "string", "format": "date"},
                    "forum_endorsed_on": {"type": ["string", "null"], "format": "date"},
                    "forum_endorsement": {"type": "string"}, "note": {"type": "string"},
                    "published_at": {"type": "string", "format": "date-time"},
                    "url": {"type": "string"},
                    "commitments": {"type": "array", "items": {
                        "$ref": "#/components/schemas/FinalPlanCommitment"}},
                    "changes": {"type": "array", "items": {
                        "$ref": "#/components/schemas/FinalPlanChange"}}}},
            "CommitmentProgress": {
                "type": "object",
                "required": ["id", "lineage", "number", "title", "status", "progress",
                             "milestones", "indicators", "last_report_at", "reports"],
                "properties": {
                    "id": {"type": "integer"}, "lineage": {"type": "string"},
                    "number": {"type": "integer"}, "title": {"type": "string"},
                    "component": nullable_string, "responsible": nullable_string,
                    "status": {"enum": list(COMMITMENT_STATUSES), "description":
                               "Derived from its milestones: completed when every one not "
                               "cancelled is; delayed when one is delayed or overdue; "
                               "cancelled when all are; not started; in progress."},
                    "progress": {"type": "integer", "minimum": 0, "maximum": 100,
                                 "description": "Mean of its milestones' percentages, "
                                                "cancelled ones left out."},
                    "last_report_at": {"type": ["string", "null"], "format": "date-time"},
                    "url": {"type": "string"},
                    "milestones": {"type": "array", "items": {
                        "type": "object",
                        "required": ["description", "due", "status", "percent", "overdue"],
                        "properties": {
                            "position": {"type": "integer"},
                            "description": {"type": "string"},
                            "starts": nullable_string,
                            "due": {**nullable_string, "description": "YYYY-MM"},
                            "status": {"enum": list(MILESTONE_STATUSES)},
                            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
                            "as_of": {"type": ["string", "null"], "format": "date"},
                            "overdue": {"type": "boolean"}}}},
                    "indicators": {"type": "array", "items": {
                        "type": "object", "required": ["name", "baseline", "target", "latest"],
                        "properties": {
                            "name": {"type": "string"}, "unit": {"type": "string"},
                            "source": {"type": "string"},
                            "baseline": {"type": ["number", "null"]},
                            "target": {"type": ["number", "null"]},
                            "latest": {"type": ["object", "null"], "properties": {
                                "value": {"type": "number"},
                                "as_of": {"type": "string", "format": "date"},
                                "report_url": {"type": "string"}}}}}},
                    "reports": {"type": "array", "items": {
                        "type": "object", "properties": {
                            "number": {"type": "integer"},
                            "as_of": {"type": "string", "format": "date"},
                            "published_at": {"type": "string", "format": "date-time"},
                            "url": {"type": "string"}}}}}},
            "ProgressList": {"type": "object", "required": ["commitments"], "properties": {
                "consultation": {"type": "string"},
                "month": {"type": "string", "description": "The current month in the "
                          "deployment's time zone: milestones due before it are overdue."},
                "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "total": {"type": "integer"}, "pages": {"type": "integer"},
                "commitments": {"type": "array", "items": {
                    "$ref": "#/components/schemas/CommitmentProgress"}}}},
            "SummaryMatrix": {"type": "object", "required": ["rows"], "properties": {
                "consultation": {"type": "string"}, "version": {"type": "integer"},
                "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "total": {"type": "integer"},
                "rows": {"type": "array", "items": {"type": "object"}},
                "row_digests": {"type": "array", "items": {
                    "type": "object", "properties": {
                        "position": {"type": "integer"},
                        "salt": {"type": ["string", "null"]},
                        "seal": {"type": ["object", "null"]},
                        "digest": {"type": ["string", "null"]}}}}}},
        }},
    }
