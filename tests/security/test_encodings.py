"""Hostile encodings in every form field, query parameter and path segment.

What the site guarantees (consulta/core/request_input.py):

- A NUL character or a lone surrogate anywhere in a request is refused with a 400 page
  in the user's language, before any view runs: nothing changes. PostgreSQL cannot
  store a NUL and UTF-8 cannot encode a lone surrogate, so they cannot be kept.
- Invalid UTF-8, over-long UTF-8 and invalid percent escapes never cause an error:
  Werkzeug keeps a broken escape as the literal text, decodes invalid bytes in a
  multipart body as U+FFFD.
- A body that is not a form (JSON, text) gets 415: no form reads JSON.
- Right-to-left overrides, zero-width characters and control characters are text like
  any other: a contribution keeps them verbatim, pages show them escaped, and the
  exports still open (XLSX turns the characters XML cannot hold into spaces).
- Numbers beyond what a database integer holds, in a path or a query string, are
  "not found" or ignored, never an overflow.

Every form comes from form_catalog.py (so a new form is covered automatically), every
GET route from the URL map, every query parameter from QUERY_PARAMETERS (kept complete
by test_every_query_parameter_read_by_the_code_is_swept). Run on SQLite and PostgreSQL.
"""

import io
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from consulta.contributions.models import Contribution
from consulta.extensions import db

from .form_catalog import Raw as R
from .form_catalog import (
    RowCounts,
    Upload,
    build_world,
    format_url,
    fuzz_app,  # noqa: F401  (the fixture)
    scenarios,
    send,
)

SCENARIOS = scenarios()
ROOT = Path(__file__).resolve().parents[2]

#: Every query parameter the code reads (see the test that keeps this list complete).
QUERY_PARAMETERS = (
    "q", "page", "per_page", "sort", "kind", "component", "commitment", "sector", "region",
    "channel", "outcome", "withdrawn", "state", "status", "action", "role", "template",
    "version", "event", "received_on", "target", "target_id", "next", "all", "sent", "lang",
    "preview", "code", "responsible", "level", "entity",
)

#: What a path argument of the URL map stands for in the world.
PATH_ARGUMENTS = {
    "slug": "slug", "code": "proposal", "user_id": "target_user_id",
    "organization_id": "organization_id", "membership_id": "membership_id",
    "component_id": "component_id", "phase_id": "phase_id", "window_id": "window_id",
    "commitment_id": "draft_commitment_id", "section_id": "section_id",
    "event_id": "event_id", "group_id": "group_id", "template_id": "template_id",
    "response_id": "response_id", "token": "reset_token", "message_id": "message_id",
    "meeting_id": "meeting_id", "member_id": "member_id", "report_id": "report_id",
    "comment_id": "comment_id",
    "milestone_id": "fu_milestone_id", "indicator_id": "fu_indicator_id",
    "reporter_id": "fu_reporter_id", "evidence_id": "fu_evidence_id",
    "document_id": "fu_document_id",
    "role_id": "team_role_id",
}
FIXED_PATH_ARGUMENTS = {"version": 1, "number": 1, "language": "es",
                        "filename": "css/consulta.css", "action": "submit",
                        "format": "xlsx", "what": "how-to-take-part",
                        "key": "clave-de-nada", "name": "acta.pdf", "kind": "mid-term"}

REFUSED_ES = "Caracteres no permitidos"
REFUSED_EN = "Characters not allowed"
#: Right-to-left override, zero-width space / joiners, BOM, combining accent.
INVISIBLE = "Texto \u202eodatsiger\u202c con\u200bcero\u200d\u200c ancho\ufeffy a\u0301cento"
BROKEN_ESCAPES = R("a%ED%A0%80b%C0%AFc%FF%zz%E2%82d%")


def get_routes(app):
    """(endpoint, rule) of every GET route, with its arguments."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            routes.append(rule)
    return sorted(routes, key=lambda r: r.rule)


def url_for_rule(rule, world, overrides=None):
    values = {}
    for name in rule.arguments:
        if overrides and name in overrides:
            values[name] = overrides[name]
        elif name in PATH_ARGUMENTS:
            values[name] = world.ids[PATH_ARGUMENTS[name]]
        else:
            values[name] = FIXED_PATH_ARGUMENTS[name]
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: "{" + m.group(1) + "}", rule.rule)
    return format_url(path, values)


@pytest.fixture
def world(fuzz_app):  # noqa: F811  (the imported fixture)
    return build_world(fuzz_app)


# --- NUL and lone surrogates: refused, nothing changes -------------------------------

def test_every_query_parameter_read_by_the_code_is_swept():
    names = set()
    pattern = re.compile(
        r"""(?:request\.(?:args|values)|\bargs)(?:\.get|\.getlist|\[)\(?\s*["']([\w-]+)["']""")
    for path in (ROOT / "consulta").rglob("*.py"):
        names |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert names - set(QUERY_PARAMETERS) == set()


def test_every_path_argument_has_a_value(app, world):
    for rule in app.url_map.iter_rules():
        unknown = set(rule.arguments) - set(PATH_ARGUMENTS) - set(FIXED_PATH_ARGUMENTS)
        assert not unknown, f"{rule.rule}: add {unknown} to PATH_ARGUMENTS"


def test_a_nul_in_any_form_field_is_refused_and_changes_nothing(world):
    counts = RowCounts(world.app)
    before = counts()
    for scenario, route in ((s, r) for s in SCENARIOS for r in s.routes):
        fields = scenario.fields()
        role = scenario.role_of(route)
        client = world.client(role)
        valid = route.valid(world)
        names = sorted({*fields, *route.extra, *(n for n, _v in valid)} - {"csrf_token"})
        url = format_url(route.path, world.ids)
        for name in names:
            value = Upload("x\x00.json", b"{}") if fields.get(name) == "file" else "a\x00b"
            pairs = [(n, v) for n, v in valid if n != name]
            pairs += [(name, value), ("csrf_token", world.tokens[role])]
            response = send(client, url, pairs)
            assert response.status_code == 400, f"{url} {name}: {response.status_code}"
            assert REFUSED_ES in response.get_data(as_text=True), f"{url} {name}"
        # A NUL in a field's name, or in the middle of multipart data, is refused too.
        for pairs, encoding in (([*valid, ("na\x00me", "x")], "urlencoded"),
                                ([*valid, ("body", b"\xe2\x82\x00")], "multipart")):
            response = send(client, url, [*pairs, ("csrf_token", world.tokens[role])], encoding)
            assert response.status_code == 400, url
    assert counts() == before


def test_a_nul_in_any_query_parameter_or_path_segment_is_refused(app, world):
    client = world.client("admin")
    for rule in get_routes(app):
        url = url_for_rule(rule, world)
        for query in ("&".join(f"{name}=a%00b" for name in QUERY_PARAMETERS), "x%00=1"):
            response = client.get(f"{url}?{query}")
            assert response.status_code == 400, f"{url}?{query}"
            assert REFUSED_ES in response.get_data(as_text=True) \
                or response.is_json, url
        for name in rule.arguments:
            response = client.get(url_for_rule(rule, world, {name: "a\x00b"}))
            assert response.status_code in (400, 404), f"{rule.rule} {name}"


def test_the_refusal_speaks_the_users_language(world):
    client = world.client("participant")
    url = format_url("/consultations/{slug}/comments/new", world.ids)
    pairs = [("target", "plan"), ("body", "a\x00b"), ("send", "1"),
             ("csrf_token", world.tokens["participant"])]
    assert REFUSED_ES in send(client, url, pairs).get_data(as_text=True)
    client.get("/language/en")
    page = send(client, url, pairs).get_data(as_text=True)
    assert REFUSED_EN in page and "Nothing was saved" in page
    api = client.get("/api/v1/consultations?q=%00")
    assert api.status_code == 400 and api.get_json()["error"] == 400


def test_json_and_other_bodies_that_are_not_forms_get_415(world):
    """Flask-WTF would read a JSON body into any form: with lone surrogates, numbers,
    lists and nulls no browser sends. Every state-changing route refuses it."""
    counts = RowCounts(world.app)
    before = counts()
    for scenario in SCENARIOS:
        for route in scenario.routes:
            role = scenario.role_of(route)
            client = world.client(role)
            url = format_url(route.path, world.ids)
            valid = [(n, v) for n, v in route.valid(world) if not isinstance(v, Upload)]
            body = json.dumps({**dict(valid), "title": "\ud800", "body": "x\ud800y",
                               "number": 10**30, "csrf_token": world.tokens[role]})
            for data, content_type in ((body, "application/json"),
                                       (body, "text/plain"), (b"<x/>", "application/xml")):
                response = client.post(url, data=data, content_type=content_type,
                                       headers={"X-CSRFToken": world.tokens[role]})
                assert response.status_code == 415, f"{url} {content_type}"
    assert counts() == before


def test_a_plan_file_with_a_nul_or_a_lone_surrogate_is_refused_with_its_place(world):
    client = world.client("secretariat")
    url = format_url("/consultations/{slug}/plan/import", world.ids)
    counts = RowCounts(world.app)
    before = counts()
    plan = (b'{"themes": [{"name": "Salud\\u0000", "commitments": [{"number": 1, '
            b'"title": "T\\ud800", "co_responsible": ["ok", "x\\u0000"]}]}], '
            b'"\\ud800": "\\ud800"}')
    response = send(client, url, [("file", Upload("plan.json", plan)),
                                  ("csrf_token", world.tokens["secretariat"])])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for place in ("themes[0].name", "themes[0].commitments[0].title",
                  "themes[0].commitments[0].co_responsible[1]", "\ufffd"):
        assert place in page
    assert "no se puede guardar" in page
    assert counts() == before


# --- everything else: kept verbatim, or a clean answer -------------------------------

def test_broken_utf8_and_invisible_characters_in_any_field_never_fail(world):
    """Each text field in turn gets invalid UTF-8 and percent escapes, then right-to-left
    and zero-width characters; the whole form also goes as multipart with invalid bytes."""
    for scenario, route in ((s, r) for s in SCENARIOS for r in s.routes):
        fields = scenario.fields()
        valid = route.valid(world)
        names = [n for n, _v in valid if fields.get(n, "text") == "text"]
        role = scenario.role_of(route)
        for name in names:
            for value in (BROKEN_ESCAPES, INVISIBLE):
                client = world.client(role)
                url = format_url(route.path, world.ids)
                pairs = [(n, value if n == name else v) for n, v in valid]
                response = send(client, url, [*pairs, ("csrf_token", world.tokens[role])])
                assert response.status_code < 500, f"{url} {name}={value!r}"
                if scenario.succeeded(response) and scenario.after_success:
                    scenario.after_success(world, route, response)
        client = world.client(role)
        url = format_url(route.path, world.ids)
        pairs = [(n, b"\xed\xa0\x80\xc0\xaf\xff" + v.encode() if isinstance(v, str) else v)
                 for n, v in valid]
        response = send(client, url, [*pairs, ("csrf_token", world.tokens[role])], "multipart")
        assert response.status_code < 500, f"{url} multipart with invalid bytes"
        if scenario.succeeded(response) and scenario.after_success:
            scenario.after_success(world, route, response)


def test_broken_escapes_in_any_query_parameter_never_fail(app, world):
    client = world.client("admin")
    value = "x%ED%A0%80y%C0%AFz%zzw%E2%82" + quote(INVISIBLE) + "%"
    query = "&".join(f"{name}={value}" for name in QUERY_PARAMETERS)
    for rule in get_routes(app):
        url = url_for_rule(rule, world)
        response = client.get(f"{url}?{query}")
        response.get_data()  # a streamed export fails while it is read, if it fails
        assert response.status_code < 500, f"{url}?{query}"


def test_numbers_beyond_a_database_integer_are_not_found_not_errors(app, world):
    client = world.client("admin")
    huge = "99999999999999999999"
    for rule in get_routes(app):
        url = url_for_rule(rule, world)
        query = "&".join(f"{name}={huge}" for name in QUERY_PARAMETERS)
        response = client.get(f"{url}?{query}")
        response.get_data()
        assert response.status_code < 500, url
        numeric = [n for n, c in rule._converters.items() if c.regex == r"\d+"]
        for name in numeric:
            for value in (huge, str(2**31), str(2**63)):
                response = client.get(url_for_rule(rule, world, {name: value}))
                assert response.status_code == 404, f"{rule.rule} {name}={value}"
    for scenario in SCENARIOS:  # and in the ids of every form's URL
        for route in scenario.routes:
            role = scenario.role_of(route)
            client = world.client(role)
            for name in ("group_id", "phase_id", "component_id", "event_id", "template_id",
                         "organization_id", "membership_id", "response_id", "target_user_id",
                         "draft_commitment_id", "section_id", "participant_membership_id",
                         "message_id"):
                if "{" + name + "}" in route.path:
                    url = format_url(route.path, {**world.ids, name: huge})
                    response = send(client, url, [("csrf_token", world.tokens[role])])
                    assert response.status_code == 404, url


#: Form fields that carry the id of a row, with the role that posts them.
ID_FIELDS = [
    ("moderator", "/consultations/{slug}/contributions/offline/new", ("event", "commitment",
                                                                     "component")),
    ("participant", "/consultations/{slug}/proposals/new", ("component", "organization")),
    ("participant", "/consultations/{slug}/comments/new", ("target_id", "organization")),
    ("moderator", "/moderation/{proposal}", ("component", "commitment", "version")),
    ("moderator", "/consultations/{slug}/moderation/bulk", ("selected", "component")),
    ("moderator", "/moderation/{proposal}/group", ("with",)),
    ("secretariat", "/feedback/contributions/{proposal}", ("commitments", "version")),
    ("secretariat", "/consultations/{slug}/feedback/bulk", ("selected",)),
    ("secretariat", "/consultations/{slug}/plan/commitments/new", ("component", "number")),
]


def test_ids_beyond_a_database_integer_in_a_form_are_refused_cleanly(world):
    counts = RowCounts(world.app)
    before = counts()
    scenario_routes = {route.path: route for s in SCENARIOS for route in s.routes}
    for role, path, names in ID_FIELDS:
        valid = scenario_routes[path].valid(world) if path in scenario_routes else []
        for name in names:
            for value in ("99999999999999999999", str(2**31), "-99999999999999999999", "²"):
                pairs = [(n, v) for n, v in valid if n != name] + [(name, value)]
                if path.endswith(("/bulk", "/group")):
                    pairs.append(("selected", value))
                response = send(world.client(role), format_url(path, world.ids),
                                [*pairs, ("csrf_token", world.tokens[role])])
                assert response.status_code < 500, f"{path} {name}={value}"
    assert counts() == before


def _contribution(app, code):
    with app.app_context():
        item = db.session.scalar(select(Contribution).where(Contribution.tracking_code == code))
        db.session.expunge_all()
        return item


def _sent_code(response):
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return re.search(r"/contributions/([A-Z0-9-]+)", response.headers["Location"]).group(1)


def test_invisible_characters_in_a_contribution_are_kept_and_shown_verbatim(world):
    app, client = world.app, world.client("participant")
    token = world.tokens["participant"]
    title = "Datos \u202eabiertos\u202c y\u200b claros"
    response = send(client, format_url("/consultations/{slug}/proposals/new", world.ids), [
        ("component", str(world.ids["component_id"])), ("title", title),
        ("problem", INVISIBLE), ("objective", "<b>negrita</b> \u2066aislado\u2069"),
        ("organization", "0"), ("send", "1"), ("csrf_token", token)])
    code = _sent_code(response)
    stored = _contribution(app, code)
    assert (stored.title, stored.problem) == (title, INVISIBLE)
    assert stored.objective == "<b>negrita</b> \u2066aislado\u2069"

    page = client.get(f"/contributions/{code}").get_data(as_text=True)
    assert title in page and INVISIBLE in page
    assert "&lt;b&gt;negrita&lt;/b&gt;" in page and "<b>negrita" not in page
    api = client.get(format_url("/api/v1/consultations/{slug}/contributions?per_page=100",
                                world.ids)).get_json()
    assert any(c["title"] == title for c in api["contributions"])
    csv = client.get(format_url("/api/v1/consultations/{slug}/contributions.csv",
                                world.ids)).get_data(as_text=True)
    assert title in csv


def test_control_characters_are_kept_and_every_export_still_opens(world):
    """A vertical tab pasted from a slide, U+FFFE from a broken file: stored as sent;
    XML (so XLSX) cannot hold them, and one such contribution used to break the export
    of the whole consultation."""
    app, client = world.app, world.client("participant")
    body = "Primera línea\x0bsegunda\x0cpágina\x01\x1f fin \ufffe\uffff."
    code = _sent_code(send(client, format_url("/consultations/{slug}/comments/new",
                                              world.ids),
                           [("target", "plan"), ("body", body), ("send", "1"),
                            ("csrf_token", world.tokens["participant"])]))
    assert _contribution(app, code).body == body
    assert body in client.get(f"/contributions/{code}").get_data(as_text=True)

    for role, url in (("anonymous", "/api/v1/consultations/{slug}/contributions.xlsx"),
                      ("secretariat", "/consultations/{slug}/feedback/matrix.xlsx")):
        response = world.client(role).get(format_url(url, world.ids))
        assert response.status_code == 200, url
        cells = [c for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(
            values_only=True) for c in row if isinstance(c, str)]
        assert any("Primera línea segunda página   fin   ." in c for c in cells), url
    csv = world.client("anonymous").get(format_url(
        "/api/v1/consultations/{slug}/contributions.csv", world.ids)).get_data(as_text=True)
    assert body in csv
    api = world.client("anonymous").get(format_url(
        "/api/v1/consultations/{slug}/contributions?per_page=100", world.ids)).get_json()
    assert any(c["body"] == body for c in api["contributions"])
