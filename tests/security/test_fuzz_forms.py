"""Hypothesis posts random, over-long, unicode-heavy and malformed values to every form.

Every form of the site is discovered (form_catalog.py: each FlaskForm subclass and each
route that accepts POST must have a scenario, or test_every_form_and_post_route_is_fuzzed
fails). For each one, Hypothesis starts from a submission that succeeds and changes a few
fields: replaced by random or hostile text, numbers far out of range, impossible dates,
invalid UTF-8 and percent escapes, files that are not what they claim; dropped; repeated;
in the path instead of the body; sent as multipart; with a missing or wrong CSRF
token. It posts them as the role that uses the form, and checks after each one:

- never a 5xx;
- never a partial record: the row counts of every table either do not move (a rejected
  submission changes nothing) or move exactly as a whole success does (the scenario's
  deltas);
- afterwards, every page and export that shows what was stored still opens.

Cases per form: 600 on SQLite and 400 on PostgreSQL, with a different seed on each, so
one CI run (both databases) makes 1,000 distinct cases per form. A case is a real
request through the app, 9 ms on SQLite and 17 ms on PostgreSQL on the CI machine:
1,000 on each database would take about 5 and 9 minutes, the split keeps each run
near 3. CONSULTA_FUZZ_EXAMPLES sets the number on both. The seeds are fixed, so CI
runs the same cases every time; a failure prints the submission that caused it.
"""

import os
import re
import zlib
from datetime import date

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from consulta.extensions import db

from .form_catalog import (
    PAGES,
    SHOWN_IN,
    SMALL_PLAN,
    RowCounts,
    Upload,
    build_world,
    format_url,
    fuzz_app,  # noqa: F401  (the fixture)
    matches,
    pages_showing,
    scenario_id,
    scenarios,
    send,
    unmapped_forms,
    unmapped_post_endpoints,
)
from .form_catalog import Raw as R

#: Cases per form and database run (the two runs use different seeds).
EXAMPLES = {"sqlite": 600, "postgresql": 400}


def examples_on(dialect):
    return int(os.environ.get("CONSULTA_FUZZ_EXAMPLES") or EXAMPLES.get(dialect, 600))
SCENARIOS = scenarios()


# --- values -------------------------------------------------------------------------

HOSTILE_TEXT = [
    "", " ", "\t", "\r\n", "\n\n\n", "\u202eevil.exe", "a\u200bb\u200c\u200d\u2060", "\ufeff",
    "\u0301" * 40, "ß", "İ", "ﬃ", "😀" * 10, "\U0010ffff", "\x01\x02\x0b\x0c\x1b\x1f",
    "\x7f\x85\u2028\u2029", "\ufffe\uffff", "<script>alert(1)</script>", "\"'><img src=x>",
    "' OR 1=1 --", "%s%n%x", "%(name)s", "{0}", "{{7*7}}", "${7*7}", "../../etc/passwd",
    "=cmd|' /C calc'!A0", "null", "None", "true", "[]", "{}", "0", "-1", "1e309", "NaN",
    "٣", "²", "0x10", " 7 ", "+5", "99999999999999999999", "-99999999999999999999",
    "2147483648", "9223372036854775808", "2026-02-30", "0000-00-00", "9999-12-31",
    "10000-01-01", "2026-13", "2026-03-01T25:61", "1970-01-01T00:00", "https://",
    "javascript:alert(1)", "a" * 301, "APO-1999-000001",
]
#: Pieces sent as they are: invalid percent escapes, CESU surrogates, over-long UTF-8.
RAW_PIECES = [R("%zz"), R("%"), R("%E"), R("%ED%A0%80"), R("%C0%AF"), R("%FF%FE"),
              R("%F4%90%80%80"), R("a+b"), R("%C3%28"), R("%E2%82")]
INVALID_BYTES = [b"\xed\xa0\x80", b"\xc0\xaf", b"\xff", b"\xf8\x88\x80\x80\x80", b"\xe2\x82"]
#: Values that must always be refused (rarely drawn: test_encodings covers them).
UNSTORABLE = [b"\x00", "a\x00b", R("%00")]

texts = st.text(st.characters(codec="utf-8"), max_size=40)
#: Longer than every length limit of the forms (the longest is 50,000 characters).
over_long = st.builds(lambda piece, n: piece * n,
                      st.sampled_from(["x", "ñ", "😀", "\u200b", "a b", "\r\n"]),
                      st.sampled_from([301, 1_001, 5_001, 20_001, 50_001]))
#: Where integer columns, Python's datetime and the forms' ranges end.
BOUNDARIES = [0, -1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63 - 1, 2**63, 10**20, 10**100]
EDGE_DAYS = ["0001-01-01", "1899-12-31", "1900-01-01", "2200-12-31", "2201-01-01",
             "9999-12-31"]
numbers = st.one_of(st.integers(-5, 100), st.sampled_from(BOUNDARIES),
                    st.integers(-(2**70), 2**70)).map(str)
dates = st.one_of(st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
                  st.sampled_from(EDGE_DAYS))
datetimes = st.one_of(st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
                      st.sampled_from([f"{d}T{t}" for d in EDGE_DAYS for t in ("00:00",
                                                                               "23:59")]))

hostile = st.sampled_from(HOSTILE_TEXT)
raw_pieces = st.sampled_from(RAW_PIECES)
generic = st.one_of(  # repeated branches are drawn more often; NUL about once in 13
    hostile, hostile, hostile, texts, texts, texts, over_long, numbers, numbers,
    raw_pieces, raw_pieces, st.sampled_from(INVALID_BYTES), st.sampled_from(UNSTORABLE),
)

#: Files: empty, random, truncated, JSON of the wrong shape or too deep, the valid one.
file_contents = st.one_of(
    st.sampled_from([b"", b"{}", b"[]", b"null", b"not json", b"\xff\xfe", SMALL_PLAN[:40],
                     b"[" * 100_000, b'{"themes": [{"name": "x", "commitments": '
                     b'[{"number": 1e400, "title": "t"}]}]}',
                     b'{"themes": [{"name": "\\ud800", "commitments": [{"number": 1, '
                     b'"title": "\\u0000"}]}]}', b"PK\x03\x04" + b"\x00" * 100, SMALL_PLAN]),
    st.binary(max_size=2000),
)
file_names = st.sampled_from(["plan.json", "PLAN.JSON", "matriz.xlsx", "", "x", "a\u202enosj.exe",
                              "../../etc/passwd.json", "x" * 300 + ".json", "plan.json.exe"])
booleans = st.sampled_from(["y", "", "on", "false", "0", "1"])


def value_for(kind, choices):
    """Values for a field: its valid choices, values of its kind, anything hostile."""
    known = st.sampled_from(choices) if choices else generic
    return {
        "integer": st.one_of(numbers, known, generic),
        "date": st.one_of(dates, generic),
        "datetime": st.one_of(datetimes, dates, generic),
        "choice": st.one_of(known, numbers, generic),
        "multichoice": st.one_of(known, numbers, generic),
        "boolean": st.one_of(booleans, generic),
        "file": st.builds(Upload, file_names, file_contents),
        "csrf": st.one_of(st.just(""), texts, raw_pieces),
    }.get(kind, st.one_of(known, generic))


CSRF = object()  # stands for the client's real token, filled in when the request is sent
OPERATIONS = st.sampled_from(["set", "set", "set", "drop", "repeat"])
ENCODINGS = st.sampled_from(["urlencoded"] * 4 + ["multipart"])
PATH_VALUES = st.one_of(numbers, hostile, texts).filter(lambda v: v not in ("", ".", ".."))


class RoutePlan:
    """What the fuzzer may change in one route's valid submission (built once)."""

    def __init__(self, route, baseline, fields):
        self.route, self.baseline = route, baseline
        choices = {}
        for name, value in baseline:
            if not isinstance(value, Upload) and value is not CSRF:
                choices.setdefault(name, []).append(value)
        for name, values in route.extra.items():
            choices.setdefault(name, []).extend(values)
        names = sorted({*fields, *route.extra, *(n for n, _v in baseline), "csrf_token",
                        "role", "author_id", "x" * 60})  # and fields no form has
        rows = [n for n in names if re.match(r"\w+-\d+-", n)]  # rows of FieldLists
        # Each field of the form as likely as all the rows of a list together.
        self.names = st.one_of(st.sampled_from([n for n in names if n not in rows]),
                               *([st.sampled_from(rows)] if rows else []))
        self.values = {name: value_for(fields.get(name, "csrf" if name == "csrf_token"
                                                   else "text"), choices.get(name))
                       for name in names}
        placeholders = [p.split("}")[0] for p in route.path.split("{")[1:]]
        self.placeholders = st.sampled_from(placeholders) if placeholders else None


@st.composite
def submissions(draw, plans):
    """(route, path values, [(name, value)], encoding): a valid submission, a few of its
    fields set to other values, dropped or repeated; sometimes empty, sometimes with a
    hostile id in the path."""
    plan = plans[draw(st.integers(0, len(plans) - 1))]
    pairs = [] if draw(st.integers(0, 40)) == 0 else list(plan.baseline)
    for _ in range(draw(st.integers(0, 4))):
        name = draw(plan.names)
        value = draw(plan.values[name])
        operation = draw(OPERATIONS)
        if operation == "drop":
            pairs = [(n, v) for n, v in pairs if n != name]
        elif operation == "repeat" or not any(n == name for n, _v in pairs):
            pairs.append((name, value))
        else:
            pairs = [(n, value if n == name else v) for n, v in pairs]
    path_values = {}
    if plan.placeholders is not None and draw(st.integers(0, 15)) == 0:
        path_values[draw(plan.placeholders)] = draw(PATH_VALUES)
    return plan.route, path_values, pairs, draw(ENCODINGS)


def _explain(client, context, response):
    """The messages the user was shown (after following a redirect)."""
    page = response
    if response.status_code == 302:
        page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    messages = re.findall(r'class="flash[^"]*"[^>]*>\s*([^<]{0,200})', html)
    messages += re.findall(r'<li><a href="#[^"]*">([^<]{0,200})', html)
    return f"{context}; shown: {messages}"


def describe(scenario, route, url, pairs, encoding, response):
    shown = [(n, v if not isinstance(v, (str, bytes)) or len(v) < 120 else
              f"{v[:40]!r}…({len(v)} chars)") for n, v in pairs]
    return (f"{scenario.name} as {scenario.role_of(route)}: POST {url} ({encoding}) "
            f"{shown} -> {response.status_code} {response.headers.get('Location', '')}")


# --- tests --------------------------------------------------------------------------

def test_every_form_and_post_route_is_fuzzed(app):
    assert unmapped_forms(SCENARIOS) == set(), \
        "forms without a scenario in tests/security/form_catalog.py"
    assert unmapped_post_endpoints(app, SCENARIOS) == set(), \
        "POST routes without a scenario in tests/security/form_catalog.py"


def _newest_contribution_pages(app, limit=10):
    from sqlalchemy import select

    from consulta.contributions.models import Contribution

    with app.app_context():
        codes = db.session.scalars(select(Contribution.tracking_code)
                                   .order_by(Contribution.id.desc()).limit(limit)).all()
        db.session.remove()
    return [f"/contributions/{code}" for code in codes]


@pytest.mark.fuzz
@pytest.mark.parametrize("scenario", SCENARIOS, ids=scenario_id)
def test_fuzzed_submissions_never_fail_or_leave_partial_records(fuzz_app, scenario):  # noqa: F811
    app = fuzz_app
    world = build_world(app)
    counts = RowCounts(app)
    fields = scenario.fields()
    baselines = [route.valid(world) for route in scenario.routes]
    outcomes = {}

    def post(route, path_values, pairs, encoding):
        role = scenario.role_of(route)
        client = world.client(role)
        url = format_url(route.path, {**world.ids, **path_values})
        sent = [(n, world.tokens[role] if v is CSRF else v) for n, v in pairs]
        before = state["counts"]
        response = send(client, url, sent, encoding)
        context = describe(scenario, route, url, sent, encoding, response)
        state["last"] = (context, response)
        assert response.status_code < 500, context
        after = counts()
        state["counts"] = after
        delta = RowCounts.delta(before, after)
        succeeded = response.status_code < 400 and scenario.succeeded(response)
        if succeeded:
            assert any(matches(delta, pattern) for pattern in scenario.deltas), \
                f"partial or unexpected change {delta}: {context}"
            if scenario.after_success:
                scenario.after_success(world, route, response)
                state["counts"] = counts()
        else:
            assert delta == {}, f"a rejected submission changed {delta}: {context}"
        key = (route.path, response.status_code, bool(delta))
        outcomes[key] = outcomes.get(key, 0) + 1
        return succeeded, delta

    state = {"counts": counts()}
    # The valid submission of each route succeeds: the fuzzer starts from real successes.
    for route, baseline in zip(scenario.routes, baselines, strict=True):
        succeeded, _delta = post(route, {}, [*baseline, ("csrf_token", CSRF)], "urlencoded")
        assert succeeded, f"the valid submission of {route.path} did not succeed: " + \
            _explain(world.client(scenario.role_of(route)), *state["last"])

    plans = [RoutePlan(route, [*baseline, ("csrf_token", CSRF)], fields)
             for route, baseline in zip(scenario.routes, baselines, strict=True)]

    with app.app_context():
        dialect = db.engine.dialect.name

    @seed(zlib.crc32(f"{dialect}/{scenario.name}".encode()))
    @settings(max_examples=examples_on(dialect), deadline=None, database=None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(submission=submissions(plans))
    def fuzz(submission):
        post(*submission)

    fuzz()

    shown = [(role, format_url(path, world.ids)) for role, path in pages_showing(scenario)]
    if "contributions" in SHOWN_IN.get(scenario.name, PAGES):
        shown += [("moderator", url) for url in _newest_contribution_pages(app)]
    for role, url in shown:
        response = world.client(role).get(url)
        response.get_data()  # streamed exports fail while they are read
        assert response.status_code < 500, f"GET {url} as {role} after fuzzing {scenario.name}"
    print(scenario.name, sorted(outcomes.items()))
