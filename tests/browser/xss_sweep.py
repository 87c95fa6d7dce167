"""The stored-XSS sweep's machinery: what to cover (found in the code), and the injection.

``user_text_fields()`` finds every text field of every form in ``consulta`` (StringField
and its subclasses, free-choice selects, file uploads). ``Sweep`` posts the payloads of
tests/security_payloads.py through each of them, as the role that may use it, recording
what went where; ``inject()`` is the whole story of a consultation told with hostile text:
the secretariat prepares it, participants and organizations take part, moderators
systematize, the secretariat answers and publishes the summary. The browser checks in
test_xss_sweep.py then read every page, e-mail and export.
"""

import importlib
import io
import json
import pkgutil
import re
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import request_started
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import FieldList, FileField, FormField, StringField
from wtforms.fields.choices import SelectFieldBase
from wtforms.fields.core import UnboundField

from consulta.accounts.models import Entity, Membership, Organization, User
from consulta.consultations.models import (
    Commitment,
    Component,
    Consultation,
    Event,
    ParticipationWindow,
    Phase,
    PlanSection,
)
from consulta.contributions.models import Contribution, ContributionGroup
from consulta.core.dates import utcnow
from consulta.extensions import db
from consulta.feedback.models import AnswerTemplate, Response
from consulta.followup.models import ForumMeeting, ForumMember, ReportComment
from consulta.summary.irm import guidelines
from consulta.summary.views import SummaryTextsForm
from tests.security_payloads import FORMULAS, TEXTS, pack

DEMO_PASSWORD = "consulta-demo-2026"
SECRETARIAT = "secretaria@demo.consulta.pe"
MODERATOR = "moderador@demo.consulta.pe"
ADMIN = "admin@demo.consulta.pe"
ALL = "\n".join(TEXTS)  # every payload in one value, for long text fields
PARTS = pack(700)  # every payload in a few values, for long fields of many records
SENTENCES = "Se revisó el aporte con cuidado. La decisión se explica a continuación.\n"


# --- what must be covered --------------------------------------------------------

def form_classes():
    """Every FlaskForm subclass defined in the consulta package (all modules imported)."""
    import consulta

    for info in pkgutil.walk_packages(consulta.__path__, "consulta."):
        importlib.import_module(info.name)
    found, stack = set(), [FlaskForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return {cls for cls in found if cls.__module__.startswith("consulta.")}


def _unbound_fields(form_class):
    for name in dir(form_class):
        value = getattr(form_class, name, None)
        if not name.startswith("_") and isinstance(value, UnboundField):
            yield name, value


def text_kind(unbound):
    """"text", "file" or "free choice" for a field a user can put any text in; else None."""
    cls = unbound.field_class
    if issubclass(cls, FieldList):
        inner = unbound.args[0]
        return None if issubclass(inner.field_class, FormField) else text_kind(inner)
    if issubclass(cls, FileField):
        return "file"
    if issubclass(cls, StringField):  # TextArea, Password, Hidden, Email, URL, Search…
        return "text"
    if issubclass(cls, SelectFieldBase) and unbound.kwargs.get("validate_choice") is False \
            and unbound.kwargs.get("coerce", str) is str:
        return "free choice"  # the form itself does not check the value is an option
    return None


def user_text_fields():
    """{"FormClass.field": kind} for every field of every form that takes text."""
    fields = {}
    for cls in form_classes():
        for name, unbound in _unbound_fields(cls):
            kind = text_kind(unbound)
            if kind:
                fields[f"{cls.__name__}.{name}"] = kind
    return fields


def field_key(form_class, name):
    """"FormClass.field" for a posted name ("actions-0-description" → "ActionForm.description"),
    or None when that name is not a text field of the form."""
    head, _sep, rest = name.partition("-")
    unbound = dict(_unbound_fields(form_class)).get(head)
    if unbound is None:
        return None
    if issubclass(unbound.field_class, FieldList) and rest:
        inner = unbound.args[0]
        if issubclass(inner.field_class, FormField):
            return field_key(inner.args[0], rest.partition("-")[2])
        unbound = inner
    return f"{form_class.__name__}.{head}" if text_kind(unbound) else None


#: request.form keys read outside a form class, and why no payload needs to reach them.
RAW_FORM_KEYS = {
    "email": "rate-limit key only (the form's own e-mail field is swept)",
    "decision": "compared with 'approve'/'reject'",
    "is_admin": "compared with '0'/'1'",
    "send": "a flag (preview or send)",
    "another": "a flag (type in another)",
    "then": "compared with an allow-list of actions",
    "action": "compared with an allow-list of actions",
    "status": "checked against the dashboard's statuses before the redirect",
    "state": "checked against the queue's tabs before the redirect",
    "release": "compared with the fragments held on the row (else refused, never shown)",
    "scope": "compared with 'all'",
    "next": "a flag on the classify form; safe_next elsewhere (swept as a query parameter)",
    "group": "read as an integer",
    "with": "tracking codes looked up exactly",
    "selected": "digits only",
    "confirmed": "compared with a digest the server computes of the matching ids",
    "target": "resolve_target allow-list (swept as a query parameter of the comment form)",
    "target_id": "read as an integer",
    "direction": "compared with 'up'/'down' (moving a milestone)",
    "back": "compared with 'mine' (where the follow button goes back to)",
    "List-Unsubscribe": "compared with 'One-Click' (RFC 8058's one-click unsubscribe)",
    "note-{g['key']}": "SWEPT: the summary's IRM notes (Sweep.summary)",
    "reason-<lineage>": "SWEPT: the final plan's reasons, read by prefix (Sweep.final_plan)",
}


def raw_form_keys():
    """Keys read with request.form/values.get(...) or [...] anywhere in the package."""
    root = Path(__file__).resolve().parents[2] / "consulta"
    pattern = re.compile(r"request\.(?:form|values)(?:\.get|\.getlist)?[\(\[]f?\"([^\"]+)\"")
    keys = set()
    for path in root.rglob("*.py"):
        keys.update(pattern.findall(path.read_text(encoding="utf-8")))
    return keys


class RecordingArgs(ImmutableMultiDict):
    """The query string, noting which keys the view and its templates read."""

    def _note(self, key):
        reads = getattr(self, "reads", None)
        if reads is not None:
            reads.add(key)

    def get(self, key, default=None, type=None):
        self._note(key)
        return super().get(key, default=default, type=type)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def getlist(self, key, type=None):
        self._note(key)
        return super().getlist(key, type=type)

    def items(self, multi=False):
        for key in self.keys():
            self._note(key)
        return super().items(multi=multi)


def record_query_reads(app):
    """Start noting, per endpoint, the query parameters each request reads.

    Returns ``(reads, stop)``: {endpoint: {parameter}}, and a function that stops it."""
    reads = defaultdict(set)

    def wrap(sender, **extra):
        from flask import request

        if request.url_rule is None:
            return
        args = RecordingArgs(request.args.items(multi=True))
        args.reads = reads[request.url_rule.endpoint]
        request.args = args
        request.__dict__.pop("values", None)

    request_started.connect(wrap, app, weak=False)
    return reads, lambda: request_started.disconnect(wrap, app)


# --- posting payloads --------------------------------------------------------------

class Sweep:
    """Logged-in test clients on the live server's app, and a record of what was sent."""

    def __init__(self, server):
        self.server, self.app = server, server.app
        self.clients = {}
        self.roles = {}
        self.sent = defaultdict(list)       # "Form.field" → values posted
        self.routes = defaultdict(set)      # "Form.field" → {(role, endpoint)}
        self.raw = defaultdict(list)        # raw request.form keys → values posted
        self.captured = []                  # server answers to render in the browser
        self.pages = []                     # (role, path) read in the browser
        self.ids = {}                       # names of what was created → ids and codes
        self.tokens = {}                    # CSRF token of each role's session

    # clients -----------------------------------------------------------------------
    def client(self, role):
        if role not in self.clients:
            self.clients[role] = self.app.test_client()
        return self.clients[role]

    def login(self, role, email, password=DEMO_PASSWORD):
        client = self.client(role)
        response = client.post_form("/login", {"email": email, "password": password})
        self.tokens.pop(role, None)
        assert response.status_code == 302, (role, response.get_data(as_text=True)[:500])
        self.roles[role] = email
        return client

    def cookies(self, role):
        """The role's session cookie, for a browser context (the same session)."""
        client = self.clients.get(role)
        name = self.app.config["SESSION_COOKIE_NAME"]
        cookie = client.get_cookie(name) if client is not None else None
        return [{"name": name, "value": cookie.value, "url": self.server.url}] if cookie else []

    # sending -------------------------------------------------------------------------
    def send(self, role, path, form, data, *, files=None, ok=(302,), capture=None,
             method="POST"):
        """Post ``data`` (field name → value) as ``role``; text fields of ``form`` are
        recorded as swept. ``capture`` keeps the answer to open it in the browser."""
        client = self.client(role)
        endpoint = self.endpoint(path)
        for name, value in data.items():
            key = field_key(form, name) if form is not None else None
            if key:
                self.sent[key].extend(value if isinstance(value, list) else [value])
                self.routes[key].add((role, endpoint))
            elif name in RAW_FORM_KEYS or name.startswith(("note-", "reason-")):
                self.raw[name].append(value)
        for name in files or {}:
            key = field_key(form, name)
            self.sent[key].append(f"<file {name}>")
            self.routes[key].add((role, endpoint))
        body = dict(data)
        if files:
            body.update({name: (io.BytesIO(content), filename)
                         for name, (filename, content) in files.items()})
        if method == "POST":
            if role not in self.tokens:  # one per session, as a browser keeps it
                self.tokens[role] = client.csrf_token()
            body.setdefault("csrf_token", self.tokens[role])
            response = client.post(path, data=body, content_type="multipart/form-data"
                                   if files else None)
            if path == "/login":  # a new session at login: a new token
                self.tokens.pop(role, None)
        else:
            response = client.get(path, query_string=body)
        text = response.get_data(as_text=True)
        assert response.status_code in ok, (role, path, response.status_code,
                                            _errors(text) or text[:1500])
        if capture:  # a label
            self.capture(capture, role, path, response)
        return response

    def capture(self, label, role, path, response):
        self.captured.append({"label": label, "role": role, "path": path,
                              "status": response.status_code,
                              "headers": dict(response.headers),
                              "body": response.get_data(as_text=True)})

    def get(self, role, path, ok=(200,)):
        response = self.client(role).get(path)
        assert response.status_code in ok, (role, path, response.status_code)
        return response

    def page(self, role, path):
        self.pages.append((role, path))

    def endpoint(self, path):
        adapter = self.app.url_map.bind("localhost")
        try:
            return adapter.match(path.split("?")[0], method="GET")[0]
        except Exception:
            try:
                return adapter.match(path.split("?")[0], method="POST")[0]
            except Exception:
                return path

    def db(self, query):
        with self.app.app_context():
            result = query()
            db.session.remove()
            return result

    def outbox(self, recipient=None):
        return self.server.outbox(recipient)


def _errors(html):
    """The error messages of a page, to say why a post was refused."""
    found = re.findall(r'class="(?:field-error|flash flash-error)"[^>]*>(.*?)</p>', html, re.S)
    found += re.findall(r'data-error-summary>(.*?)</div>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", f).split()) for f in found if f.strip()]


def rotate(record, fields):
    """Field values for record number ``record``: each field takes its next packed value."""
    return {name: values[record % len(values)] for name, values in fields.items()}


def token(prefix, n):
    """A distinct submission token with a payload, cut to the 64 characters a token may
    have (``refused`` sends every payload whole through that field)."""
    return f"{prefix}{n} {TEXTS[n % len(TEXTS)]}"[:64]


def count_of(fields):
    return max(len(values) for values in fields.values())


def local(delta):
    """Now plus ``delta`` in Lima time, as the forms take it."""
    from consulta.core.dates import utcnow

    return (utcnow() + delta).astimezone(ZoneInfo("America/Lima")).replace(tzinfo=None)


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


# --- the story ---------------------------------------------------------------------

def inject(sweep):
    """Send every payload through every user text field; returns the sweep."""
    steps = [accounts, consultations, plan, events, organizations, contributions,
             moderation, offline, feedback, refused, final_plan, forum, followup, summary]
    sweep.timings = {}
    for step in steps:
        started = time.monotonic()
        step(sweep)
        sweep.timings[step.__name__] = round(time.monotonic() - started, 1)
    return sweep


def _consultation_fields():
    return {
        "title": pack(200, " "), "summary": pack(500),
        "forum_name": pack(200, " "), "scope_locality": pack(120, " "),
        "description": [ALL], "methodology": [ALL],
    }


def _entity_names():
    """Entity names carrying every payload, made distinct (names are unique)."""
    return [f"{name} {n}" for n, name in enumerate(pack(190, " ")) if len(name) <= 190]


def _entities(sweep):
    """The administrator creates entities with hostile names and acronyms (each one's
    page, the list and the consultations' organizer show them) and fills a team."""
    # An acronym holds 40 characters: the payloads that fit (all go through the names).
    names, acronyms = _entity_names(), [a for a in pack(40, " ") if len(a) <= 40]
    entity_form = _form("accounts", "EntityForm")
    for n, name in enumerate(names):
        sweep.send("admin", "/admin/entities/new", entity_form, {
            "name": name, "acronym": acronyms[n % len(acronyms)], "level": "national",
            "parent": "", "region": "", "secretariat_email": ""})
    slugs = [sweep.db(lambda name=name: db.session.scalar(
        select(Entity.slug).where(Entity.name == " ".join(name.split()))))
        for name in names]
    sweep.ids["entities"] = slugs
    for value in pack(254, " "):  # refused values are shown back in the form
        sweep.send("admin", "/admin/entities/new", entity_form, {
            "name": "Entidad", "acronym": value, "level": value, "parent": value,
            "region": value, "secretariat_email": value}, ok=(200,))
        sweep.send("admin", f"/entities/{slugs[0]}/team", _form("accounts", "TeamMemberForm"),
                   {"email": value, "role": value}, ok=(200,))
    sweep.page("anon", "/entities")
    sweep.page("admin", "/admin/entities")
    sweep.page("admin", "/admin/entities/new")
    sweep.page("admin", f"/admin/entities/{slugs[0]}/edit")
    sweep.page("admin", f"/entities/{slugs[0]}/team")
    for slug in slugs:
        sweep.page("anon", f"/entities/{slug}")
    sweep.page("anon", "/api/v1/entities")


def _consultation_data(values, opens, closes, entity):
    return {**values, "entity": entity, "slug": "", "scope": "local", "scope_region": "cusco",
            "channels": ["web", "workshop", "email"], "opens_at": stamp(opens),
            "closes_at": stamp(closes)}


def accounts(sweep):
    """Participants register with hostile names (and passwords), confirm and log in."""
    for role, email in (("secretariat", SECRETARIAT), ("moderator", MODERATOR),
                        ("admin", ADMIN)):
        sweep.login(role, email)
    names = pack(80, " ")
    count = len(names)
    passwords = pack(118, " ")
    assert count >= len(passwords)
    sweep.ids["participants"] = []
    for n in range(count):
        role = f"p{n}"
        email = f"participante{n}@ejemplo.pe"
        password = f"{passwords[n % len(passwords)]} clave-{n}"
        sweep.send(role, "/register", _form("accounts", "RegistrationForm"), {
            "display_name": names[n], "email": email, "password": password,
            "password_confirm": password, "sector": "citizen", "region": "cusco",
            "gender": "", "show_name_publicly": "y", "accept_privacy": "y",
            "fax_only": ""})
        link = re.search(r"https?://[^/\s]+(/confirm/\S+)", sweep.outbox(email)[-1].body)
        sweep.get(role, link.group(1), ok=(302,))
        sweep.send(role, "/login", _form("accounts", "LoginForm"),
                   {"email": email, "password": password})
        sweep.roles[role] = email
        # The profile form gives each a second hostile name (the one pages show).
        sweep.send(role, "/account", _form("accounts", "ProfileForm"), {
            "display_name": names[(n + 1) % count], "sector": "citizen", "region": "cusco",
            "gender": "", "show_name_publicly": "y", "locale": "",
            "email_notifications": "y"})
        sweep.ids["participants"].append(role)
    # The honeypot: a bot that fills it is dropped without an account.
    sweep.send("bot", "/register", _form("accounts", "RegistrationForm"), {
        "display_name": "Bot", "email": "bot@ejemplo.pe", "password": "robot-clave-123",
        "password_confirm": "robot-clave-123", "sector": "citizen", "region": "cusco",
        "gender": "", "accept_privacy": "y", "fax_only": ALL})
    sweep.page("p0", "/account")
    sweep.page("p0", "/account/password")
    sweep.page("p0", "/account/delete")
    sweep.page("anon", "/register/done")
    user_id = sweep.db(lambda: db.session.scalar(select(User.id).where(
        User.email == "participante0@ejemplo.pe")))
    sweep.page("admin", "/admin/users")
    sweep.page("admin", "/admin/users?page=2")
    sweep.page("admin", f"/admin/users/{user_id}/roles")
    sweep.page("anon", "/privacy")

    # A new version of the privacy notice: the page that asks p0 to accept it, accepted.
    def outdated():
        user = db.session.scalar(select(User).where(User.email == sweep.roles["p0"]))
        user.privacy_version = "0000-00"
        db.session.commit()

    sweep.db(outdated)
    sweep.page("p0", "/privacy/accept")
    sweep.send("p0", "/privacy/accept", None, {})


def offline(sweep):
    """Contributions recorded with a person (and their receipt), a spreadsheet of hostile
    text imported (its preview, its problems), /track and the authors to tell."""
    import csv

    from flask_babel import force_locale

    from consulta.offline.importer import COLUMNS, headers

    slug = sweep.ids["M"]
    m = f"/consultations/{slug}"
    assisted = _form("offline", "AssistedContributionForm")
    fields = {"title": pack(300, " ", lead=FORMULAS), "author_name": pack(200, " "),
              "author_organization": pack(200, " ", lead=FORMULAS), "body": PARTS,
              "problem": PARTS[::-1], "objective": PARTS, "responsible": pack(300, " "),
              "co_responsible": PARTS, "contact": pack(300, " ")}
    codes = []
    for n in range(count_of(fields)):
        values = {**rotate(n, fields), "kind": "comment", "channel": "other", "event": "0",
                  "component": "0", "commitment": "0",
                  "name_consent": "yes" if n % 2 else "no", "contact_channel": "post",
                  "sector": "citizen", "region": "puno",
                  # Today may lie before the sweep consultation opens: confirmed.
                  "received_outside_window": "y", "submission_token": token("A", n)}
        sweep.send("moderator", f"{m}/contributions/assisted/new", assisted, values)
        codes.append(sweep.db(lambda v=values: db.session.scalar(
            select(Contribution.tracking_code).where(
                Contribution.submission_token == v["submission_token"]))))
    sweep.ids["assisted"] = codes
    # Refused: what the form checks, with every payload.
    for value in pack(254, " "):
        sweep.send("moderator", f"{m}/contributions/assisted/new", assisted, {
            "kind": "comment", "channel": "other", "title": "Aporte", "author_name": "Ana",
            "name_consent": "no", "author_email": value, "sector": value, "region": value,
            "due": value[:7], "contact_channel": "sms", "contact": value,
            "submission_token": ALL}, ok=(200,))
    sweep.send("moderator", f"{m}/contributions/assisted/new", assisted, {
        "kind": "comment", "channel": "other", "title": "", "author_name": "",
        "sector": ALL[:3000], "region": ALL[:3000], "due": ALL[:3000]}, ok=(200,),
        capture="assisted refused")
    for code in codes[:2]:
        sweep.page("moderator", f"/contributions/{code}/receipt")
        sweep.page("anon", f"/track?code={code}")
        sweep.page("anon", f"/contributions/{code}")
    sweep.page("anon", "/track")
    sweep.page("secretariat", f"{m}/to-notify")
    sweep.page("moderator", f"{m}/contributions/assisted/new")
    # A spreadsheet of hostile text: previewed, imported, then shown everywhere.
    with sweep.app.test_request_context(), force_locale("es"):
        labels = headers()
    columns = {"title": pack(300, " ", lead=FORMULAS), "body": PARTS,
               "problem": PARTS[::-1], "objective": PARTS, "responsible": pack(300, " "),
               "co_responsible": PARTS, "author_name": pack(200, " "),
               "organization": pack(200, " "), "event": pack(200, " ")}
    yesterday = str(local(timedelta(days=-1)).date())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([labels[k] for k in COLUMNS])
    for n in range(count_of(columns)):
        row = {**rotate(n, columns), "kind": "comentario", "channel": "correo",
               "received_on": yesterday, "outside_windows": "sí", "region": "cusco",
               "name_public": "sí"}
        # What a spreadsheet takes for a formula is refused: such cells go as text.
        row = {k: ("'" + v if isinstance(v, str) and v.startswith("=") else v)
               for k, v in row.items()}
        writer.writerow([row.get(k, "") for k in COLUMNS])
    data = buffer.getvalue().encode("utf-8")
    importer = _form("offline", "ImportForm")
    preview = sweep.send("moderator", f"{m}/contributions/import", importer, {},
                         files={"file": ("aportes.csv", data)}, ok=(200,),
                         capture="import preview")
    digest = re.search(r'name="digest" type="hidden" value="([0-9a-f]{64})"',
                       preview.get_data(as_text=True))[1]
    confirm = _form("offline", "ImportConfirmForm")
    sweep.send("moderator", f"{m}/contributions/import/confirm", confirm,
               {"digest": digest, "format": "csv"})
    sweep.send("moderator", f"{m}/contributions/import/confirm", confirm,
               {"digest": ALL, "format": ALL})
    # A file whose headers and values are payloads: every problem is echoed.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*(labels[k] for k in COLUMNS), *(v[:60] for v in pack(60, " "))])
    for value in pack(200, " "):
        writer.writerow([value if k in ("kind", "channel", "sector", "region", "gender",
                                        "contact", "received_on") else "x" for k in COLUMNS])
    sweep.send("moderator", f"{m}/contributions/import", importer, {},
               files={"file": ("aportes.csv", buffer.getvalue().encode("utf-8"))},
               ok=(400,), capture="import problems")
    sweep.page("moderator", f"{m}/contributions/import")
    sweep.page("anon", f"{m}/events")


def _form(part, name):
    module = importlib.import_module(f"consulta.{part}.forms")
    return getattr(module, name)


def _slug_of(sweep, title):
    return sweep.db(lambda: db.session.scalar(
        select(Consultation.slug).where(Consultation.title == title)
        .order_by(Consultation.id.desc())))


def consultations(sweep):
    """The secretariat creates consultations; the first (M) is the one people take part in."""
    _entities(sweep)
    entities = sweep.ids["entities"]
    form = _form("consultations", "ConsultationForm")
    fields = _consultation_fields()
    slugs = []
    for n in range(max(count_of(fields), len(entities))):
        values = rotate(n, fields)
        opens, closes = local(timedelta(days=2)), local(timedelta(days=30))
        sweep.send("secretariat", "/consultations/new", form,
                   _consultation_data(values, opens, closes, entities[n % len(entities)]))
        if n == 0:  # M: its dates as typed, to edit it without changing them
            sweep.ids["M_dates"] = (opens.replace(second=0, microsecond=0),
                                    closes.replace(second=0, microsecond=0))
        slug = _slug_of(sweep, values["title"])
        slugs.append(slug)
        phase = {"name": f"Recepción {n}", "starts_on": str(local(timedelta(days=2)).date()),
                 "ends_on": str(local(timedelta(days=30)).date()), "description": ""}
        sweep.send("secretariat", f"/consultations/{slug}/phases",
                   _form("consultations", "PhaseForm"), phase)
        sweep.send("secretariat", f"/consultations/{slug}/announce", None, {})
        # The list shows titles, summaries, organizers and localities of all of them; the
        # page of each also shows its forum, until every forum name has been read.
        if n < len(fields["forum_name"]):
            sweep.page("anon", f"/consultations/{slug}")
    sweep.ids["slugs"] = slugs
    sweep.ids["M"] = slug = slugs[0]
    sweep.ids["M_values"] = rotate(0, fields)
    m = f"/consultations/{slug}"
    # The timeline and the components of M.
    phase_fields = {"name": pack(150, " "), "description": PARTS}
    for n in range(count_of(phase_fields)):
        sweep.send("secretariat", f"{m}/phases", _form("consultations", "PhaseForm"), {
            **rotate(n, phase_fields), "starts_on": str(local(timedelta(days=-1)).date()),
            "ends_on": str(local(timedelta(days=20)).date())})
    component_fields = {"name": pack(150, " "), "description": PARTS}
    for n in range(count_of(component_fields)):
        sweep.send("secretariat", f"{m}/components", _form("consultations", "ComponentForm"),
                   rotate(n, component_fields))
    sweep.ids["components"] = sweep.db(lambda: db.session.scalars(
        select(Component.id).where(Component.consultation.has(slug=slug))
        .order_by(Component.id)).all())
    phase_ids = sweep.db(lambda: db.session.scalars(
        select(Phase.id).where(Phase.consultation.has(slug=slug))).all())
    for path in ("/manage", "/phases", "/components", "/edit",
                 f"/phases/{phase_ids[-1]}/edit",
                 f"/components/{sweep.ids['components'][-1]}/edit"):
        sweep.page("secretariat", m + path)
    sweep.page("secretariat", "/consultations/new")
    sweep.page("anon", "/")
    sweep.page("anon", "/consultations")
    sweep.page("p0", "/consultations")


def _plan_file(n_themes=3):
    """A draft plan (JSON) with payloads in every text it carries."""
    titles, institutions = pack(500, " "), pack(300, " ")
    themes = []
    for t in range(n_themes):
        commitments = []
        for k in range(len(titles)):
            number = 100 + t * 50 + k
            commitments.append({
                "number": number, "title": titles[k], "summary": PARTS[k % len(PARTS)],
                "problem": PARTS[(k + 1) % len(PARTS)],
                "objective": PARTS[(k + 2) % len(PARTS)],
                "institution": institutions[k % len(institutions)],
                "co_responsible": TEXTS[:40], "due": "2026-12",
                "actions": [{"description": value, "start": "2026-03", "end": "2026-12"}
                            for value in pack(1000)],
                "principles": ["transparency"]})
        themes.append({"name": pack(150, " ")[t], "description": PARTS[t % len(PARTS)],
                       "commitments": commitments})
    return {"plan": {"title": pack(300, " ")[0]},
            "sections": [{"title": value, "body": PARTS[k % len(PARTS)]}
                         for k, value in enumerate(pack(200, " "))],
            "themes": themes}


def plan(sweep):
    """A hostile plan file, hand-made commitments and sections, published as version 1."""
    m = f"/consultations/{sweep.ids['M']}"
    sweep.send("secretariat", f"{m}/plan/import", _form("consultations", "PlanImportForm"),
               {}, files={"file": ("plan.json", json.dumps(_plan_file()).encode())})
    # A file with problems is refused with every problem listed (values echoed).
    bad = {"themes": [{"name": "Tema", "commitments": [
        {"number": 1, "title": "Uno", "principles": TEXTS[:20]},
        {"number": 2, "title": "Dos", "principles": TEXTS[20:], "due": ALL[:200]}]}]}
    sweep.send("secretariat", f"{m}/plan/import", _form("consultations", "PlanImportForm"),
               {}, files={"file": ("plan.json", json.dumps(bad).encode())}, ok=(400,),
               capture="plan import problems")
    components = sweep.ids["components"]
    commitment_fields = {
        "title": pack(500, " "), "summary": PARTS, "problem": PARTS[::-1],
        "objective": PARTS, "responsible": pack(300, " "), "co_responsible": PARTS,
        "actions-0-description": pack(1000), "actions-1-description": pack(1000)[1:]}
    for n in range(count_of(commitment_fields)):
        sweep.send("secretariat", f"{m}/plan/commitments/new",
                   _form("consultations", "CommitmentForm"), {
                       **rotate(n, commitment_fields), "number": str(n + 1),
                       "component": str(components[n % len(components)]),
                       "due": "2026-12", "principles": ["participation"],
                       "actions-0-start": "2026-03", "actions-0-end": "2026-06"})
    section_fields = {"title": pack(200, " "), "body": PARTS}
    for n in range(count_of(section_fields)):
        sweep.send("secretariat", f"{m}/plan/sections/new",
                   _form("consultations", "SectionForm"), rotate(n, section_fields))
    sweep.page("secretariat", f"{m}/plan/manage")
    def draft_ids(model):
        return sweep.db(lambda: db.session.scalars(select(model.id).order_by(model.id.desc())
                                                   .limit(1)).all())
    sweep.capture("draft commitment edit", "secretariat",
                  f"{m}/plan/commitments/{draft_ids(Commitment)[0]}/edit",
                  sweep.get("secretariat",
                            f"{m}/plan/commitments/{draft_ids(Commitment)[0]}/edit"))
    sweep.capture("draft section edit", "secretariat",
                  f"{m}/plan/sections/{draft_ids(PlanSection)[0]}/edit",
                  sweep.get("secretariat", f"{m}/plan/sections/{draft_ids(PlanSection)[0]}/edit"))
    sweep.page("secretariat", f"{m}/plan/commitments/new")
    sweep.page("secretariat", f"{m}/plan/sections/new")
    sweep.send("secretariat", f"{m}/plan/publish", _form("consultations", "PublishPlanForm"),
               {"note": ALL})
    # Changes of dates with their reasons become public notices; then M opens now.
    timeline(sweep)
    plan = sweep.db(lambda: db.session.scalar(
        select(Consultation).where(Consultation.slug == sweep.ids["M"])).published_plan.id)
    sweep.ids["commitments"] = sweep.db(lambda: db.session.scalars(
        select(Commitment.id).where(Commitment.plan_version_id == plan)
        .order_by(Commitment.number)).all())
    sweep.ids["sections"] = sweep.db(lambda: db.session.scalars(
        select(PlanSection.id).where(PlanSection.plan_version_id == plan)
        .order_by(PlanSection.id)).all())
    for path in ("", "/plan", "/plan/v1", "/contribute", "/events"):
        sweep.page("anon", m + path)


def timeline(sweep):
    """Changes of dates after the announcement, each with a hostile reason: M's closing,
    one of its phases, participation windows added, corrected and extended; consultations
    of 2016 recorded after the fact with hostile references. Then M opens now (in the
    database: a web window of a running consultation never starts in the past)."""
    slug = sweep.ids["M"]
    m = f"/consultations/{slug}"
    values = sweep.ids["M_values"]
    opens, closes = sweep.ids["M_dates"]
    reasons = pack(1000)
    for n, reason in enumerate(reasons):
        sweep.send("secretariat", f"{m}/edit", _form("consultations", "ConsultationForm"), {
            **_consultation_data(values, opens, closes + timedelta(minutes=n + 1),
                                 sweep.ids["entities"][0]),
            "date_change_reason": reason})
    phase = sweep.db(lambda: db.session.scalar(
        select(Phase.id).where(Phase.consultation.has(slug=slug)).order_by(Phase.id)))
    for n, reason in enumerate(reasons):
        sweep.send("secretariat", f"{m}/phases/{phase}/edit", _form("consultations", "PhaseForm"),
                   {"name": f"Fase {n}", "starts_on": str(local(timedelta(days=2)).date()),
                    "ends_on": str(local(timedelta(days=21 + n)).date()), "description": "",
                    "reason": reason})
    # Written contributions in windows of half a day, one per day from the third.
    start = local(timedelta(days=3)).replace(second=0, microsecond=0)
    half = timedelta(hours=12)
    for n, reason in enumerate(reasons):
        sweep.send("secretariat", f"{m}/windows", _form("consultations", "WindowForm"), {
            "channel": "written", "opens_at": stamp(start + timedelta(days=n)),
            "closes_at": stamp(start + timedelta(days=n) + half), "reason": reason})
    window = sweep.db(lambda: db.session.scalar(
        select(ParticipationWindow.id).where(
            ParticipationWindow.consultation.has(slug=slug),
            ParticipationWindow.channel == "written")
        .order_by(ParticipationWindow.opens_at)))
    for n, reason in enumerate(reasons):
        sweep.send("secretariat", f"{m}/windows/{window}/edit",
                   _form("consultations", "WindowChangeForm"), {
                       "opens_at": stamp(start), "reason": reason,
                       "closes_at": stamp(start + half + timedelta(minutes=n + 1))})
    for n, reason in enumerate(reasons):
        sweep.send("secretariat", f"{m}/windows/{window}/extend",
                   _form("consultations", "WindowExtendForm"), {
                       "reason": reason,
                       "closes_at": stamp(start + half + timedelta(minutes=len(reasons) + n + 1))})
    for path in ("/windows", f"/windows/{window}/edit"):
        sweep.page("secretariat", m + path)
    # Consultations of 2016, recorded after the fact; the reference is on every page.
    for n, reference in enumerate(pack(500)):
        title = f"Consulta de 2016 número {n + 1}"
        sweep.send("secretariat", "/consultations/new", _form("consultations",
                                                              "ConsultationForm"), {
            "title": title, "slug": "", "summary": "Resumen.", "description": "",
            "scope": "national", "scope_region": "", "scope_locality": "",
            "entity": sweep.ids["entities"][0], "forum_name": "", "methodology": "Taller.",
            "channels": ["workshop"], "opens_at": "2016-05-02T09:00",
            "closes_at": "2016-06-30T18:00"})
        past = _slug_of(sweep, title)
        if n == 0:
            # The forum's meetings are dates, one per line: anything else is refused and
            # shown back in the form.
            sweep.send("secretariat", f"/consultations/{past}/edit",
                       _form("consultations", "ConsultationForm"), {
                           "title": title, "slug": past, "summary": "Resumen.",
                           "description": "", "scope": "national", "scope_region": "",
                           "scope_locality": "", "entity": sweep.ids["entities"][0],
                           "forum_name": "Foro", "forum_meetings": ALL,
                           "methodology": "Taller.", "channels": ["workshop"],
                           "opens_at": "2016-05-02T09:00", "closes_at": "2016-06-30T18:00"},
                       ok=(200,), capture="forum meetings refused")
        sweep.send("secretariat", f"/consultations/{past}/phases",
                   _form("consultations", "PhaseForm"),
                   {"name": "Taller", "starts_on": "2016-05-11", "ends_on": "2016-05-11",
                    "description": ""})
        sweep.send("secretariat", f"/consultations/{past}/record-past",
                   _form("consultations", "RecordPastForm"),
                   {"announced_on": "2016-04-20", "reference": reference})
        sweep.page("anon", f"/consultations/{past}")

    def open_now():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        moment = utcnow() - timedelta(hours=2)
        consultation.opens_at = consultation.windows_of("web")[0].opens_at = moment
        db.session.commit()

    sweep.db(open_now)


def events(sweep):
    """Moderators record the workshops, with hostile titles, places and descriptions."""
    m = f"/consultations/{sweep.ids['M']}"
    fields = {"title": pack(200, " "), "place": pack(200, " "), "description": PARTS}
    for n in range(count_of(fields)):
        sweep.send("moderator", f"{m}/events/new", _form("contributions", "EventForm"), {
            **rotate(n, fields), "kind": "workshop",
            "held_on": str(local(timedelta(days=-1)).date()), "region": "cusco",
            "attendance-0-sector": "citizen", "attendance-0-participants": "12",
            "attendance-0-women": "7"})
    sweep.ids["events"] = sweep.db(lambda: db.session.scalars(
        select(Event.id).where(Event.consultation.has(slug=sweep.ids["M"]))
        .order_by(Event.id)).all())
    sweep.page("moderator", f"{m}/events/new")
    sweep.page("moderator", f"{m}/events/{sweep.ids['events'][0]}/edit")


def organizations(sweep):
    """p0 registers organizations; moderators approve most; p1 joins one."""
    form = _form("accounts", "OrganizationForm")
    fields = {"name": pack(200, " "),
              "website": ["https://ejemplo.pe/" + v for v in pack(280, " ")]}
    ids = []
    for n in range(count_of(fields)):
        values = rotate(n, fields)
        sweep.send("p0", "/organizations/new", form,
                   {**values, "sector": "civil_society", "region": "cusco"})
        ids.append(sweep.db(lambda v=values: db.session.scalar(
            select(Organization.id).where(Organization.name == v["name"]))))
    sweep.page("moderator", "/moderation/organizations")  # while they are pending
    sweep.capture("organizations pending", "moderator", "/moderation/organizations",
                  sweep.get("moderator", "/moderation/organizations"))
    for organization_id in ids[:-1]:  # the last one stays pending
        sweep.send("moderator", f"/moderation/organizations/{organization_id}/review", None,
                   {"decision": "approve"})
    sweep.ids["organizations"] = ids
    sweep.send("p0", f"/organizations/{ids[0]}/edit", form, {
        "name": pack(200, " ", payloads=TEXTS[::-1])[0], "website": fields["website"][-1],
        "sector": "civil_society", "region": "cusco"})
    # A new name goes back to review: the queue shows it, a moderator approves it again.
    sweep.page("moderator", "/moderation/organizations")
    sweep.send("moderator", f"/moderation/organizations/{ids[0]}/review", None,
               {"decision": "approve"})
    # Requests to join every organization: their names go into the e-mails' subjects.
    for n, organization_id in enumerate(ids[1:-1], start=1):
        sweep.send(f"p{n}", f"/organizations/{organization_id}/join", None, {})
    pending = sweep.db(lambda: db.session.scalars(
        select(Membership.id).where(Membership.organization_id == ids[1],
                                    Membership.status == "pending")).all())
    sweep.send("p0", f"/organizations/{ids[1]}/members/{pending[0]}/decide", None,
               {"decision": "approve"})
    sweep.roles["member"] = sweep.roles["p1"]
    sweep.page("anon", "/organizations")
    for organization_id in ids[:len(fields["website"])]:  # the list shows every name
        sweep.page("anon", f"/organizations/{organization_id}")
    for path in (f"/organizations/{ids[2]}/members", f"/organizations/{ids[0]}/edit",
                 "/organizations/new", f"/organizations/{ids[-1]}"):
        sweep.page("p0", path)
    sweep.page("p1", f"/organizations/{ids[1]}")


def contributions(sweep):
    """Proposals (on behalf of the organizations), comments on everything, corrections."""
    slug = sweep.ids["M"]
    m = f"/consultations/{slug}"
    components = sweep.ids["components"]
    organizations = sweep.ids["organizations"]
    proposal = _form("contributions", "ProposalForm")
    comment = _form("contributions", "CommentForm")
    fields = {"title": pack(300, " ", lead=FORMULAS), "problem": PARTS,
              "objective": PARTS[::-1],
              "responsible": pack(300, " ", lead=FORMULAS),
              "co_responsible": PARTS, "body": PARTS,
              "actions-0-description": pack(1000, lead=FORMULAS),
              "actions-1-description": pack(1000)[::-1]}
    codes = []
    # What the open consultation's forms look like to a member of many organizations.
    for path in (f"{m}/proposals/new", f"{m}/comments/new?target=plan"):
        sweep.capture(f"form {path}", "p0", path, sweep.get("p0", path))
    for n in range(count_of(fields)):
        values = {**rotate(n, fields), "component": str(components[n % len(components)]),
                  "submission_token": token("P", n),
                  "organization": str(organizations[n % (len(organizations) - 1)]),
                  "due": "2026-12", "fax_only": "", "actions-0-start": "2026-03"}
        if n == 0:  # the preview shows it before sending
            sweep.send("p0", f"{m}/proposals/new", proposal, values, ok=(200,),
                       capture="proposal preview")
        sweep.send("p0", f"{m}/proposals/new", proposal, {**values, "send": "1"})
        codes.append(sweep.db(lambda v=values: db.session.scalar(
            select(Contribution.tracking_code).where(
                Contribution.submission_token == v["submission_token"]))))
    sweep.ids["proposals"] = codes
    comment_fields = {"body": [ALL]}
    targets = [("plan", None), ("commitment", sweep.ids["commitments"][0]),
               ("section", sweep.ids["sections"][0])] + [
        ("proposal", sweep.db(lambda c=code: db.session.scalar(
            select(Contribution.id).where(Contribution.tracking_code == c))))
        for code in codes[:2]]
    comments = []
    for n, (target, target_id) in enumerate(targets):
        values = {**rotate(n, comment_fields), "target": target, "organization": "0",
                  "fax_only": "", "submission_token": token("C", n)}
        if target_id:
            values["target_id"] = str(target_id)
        if n == 0:
            sweep.send("p0", f"{m}/comments/new", comment, values, ok=(200,),
                       capture="comment preview")
        sweep.send("p0", f"{m}/comments/new", comment, {**values, "send": "1"})
        comments.append(sweep.db(lambda v=values: db.session.scalar(
            select(Contribution.tracking_code).where(
                Contribution.submission_token == v["submission_token"]))))
    sweep.ids["comments"] = comments
    # Every participant says something, so their names show next to it.
    for n, role in enumerate(sweep.ids["participants"][1:], start=1):
        sweep.send(role, f"{m}/comments/new", comment, {
            "body": pack(300)[n % len(pack(300))], "target": "plan", "organization": "0",
            "submission_token": token("D", n), "send": "1", "fax_only": ""})
    # Honeypots: a bot that fills them is dropped, and nothing is stored.
    sweep.send("p3", f"{m}/comments/new", comment, {
        "body": "Bot", "target": "plan", "organization": "0", "fax_only": ALL,
        "submission_token": "bot-comment", "send": "1"})
    sweep.send("p3", f"{m}/proposals/new", proposal, {
        **rotate(0, fields), "submission_token": "bot-proposal", "component": str(components[0]),
        "organization": "0", "fax_only": ALL, "send": "1"})
    assert sweep.db(lambda: db.session.scalar(select(Contribution.id).where(
        Contribution.submission_token.in_(("bot-comment", "bot-proposal"))))) is None
    # The member of an organization sends one on its behalf.
    sweep.send("p1", f"{m}/comments/new", comment, {
        "body": ALL, "target": "plan", "organization": str(organizations[1]),
        "submission_token": "token-member-0123456789", "send": "1", "fax_only": ""})
    # Corrections within the allowed minutes, through the same forms.
    edit_values = {**rotate(1, fields), "component": str(components[0]), "organization": "0",
                   "due": "2027-01", "send": "1"}
    sweep.capture("proposal edit form", "p0", f"/contributions/{codes[0]}/edit",
                  sweep.get("p0", f"/contributions/{codes[0]}/edit"))
    sweep.send("p0", f"/contributions/{codes[0]}/edit", proposal,
               {k: v for k, v in edit_values.items() if k != "submission_token"})
    sweep.capture("comment edit form", "p0", f"/contributions/{comments[0]}/edit",
                  sweep.get("p0", f"/contributions/{comments[0]}/edit"))
    sweep.send("p0", f"/contributions/{comments[0]}/edit", comment,
               {"body": ALL[::-1][:3000] + "\n" + ALL[:3000], "organization": "0", "send": "1"})
    sweep.capture("withdraw confirmation", "p0", f"/contributions/{comments[-1]}/withdraw",
                  sweep.get("p0", f"/contributions/{comments[-1]}/withdraw"))
    sweep.send("p0", f"/contributions/{comments[-1]}/withdraw", None, {})
    sweep.send("p2", f"/contributions/{codes[0]}/support", None, {})
    # An answer to a proposal, from its own page.
    sweep.capture("comment on a proposal form", "p0",
                  f"{m}/comments/new?target=proposal&target_id={targets[3][1]}",
                  sweep.get("p0", f"{m}/comments/new?target=proposal&target_id={targets[3][1]}"))
    sweep.page("p0", "/my/contributions")
    sweep.page("p1", "/my/contributions")
    for code in codes + comments:
        sweep.page("anon", f"/contributions/{code}")
    sweep.page("anon", f"{m}/contributions?per_page=100")
    sweep.page("anon", f"{m}/contributions?withdrawn=1")
    sweep.page("anon", f"{m}/contributions?per_page=100&page=2")


def moderation(sweep):
    """Offline entries, classification with tags, groups, hiding and masking."""
    slug = sweep.ids["M"]
    m = f"/consultations/{slug}"
    offline = _form("contributions", "OfflineContributionForm")
    fields = {"title": pack(300, " ", lead=FORMULAS), "author_name": pack(200, " "),
              "author_organization": pack(200, " ", lead=FORMULAS), "body": PARTS,
              "problem": PARTS[::-1], "objective": PARTS, "responsible": pack(300, " "),
              "co_responsible": PARTS, "actions-0-description": pack(1000)}
    codes = []
    events = sweep.ids["events"]
    for n in range(count_of(fields)):
        values = {**rotate(n, fields), "kind": "proposal" if n % 2 else "comment",
                  "channel": "workshop", "event": str(events[n % len(events)]),
                  "received_on": str(local(timedelta(days=-1)).date()),
                  # Yesterday may lie outside the sweep consultation's windows: confirmed.
                  "received_outside_window": "y",
                  "component": str(sweep.ids["components"][n % 3]),
                  "commitment": str(sweep.ids["commitments"][0]) if n % 2 == 0 else "0",
                  "author_name_public": "y", "author_email": f"taller{n}@ejemplo.pe",
                  "sector": "academia", "region": "cusco", "due": "2026-12",
                  "submission_token": token("O", n)}
        sweep.send("moderator", f"{m}/contributions/offline/new", offline, values)
        codes.append(sweep.db(lambda v=values: db.session.scalar(
            select(Contribution.tracking_code).where(
                Contribution.submission_token == v["submission_token"]))))
    sweep.ids["offline"] = codes
    sweep.capture("offline correction form", "moderator", f"/contributions/{codes[0]}/correct",
                  sweep.get("moderator", f"/contributions/{codes[0]}/correct"))
    sweep.send("moderator", f"/contributions/{codes[0]}/correct", offline, {
        **rotate(1, fields), "kind": "comment", "channel": "email", "event": "0",
        "component": "0", "commitment": "0", "author_email": "", "sector": "", "region": "",
        "received_outside_window": "y"})
    # Tags: each at most 60 characters, commas separate them.
    tag_values = [", ".join(t.replace(",", " ").replace(";", " ")[:60] for t in chunk)
                  for chunk in _chunks(TEXTS, 7)]
    proposals = sweep.ids["proposals"]
    targets = proposals + codes
    classify = _form("moderation", "ClassifyForm")
    for n, tags in enumerate(tag_values):
        code = targets[n]
        sweep.send("moderator", f"/moderation/{code}", classify, {
            "component": str(sweep.ids["components"][0]), "commitment": "0",
            "principles": ["integrity"], "tags": tags, "version": _version(sweep, code)})
    # As typed: a tag longer than 60 characters refuses the whole classification.
    for tags in pack(500, ", "):
        sweep.send("moderator", f"/moderation/{targets[-1]}", classify, {
            "component": "0", "commitment": "0", "tags": tags,
            "version": _version(sweep, targets[-1])}, ok=(200, 302))
    ids = sweep.db(lambda: db.session.scalars(select(Contribution.id).where(
        Contribution.tracking_code.in_(sweep.ids["comments"][:2]))).all())
    for tags in [tag_values[0], *pack(500, ", ")]:
        sweep.send("moderator", f"{m}/moderation/bulk", _form("moderation",
                                                              "BulkClassifyForm"), {
            "selected": [str(i) for i in ids], "component": "0", "commitment": "0",
            "tags": tags, "queue_state": "all"})
    # The confirmation of "all matching the filter" repeats the tags it will set.
    sweep.send("moderator", f"{m}/moderation/bulk", _form("moderation", "BulkClassifyForm"),
               {"scope": "filter", "component": "0", "commitment": "0",
                "tags": tag_values[0], "queue_state": "all"}, ok=(200,),
               capture="bulk classification confirmation")
    group_fields = {"title": pack(300, " "), "summary": PARTS}
    group_form = _form("moderation", "GroupForm")
    join = _form("moderation", "JoinGroupForm")
    for n in range(count_of(group_fields)):
        # Each offline entry starts a group; the first also takes in a proposal.
        sweep.send("moderator", f"/moderation/{codes[n]}/group", group_form,
                   {**rotate(n, group_fields), "with": [proposals[6]] if n == 0 else []})
        if n == 0:  # the form JoinGroupForm describes (its hidden target is never read)
            sweep.send("moderator", f"/moderation/{proposals[-1]}/group", join,
                       {"group": "", "target": ALL, "with": [],
                        **rotate(n + 1, group_fields)})
    groups = sweep.db(lambda: db.session.scalars(select(ContributionGroup.id).where(
        ContributionGroup.consultation.has(slug=slug)).order_by(ContributionGroup.id)).all())
    sweep.ids["groups"] = groups
    sweep.send("moderator", f"/moderation/groups/{groups[0]}", group_form,
               rotate(1, group_fields))
    hide = _form("moderation", "HideForm")
    for n, note in enumerate(pack(1000)):
        sweep.send("moderator", f"/moderation/{proposals[n + 3]}/hide", hide,
                   {"reason": "offensive", "note": note})
    sweep.ids["hidden"] = [proposals[n + 3] for n in range(len(pack(1000)))]
    mask = _form("moderation", "MaskForm")
    for fragment in pack(500):
        sweep.send("moderator", f"/moderation/{sweep.ids['comments'][1]}/mask", mask,
                   {"fragment": fragment})
    sweep.page("moderator", "/moderation")
    sweep.page("moderator", "/staff")
    sweep.page("secretariat", "/staff")
    for state in ("all", "hidden", "grouped", "withdrawn", "unclassified", "personal_data"):
        sweep.page("moderator", f"{m}/moderation?state={state}")
    for code in proposals[:4] + codes[:3] + sweep.ids["comments"][:2]:
        sweep.page("moderator", f"/moderation/{code}")
    sweep.page("moderator", f"{m}/moderation/groups")
    for group_id in groups:
        sweep.page("moderator", f"/moderation/groups/{group_id}")
    sweep.page("moderator", f"{m}/moderation/audit")
    sweep.page("moderator", f"{m}/contributions/offline/new")
    sweep.page("moderator", f"{m}/contributions/offline/new?event={events[0]}")
    for code in codes:
        sweep.page("anon", f"/contributions/{code}")
        # The secretariat reads the typed-in author's data (rights of access, erasure).
        sweep.page("secretariat", f"/contributions/{code}/author")
    sweep.page("secretariat", "/offline-authors?q=taller")
    # Records typed in by mistake are voided with a reason that staff read on their page
    # (the public no longer sees them: the last ones, read above already).
    void = _form("contributions", "VoidForm")
    sweep.page("moderator", f"/contributions/{codes[-1]}/void")
    for n, reason in enumerate(pack(1000)):
        code = codes[-(n + 1)]
        sweep.send("moderator", f"/contributions/{code}/void", void, {"reason": reason})
        sweep.page("moderator", f"/contributions/{code}")


def _chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def _version(sweep, code):
    return str(sweep.db(lambda: db.session.scalar(
        select(Contribution.version).where(Contribution.tracking_code == code))))


def feedback(sweep):
    """Templates, responses (one per contribution and group), the matrix round-trip."""
    slug = sweep.ids["M"]
    m = f"/consultations/{slug}"
    template = _form("feedback", "TemplateForm")
    template_fields = {"title": pack(200, " "), "justification": [SENTENCES + p for p in PARTS]}
    for n in range(count_of(template_fields)):
        sweep.send("secretariat", f"{m}/feedback/templates", template,
                   {**rotate(n, template_fields), "outcome": "not_incorporated"})
    template_ids = sweep.db(lambda: db.session.scalars(select(AnswerTemplate.id).order_by(
        AnswerTemplate.id)).all())
    sweep.send("secretariat", f"{m}/feedback/templates/{template_ids[0]}", template,
               {**rotate(1, template_fields), "outcome": ""})
    response_form = _form("feedback", "ResponseForm")
    response_fields = {"justification": [SENTENCES + p for p in PARTS],
                       "referred_to": pack(300, " ")}
    answered = sweep.ids["proposals"][:3] + sweep.ids["comments"][:3] + \
        sweep.ids["offline"][:4] + sweep.ids["proposals"][6:]
    for n, code in enumerate(answered):
        sweep.send("secretariat", f"/feedback/contributions/{code}", response_form, {
            **rotate(n, response_fields), "outcome": "referred", "version": "0",
            "then": "publish"})
    sweep.send("secretariat", f"/feedback/groups/{sweep.ids['groups'][0]}", response_form, {
        **rotate(0, response_fields), "outcome": "not_incorporated", "version": "0"})
    # A published response edited again: version 2, and a second e-mail.
    sweep.send("secretariat", f"/feedback/contributions/{answered[0]}", response_form, {
        **rotate(1, response_fields), "outcome": "referred",
        "version": _response_version(sweep, answered[0]), "then": "publish"})
    # The matrix goes out as XLSX and comes back with responses typed in a spreadsheet.
    workbook = sweep.get("secretariat", f"{m}/feedback/matrix.xlsx").data
    sweep.ids["matrix.xlsx"] = workbook
    unanswered = sweep.db(lambda: db.session.scalars(
        select(Contribution.tracking_code).where(
            Contribution.consultation.has(slug=slug), ~Contribution.own_response.has(),
            Contribution.group_id.is_(None), Contribution.hidden_at.is_(None))
        .order_by(Contribution.id)).all())
    sweep.send("secretariat", f"{m}/feedback/import", _form("feedback", "MatrixImportForm"),
               {}, files={"file": ("matriz.xlsx", _matrix(unanswered[:3], [
                   ("referred", SENTENCES + ALL[:9000], pack(300, " ")[n]) for n in range(3)]))})
    # A spreadsheet with unknown codes and outcomes: every problem is echoed.
    bad_rows = [(value[:40], value[:60], SENTENCES, "") for value in pack(40, " ")]
    sweep.send("secretariat", f"{m}/feedback/import", _form("feedback", "MatrixImportForm"),
               {}, files={"file": ("matriz.xlsx", _matrix(
                   [r[0] for r in bad_rows], [r[1:] for r in bad_rows]))},
               ok=(400,), capture="matrix import problems")
    sweep.page("secretariat", f"{m}/feedback")
    sweep.page("secretariat", f"{m}/feedback?status=draft")
    sweep.page("secretariat", f"{m}/feedback/templates")
    sweep.page("secretariat", f"{m}/feedback/templates/{template_ids[0]}")
    for code in answered[:4] + unanswered[:2]:
        sweep.page("secretariat", f"/feedback/contributions/{code}")
    sweep.page("secretariat", f"/feedback/contributions/{answered[1]}?template={template_ids[1]}")
    sweep.page("secretariat", f"/feedback/groups/{sweep.ids['groups'][0]}")
    sweep.page("secretariat", f"{m}/matrix")
    sweep.page("secretariat", f"{m}/matrix?all=1")
    for role in ("moderator", "secretariat", "admin"):  # the audit log, as each reads it
        sweep.page(role, f"{m}/moderation/audit")
    sweep.ids["responses"] = sweep.db(lambda: db.session.scalar(
        select(db.func.count()).select_from(Response)))


def _response_version(sweep, code):
    return str(sweep.db(lambda: db.session.scalar(select(Contribution).where(
        Contribution.tracking_code == code)).own_response.version))


def _matrix(codes, rows):
    """An XLSX like the exported matrix with (outcome, justification, referred to) filled."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Código", "Resultado", "Justificación", "Derivado a"])
    for code, (outcome, justification, referred) in zip(codes, rows, strict=True):
        sheet.append([code, outcome, justification, referred])
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def summary(sweep):
    """Close M, write the introduction and notes with payloads, publish the summary."""
    slug = sweep.ids["M"]
    m = f"/consultations/{slug}"

    def close():  # as time would (the forms never set a date in the past)
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()

    sweep.db(close)
    with sweep.app.app_context():
        keys = [g["key"] for g in guidelines()]
    notes = pack(2000)
    sweep.send("secretariat", f"{m}/summary/manage", SummaryTextsForm, {
        "introduction": ALL, **{f"note-{key}": notes[n % len(notes)]
                               for n, key in enumerate(keys)}})
    sweep.page("secretariat", f"{m}/summary/manage")
    sweep.page("secretariat", f"{m}/summary/manage?preview=1")
    sweep.send("secretariat", f"{m}/summary/publish", None, {})
    sweep.page("anon", f"{m}/summary")
    sweep.page("anon", f"{m}/summary?page=2")
    sweep.page("anon", f"{m}/summary/v1/print")
    sweep.page("anon", "/summary/digest")
    # The outbox lists every e-mail the sweep queued (subjects carry payloads).
    sweep.page("admin", "/admin/outbox")


def final_plan(sweep):
    """Close M; a version 2 of its plan (one commitment removed, one added with hostile
    text), approved as the final plan with payloads in every text and reason; refused
    first while responses are drafts (their hostile names listed), then published (the
    drafts too, before the summary freezes them)."""
    slug = sweep.ids["M"]
    m = f"/consultations/{slug}"

    def close():  # as time would; before the summary, which freezes the answers
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()

    sweep.db(close)
    sweep.send("secretariat", f"{m}/plan/start-draft", None, {})
    doomed = sweep.db(lambda: db.session.scalar(
        select(Consultation).where(Consultation.slug == sweep.ids["M"]))
        .draft_plan.commitments[0].id)
    sweep.send("secretariat", f"{m}/plan/commitments/{doomed}/delete", None, {})
    sweep.send("secretariat", f"{m}/plan/commitments/new",
               _form("consultations", "CommitmentForm"), {
                   "title": pack(500, " ")[0], "number": "999",
                   "component": str(sweep.ids["components"][0]), "due": "2026-12"})
    sweep.send("secretariat", f"{m}/plan/publish", _form("consultations", "PublishPlanForm"),
               {"note": "Versión final."})
    version = sweep.db(lambda: db.session.scalar(
        select(Consultation).where(Consultation.slug == sweep.ids["M"])).published_plan.id)
    form = _form("finalplan", "FinalPlanForm")
    fields = {"approval_reference": pack(300, " "), "forum_endorsement": pack(5000),
              "note": pack(2000)}
    for n in range(count_of(fields)):
        sweep.send("secretariat", f"{m}/final-plan/manage", form, {
            **rotate(n, fields), "plan_version": str(version), "approved_on": "2026-11-30",
            "forum_endorsed_on": "2026-11-28"})
    lineages = sweep.db(_diff_lineages)
    reasons = pack(2000)
    sweep.send("secretariat", f"{m}/final-plan/changes", None, {
        f"reason-{lineage}": reasons[n % len(reasons)] for n, lineage in enumerate(lineages)})
    sweep.page("secretariat", f"{m}/final-plan/manage")
    sweep.send("secretariat", f"{m}/final-plan/publish", None, {}, ok=(302,))
    sweep.capture("final plan refused", "secretariat", f"{m}/final-plan/manage",
                  sweep.get("secretariat", f"{m}/final-plan/manage"))

    def publish_the_drafts():
        from consulta.feedback.operations import publish_response

        secretariat = db.session.scalar(select(User).where(User.email == SECRETARIAT))
        with sweep.app.test_request_context():
            for response in db.session.scalars(select(Response).where(
                    Response.status != "published")).all():
                publish_response(response, actor=secretariat, notify=False)
            db.session.commit()

    sweep.db(publish_the_drafts)
    sweep.send("secretariat", f"{m}/final-plan/publish", None, {})
    sweep.page("anon", f"{m}/final-plan")
    sweep.page("anon", f"{m}/final-plan/commitments/1")
    sweep.page("anon", f"{m}")
    for code in sweep.ids["proposals"][:2]:
        sweep.page("anon", f"/contributions/{code}")


def forum(sweep):
    """M's standing forum (fu-forum): members and meetings with payloads in every text,
    refused values shown back in their forms, a published progress report observed and
    commented with payloads, comments hidden with hostile notes."""
    from consulta.followup import forum_forms

    slug = sweep.ids["M"]
    m = f"/consultations/{slug}"

    def published_report():
        from consulta.followup.models import ProgressReport

        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        commitment = consultation.published_plan.commitments[0]
        report = ProgressReport(commitment_id=commitment.id, number=1,
                                as_of=utcnow().date() - timedelta(days=1),
                                narrative="Avance.", state="published", published_at=utcnow())
        db.session.add(report)
        db.session.commit()
        return report.id

    report = sweep.db(published_report)
    member_form = forum_forms.ForumMemberForm
    fields = {"name": pack(200, " "), "organization": pack(200, " ")}
    for n in range(count_of(fields)):
        sweep.send("secretariat", f"{m}/forum/members/new", member_form, {
            **rotate(n, fields), "sector": "civil_society", "side": "civil_society",
            "role": "member", "starts_on": "2026-01-10", "email": ""})
    refused = {"email": pack(254, " "), "sector": pack(32, " "), "side": pack(16, " "),
               "role": pack(16, " ")}
    for n in range(count_of(refused)):
        sweep.send("secretariat", f"{m}/forum/members/new", member_form, {
            "name": "Rechazado", **rotate(n, refused)}, ok=(200,),
            capture=n == 0 and "forum member refused")
    meeting_form = forum_forms.ForumMeetingForm
    fields = {"place": pack(300, " "), "agenda": pack(20000)}
    for n in range(count_of(fields)):
        sweep.send("secretariat", f"{m}/forum/meetings/new", meeting_form, {
            **rotate(n, fields), "held_on": "2026-11-30", "attendance": "12"})
    refused = {"attendance": pack(30, " "), "minutes_url": pack(1000, " ")}
    for n in range(count_of(refused)):
        sweep.send("secretariat", f"{m}/forum/meetings/new", meeting_form, {
            "held_on": "2026-11-30", **rotate(n, refused)}, ok=(200, 302),
            capture=n == 0 and "forum meeting refused")
    sweep.send("secretariat", f"{m}/forum/meetings/new", meeting_form,
               {"held_on": "2026-11-30"}, ok=(200,), capture="forum minutes refused",
               files={"minutes": ("acta.pdf", ALL.encode())})
    observation_form = forum_forms.ObservationForm
    for value in pack(20000):
        sweep.send("secretariat", f"/forum/reports/{report}/observations/new",
                   observation_form, {"member": "0", "body": value})
    comment_form = forum_forms.ReportCommentForm
    notes = pack(1000, " ")
    bodies = pack(5000)
    for n in range(max(len(notes), len(bodies))):
        sweep.send("p0", f"/reports/{report}/comments", comment_form,
                   {"body": bodies[n % len(bodies)]})
    comment_ids = sweep.db(lambda: db.session.scalars(
        select(ReportComment.id).order_by(ReportComment.id)).all())
    hide_form = forum_forms.HideCommentForm
    for n, note in enumerate(notes):
        sweep.send("moderator", f"/reports/comments/{comment_ids[n]}/hide", hide_form,
                   {"reason": "spam", "note": note})
    for value in pack(32, " "):
        sweep.send("moderator", f"/reports/comments/{comment_ids[-1]}/hide", hide_form,
                   {"reason": value, "note": ""})
    members = sweep.db(lambda: db.session.scalars(select(ForumMember.id)).all())
    meetings = sweep.db(lambda: db.session.scalars(select(ForumMeeting.id)).all())
    sweep.page("anon", f"{m}/forum")
    sweep.page("secretariat", f"{m}/forum/manage")
    sweep.page("secretariat", f"{m}/forum/members/new")
    sweep.page("secretariat", f"{m}/forum/members/{members[0]}/edit")
    sweep.page("secretariat", f"{m}/forum/meetings/new")
    sweep.page("secretariat", f"{m}/forum/meetings/{meetings[0]}/edit")
    sweep.page("secretariat", f"/forum/reports/{report}/observations/new")
    sweep.page("p0", f"/reports/{report}/comments")
    sweep.page("moderator", f"{m}/report-comments")


def followup(sweep):
    """M's follow-up (fu-reports, fu-public, fu-follow): milestones, indicators and
    reporters with payloads (refused ones shown back in their forms), a report's
    narrative, links and documents, a return note, a self-assessment's introduction,
    the follow form; then every page of the follow-up is read."""
    from consulta.followup import follow_forms
    from consulta.followup import forms as fu
    from consulta.followup.models import Indicator, Milestone, ProgressReport
    from consulta.followup.public import PublishAssessmentForm

    slug = sweep.ids["M"]
    m = f"/consultations/{slug}"
    setup = f"{m}/follow-up/manage"

    def last_commitment():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        return consultation.published_plan.commitments[-1].id

    commitment = sweep.db(last_commitment)
    either = (200, 302)
    fields = {"description": pack(2000), "starts": pack(300, " "), "due": pack(300, " ")}
    for n in range(count_of(fields)):
        sweep.send("secretariat", f"{setup}/commitments/{commitment}/milestones",
                   fu.MilestoneForm, rotate(n, fields), ok=either,
                   capture=n == 0 and "milestone refused")
    fields = {"name": pack(300, " "), "unit": pack(300, " "), "source": pack(300, " "),
              "baseline": pack(300, " "), "target": pack(300, " ")}
    for n in range(count_of(fields)):
        sweep.send("secretariat", f"{setup}/commitments/{commitment}/indicators",
                   fu.IndicatorForm, rotate(n, fields), ok=either,
                   capture=n == 0 and "indicator refused")
    for value in pack(254, " "):
        sweep.send("secretariat", f"{setup}/commitments/{commitment}/reporters",
                   fu.ReporterForm, {"email": value}, ok=either)
    sweep.send("secretariat", f"{setup}/commitments/{commitment}/reports", None, {},
               ok=either)
    report = sweep.db(lambda: db.session.scalar(
        select(ProgressReport.id).where(ProgressReport.commitment_id == commitment)
        .order_by(ProgressReport.id.desc())))
    page = f"{setup}/reports/{report}"
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    for value in pack(20000):
        sweep.send("secretariat", page, fu.ReportForm,
                   {"as_of": yesterday, "narrative": value}, ok=either)
    fields = {"title": pack(300, " "), "url": pack(1000, " ")}
    for n in range(count_of(fields)):
        sweep.send("secretariat", f"{page}/links", fu.LinkForm, rotate(n, fields),
                   ok=either)
    for value in pack(300, " "):
        sweep.send("secretariat", f"{page}/documents", fu.DocumentForm, {"title": value},
                   files={"file": ("acta.pdf", ALL.encode())}, ok=either)
    sweep.send("secretariat", f"{page}/submit", None, {}, ok=either)
    for value in pack(2000):
        sweep.send("secretariat", f"{page}/return", fu.ReturnForm, {"note": value},
                   ok=either)
    for value in pack(5000):
        sweep.send("secretariat", f"{m}/follow-up/self-assessments/publish",
                   PublishAssessmentForm, {"kind": "mid_term", "introduction": value},
                   ok=(200, 302, 404))  # 404 while M's final plan is not published
    fields = {"email": pack(254, " "), "website": pack(300, " ")}
    for n in range(count_of(fields)):
        sweep.send("anon", f"/follow/consultations/{slug}", follow_forms.FollowForm,
                   rotate(n, fields), ok=(200, 302, 429))
    published = sweep.db(lambda: db.session.scalar(
        select(ProgressReport.id).where(ProgressReport.state == "published")
        .order_by(ProgressReport.id)))
    published_commitment = sweep.db(lambda: db.session.get(
        ProgressReport, published).commitment_id)
    sweep.page("secretariat", setup)
    sweep.page("secretariat", f"{setup}/commitments/{commitment}")
    sweep.page("secretariat", page)
    milestone = sweep.db(lambda: db.session.scalar(select(Milestone.id)))
    indicator = sweep.db(lambda: db.session.scalar(select(Indicator.id)))
    if milestone:
        sweep.page("secretariat", f"{setup}/milestones/{milestone}")
    if indicator:
        sweep.page("secretariat", f"{setup}/indicators/{indicator}")
    sweep.page("secretariat", "/follow-up/my-commitments")
    sweep.page("anon", f"{m}/follow-up")
    sweep.page("anon", f"{m}/follow-up/commitments/{published_commitment}")
    sweep.page("anon", f"{m}/follow-up/reports/{published}")
    sweep.page("anon", f"{m}/follow-up/self-assessments")
    sweep.page("anon", f"{m}/follow-up/self-assessments/mid-term")
    sweep.page("secretariat", f"{m}/follow-up/self-assessments/publish")
    sweep.page("anon", f"/follow/consultations/{slug}")
    sweep.page("anon", f"/follow/commitments/{published_commitment}")
    sweep.page("p0", "/follow/mine")

    def follow_links():
        """The links of the e-mails a follower by address gets (confirm, unsubscribe),
        for M's commitment whose report was published: pages under its title."""
        from consulta.consultations.models import Commitment
        from consulta.followup import followers
        from consulta.followup.models import Follower

        with sweep.app.test_request_context():
            commitment = db.session.get(Commitment, published_commitment)
            followers.request_follow(commitment, email="sigue@example.pe", locale="es")
            follower = db.session.scalar(select(Follower).where(
                Follower.email == "sigue@example.pe"))
            db.session.commit()
            return [f"/follow/confirm/{followers.make_confirmation_token(follower)}",
                    f"/follow/unsubscribe/{follower.unsubscribe_key}"]

    for path in sweep.db(follow_links):
        sweep.page("anon", path)


def _diff_lineages():
    from consulta.finalplan.models import FinalPlan
    from consulta.finalplan.queries import plan_diff

    return [entry.lineage for entry in plan_diff(db.session.scalar(select(FinalPlan)))]


def refused(sweep):
    """Values the forms refuse come back in the form with the error: render those too."""
    m = f"/consultations/{sweep.ids['M']}"
    emails = pack(254, " ")
    for n, value in enumerate(emails):
        label = "refused e-mail" if n == 0 else None
        sweep.send("anon", "/register", _form("accounts", "RegistrationForm"), {
            "email": value, "display_name": pack(80, " ")[n % 41], "password": value[:100],
            "password_confirm": "", "sector": value, "region": value, "gender": value,
            "fax_only": ""}, ok=(200,), capture=label and "register refused")
        sweep.send("anon", "/login", _form("accounts", "LoginForm"),
                   {"email": value, "password": value[:128]}, ok=(200,),
                   capture=label and "login refused")
        sweep.send("anon", "/password/forgot", _form("accounts", "EmailForm"),
                   {"email": value}, ok=(200,), capture=label and "forgot refused")
        sweep.send("moderator", f"{m}/contributions/offline/new",
                   _form("contributions", "OfflineContributionForm"), {
                       "kind": "comment", "channel": "email", "title": "Carta",
                       "author_email": value}, ok=(200,))
    for n, value in enumerate(pack(80, " ")):
        sweep.send("secretariat", "/consultations/new", _form("consultations",
                                                               "ConsultationForm"),
                   {"title": value, "slug": value, "summary": "", "scope": "local",
                    "scope_region": value, "scope_locality": value, "entity": value,
                    "opens_at": value[:20], "closes_at": "", "channels": [value]},
                   ok=(200,), capture="consultation refused" if n == 0 else None)
    # Every validated field of the participation forms, with every payload at once.
    long_value = ALL[:3000]
    sweep.send("p0", "/organizations/new", _form("accounts", "OrganizationForm"), {
        "name": "", "sector": long_value, "region": long_value, "website": long_value},
        ok=(200,), capture="organization refused")
    for value in TEXTS:
        if value.lower().startswith("javascript"):
            sweep.send("p0", "/organizations/new", _form("accounts", "OrganizationForm"),
                       {"name": "Org", "sector": "academia", "region": "cusco",
                        "website": value}, ok=(200,))
    sweep.send("p0", "/account", _form("accounts", "ProfileForm"), {
        "display_name": "", "sector": long_value, "region": long_value, "gender": long_value,
        "locale": long_value}, ok=(200,), capture="profile refused")
    # Passwords are never shown back, refused or not; they still take every payload.
    passwords = pack(128, " ")
    for n, value in enumerate(passwords):
        sweep.send("p0", "/account/password", _form("accounts", "ChangePasswordForm"), {
            "current_password": value, "password": value, "password_confirm": value},
            ok=(200,), capture=n == 0 and "password refused")
        sweep.send("p0", "/account/delete", _form("accounts", "DeleteAccountForm"),
                   {"password": value}, ok=(200,), capture=n == 0 and "delete refused")
    sweep.send("anon", "/confirm", _form("accounts", "EmailForm"), {"email": long_value},
               ok=(200,), capture="resend refused")
    # A reset link: the new passwords do not match.
    sweep.send("p5", "/password/forgot", _form("accounts", "EmailForm"),
               {"email": sweep.roles["p5"]}, ok=(200,))
    link = re.search(r"https?://[^/\s]+(/password/reset/\S+)",
                     sweep.outbox(sweep.roles["p5"])[-1].body).group(1)
    for n, value in enumerate(passwords):
        sweep.send("anon", link, _form("accounts", "ResetPasswordForm"), {
            "password": value, "password_confirm": passwords[n - 1]}, ok=(200,),
            capture=n == 0 and "reset refused")
    # Submission tokens longer than a token can be: the form asks to send it again.
    sweep.send("p0", f"{m}/comments/new", _form("contributions", "CommentForm"), {
        "body": "Texto.", "target": "plan", "organization": "0", "submission_token": ALL,
        "send": "1"}, ok=(200,), capture="comment token refused")
    sweep.send("p0", f"{m}/proposals/new", _form("contributions", "ProposalForm"), {
        **dict.fromkeys(("title", "problem", "objective"), "Texto."), "organization": "0",
        "component": str(sweep.ids["components"][0]), "submission_token": ALL, "send": "1"},
        ok=(200,))
    sweep.send("moderator", f"{m}/contributions/offline/new",
               _form("contributions", "OfflineContributionForm"), {
                   "kind": "comment", "channel": "email", "title": "Carta",
                   "submission_token": ALL}, ok=(200,))
    # The proposal sheet's months.
    sweep.send("p0", f"{m}/proposals/new", _form("contributions", "ProposalForm"), {
        "title": "Meses", "problem": "Problema.", "objective": "Objetivo.",
        "component": str(sweep.ids["components"][0]), "organization": "0", "due": ALL,
        "actions-0-description": "Acción", "actions-0-start": ALL, "actions-0-end": ALL,
        "send": "1"}, ok=(200,), capture="proposal refused")
    sweep.page("anon", link)
    sweep.page("anon", "/password/reset/" + "x" * 40)
    sweep.page("anon", "/confirm")
    sweep.page("anon", "/password/forgot")
    sweep.page("anon", "/login")
    sweep.page("anon", "/register")
    # Dates, months and lists the forms check.
    sweep.send("moderator", f"{m}/events/new", _form("contributions", "EventForm"), {
        "kind": long_value, "title": long_value[:200], "held_on": long_value[:30],
        "place": "", "region": long_value, "description": "",
        "attendance-0-sector": long_value, "attendance-0-participants": "1"},
        ok=(200,), capture="event refused")
    sweep.send("moderator", f"{m}/contributions/offline/new",
               _form("contributions", "OfflineContributionForm"), {
                   "kind": long_value, "channel": long_value, "title": "",
                   "author_email": long_value[:254], "sector": long_value,
                   "region": long_value, "due": long_value, "actions-0-start": long_value,
                   "actions-0-end": long_value, "actions-0-description": ""},
               ok=(200,), capture="offline refused")
    sweep.send("secretariat", f"{m}/phases", _form("consultations", "PhaseForm"), {
        "name": "", "starts_on": long_value[:30], "ends_on": "", "description": long_value},
        ok=(200,), capture="phase refused")
    sweep.send("secretariat", f"{m}/plan/commitments/new",
               _form("consultations", "CommitmentForm"), {
                   "number": long_value[:20], "component": "", "title": "",
                   "due": long_value, "actions-0-start": long_value,
                   "actions-0-end": long_value, "principles": [long_value]},
               ok=(200,), capture="commitment refused")
    sweep.send("moderator", f"/moderation/{sweep.ids['proposals'][0]}",
               _form("moderation", "ClassifyForm"), {
                   "component": long_value[:20], "tags": ",".join(TEXTS)[:500],
                   "version": _version(sweep, sweep.ids["proposals"][0])},
               ok=(200,), capture="classify refused")
    sweep.send("secretariat", f"/feedback/contributions/{sweep.ids['proposals'][1]}",
               _form("feedback", "ResponseForm"), {
                   "outcome": "referred", "justification": "Corta.",
                   "referred_to": long_value[:300], "version": "0"},
               ok=(200,), capture="response refused")
