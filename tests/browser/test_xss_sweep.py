"""Stored XSS sweep in a real browser (issue 10).

Every payload of tests/security_payloads.py goes through every user text field (found in
the forms, see xss_sweep.user_text_fields) and every query parameter a page reads (noted
while the pages are served). Then Chromium opens every page, the answers to refused and
previewed forms, every e-mail and every export that shows the values, with a dialog
handler and a ``window.__xss`` canary: nothing may run, no ``{{7*7}}`` may become 49, no
injected element or handler may reach the DOM, and the text must be shown as text.

Pages are read twice: with the page's CSP, and with ``bypass_csp=True`` so that the
escaping and the sanitizer are what is tested, not only the CSP (which forbids inline
scripts and would hide an escaping bug). The CSP run also reports any CSP violation.
"""

import csv
import io
import json
import re
import time
import zipfile
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from tests.browser.conftest import serve
from tests.browser.xss_sweep import (
    RAW_FORM_KEYS,
    Sweep,
    inject,
    raw_form_keys,
    record_query_reads,
    user_text_fields,
)
from tests.inert import active_html
from tests.security_payloads import EVALUATED, FORMULAS, TEXTS, pack

pytestmark = pytest.mark.browser

#: Fields whose text is never shown back as it was typed, and why (the payloads still go
#: through them; the canary and DOM checks still apply wherever they end up).
NOT_SHOWN_VERBATIM = {
    "RegistrationForm.password": "a password is never shown",
    "RegistrationForm.password_confirm": "a password is never shown",
    "LoginForm.password": "a password is never shown",
    "ResetPasswordForm.password": "a password is never shown",
    "ResetPasswordForm.password_confirm": "a password is never shown",
    "ChangePasswordForm.password": "a password is never shown",
    "ChangePasswordForm.password_confirm": "a password is never shown",
    "ChangePasswordForm.current_password": "a password is never shown",
    "DeleteAccountForm.password": "a password is never shown",
    "RegistrationForm.fax_only": "honeypot: the submission is dropped",
    "ProposalForm.fax_only": "honeypot: the submission is dropped",
    "CommentForm.fax_only": "honeypot: the submission is dropped",
    "JoinGroupForm.target": "never read (the form is not rendered)",
    "MaskForm.fragment": "what it names is masked: shown nowhere",
    "ClassifyForm.tags": "tags are lower-cased and split at commas",
    "BulkClassifyForm.tags": "tags are lower-cased and split at commas",
    "ConsultationForm.description": "Markdown: rendered and sanitized",
    "ConsultationForm.methodology": "Markdown: rendered and sanitized",
    "SectionForm.body": "Markdown: rendered and sanitized",
    "SummaryTextsForm.introduction": "Markdown: rendered and sanitized",
    "PlanImportForm.file": "a file: its texts are checked where they are shown",
    "MatrixImportForm.file": "a file: its texts are checked where they are shown",
    "ImportForm.file": "a file: its texts are checked where they are shown",
    "ImportConfirmForm.digest": "64 hexadecimal digits or refused; never shown",
    "ImportConfirmForm.format": "xlsx or csv or refused; never shown",
    "AssistedContributionForm.contact": "personal data: only on the secretariat's list of "
                                        "authors to tell, once a response is published",
    "ForumMeetingForm.agenda": "Markdown: rendered and sanitized",
    "ForumMeetingForm.attendance": "a whole number or refused",
    "ForumMeetingForm.minutes_url": "a link (an href), or refused",
    "ForumMeetingForm.minutes": "a file: checked by content, never HTML or SVG",
    "ForumMemberForm.email": "an account's address: never shown in public",
    "ObservationForm.body": "Markdown: rendered and sanitized",
    "ReportCommentForm.body": "Markdown: rendered and sanitized",
}

#: GET endpoints that are not HTML pages, and where they are checked instead.
NOT_PAGES = {
    "static": "files of the application",
    "core.health": "health check (JSON)",
    "core.set_language": "a redirect",
    "accounts.confirm_email": "a redirect after confirming",
    "accounts.export_data": "JSON download: test_exports_keep_payloads_inert",
    "feedback.export": "XLSX download: test_exports_keep_payloads_inert",
    "summary.pdf": "PDF download: test_exports_keep_payloads_inert",
    "summary.version_csv": "CSV download: the frozen rows, as the API's matrix",
    "summary.version_xlsx": "XLSX download: the frozen rows, as the API's matrix",
    "offline.import_template": "XLSX/CSV download: the template's headers and lists",
    "offline.receipt_pdf": "PDF download (reportlab escapes its text)",
    "offline.printable": "PDF download (reportlab escapes its text)",
    "forum.minutes": "a document download: checked type, nosniff and a sandboxing CSP",
    "followup_manage.document": "a document download: checked type, nosniff, sandbox CSP",
    "followup.assessment_pdf": "PDF download (reportlab escapes its text)",
    "followup.assessment_json": "JSON download of the frozen rows",
    "followup.assessment_csv": "CSV download of the frozen rows (formula cells neutralized)",
}

INIT_SCRIPT = """
window.__xss = 0;
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + (e.sample || e.blockedURI)));
"""

#: One look at the page after load: the canary, CSP violations, what user text must never
#: produce in the DOM, templates that were evaluated, and the text (to check it is shown).
CHECK = """
async ([evaluated, wantText]) => {
  // Let autofocus, ontoggle and image errors fire before looking.
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  const problems = [];
  const own = /\\/static\\/js\\/consulta\\.js$/;
  const urls = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster',
                'background', 'codebase', 'cite', 'to', 'from', 'values', 'by', 'content'];
  const bad = /^(javascript|vbscript|livescript):|^data:(text\\/html|image\\/svg|application)/;
  for (const el of document.querySelectorAll('*')) {
    const tag = el.localName;
    if (tag === 'script' && !own.test(el.getAttribute('src') || '')) problems.push('<script>');
    if (['iframe', 'frame', 'object', 'embed', 'base', 'applet', 'math', 'template',
         'noscript', 'xmp', 'video', 'audio', 'source'].includes(tag))
      problems.push('<' + tag + '>');
    if (tag === 'style' || (tag === 'link' && el.closest('body')))
      problems.push('<' + tag + '>');
    if (tag === 'meta' && el.hasAttribute('http-equiv')) problems.push('<meta http-equiv>');
    if (tag === 'img' && !(el.getAttribute('src') || '').startsWith('/static/'))
      problems.push('<img src="' + (el.getAttribute('src') || '').slice(0, 40) + '">');
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) problems.push('<' + tag + ' ' + attr.name + '>');
      const value = attr.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
      if (urls.includes(attr.name) && bad.test(value))
        problems.push('<' + tag + ' ' + attr.name + '="' + attr.value.slice(0, 40) + '">');
    }
  }
  const text = [document.body ? document.body.innerText : '',
                ...[...document.querySelectorAll('input, textarea')].map(e => e.value)]
               .join(' ').replace(/\\s+/g, ' ');
  const html = document.documentElement.outerHTML;
  return {xss: window.__xss, csp: window.__csp || [], problems,
          evaluated: evaluated.filter(e => text.includes(e) || html.includes(e)),
          text: wantText ? text : ''};
}
"""

def _normal(text):
    return " ".join(text.split())


# --- fixtures ------------------------------------------------------------------------

def _quick_hash(password):
    """scrypt with a small cost: hashing is not what this module tests, and the sweep
    registers and logs in dozens of accounts (the hash still verifies as scrypt)."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="scrypt:1024:8:1")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    started = time.monotonic()
    # Static files cached by the browser: hundreds of views need the stylesheet only once.
    server, stop = serve(tmp_path_factory, RATELIMIT_ENABLED=False,
                         SEND_FILE_MAX_AGE_DEFAULT=3600)
    reads, stop_reading = record_query_reads(server.app)
    sweep = Sweep(server)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("consulta.accounts.operations.hash_password", _quick_hash)
        inject(sweep)
    sweep.reads = reads
    sweep.timings["inject"] = round(time.monotonic() - started, 1)
    yield sweep
    stop_reading()
    stop()


class Browser:
    """One page per role, with the canary and a dialog recorder, and what was seen."""

    def __init__(self, sweep, new_context, bypass_csp):
        self.sweep, self.new_context, self.bypass_csp = sweep, new_context, bypass_csp
        self.pages = {}
        self.dialogs = []
        self.problems = []
        self.corpus = []
        self.views = 0

    def page(self, role):
        if role not in self.pages:
            context = self.new_context(bypass_csp=self.bypass_csp)
            context.add_init_script(INIT_SCRIPT)
            context.add_cookies(self.sweep.cookies(role))
            context.route("**/__captured/**", self._fulfill)
            page = context.new_page()
            page.on("dialog", self._dialog)
            self.pages[role] = page
        return self.pages[role]

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _fulfill(self, route):
        number = route.request.url.rsplit("/", 1)[1]
        if not number.isdigit():  # a relative link of the captured page (<img src=x>)
            route.fulfill(status=404, body="")
            return
        item = self.sweep.captured[int(number)]
        headers = {k: v for k, v in item["headers"].items()
                   if k.lower() not in ("content-length", "set-cookie")}
        route.fulfill(status=item["status"], headers=headers, body=item["body"])

    def visit(self, role, path, label=None):
        page = self.page(role)
        before = len(self.dialogs)
        response = page.goto(self.sweep.server(path), wait_until="load")
        self.views += 1
        status = response.status if response else None
        seen = page.evaluate(CHECK, [EVALUATED, self.bypass_csp])
        found = [f"status {status}"] if status is None or status >= 500 else []
        found += [f"dialog: {m}" for m in self.dialogs[before:]]
        found += ["window.__xss was set"] if seen["xss"] != 0 else []
        for frame in page.frames[1:]:  # injected frames (the DOM check names them too)
            try:
                if frame.evaluate("() => window.__xss") != 0:
                    found.append("window.__xss was set in a frame")
            except Exception:  # noqa: S110 (a cross-origin frame: reported by the DOM check)
                pass
        if not self.bypass_csp:
            found += [f"CSP violation: {v}" for v in seen["csp"]]
        found += seen["problems"]
        found += [f"evaluated template: {e}" for e in seen["evaluated"]]
        self.corpus.append(seen["text"])
        if found:
            self.problems.append((label or f"{role} {path[:120]}", sorted(set(found))))
        return page

    def report(self):
        return "\n".join(f"{label}: {', '.join(problems)}" for label, problems in self.problems)


def _echo_lengths(sweep, role, path, params):
    """How many characters of each parameter the page shows as text or in an attribute
    (0: none), and which parameters it echoes only inside links (URL-encoded)."""
    marker = "b " * 1500  # spaces: "b b b" in the page, "b+b+b" or "b%20b" in a link
    query = dict(parse_qsl(urlsplit(path).query))
    query.update({p: f"zq{i}q{marker}" for i, p in enumerate(params)})
    html = sweep.client(role).get(urlsplit(path).path + "?" + urlencode(query)).get_data(
        as_text=True)
    lengths, in_links = {}, set()
    for i, param in enumerate(params):
        runs = re.findall(rf"zq{i}q((?:b )+b?)", html)
        lengths[param] = max((len(f"zq{i}q" + r) for r in runs), default=0)
        if re.search(rf"zq{i}qb(?:\+|%20)b", html):
            in_links.add(param)
    return lengths, in_links


def query_sweeps(sweep):
    """(role, path) views that put payloads in every query parameter each page reads.

    A parameter the page shows in full gets every payload in one view; one it shortens
    (search boxes keep 100 or 200 characters) gets as many views as it takes. Parameters
    only echoed inside links, or not at all, get every payload once.
    """
    if hasattr(sweep, "query_views"):
        return sweep.query_views
    views, seen = [], set()
    sweep.echoes, sweep.subsumed = {}, set()
    for role, path in sweep.pages:
        endpoint = sweep.endpoint(path)
        if endpoint in seen:
            continue
        seen.add(endpoint)
        sweep.client(role).get(path + ("&" if "?" in path else "?") + "zz_other=1")
        params = sorted(sweep.reads.get(endpoint, set()) | {"zz_other"})
        lengths, in_links = _echo_lengths(sweep, role, path, params)
        values = {p: pack(min(max(n, 80), 3000)) for p, n in lengths.items() if n}
        count = max((len(v) for v in values.values()), default=1)
        for j in range(count):
            query = dict(parse_qsl(urlsplit(path).query))
            query.update({p: v[j % len(v)] for p, v in values.items()})
            if j == 0:
                query.update({p: "\n".join(TEXTS) for p in params if p not in values})
            views.append((role, urlsplit(path).path + "?" + urlencode(query)))
        sweep.echoes[endpoint] = {p: lengths[p] or ("in links" if p in in_links else 0)
                                  for p in params}
        if "?" not in path:  # the first view is that page with payloads added: enough
            sweep.subsumed.add((role, path))
    sweep.query_views = views
    return views


# --- what must be covered ------------------------------------------------------------

def test_every_user_text_field_gets_every_payload(sweep):
    fields = user_text_fields()
    missing = sorted(set(fields) - set(sweep.sent))
    assert not missing, (
        "these form fields take text but the sweep sends nothing through them; add them "
        "to tests/browser/xss_sweep.py (the route and role that use them): " + str(missing))
    short = {}
    for key, values in sweep.sent.items():
        if fields.get(key) in ("text", "free choice"):
            carried = "\n".join(values)
            lacking = [p for p in TEXTS if p not in carried]
            if lacking:
                short[key] = lacking[:3]
    assert not short, f"fields that did not get every payload: {short}"
    notes = "\n".join(v for key, values in sweep.raw.items() if key.startswith("note-")
                      for v in values)
    assert all(p in notes for p in TEXTS), "the summary's IRM notes (raw form keys)"
    assert len(fields) >= 60, fields  # the forms found are the real ones


def test_every_raw_form_key_is_declared():
    undeclared = raw_form_keys() - set(RAW_FORM_KEYS)
    assert not undeclared, (
        f"request.form keys read outside a form: {undeclared}; sweep them or say in "
        "RAW_FORM_KEYS why a payload cannot reach a page through them")


def test_every_html_page_is_read(sweep):
    endpoints = {sweep.endpoint(path) for _role, path in sweep.pages}
    endpoints |= {sweep.endpoint(item["path"]) for item in sweep.captured}
    pages = {rule.endpoint for rule in sweep.app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.endpoint.startswith("api.")}
    missing = sorted(pages - endpoints - set(NOT_PAGES))
    assert not missing, f"pages the sweep never opens: {missing}"


# --- the browser ---------------------------------------------------------------------

@pytest.mark.parametrize("bypass_csp", [True, False], ids=["escaping-only", "with-csp"])
def test_pages_show_payloads_as_text(sweep, new_context, bypass_csp):
    started = time.monotonic()
    browser = Browser(sweep, new_context, bypass_csp)
    params = query_sweeps(sweep)
    pages = [page for page in dict.fromkeys(sweep.pages) if page not in sweep.subsumed]
    captured = list(enumerate(sweep.captured))
    if not bypass_csp:  # with the CSP: one view of every page type is enough
        firsts, answers = {}, {}
        for role, path in params + pages:
            firsts.setdefault(sweep.endpoint(path), (role, path))
        for number, item in captured:
            answers.setdefault(sweep.endpoint(item["path"]), (number, item))
        pages, params, captured = list(firsts.values()), [], list(answers.values())
    for role, path in pages + params:
        browser.visit(role, path)
    for number, item in captured:
        browser.visit(item["role"] if item["role"] in sweep.clients else "anon",
                      f"/__captured/{number}", label=f"{item['label']} ({item['path']})")
    sweep.timings[f"browser {'bypass' if bypass_csp else 'csp'}"] = (
        round(time.monotonic() - started, 1), browser.views)
    assert not browser.problems, f"{len(browser.problems)} pages let a payload act:\n" + \
        browser.report()
    if bypass_csp:
        corpus = "\n".join(browser.corpus)  # whitespace already collapsed by the browser
        invisible = []
        for key, values in sorted(sweep.sent.items()):
            if key in NOT_SHOWN_VERBATIM or user_text_fields().get(key) != "text":
                continue
            if not any(_normal(v) and _normal(v) in corpus for v in values):
                invisible.append(key)
        assert not invisible, (
            "fields whose payloads are never shown as text (escaped twice, dropped, or "
            f"turned into HTML?): {invisible}")


def test_emails_are_plain_text_and_inert(sweep, new_context):
    """Every message with a payload goes out as text/plain only (no HTML part a mail
    client could render), with a one-line subject and no template evaluated; shown by
    Chromium, offline, as a mail client shows plain text, nothing runs."""
    from consulta.core.mail import build_message

    messages = [m for m in sweep.outbox() if any(p in m.body or p in m.subject
                                                 for p in TEXTS)]
    assert len(messages) >= 50, len(messages)
    assert {"display name", "organization", "justification", "hidden note"} <= {
        kind for m in messages for kind, value in (
            ("display name", "Hola"), ("organization", "unirse a"),
            ("justification", "Se revisó el aporte"), ("hidden note", "ha sido ocultado"))
        if value in m.body or value in m.subject}, "kinds of e-mail that carry payloads"
    problems, bodies = [], []
    with sweep.app.app_context():
        for message in messages:
            email = build_message(message)
            if email.is_multipart() or email.get_content_type() != "text/plain":
                problems.append((message.id, email.get_content_type()))
            if "\n" in email["Subject"] or "\r" in email["Subject"]:
                problems.append((message.id, "line break in the subject"))
            if any(e in message.body or e in message.subject for e in EVALUATED):
                problems.append((message.id, "evaluated template"))
            bodies.append(email.get_content())
    assert not problems, problems
    # All of them in one plain-text document: plain text has no context to break out of.
    document = "\n\f\n".join(bodies)
    context = new_context(bypass_csp=True, offline=True)
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.route("**/outbox.txt", lambda route: route.fulfill(
        status=200, headers={"Content-Type": "text/plain; charset=utf-8"}, body=document))
    page.goto("http://mail.invalid/outbox.txt")
    seen = page.evaluate(CHECK, [EVALUATED, True])
    assert seen["xss"] == 0 and not seen["problems"] and not seen["evaluated"], seen
    assert not dialogs, dialogs
    assert all(_normal(body) in seen["text"] for body in bodies), "not shown as text"


def _cells_of_xlsx(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        xml = "".join(archive.read(n).decode() for n in sheets)
    assert "<f>" not in xml and "<f " not in xml, "a cell is a formula"
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
            for cell in row if isinstance(cell, str)]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_exports_keep_payloads_inert(sweep, new_context):
    slug = sweep.ids["M"]
    anon = sweep.client("anon")
    problems = []
    # CSV: the published matrix, cell by cell, except that a cell that would start a
    # formula is neutralized with an apostrophe.
    text = anon.get(f"/api/v1/consultations/{slug}/contributions.csv").get_data(as_text=True)
    header, *rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    frozen = {row["code"]: row for page in (1, 2, 3) for row in json.loads(anon.get(
        f"/api/v1/consultations/{slug}/summary/v1/matrix?per_page=100&page={page}")
        .get_data())["rows"]}
    assert len(rows) == len(frozen) > 50
    for row in rows:
        expected = frozen[row[header.index("code")]]
        for name in ("title", "text", "author", "organization", "justification",
                     "referred_to", "component"):
            value = row[header.index(name)]
            wanted = expected[name] or ""
            if wanted.startswith(("=", "+", "-", "@", "\t", "\r")):
                wanted = "'" + wanted
            if value != wanted:
                problems.append(f"CSV {name} of {expected['code']}: {value[:60]!r}")
    cells = [cell for row in rows for cell in row]
    problems += [f"CSV formula: {c[:40]}" for c in cells if c.startswith(("=", "+", "-", "@",
                                                                          "\t", "\r"))]
    assert not problems, problems
    assert {f for f in FORMULAS if any(c.startswith("'" + f) for c in cells)} == set(FORMULAS)
    assert sum(p in text for p in TEXTS) > len(TEXTS) / 2, "the CSV lost its payloads"
    # XLSX: text cells are strings, never formulas (open data and the secretariat's matrix).
    for name, data in (
            ("open data", anon.get(f"/api/v1/consultations/{slug}/contributions.xlsx").data),
            ("matrix", sweep.get("secretariat",
                                 f"/consultations/{slug}/feedback/matrix.xlsx").data)):
        strings = _cells_of_xlsx(data)
        assert any(s.startswith(tuple(FORMULAS)) for s in strings), name
    # JSON: payloads are JSON strings; the HTML the API renders is sanitized.
    for path in ("/api/v1/consultations", f"/api/v1/consultations/{slug}",
                 f"/api/v1/consultations/{slug}/contributions?per_page=100",
                 f"/api/v1/consultations/{slug}/summary",
                 f"/api/v1/consultations/{slug}/summary/v1/matrix?per_page=100"):
        response = anon.get(path)
        assert response.mimetype == "application/json", path
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        data = json.loads(response.get_data(as_text=True))
        strings = list(_strings(data))
        assert any(p in s for s in strings for p in TEXTS[:5]), path
        for key_path, value in _html_values(data):
            problems += [f"{path} {key_path}: {p}" for p in active_html(value)]
    account = sweep.get("p0", "/account/export")
    assert account.mimetype == "application/json"
    assert any(TEXTS[0] in s for s in _strings(json.loads(account.get_data(as_text=True))))
    pdf = anon.get(f"/consultations/{slug}/summary/v1.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and len(pdf.data) > 5000
    assert not problems, problems
    # The JSON as a browser shows it when someone opens the link.
    browser = Browser(sweep, new_context, bypass_csp=True)
    for path in (f"/api/v1/consultations/{slug}", f"/api/v1/consultations/{slug}/summary",
                 f"/api/v1/consultations/{slug}/contributions?per_page=100"):
        browser.visit("anon", path)
    assert not browser.problems, browser.report()


def _html_values(data, path=""):
    if isinstance(data, dict):
        for key, value in data.items():
            if key.endswith("_html") and isinstance(value, str):
                yield f"{path}.{key}", value
            else:
                yield from _html_values(value, f"{path}.{key}")
    elif isinstance(data, list):
        for n, item in enumerate(data):
            yield from _html_values(item, f"{path}[{n}]")


def test_query_parameters_are_found_and_their_echoes_measured(sweep):
    """The sweep finds the parameters pages read and how much of each they show: the
    search boxes (shortened), the moderation filters and the log-in ``next`` (in full).
    If this finding broke, the query sweep would quietly test nothing."""
    query_sweeps(sweep)
    shown = {(e, p): n for e, lengths in sweep.echoes.items() for p, n in lengths.items()
             if isinstance(n, int) and n}
    for endpoint, param in (("accounts.admin_users", "q"), ("accounts.organizations", "q"),
                            ("contributions.index", "q"), ("moderation.queue", "q"),
                            ("accounts.login", "next")):
        assert shown.get((endpoint, param)), (endpoint, param, sweep.echoes.get(endpoint))
    assert {"q", "sort", "per_page", "kind"} <= sweep.reads["contributions.index"]
    # Every page shows its own address in its links (language switch, log in).
    assert all(lengths["zz_other"] == "in links" for lengths in sweep.echoes.values()
               if "zz_other" in lengths and lengths["zz_other"] != 0)
    fields = user_text_fields()
    print(f"\nXSS sweep: {len(TEXTS)} payloads × {len(fields)} text fields; "
          f"{len(set(sweep.pages))} pages, {len(sweep.query_views)} query views, "
          f"{len(sweep.captured)} form answers; timings {sweep.timings}")
    print("shown (characters):", shown)
    print("fields → (role, route):", {k: sorted(v) for k, v in sorted(sweep.routes.items())})
