"""Every form of the site, where it is posted, by whom, and what a success may change.

Shared by the encoding sweep (test_encodings.py) and the form fuzzer
(test_fuzz_forms.py). Forms are discovered, not listed: every FlaskForm subclass
in the ``consulta`` package and every route that accepts POST must be mapped to a
scenario below, or ``unmapped_forms`` / ``unmapped_post_endpoints`` name them and the
tests fail. A scenario says which role posts the form, to which URLs, with which
valid values (so that fuzzed submissions also reach the success path), and which
changes in table row counts a successful submission may make: any other change is a
partial record.
"""

import importlib
import io
import json
import pkgutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote, quote_from_bytes

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select, text
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.fields.core import UnboundField

import consulta
from consulta.extensions import db, limiter

from ..conftest import CSRF_INPUT

PASSWORD = "una-frase-de-prueba-para-fuzz"
NEW_PASSWORD = "otra-frase-nueva-de-prueba-7"

#: A small plan: two components, three commitments, one section (fast to set up).
SMALL_PLAN = json.dumps({
    "plan": {"title": "Plan de prueba"},
    "sections": [{"title": "Introducción", "body": "Texto de la **introducción**."}],
    "themes": [
        {"name": "Salud", "commitments": [
            {"number": 1, "title": "Observatorio de precios de medicamentos",
             "institution": "MINSA", "actions": [
                 {"description": "Publicar datos", "start": "2026-03", "end": "2026-12"}],
             "due": "2026-12", "principles": ["transparency"]},
            {"number": 2, "title": "Historia clínica electrónica"}]},
        {"name": "Educación", "commitments": [
            {"number": 3, "title": "Becas con datos abiertos"}]},
    ],
}).encode()


# --- discovery ---------------------------------------------------------------------

def _import_all():
    for module in pkgutil.walk_packages(consulta.__path__, "consulta."):
        importlib.import_module(module.name)


def all_form_classes():
    """Every FlaskForm subclass defined in the consulta package."""
    _import_all()
    found, pending = set(), [FlaskForm]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                pending.append(sub)
    return {f for f in found if f.__module__.startswith("consulta.")}


def _unbound_fields(form_class):
    for name in dir(form_class):
        value = getattr(form_class, name, None)
        if isinstance(value, UnboundField):
            yield name, value


def nested_form_classes(form_class):
    """Forms used as rows (FieldList of FormField) inside ``form_class``."""
    nested = set()
    for _name, unbound in _unbound_fields(form_class):
        inner = unbound
        if issubclass(inner.field_class, FieldList):
            inner = inner.args[0]
        if issubclass(inner.field_class, FormField):
            # A factory (a form with one field per sector of the profile) names its class.
            form = getattr(inner.args[0], "form_class", inner.args[0])
            nested |= {form, *form.__subclasses__()}
    return nested


def unmapped_forms(scenarios):
    """Form classes no scenario posts (rows are covered through the form that holds them;
    a class without fields of its own and without a CSRF token is a base class)."""
    mapped = {form for s in scenarios for form in (s.form, *s.also)}
    covered = set(mapped)
    for form in mapped:
        covered |= nested_form_classes(form)
    missing = set()
    for form in all_form_classes() - covered:
        own_fields = list(_unbound_fields(form))
        if not own_fields and not form.Meta.csrf:
            continue  # SubForm: the base of the rows above
        missing.add(f"{form.__module__}.{form.__qualname__}")
    return missing


def post_endpoints(app):
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def unmapped_post_endpoints(app, scenarios):
    mapped = {route.endpoint for s in scenarios for route in s.routes}
    return post_endpoints(app) - mapped


# --- fields ------------------------------------------------------------------------

FIELD_KINDS = (
    (IntegerField, "integer"), (DateTimeLocalField, "datetime"), (DateField, "date"),
    (SelectMultipleField, "multichoice"), (SelectField, "choice"), (BooleanField, "boolean"),
)


def _kind(field_class):
    from flask_wtf.file import FileField

    if issubclass(field_class, FileField):
        return "file"
    for klass, kind in FIELD_KINDS:
        if issubclass(field_class, klass):
            return kind
    return "text"


#: Row indexes fuzzed in a FieldList: the first rows, the last allowed, and beyond.
ROW_INDEXES = (0, 1, 2, 29, 30, 9999)


def form_fields(form_class):
    """{posted name: kind} of every field of the form, rows of FieldLists included."""
    fields = {}
    for name, unbound in _unbound_fields(form_class):
        if issubclass(unbound.field_class, FieldList):
            row = unbound.args[0]
            row_form = row.args[0] if issubclass(row.field_class, FormField) else None
            for index in ROW_INDEXES:
                if row_form is None:
                    fields[f"{name}-{index}"] = _kind(row.field_class)
                    continue
                for sub_name, sub in _unbound_fields(row_form):
                    fields[f"{name}-{index}-{sub_name}"] = _kind(sub.field_class)
        else:
            fields[name] = _kind(unbound.field_class)
    if form_class.Meta.csrf is not False:
        fields["csrf_token"] = "csrf"
    return fields


# --- the app and the world every scenario works in -----------------------------------

@pytest.fixture
def fuzz_app(app, monkeypatch):
    """The session app without rate limits, with cheap password hashes and commits that
    do not wait for the disk: a fuzz run makes thousands of logins and submissions from
    one address, each scrypt check takes 0.1 s, and durability is not what is tested
    here. Everything else (CSRF, permissions, the database and its constraints) is the
    real thing."""
    from sqlalchemy import event

    monkeypatch.setattr(limiter, "enabled", False)
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1")

    def no_waiting_for_the_disk(dbapi_connection, _record):
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            dbapi_connection.execute("PRAGMA synchronous=OFF")
        else:
            dbapi_connection.execute("SET synchronous_commit = off")
            dbapi_connection.commit()

    with app.app_context():
        engine = db.engine
    engine.dispose()
    event.listen(engine, "connect", no_waiting_for_the_disk)
    yield app
    event.remove(engine, "connect", no_waiting_for_the_disk)
    engine.dispose()  # later tests get connections with the durable settings again


@dataclass
class World:
    app: object
    users: dict = field(default_factory=dict)      # role -> (id, email)
    clients: dict = field(default_factory=dict)    # role -> logged-in test client
    tokens: dict = field(default_factory=dict)     # role -> CSRF token
    ids: dict = field(default_factory=dict)        # names used in URLs and values

    def client(self, role):
        return self.clients[role]

    def relogin(self, role):
        """A fresh client for ``role`` (after a logout, a deletion, a password change)."""
        client = self.app.test_client()
        if role != "anonymous":
            _id, email = self.users[role]
            token = _csrf(client)
            response = client.post("/login", data={"email": email, "password": PASSWORD,
                                                   "csrf_token": token})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        self.clients[role] = client
        self.tokens[role] = _csrf(client)
        return client


def _csrf(client):
    match = CSRF_INPUT.search(client.get("/password/forgot").get_data(as_text=True))
    return match.group(1) or match.group(2)


ROLES = {
    "participant": (), "member": (), "unconfirmed": (), "moderator": ("moderator",),
    "secretariat": ("secretariat",), "admin": ("admin",), "target": (),
}


def make_user(app, role, n, roles=(), confirmed=True):
    from consulta.accounts.models import User, UserRole
    from consulta.accounts.passwords import hash_password
    from consulta.core.dates import utcnow

    now = utcnow()
    email = f"{role}{n}@example.pe"
    with app.app_context():
        user = User(email=email, password_hash=hash_password(PASSWORD),
                    display_name=f"{role.title()} {n}", sector="citizen", region="cusco",
                    privacy_accepted_at=now, privacy_version="2026-11",
                    email_confirmed_at=now if confirmed else None, created_at=now)
        for name in roles:
            user.roles.append(UserRole(role=name, granted_at=now))
        db.session.add(user)
        db.session.commit()
        user_id = user.id
        db.session.remove()
    return user_id, email


def _followed_consultation(secretariat, now):
    """A consultation whose final plan is published, with a published progress report
    (made with the models until the follow-up's staff operations land): what the
    self-assessment form needs."""
    from consulta.consultations import operations as consultations
    from consulta.consultations.plan_import import parse_plan
    from consulta.finalplan import operations as finalplan
    from consulta.followup.models import Milestone, ProgressReport, ReportMilestone

    followed = consultations.create_consultation(
        actor=secretariat, title="Consulta en seguimiento", summary="Resumen.",
        organizer="Secretaría de Gobierno Digital", scope="national", channels=["web"],
        opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=30))
    consultations.import_plan(followed, parse_plan(SMALL_PLAN), actor=secretariat)
    version = consultations.publish_plan_version(followed, actor=secretariat)
    followed.announced_at = now - timedelta(days=70)
    db.session.flush()
    plan = finalplan.save_final_plan(followed, actor=secretariat, plan_version_id=version.id,
                                     approval_reference="Resolución N.° 3-2026",
                                     approved_on=date(2026, 3, 1))
    finalplan.publish_final_plan(plan, actor=secretariat, notify=False)
    milestone = Milestone(commitment_id=version.commitments[0].id, position=1,
                          description="Hito", due="2099-12", current_status="in_progress",
                          current_percent=50, current_as_of=date(2026, 6, 30))
    db.session.add(milestone)
    db.session.flush()
    report = ProgressReport(commitment_id=milestone.commitment_id, number=1,
                            as_of=date(2026, 6, 30), state="published", published_at=now,
                            published_by_id=secretariat.id)
    report.milestones.append(ReportMilestone(milestone_id=milestone.id, status="in_progress",
                                             percent=50))
    db.session.add(report)
    db.session.flush()
    return followed


def build_world(app):
    """Users of every role, logged in; an open consultation with a published plan, a
    draft, contributions of every kind, an event, a group, a response, a template and
    organizations. About a tenth of a second."""
    from consulta.accounts import operations as accounts
    from consulta.accounts.models import Membership, Organization, User, UserRole
    from consulta.accounts.tokens import make_reset_token
    from consulta.consultations import operations as consultations
    from consulta.consultations.models import Consultation, Phase
    from consulta.consultations.plan_import import parse_plan
    from consulta.contributions import operations as contributions
    from consulta.core.dates import local_today, utcnow
    from consulta.core.mail import OutboxMessage
    from consulta.feedback import operations as feedback
    from consulta.finalplan import operations as finalplan
    from consulta.moderation import operations as moderation

    world = World(app)
    for n, (role, roles) in enumerate(ROLES.items(), start=1):
        world.users[role] = make_user(app, role, n, roles, confirmed=role != "unconfirmed")

    with app.test_request_context():
        def user(role):
            return db.session.get(User, world.users[role][0])

        secretariat, moderator = user("secretariat"), user("moderator")
        participant, member = user("participant"), user("member")
        now, today = utcnow(), local_today()
        consultation = consultations.create_consultation(
            actor=secretariat, title="Consulta abierta", summary="Resumen.",
            organizer="Secretaría de Gobierno Digital", scope="national",
            channels=["web", "workshop"], opens_at=now - timedelta(days=7),
            closes_at=now + timedelta(days=21))
        consultation.phases.append(Phase(position=1, name="Recepción de aportes",
                                         starts_on=today - timedelta(days=7),
                                         ends_on=today + timedelta(days=21)))
        consultations.import_plan(consultation, parse_plan(SMALL_PLAN), actor=secretariat)
        consultations.publish_plan_version(consultation, actor=secretariat)
        consultation.announced_at = now - timedelta(days=21)
        db.session.flush()
        # A consultation of 2016, being prepared to be recorded after the fact.
        past = consultations.create_consultation(
            actor=secretariat, title="Consulta de 2016", summary="Resumen.",
            organizer="Gobierno Regional", scope="national", channels=["workshop"],
            opens_at=datetime(2016, 5, 2, 14, tzinfo=UTC),
            closes_at=datetime(2016, 6, 30, 23, tzinfo=UTC))
        past.phases.append(Phase(position=1, name="Taller", starts_on=date(2016, 5, 11),
                                 ends_on=date(2016, 5, 11)))
        db.session.flush()
        # A consultation that closed yesterday, its final plan being prepared.
        closed = consultations.create_consultation(
            actor=secretariat, title="Consulta con plan final", summary="Resumen.",
            organizer="Secretaría de Gobierno Digital", scope="national",
            channels=["web"], opens_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=1))
        consultations.import_plan(closed, parse_plan(SMALL_PLAN), actor=secretariat)
        closed_version = consultations.publish_plan_version(closed, actor=secretariat)
        closed.announced_at = now - timedelta(days=40)
        db.session.flush()
        finalplan.save_final_plan(closed, actor=secretariat,
                                  plan_version_id=closed_version.id,
                                  approval_reference="Resolución Ministerial N.° 1-2026",
                                  approved_on=today)
        followed = _followed_consultation(secretariat, now)
        published = consultation.published_plan
        draft = consultations.ensure_draft_version(consultation, actor=secretariat)
        db.session.flush()

        organization = accounts.create_organization(
            participant, name="Red Ciudadana", sector="civil_society",
            region="lima-metropolitana")
        accounts.review_organization(organization, approve=True, actor=moderator)
        pending = accounts.create_organization(member, name="Colectivo Pendiente",
                                               sector="civil_society", region="cusco")
        membership = accounts.request_membership(member, organization)
        db.session.flush()

        components = list(consultation.components)
        proposal, _ = contributions.submit_contribution(
            consultation, author=participant, kind="proposal", notify=False,
            values={"component_id": components[0].id, "title": "Propuesta de prueba",
                    "problem": "Un problema público.", "objective": "Un objetivo."})
        other, _ = contributions.submit_contribution(
            consultation, author=member, kind="proposal", notify=False,
            values={"component_id": components[1].id, "title": "Otra propuesta",
                    "problem": "Otro problema.", "objective": "Otro objetivo."})
        comment, _ = contributions.submit_contribution(
            consultation, author=participant, kind="comment", target="plan", notify=False,
            values={"body": "Un comentario sobre el plan."})
        event = contributions.save_event(
            consultation, actor=moderator, attendance=[("citizen", 20, 11)], kind="workshop",
            title="Taller en Trujillo", held_on=today - timedelta(days=2), place="Trujillo",
            region="la-libertad", description="")
        offline = contributions.record_offline_contribution(
            consultation, moderator=moderator, kind="comment", channel="workshop",
            values={"title": "Aporte en papel", "body": "Texto del papel."},
            event_id=event.id)
        group = moderation.create_group(consultation, actor=moderator, title="Grupo de prueba",
                                        members=[other])
        response = feedback.save_response(
            proposal, actor=secretariat, outcome="not_incorporated",
            justification="No se incorpora por ahora. Se revisará en el próximo plan.")
        template = feedback.save_answer_template(
            consultation, actor=secretariat, title="Plantilla", outcome="out_of_scope",
            justification="Está fuera del alcance. Se deriva a otra instancia.")
        message = OutboxMessage(recipient="alguien@example.org", subject="Asunto",
                                body="Texto.", status="failed", attempts=8)
        db.session.add(message)
        forum_ids = _forum_rows(consultation, secretariat, participant)
        followup = _followup_world(closed_version, secretariat, member)
        # A role in the team of the consultation's entity.
        team_role = UserRole(role="facilitator", entity_id=consultation.entity_id,
                             granted_at=now)
        moderator.roles.append(team_role)
        db.session.commit()

        world.ids.update(
            **forum_ids,
            slug=consultation.slug, consultation_id=consultation.id,
            final_slug=closed.slug, final_version_id=closed_version.id,
            followed_slug=followed.slug,
            components=[c.id for c in components], component_id=components[0].id,
            commitments=[c.id for c in published.commitments],
            commitment_id=published.commitments[0].id,
            draft_commitment_id=draft.commitments[0].id, section_id=draft.sections[0].id,
            published_section_id=published.sections[0].id,
            phase_id=consultation.phases[0].id, proposal=proposal.tracking_code,
            window_id=consultation.windows[0].id, past_slug=past.slug, past_id=past.id,
            proposal_id=proposal.id, other=other.tracking_code, other_id=other.id,
            comment=comment.tracking_code, offline=offline.tracking_code,
            event_id=event.id, group_id=group.id, response_id=response.id,
            template_id=template.id, organization_id=organization.id, message_id=message.id,
            team_role_id=team_role.id, entity_slug=consultation.entity.slug,
            pending_organization_id=pending.id, membership_id=membership.id,
            participant_membership_id=db.session.scalar(
                select(Membership.id).where(Membership.user_id == participant.id)),
            target_user_id=world.users["target"][0],
            reset_token=make_reset_token(participant),
            **followup,
        )
        assert db.session.get(Organization, pending.id).status == "pending"
        assert db.session.get(Consultation, consultation.id).is_open()
        db.session.remove()
    _followable(world)

    for role in (*ROLES, "anonymous"):
        if role not in ("unconfirmed", "target"):
            world.relogin(role)
    return world


def _forum_rows(consultation, secretariat, participant):
    """The forum of the open consultation (a member, a meeting) and a published progress
    report on its first commitment with a participant's comment (fu-forum) → their ids."""
    from consulta.core.dates import local_today, utcnow
    from consulta.followup.models import (
        ForumMeeting,
        ForumMember,
        ProgressReport,
        ReportComment,
    )

    commitment = consultation.published_plan.commitments[0]
    report = ProgressReport(commitment_id=commitment.id, number=1,
                            as_of=local_today() - timedelta(days=3), narrative="Avance.",
                            state="published", published_at=utcnow())
    member = ForumMember(consultation_id=consultation.id, name="Miembro del foro",
                         sector="civil_society", side="civil_society", role="member")
    meeting = ForumMeeting(consultation_id=consultation.id,
                           held_on=local_today() - timedelta(days=2), place="Lima",
                           attendance=4, created_by_id=secretariat.id)
    db.session.add_all([report, member, meeting])
    db.session.flush()
    comment = ReportComment(report_id=report.id, author_id=participant.id,
                            body="Un comentario sobre el reporte.")
    db.session.add(comment)
    db.session.flush()
    return {"report_id": report.id, "member_id": member.id, "meeting_id": meeting.id,
            "comment_id": comment.id}


def _comment_shown_again(world, route, response):
    """The hidden comment is shown again, so the next valid submission hides it again."""
    from consulta.followup.models import ReportComment

    with world.app.app_context():
        comment = db.session.get(ReportComment, world.ids["comment_id"])
        comment.hidden_at = comment.hidden_reason = comment.hidden_note = None
        comment.hidden_by_id = None
        db.session.commit()
        db.session.remove()
def _followup_world(version, secretariat, reporter):
    """The follow-up of the closed consultation (its final plan prepared): a milestone
    and an indicator a draft report mentions (so neither can be removed), a reporter of
    another commitment, and a link in the draft → ids for the URLs."""
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    from consulta.followup import operations as followup

    commitment, other = version.commitments[0], version.commitments[1]
    milestone = followup.save_milestone(commitment, actor=secretariat, description="Hito")
    indicator = followup.save_indicator(commitment, actor=secretariat, name="Indicador",
                                        baseline="0", target="10")
    added = followup.add_reporter(other, actor=secretariat, email=reporter.email)
    report = followup.start_report(commitment, actor=secretariat)
    followup.save_report(report, actor=secretariat, as_of=report.as_of, narrative="Avance.",
                         indicators={indicator.id: {"value": "3"}})
    link = followup.add_link(report, actor=secretariat, title="Acta",
                             url="https://example.pe/acta")
    upload = followup.add_document(report, actor=secretariat, title="Foto",
                                   file_storage=FileStorage(stream=BytesIO(FU_PDF),
                                                            filename="acta.pdf"))
    return {"fu_commitment_id": commitment.id, "fu_milestone_id": milestone.id,
            "fu_indicator_id": indicator.id, "fu_reporter_id": added.id,
            "fu_report_id": report.id, "fu_evidence_id": link.id,
            "fu_document_id": upload.document.id}


#: A small valid PDF, for evidence uploads.
FU_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def restore_user(world, role):
    """Put an account back as the world made it (password, e-mail, not deleted, roles)."""
    from consulta.accounts.models import User, UserRole
    from consulta.accounts.passwords import hash_password
    from consulta.core.dates import utcnow

    user_id, email = world.users[role]
    with world.app.app_context():
        user = db.session.get(User, user_id)
        user.password_hash = hash_password(PASSWORD)
        user.email, user.deleted_at = email, None
        user.display_name = user.display_name or role.title()
        wanted = set(ROLES.get(role, ()))
        if user.role_names != wanted:
            user.roles.clear()
            db.session.flush()
            for name in wanted:
                user.roles.append(UserRole(role=name, granted_at=utcnow()))
        db.session.commit()
        db.session.remove()


# --- table row counts ------------------------------------------------------------------

#: Tables the database keeps from ``contributions`` by its triggers (a consultation's
#: counts, a final plan's traces): a row appears with the first contribution counted
#: under a new key. Derived, not a record a submission makes; tests/moderation/
#: test_tallies.py, tests/feedback/test_queries.py and tests/finalplan/test_traces.py
#: check they follow every write.
DERIVED_TABLES = ("contribution_tallies", "coverage_tallies", "commitment_tallies",
                  "final_plan_traces", "final_plan_tallies", "response_tallies")


class RowCounts:
    """Row counts of every table (those the database derives left out), in one query."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.tables = [t.name for t in db.metadata.sorted_tables
                           if t.name not in DERIVED_TABLES]
        self.sql = text("SELECT " + ", ".join(
            f'(SELECT count(*) FROM "{name}")' for name in self.tables))

    def __call__(self):
        with self.app.app_context():
            row = db.session.execute(self.sql).one()
            db.session.remove()
        return dict(zip(self.tables, row, strict=True))

    @staticmethod
    def delta(before, after):
        return {name: after[name] - before[name] for name in before
                if after[name] != before[name]}


def matches(delta, pattern):
    """True if ``delta`` has exactly the tables of ``pattern`` (ints or (low, high))."""
    if set(delta) - set(pattern):
        return False
    for table, expected in pattern.items():
        value = delta.get(table, 0)
        low, high = expected if isinstance(expected, tuple) else (expected, expected)
        if not low <= value <= high:
            return False
    return True


# --- requests --------------------------------------------------------------------------

class Raw(str):
    """A piece of a form body sent as it is (e.g. an invalid escape like ``%zz``)."""


@dataclass
class Upload:
    filename: str
    content: bytes


def _urlencoded(value):
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bytes):
        return quote_from_bytes(value, safe="")
    return quote(value, safe="")


def urlencoded_body(pairs):
    return "&".join(f"{_urlencoded(k)}={_urlencoded(v)}" for k, v in pairs).encode("ascii")


BOUNDARY = "----consulta-fuzz-boundary-7c1d"


def multipart_body(pairs):
    out = io.BytesIO()
    for name, value in pairs:
        out.write(f"--{BOUNDARY}\r\n".encode())
        disposition = f'Content-Disposition: form-data; name="{name}"'
        if isinstance(value, Upload):
            filename = value.filename.replace('"', "%22").replace("\r", "").replace("\n", "")
            out.write(f'{disposition}; filename="{filename}"\r\n'.encode())
            out.write(b"Content-Type: application/octet-stream\r\n\r\n")
            out.write(value.content)
        else:
            out.write(f"{disposition}\r\n\r\n".encode())
            out.write(value if isinstance(value, bytes) else str(value).encode())
        out.write(b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue()


def send(client, url, pairs, encoding="urlencoded"):
    """POST ``pairs`` [(name, value)] as a browser form would (or as a script could)."""
    if encoding == "multipart" or any(isinstance(v, Upload) for _k, v in pairs):
        return client.post(url, data=multipart_body(pairs),
                           content_type=f"multipart/form-data; boundary={BOUNDARY}")
    if encoding == "json":
        return client.post(url, data=json.dumps(
            {k: (v.content.decode("latin-1") if isinstance(v, Upload) else
                 v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in pairs}),
            content_type="application/json")
    return client.post(url, data=urlencoded_body(pairs),
                       content_type="application/x-www-form-urlencoded")


def format_url(template, values):
    return template.format(**{k: quote(str(v), safe="") for k, v in values.items()})


# --- scenarios -------------------------------------------------------------------------

@dataclass
class Route:
    """One URL that processes the form: ``path`` is formatted with ``world.ids``."""

    endpoint: str
    path: str
    valid: object  # world -> [(name, value)]: a submission that succeeds
    extra: dict = field(default_factory=dict)  # other request fields -> sample values
    role: str = None  # who posts it, if not the scenario's role


@dataclass
class Scenario:
    form: type
    role: str
    routes: list
    #: Row-count changes a successful submission may make (tables not named: none).
    deltas: list = field(default_factory=list)
    #: How to tell a success (default: a redirect that is not to the login page).
    success: object = None
    #: Called after a success that changed the state examples rely on.
    after_success: object = None
    #: Other form classes the same routes process (their fields are fuzzed too).
    also: tuple = ()

    @property
    def name(self):
        return self.form.__name__

    def role_of(self, route):
        return route.role or self.role

    def fields(self):
        fields = {}
        for form in (self.form, *self.also):
            fields.update(form_fields(form))
        return fields

    def succeeded(self, response):
        if self.success is not None:
            return self.success(response)
        return response.status_code == 302 and "/login" not in response.headers.get(
            "Location", "")


def _valid_proposal(world):
    return [("component", str(world.ids["component_id"])), ("title", "Una propuesta"),
            ("problem", "El problema público."), ("objective", "El objetivo."),
            ("responsible", "MINSA"), ("co_responsible", "DIGEMID\nSUSALUD"),
            ("actions-0-description", "Una acción"), ("actions-0-start", "2026-03"),
            ("actions-0-end", "2026-06"), ("due", "2026-12"), ("body", "Explicación."),
            ("organization", "0"), ("send", "1")]


def _valid_offline(world):
    return [("kind", "comment"), ("channel", "workshop"), ("event", str(world.ids["event_id"])),
            ("received_on", "2026-03-01"), ("received_outside_window", "y"),
            ("commitment", str(world.ids["commitment_id"])),
            ("component", "0"), ("title", "Aporte de taller"), ("body", "Lo que se dijo."),
            ("author_name", "Rosa Quispe"), ("author_name_public", "y"),
            ("author_organization", "Colectivo"), ("author_email", "rosa@example.pe"),
            ("sector", "citizen"), ("region", "cusco")]


def _valid_consultation(world):
    return [("title", "Consulta nueva"), ("slug", ""), ("summary", "Resumen breve."),
            ("description", "Descripción en **Markdown**."), ("scope", "regional"),
            ("scope_region", "cusco"), ("scope_locality", ""),
            ("entity", "secretaria-de-gobierno-digital"),
            ("forum_name", "Foro"), ("methodology", "Método."), ("channels", "web"),
            ("channels", "workshop"), ("requires_review", "y"),
            ("opens_at", "2026-05-01T09:00"), ("closes_at", "2026-06-01T18:00")]


def _local_stamp(world, moment):
    """A moment as the forms take it: to the minute, in the deployment's zone."""
    from consulta.core.dates import utc_to_local

    with world.app.app_context():
        return utc_to_local(moment).strftime("%Y-%m-%dT%H:%M")


def _world_consultation(world, name="consultation_id"):
    from consulta.consultations.models import Consultation

    with world.app.app_context():
        consultation = db.session.get(Consultation, world.ids[name])
        values = (consultation.opens_at, consultation.closes_at,
                  consultation.windows[0].opens_at, consultation.windows[0].closes_at)
        db.session.remove()
    return values


def _valid_consultation_edit(world):
    """The consultation's details with its dates as shown: no change of dates."""
    opens, closes, _w_opens, _w_closes = _world_consultation(world)
    return [(k, v) for k, v in _valid_consultation(world)
            if k not in ("opens_at", "closes_at")] + [
        ("opens_at", _local_stamp(world, opens)), ("closes_at", _local_stamp(world, closes)),
        ("date_change_reason", "")]


def _valid_window(world):
    from consulta.core.dates import utcnow

    return [("channel", "written"), ("opens_at", ""),
            ("closes_at", _local_stamp(world, utcnow() + timedelta(days=5))),
            ("reason", "Aportes escritos")]


def _valid_window_change(world):
    _opens, _closes, w_opens, w_closes = _world_consultation(world)
    return [("opens_at", _local_stamp(world, w_opens)),
            ("closes_at", _local_stamp(world, w_closes + timedelta(days=1))),
            ("reason", "Un día más para las regiones")]


def _valid_window_extension(world):
    _opens, _closes, _w_opens, w_closes = _world_consultation(world)
    return [("closes_at", _local_stamp(world, w_closes + timedelta(days=2))),
            ("reason", "Ampliación pedida por el foro")]


def _only_the_web_window(world, route, response):
    """Each added window is taken away again: the next valid one must not overlap."""
    from consulta.consultations.models import ParticipationWindow

    with world.app.app_context():
        db.session.execute(ParticipationWindow.__table__.delete().where(
            ParticipationWindow.consultation_id == world.ids["consultation_id"],
            ParticipationWindow.id != world.ids["window_id"]))
        db.session.commit()
        db.session.remove()


def _unpublish_past(world, route, response):
    """The 2016 consultation goes back to being prepared, to be recorded again."""
    from consulta.consultations.models import Consultation

    with world.app.app_context():
        past = db.session.get(Consultation, world.ids["past_id"])
        past.announced_at = past.recorded_after_at = past.announcement_reference = None
        db.session.commit()
        db.session.remove()


def _valid_commitment(world, number="7"):
    return [("number", number), ("component", str(world.ids["component_id"])),
            ("title", "Un compromiso"), ("summary", "Resumen."), ("problem", "Problema."),
            ("objective", "Objetivo."), ("responsible", "PCM"), ("co_responsible", "MEF"),
            ("actions-0-description", "Acción"), ("actions-0-start", "2026-01"),
            ("actions-0-end", "2026-02"), ("due", "2026-12"), ("principles", "integrity")]


def _valid_event(world):
    return [("kind", "workshop"), ("title", "Taller"), ("held_on", "2026-03-10"),
            ("place", "Cusco"), ("region", "cusco"), ("description", "Descripción."),
            # Totals left empty, as a browser sends them: the sum of the rows.
            ("attendees_total", ""), ("gender_recorded_count", ""), ("attendees_women", ""),
            ("attendance-0-sector", "citizen"), ("attendance-0-participants", "30"),
            ("attendance-0-women", "12"), ("attendance-1-sector", "academia"),
            ("attendance-1-participants", "5"), ("attendance-1-women", "5")]


def _plan_file(world):
    return [("file", Upload("plan.json", SMALL_PLAN))]


def _matrix_file(world):
    from consulta.consultations.models import Consultation
    from consulta.feedback.matrix import export_xlsx

    with world.app.test_request_context():
        consultation = db.session.get(Consultation, world.ids["consultation_id"])
        data = export_xlsx(consultation)
        db.session.remove()
    return [("file", Upload("matriz.xlsx", data))]


def _link_sent(response):
    """forgot/resend answer a page without the form, whether the account exists or not."""
    return response.status_code == 200 and b'name="email"' not in response.data


def _reset_password_token(world, route, response):
    from consulta.accounts.models import User
    from consulta.accounts.tokens import make_reset_token

    restore_user(world, "participant")
    with world.app.test_request_context():
        world.ids["reset_token"] = make_reset_token(
            db.session.get(User, world.users["participant"][0]))
        db.session.remove()
    world.relogin("anonymous")


def _relogin(role):
    def after(world, route, response):
        restore_user(world, role)
        world.relogin(role)
    return after


def _restore_slug(world, route, response):
    from consulta.consultations.models import Consultation

    with world.app.app_context():
        consultation = db.session.get(Consultation, world.ids["consultation_id"])
        consultation.slug = world.ids["slug"]
        db.session.commit()
        db.session.remove()


def _keep_participant_admin(world, route=None, response=None):
    """Leaving or losing the admin flag ends the organization's own scenarios: undo it."""
    from consulta.accounts.models import Membership
    from consulta.core.dates import utcnow

    with world.app.app_context():
        membership = db.session.scalar(select(Membership).where(
            Membership.user_id == world.users["participant"][0],
            Membership.organization_id == world.ids["organization_id"]))
        if membership is None:
            membership = Membership(user_id=world.users["participant"][0],
                                    organization_id=world.ids["organization_id"],
                                    requested_at=utcnow())
            db.session.add(membership)
        membership.status, membership.is_admin = "approved", True
        db.session.commit()
        world.ids["participant_membership_id"] = membership.id
        db.session.remove()


def _after_confirm(world, route, response):
    if route.endpoint == "accounts.logout":
        world.relogin("participant")
    if route.endpoint in ("accounts.leave_organization", "accounts.set_member_admin"):
        _keep_participant_admin(world)


def _unvoid_offline(world, route, response):
    """A voided record has no correction form: make the typed-in example count again."""
    from consulta.contributions.models import Contribution

    with world.app.app_context():
        record = db.session.scalar(select(Contribution).where(
            Contribution.tracking_code == world.ids["offline"]))
        record.voided_at = record.voided_by_id = record.void_reason = None
        db.session.commit()
        db.session.remove()


def _offline_import_file(world):
    """A CSV of the import template with one row for the open consultation."""
    import csv

    from flask_babel import force_locale

    from consulta.core.dates import local_today
    from consulta.offline.importer import COLUMNS, headers

    with world.app.test_request_context(), force_locale("es"):
        labels = headers()
        row = {"kind": "Comentario", "channel": "Taller", "title": "Aporte importado",
               "received_on": (local_today() - timedelta(days=1)).isoformat(),
               "body": "Lo que dice la ficha.", "sector": "citizen", "region": "cusco"}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([labels[k] for k in COLUMNS])
    writer.writerow([row.get(k, "") for k in COLUMNS])
    return buffer.getvalue().encode("utf-8")


def _import_upload(world):
    return [("file", Upload("aportes.csv", _offline_import_file(world)))]


def _import_waiting(world):
    """The confirmation of a file checked before (kept in the instance folder)."""
    import hashlib
    from pathlib import Path

    data = _offline_import_file(world)
    digest = hashlib.sha256(data).hexdigest()
    folder = Path(world.app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{digest}.csv").write_bytes(data)
    return [("digest", digest), ("format", "csv")]


def _valid_assisted(world):
    return [("kind", "comment"), ("channel", "other"), ("component", "0"), ("event", "0"),
            ("commitment", "0"), ("title", "Aporte en el punto de atención"),
            ("body", "Lo que dijo la persona."), ("author_name", "Juana Mamani"),
            ("name_consent", "yes"), ("contact_channel", "sms"), ("contact", "951 222 333"),
            ("author_email", ""), ("sector", "citizen"), ("region", "puno")]


def _no_fields(world):
    return []


def _followable(world):
    """Followers need a published final plan: a consultation of its own gets one (the
    closed one's stays a draft for its form), and an address asks to follow its first
    commitment (the confirmation and unsubscribe links)."""
    from consulta.accounts.models import User
    from consulta.consultations import operations as consultations
    from consulta.consultations.plan_import import parse_plan
    from consulta.core.dates import local_today, utcnow
    from consulta.finalplan import operations as finalplan
    from consulta.followup import followers
    from consulta.followup.models import Follower

    with world.app.test_request_context():
        secretariat = db.session.get(User, world.users["secretariat"][0])
        now = utcnow()
        followed = consultations.create_consultation(
            actor=secretariat, title="Consulta con plan final publicado", summary="Resumen.",
            organizer="Secretaría de Gobierno Digital", scope="national", channels=["web"],
            opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=30))
        consultations.import_plan(followed, parse_plan(SMALL_PLAN), actor=secretariat)
        version = consultations.publish_plan_version(followed, actor=secretariat)
        followed.announced_at = now - timedelta(days=70)
        db.session.flush()
        final_plan = finalplan.save_final_plan(
            followed, actor=secretariat, plan_version_id=version.id,
            approval_reference="Resolución Ministerial N.° 3-2026", approved_on=local_today())
        finalplan.publish_final_plan(final_plan, actor=secretariat, notify=False)
        commitment = final_plan.commitments[0]
        followers.request_follow(commitment, email="confirmar@example.pe", locale="es")
        follower = db.session.scalar(select(Follower).where(
            Follower.email == "confirmar@example.pe"))
        db.session.commit()
        world.ids.update(followed_commitment_id=commitment.id,
                         follow_token=followers.make_confirmation_token(follower),
                         follow_key=follower.unsubscribe_key)
        db.session.remove()


AUDIT = "audit_entries"
OUTBOX = "outbox_messages"

CONFIRM_ROUTES = [
    Route("accounts.logout", "/logout", _no_fields),
    Route("accounts.accept_privacy", "/privacy/accept", _no_fields),
    Route("accounts.join_organization", "/organizations/{organization_id}/join", _no_fields),
    Route("accounts.leave_organization", "/organizations/{organization_id}/leave", _no_fields),
    Route("accounts.decide_membership",
          "/organizations/{organization_id}/members/{membership_id}/decide",
          lambda w: [("decision", "approve")], {"decision": ["approve", "reject"]}),
    Route("accounts.set_member_admin",
          "/organizations/{organization_id}/members/{participant_membership_id}/admin",
          lambda w: [("is_admin", "1")], {"is_admin": ["0", "1"]}),
    Route("contributions.withdraw", "/contributions/{comment}/withdraw", _no_fields),
    Route("contributions.support", "/contributions/{other}/support", _no_fields,
          {"action": ["withdraw", "support"]}),
]

#: Buttons of staff that carry nothing but their token (a ConfirmForm, or no form class).
STAFF_CONFIRM_ROUTES = [
    Route("accounts.entity_team_remove", "/entities/{entity_slug}/team/{team_role_id}/remove",
          _no_fields, role="admin"),
    Route("accounts.admin_retry_message", "/admin/outbox/{message_id}/retry", _no_fields,
          role="admin"),
    Route("accounts.review_organization",
          "/moderation/organizations/{pending_organization_id}/review",
          lambda w: [("decision", "approve")], {"decision": ["approve", "reject"]},
          role="moderator"),
    Route("moderation.ungroup", "/moderation/{other}/ungroup", _no_fields, role="moderator"),
    Route("moderation.unhide", "/moderation/{proposal}/unhide", _no_fields, role="moderator"),
    Route("moderation.unmask", "/moderation/{proposal}/unmask", _no_fields, role="moderator"),
    Route("moderation.review_personal_data", "/moderation/{proposal}/personal-data",
          _no_fields, {"release": ["45678912", "x", ""]}, role="moderator"),
    Route("consultations.announce", "/consultations/{slug}/announce", _no_fields,
          role="secretariat"),
    Route("consultations.delete_phase", "/consultations/{slug}/phases/{phase_id}/delete",
          _no_fields, role="secretariat"),
    Route("consultations.remove_window", "/consultations/{slug}/windows/{window_id}/remove",
          _no_fields, role="secretariat"),
    Route("consultations.delete_component",
          "/consultations/{slug}/components/{component_id}/delete", _no_fields,
          role="secretariat"),
    Route("consultations.delete_commitment",
          "/consultations/{slug}/plan/commitments/{draft_commitment_id}/delete", _no_fields,
          role="secretariat"),
    Route("consultations.delete_section",
          "/consultations/{slug}/plan/sections/{section_id}/delete", _no_fields,
          role="secretariat"),
    Route("consultations.start_draft", "/consultations/{slug}/plan/start-draft", _no_fields,
          role="secretariat"),
    Route("summary.publish", "/consultations/{slug}/summary/publish", _no_fields,
          role="secretariat"),
    Route("finalplan.changes", "/consultations/{final_slug}/final-plan/changes", _no_fields,
          {"reason-0123456789ab": ["Un motivo."], "merge-0123456789ab": ["0123456789ab"]},
          role="secretariat"),
    Route("finalplan.publish", "/consultations/{final_slug}/final-plan/publish", _no_fields,
          role="secretariat"),
    Route("feedback.act", "/feedback/responses/{response_id}/submit", _no_fields,
          role="secretariat"),
    # The follow-up of the closed consultation's final plan.
    *(Route(f"followup_manage.{endpoint}", "/consultations/{final_slug}/follow-up/" + path,
            _no_fields, extra, role="secretariat") for endpoint, path, extra in (
        ("seed", "manage/commitments/{fu_commitment_id}/seed", {}),
        ("move_milestone", "manage/milestones/{fu_milestone_id}/move",
         {"direction": ["up", "down", "x"]}),
        ("delete_milestone", "manage/milestones/{fu_milestone_id}/delete", {}),
        ("delete_indicator", "manage/indicators/{fu_indicator_id}/delete", {}),
        ("remove_reporter", "manage/reporters/{fu_reporter_id}/delete", {}),
        ("start_report", "manage/commitments/{fu_commitment_id}/reports", {}),
        ("remove_evidence", "manage/reports/{fu_report_id}/evidence/{fu_evidence_id}/delete", {}),
        ("submit_report", "manage/reports/{fu_report_id}/submit", {}),
        ("publish_report", "manage/reports/{fu_report_id}/publish", {}))),
    Route("offline.mark_told", "/contributions/{offline}/told", _no_fields,
          role="secretariat"),
    Route("feedback.bulk", "/consultations/{slug}/feedback/bulk",
          lambda w: [("selected", str(w.ids["response_id"])), ("action", "submit")],
          {"action": ["submit", "approve", "publish", "delete"],
           "selected": ["1", "2", "999999", "x", "²"], "status": ["draft", "x"],
           "scope": ["selected", "page", "filter", "x"], "page_ids": ["1", "999999", "x"],
           "confirmed": ["0" * 32, "x"]},
          role="secretariat"),
]


def _valid_milestone(world):
    return [("description", "Publicar los datos"), ("starts", "2027-01"), ("due", "2027-06")]


def _valid_indicator(world):
    return [("name", "Entidades que publican"), ("baseline", "0"), ("target", "1.234,5"),
            ("unit", "entidades"), ("source", "Portal")]


def _valid_report(world):
    from consulta.core.dates import local_today

    with world.app.app_context():
        today = local_today().isoformat()
    return [("as_of", today), ("narrative", "Se avanzó con el **diseño**."),
            (f"status-{world.ids['fu_milestone_id']}", "in_progress"),
            (f"percent-{world.ids['fu_milestone_id']}", "40"),
            (f"reason-{world.ids['fu_milestone_id']}", ""),
            (f"value-{world.ids['fu_indicator_id']}", "5"),
            (f"note-{world.ids['fu_indicator_id']}", "")]


def scenarios():
    from consulta.accounts import forms as accounts
    from consulta.consultations import forms as consultations
    from consulta.contributions import forms as contributions
    from consulta.core.forms import ConfirmForm
    from consulta.feedback import forms as feedback
    from consulta.finalplan import forms as finalplan
    from consulta.followup import follow_forms, forum_forms
    from consulta.followup import forms as followup
    from consulta.followup.public import PublishAssessmentForm
    from consulta.moderation import forms as moderation
    from consulta.offline import forms as offline
    from consulta.summary.views import SummaryTextsForm

    def ids(world, *names):
        return [world.ids[n] for n in names]

    return [
        Scenario(accounts.RegistrationForm, "anonymous", [Route(
            "accounts.register", "/register", lambda w: [
                ("email", "nueva@example.pe"), ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD), ("display_name", "Nueva Persona"),
                ("sector", "citizen"), ("region", "cusco"), ("gender", ""),
                ("show_name_publicly", "y"), ("accept_privacy", "y"), ("fax_only", "")])],
            deltas=[{}, {"users": 1, OUTBOX: 1, AUDIT: 1}, {OUTBOX: 1}]),
        Scenario(accounts.LoginForm, "anonymous", [Route(
            "accounts.login", "/login", lambda w: [
                ("email", w.users["participant"][1]), ("password", PASSWORD),
                ("remember", "y")])],
            deltas=[{}], after_success=lambda w, route, r: w.relogin("anonymous")),
        Scenario(accounts.EmailForm, "anonymous", [
            Route("accounts.forgot_password", "/password/forgot",
                  lambda w: [("email", w.users["participant"][1])]),
            Route("accounts.resend_confirmation", "/confirm",
                  lambda w: [("email", w.users["unconfirmed"][1])])],
            deltas=[{}, {OUTBOX: 1}], success=_link_sent),
        Scenario(accounts.ResetPasswordForm, "anonymous", [Route(
            "accounts.reset_password", "/password/reset/{reset_token}", lambda w: [
                ("password", NEW_PASSWORD), ("password_confirm", NEW_PASSWORD)])],
            deltas=[{OUTBOX: 1, AUDIT: 1}], after_success=_reset_password_token,
            success=lambda response: response.status_code == 302),
        Scenario(accounts.ChangePasswordForm, "participant", [Route(
            "accounts.change_password", "/account/password", lambda w: [
                ("current_password", PASSWORD), ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD)])],
            deltas=[{OUTBOX: 1, AUDIT: 1}], after_success=_relogin("participant")),
        Scenario(accounts.ProfileForm, "participant", [Route(
            "accounts.profile", "/account", lambda w: [
                ("display_name", "Otro Nombre"), ("sector", "academia"),
                ("region", "lima-metropolitana"), ("gender", "female"), ("show_name_publicly", "y"),
                ("locale", "en"), ("email_notifications", "y")])],
            deltas=[{}, {AUDIT: 1}]),
        Scenario(accounts.DeleteAccountForm, "participant", [Route(
            "accounts.delete_account", "/account/delete", lambda w: [
                ("password", PASSWORD), ("confirm", "y")])],
            deltas=[{AUDIT: 1, "memberships": -1, OUTBOX: (-50, 0)}],
            after_success=lambda w, route, r: (_relogin("participant")(w, route, r),
                                               _keep_participant_admin(w))),
        Scenario(accounts.OrganizationForm, "participant", [
            Route("accounts.new_organization", "/organizations/new", lambda w: [
                ("name", "Asociación Nueva"), ("sector", "academia"), ("region", "puno"),
                ("website", "https://example.pe")]),
            Route("accounts.edit_organization", "/organizations/{organization_id}/edit",
                  lambda w: [("name", "Red Ciudadana Renovada"), ("sector", "academia"),
                             ("region", "puno"), ("website", "http://example.org")])],
            deltas=[{}, {AUDIT: 1}, {"organizations": 1, "memberships": 1, AUDIT: 1}]),
        Scenario(accounts.RolesForm, "admin", [Route(
            "accounts.admin_user_roles", "/admin/users/{target_user_id}/roles", lambda w: [
                ("moderator", "y"), ("secretariat", "y")])],
            deltas=[{}, {"user_roles": (-3, 3), AUDIT: 1}]),
        Scenario(accounts.EntityForm, "admin", [
            Route("accounts.admin_new_entity", "/admin/entities/new", lambda w: [
                ("name", "Entidad Nueva"), ("acronym", "EN"), ("level", "regional"),
                ("parent", ""), ("region", "cusco"), ("secretariat_email", "")],
                {"parent": ["", "x"]}),
            Route("accounts.admin_edit_entity", "/admin/entities/{entity_slug}/edit",
                  lambda w: [("name", "Entidad Renombrada"), ("acronym", ""),
                             ("level", "national"), ("parent", ""), ("region", "")])],
            deltas=[{}, {AUDIT: 1}, {"entities": 1, AUDIT: 1},
                    {"entities": 1, "user_roles": 1, AUDIT: 2}]),
        Scenario(accounts.TeamMemberForm, "admin", [Route(
            "accounts.entity_team", "/entities/{entity_slug}/team", lambda w: [
                ("email", w.users["participant"][1]), ("role", "moderator")])],
            deltas=[{}, {"user_roles": 1, AUDIT: 1}]),
        # Buttons: a ConfirmForm (only the token) or no form class at all.
        Scenario(ConfirmForm, "participant", CONFIRM_ROUTES + STAFF_CONFIRM_ROUTES,
                 deltas=[{}, {AUDIT: 1}, {AUDIT: 1, OUTBOX: (0, 5)}, {"memberships": (-1, 1)},
                         {"memberships": (-1, 1), AUDIT: 1},
                         {"memberships": 1, OUTBOX: 1, AUDIT: 1},
                         {"supports": (-1, 1), AUDIT: 1}, {AUDIT: (0, 20)},
                         {"phases": -1, AUDIT: 1}, {"components": -1, AUDIT: 1},
                         {"commitments": -1, AUDIT: 1}, {"plan_sections": -1, AUDIT: 1},
                         {"summary_snapshots": 1, "summary_rows": (0, 100), AUDIT: 1},
                         {"plan_versions": 1, "commitments": (0, 50),
                          "plan_sections": (0, 50), AUDIT: 1},
                         {AUDIT: (1, 20), "response_versions": (0, 20), OUTBOX: (0, 40)},
                         {"milestones": (-1, 50), AUDIT: 1}, {"indicators": -1, AUDIT: 1},
                         {"commitment_reporters": -1, AUDIT: 1},
                         {"progress_reports": 1, "report_milestones": (0, 50), AUDIT: 1},
                         {"report_evidence": -1, AUDIT: 1},
                         {"user_roles": -1, AUDIT: 1}],
                 after_success=_after_confirm),
        # The secretariat exports (a JSON download, audited) or erases a typed-in author.
        Scenario(ConfirmForm, "secretariat", [
            Route("contributions.export_offline_author",
                  "/contributions/{offline}/author/export", _no_fields),
            Route("contributions.erase_offline_author", "/contributions/{offline}/author/erase",
                  _no_fields, {"scope": ["this", "all", "x"]})],
            deltas=[{}, {AUDIT: (1, 50)}, {AUDIT: (1, 50), OUTBOX: (-50, 0)}],
            success=lambda response: response.status_code in (200, 302)
            and "/login" not in response.headers.get("Location", "")),
        Scenario(contributions.ProposalForm, "participant", [
            Route("contributions.new_proposal", "/consultations/{slug}/proposals/new",
                  _valid_proposal, {"add_action": ["1"], "send": ["1", ""]}),
            Route("contributions.edit", "/contributions/{proposal}/edit", _valid_proposal,
                  {"add_action": ["1"]})],
            deltas=[{}, {"contributions": 1, OUTBOX: 1, AUDIT: 1}, {AUDIT: (0, 1)}]),
        Scenario(contributions.CommentForm, "participant", [
            Route("contributions.new_comment", "/consultations/{slug}/comments/new",
                  lambda w: [("target", "commitment"),
                             ("target_id", str(w.ids["commitment_id"])),
                             ("body", "Un comentario."), ("organization", "0"), ("send", "1")],
                  {"target": ["plan", "commitment", "section", "proposal", "x"],
                   "target_id": ["1", "2", "3", "0", "-1"], "send": ["1", ""]}),
            Route("contributions.edit", "/contributions/{comment}/edit",
                  lambda w: [("body", "Comentario corregido."), ("organization", "0")])],
            deltas=[{}, {"contributions": 1, OUTBOX: 1, AUDIT: 1}, {AUDIT: (0, 1)}]),
        Scenario(contributions.OfflineContributionForm, "moderator", [
            Route("contributions.new_offline",
                  "/consultations/{slug}/contributions/offline/new", _valid_offline,
                  {"add_action": ["1"], "another": ["1"]}),
            Route("contributions.correct_offline", "/contributions/{offline}/correct",
                  _valid_offline, {"add_action": ["1"]})],
            deltas=[{}, {"contributions": 1, AUDIT: 1}, {AUDIT: 1}]),
        Scenario(contributions.VoidForm, "moderator", [
            Route("contributions.void", "/contributions/{offline}/void",
                  lambda w: [("reason", "Registrado dos veces.")])],
            deltas=[{AUDIT: 1}], after_success=_unvoid_offline),
        Scenario(contributions.EventForm, "moderator", [
            Route("contributions.edit_event", "/consultations/{slug}/events/new",
                  _valid_event, {"add_row": ["1"]}),
            Route("contributions.edit_event", "/consultations/{slug}/events/{event_id}/edit",
                  _valid_event, {"add_row": ["1"]})],
            deltas=[{}, {"events": 1, "event_attendance": (0, 20), AUDIT: 1},
                    {"event_attendance": (-20, 20), AUDIT: 1}]),
        Scenario(consultations.ConsultationForm, "secretariat", [
            Route("consultations.new", "/consultations/new", _valid_consultation),
            Route("consultations.edit", "/consultations/{slug}/edit",
                  _valid_consultation_edit)],
            # A new consultation has its first window; an edit of an announced one's
            # dates (with a reason) changes a window, or adds one, with its notice.
            deltas=[{}, {"consultations": 1, "participation_windows": 1, AUDIT: 1},
                    {AUDIT: (1, 3)}, {"participation_windows": 1, AUDIT: (2, 3)}],
            after_success=_restore_slug),
        Scenario(consultations.PhaseForm, "secretariat", [
            Route("consultations.phases", "/consultations/{slug}/phases", lambda w: [
                ("name", "Sistematización"), ("starts_on", "2026-04-01"),
                ("ends_on", "2026-04-30"), ("description", "Fase.")]),
            Route("consultations.edit_phase", "/consultations/{slug}/phases/{phase_id}/edit",
                  lambda w: [("name", "Recepción"), ("starts_on", "2026-03-01"),
                             ("ends_on", "2026-03-31"), ("description", ""),
                             ("reason", "Se reprogramó")])],
            deltas=[{}, {"phases": 1, AUDIT: (1, 2)}, {AUDIT: (1, 2)}]),
        Scenario(consultations.WindowForm, "secretariat", [
            Route("consultations.windows", "/consultations/{slug}/windows", _valid_window)],
            deltas=[{}, {"participation_windows": 1, AUDIT: 2}],
            after_success=_only_the_web_window),
        Scenario(consultations.WindowChangeForm, "secretariat", [
            Route("consultations.edit_window",
                  "/consultations/{slug}/windows/{window_id}/edit", _valid_window_change)],
            deltas=[{}, {AUDIT: 2}]),
        Scenario(consultations.WindowExtendForm, "secretariat", [
            Route("consultations.extend_window",
                  "/consultations/{slug}/windows/{window_id}/extend",
                  _valid_window_extension)],
            deltas=[{}, {AUDIT: 2}, {"participation_windows": 1, AUDIT: 2}],
            after_success=_only_the_web_window),
        Scenario(consultations.RecordPastForm, "secretariat", [
            Route("consultations.record_past", "/consultations/{past_slug}/record-past",
                  lambda w: [("announced_on", "2016-04-20"),
                             ("reference", "El Peruano, 2016-04-20")])],
            deltas=[{}, {AUDIT: 1}], after_success=_unpublish_past),
        Scenario(consultations.ComponentForm, "secretariat", [
            Route("consultations.components", "/consultations/{slug}/components",
                  lambda w: [("name", "Ambiente"), ("description", "Eje.")]),
            Route("consultations.edit_component",
                  "/consultations/{slug}/components/{component_id}/edit",
                  lambda w: [("name", "Salud pública"), ("description", "")])],
            deltas=[{}, {"components": 1, AUDIT: 1}, {AUDIT: (0, 1)}]),
        Scenario(consultations.CommitmentForm, "secretariat", [
            Route("consultations.edit_commitment",
                  "/consultations/{slug}/plan/commitments/new", _valid_commitment,
                  {"add_action": ["1"]}),
            Route("consultations.edit_commitment",
                  "/consultations/{slug}/plan/commitments/{draft_commitment_id}/edit",
                  lambda w: _valid_commitment(w, number="1"), {"add_action": ["1"]})],
            deltas=[{}, {"commitments": 1, AUDIT: 1}, {AUDIT: (0, 1)},
                    {"plan_versions": 1, "commitments": (1, 50), "plan_sections": (0, 50),
                     AUDIT: 2}]),
        Scenario(consultations.SectionForm, "secretariat", [
            Route("consultations.edit_section", "/consultations/{slug}/plan/sections/new",
                  lambda w: [("title", "Contexto"), ("body", "Texto.")]),
            Route("consultations.edit_section",
                  "/consultations/{slug}/plan/sections/{section_id}/edit",
                  lambda w: [("title", "Introducción"), ("body", "Otro texto.")])],
            deltas=[{}, {"plan_sections": 1, AUDIT: 1}, {AUDIT: (0, 1)},
                    {"plan_versions": 1, "commitments": (0, 50), "plan_sections": (1, 50),
                     AUDIT: 2}]),
        Scenario(consultations.PlanImportForm, "secretariat", [Route(
            "consultations.import_plan", "/consultations/{slug}/plan/import", _plan_file)],
            deltas=[{}, {AUDIT: (1, 3), "commitments": (-50, 50), "plan_sections": (-50, 50),
                         "components": (0, 50), "plan_versions": (0, 1)}]),
        Scenario(consultations.PublishPlanForm, "secretariat", [Route(
            "consultations.publish_plan", "/consultations/{slug}/plan/publish",
            lambda w: [("note", "Cambios menores.")])],
            deltas=[{}, {AUDIT: 1}]),
        Scenario(moderation.ClassifyForm, "moderator", [Route(
            "moderation.classify", "/moderation/{proposal}", lambda w: [
                ("component", str(w.ids["component_id"])),
                ("commitment", str(w.ids["commitment_id"])), ("new_commitment", "y"),
                ("principles", "transparency"), ("tags", "salud, datos abiertos"),
                ("version", "")],
            {"next": ["1"]})],
            deltas=[{}, {AUDIT: 1, "tags": (0, 100), "contribution_tags": (-100, 100)}]),
        Scenario(moderation.BulkClassifyForm, "moderator", [Route(
            "moderation.bulk_classify", "/consultations/{slug}/moderation/bulk", lambda w: [
                ("selected", str(w.ids["proposal_id"])), ("selected", str(w.ids["other_id"])),
                ("component", str(w.ids["component_id"])), ("principles", "integrity"),
                ("tags", "agua")],
            {"selected": ["1", "2", "3", "999999", "²", "-1"], "queue_state": ["hidden", "x"],
             "queue_channel": ["workshop", "x"], "scope": ["selected", "page", "filter", "x"],
             "page_ids": ["1", "999999", "x"], "confirmed": ["0" * 32, "x"]})],
            deltas=[{}, {AUDIT: (1, 100), "tags": (0, 100), "contribution_tags": (-200, 200)}]),
        Scenario(moderation.HideForm, "moderator", [Route(
            "moderation.hide", "/moderation/{proposal}/hide", lambda w: [
                ("reason", "off_topic"), ("note", "No trata del plan.")])],
            deltas=[{}, {AUDIT: 1, OUTBOX: (0, 1)}]),
        Scenario(moderation.MaskForm, "moderator", [Route(
            "moderation.mask", "/moderation/{proposal}/mask", lambda w: [
                ("fragment", "problema")], {"action": ["clear", "mask"]})],
            deltas=[{}, {AUDIT: 1}]),
        Scenario(moderation.GroupForm, "moderator", [
            Route("moderation.group", "/moderation/{proposal}/group", lambda w: [
                ("title", "Datos de salud"), ("summary", "Piden datos."),
                ("with", w.ids["comment"])],
                {"with": ["APO-1999-000001", "APO-1999-999999", "x"], "group": ["1", "x"]}),
            Route("moderation.group_detail", "/moderation/groups/{group_id}", lambda w: [
                ("title", "Grupo renombrado"), ("summary", "Resumen.")]),
            # The same button with an existing group: JoinGroupForm's fields.
            Route("moderation.group", "/moderation/{comment}/group",
                  lambda w: [("group", str(w.ids["group_id"])), ("target", "")],
                  {"group": ["1", "2", "0", "-1", "99999999999"]})],
            deltas=[{}, {AUDIT: (1, 60), "contribution_groups": (0, 1), OUTBOX: (0, 60)}],
            also=(moderation.JoinGroupForm,)),
        Scenario(feedback.ResponseForm, "secretariat", [
            Route("feedback.respond", "/feedback/contributions/{proposal}", lambda w: [
                ("outcome", "incorporated"),
                ("justification", "Se incorpora en el compromiso. Así se atiende."),
                ("commitments", str(w.ids["commitment_id"])), ("referred_to", ""),
                ("version", "")], {"then": ["submit", "approve", "publish", "x"]}),
            Route("feedback.respond_group", "/feedback/groups/{group_id}", lambda w: [
                ("outcome", "referred"),
                ("justification", "Se deriva a otra entidad. Es de su competencia."),
                ("referred_to", "MINEDU"), ("version", "0")],
                {"then": ["submit", "approve", "publish"]})],
            deltas=[{}, {AUDIT: (1, 2), "responses": (0, 1), "response_commitments": (-5, 5)},
                    {AUDIT: (1, 4), "responses": (0, 1), "response_commitments": (-5, 5),
                     "response_versions": (0, 1), OUTBOX: (0, 5)}]),
        Scenario(feedback.TemplateForm, "secretariat", [
            Route("feedback.templates", "/consultations/{slug}/feedback/templates",
                  lambda w: [("title", "Otra plantilla"), ("outcome", "referred"),
                             ("justification", "Texto de la plantilla.")]),
            Route("feedback.templates",
                  "/consultations/{slug}/feedback/templates/{template_id}",
                  lambda w: [("title", "Plantilla editada"), ("outcome", ""),
                             ("justification", "Otro texto.")])],
            deltas=[{}, {"answer_templates": 1, AUDIT: (0, 1)}, {AUDIT: (0, 1)}]),
        Scenario(feedback.MatrixImportForm, "secretariat", [Route(
            "feedback.import_matrix", "/consultations/{slug}/feedback/import", _matrix_file)],
            deltas=[{}, {AUDIT: (0, 100), "responses": (0, 100),
                         "response_commitments": (-100, 100)}]),
        Scenario(offline.ImportForm, "moderator", [Route(
            "offline.import_check", "/consultations/{slug}/contributions/import",
            _import_upload)], deltas=[{}],
            success=lambda response: response.status_code == 200
            and b'name="digest"' in response.data),
        Scenario(offline.ImportConfirmForm, "moderator", [Route(
            "offline.import_confirm", "/consultations/{slug}/contributions/import/confirm",
            _import_waiting)],
            deltas=[{}, {"contributions": 1, AUDIT: 2}, {AUDIT: 1}]),
        Scenario(offline.AssistedContributionForm, "moderator", [Route(
            "offline.assisted", "/consultations/{slug}/contributions/assisted/new",
            _valid_assisted, {"add_action": ["1"], "contact_channel": ["", "phone", "post"],
                              "name_consent": ["no", "x", ""]})],
            deltas=[{}, {"contributions": 1, AUDIT: 2}]),
        Scenario(finalplan.FinalPlanForm, "secretariat", [Route(
            "finalplan.manage", "/consultations/{final_slug}/final-plan/manage", lambda w: [
                ("plan_version", str(w.ids["final_version_id"])),
                ("approval_reference", "Resolución Ministerial N.° 2-2026"),
                ("approved_on", "2026-11-30"), ("forum_endorsed_on", "2026-11-28"),
                ("forum_endorsement", "https://example.pe/acta.pdf"),
                ("note", "Plan aprobado.")])],
            deltas=[{}, {AUDIT: 1}, {"final_plan_changes": (-50, 0), AUDIT: 1}]),
        Scenario(followup.MilestoneForm, "secretariat", [
            Route("followup_manage.add_milestone",
                  "/consultations/{final_slug}/follow-up/manage/commitments/"
                  "{fu_commitment_id}/milestones", _valid_milestone),
            Route("followup_manage.edit_milestone",
                  "/consultations/{final_slug}/follow-up/manage/milestones/{fu_milestone_id}",
                  _valid_milestone)],
            deltas=[{}, {AUDIT: 1}, {"milestones": 1, AUDIT: 1}]),
        Scenario(followup.IndicatorForm, "secretariat", [
            Route("followup_manage.add_indicator",
                  "/consultations/{final_slug}/follow-up/manage/commitments/"
                  "{fu_commitment_id}/indicators", _valid_indicator),
            Route("followup_manage.edit_indicator",
                  "/consultations/{final_slug}/follow-up/manage/indicators/{fu_indicator_id}",
                  _valid_indicator)],
            deltas=[{}, {AUDIT: 1}, {"indicators": 1, AUDIT: 1}]),
        Scenario(followup.ReporterForm, "secretariat", [Route(
            "followup_manage.add_reporter",
            "/consultations/{final_slug}/follow-up/manage/commitments/{fu_commitment_id}"
            "/reporters", lambda w: [("email", w.users["participant"][1])])],
            deltas=[{}, {"commitment_reporters": 1, AUDIT: 1}]),
        Scenario(followup.ReportForm, "secretariat", [Route(
            "followup_manage.report",
            "/consultations/{final_slug}/follow-up/manage/reports/{fu_report_id}", _valid_report,
            {"status-1": ["delayed", "completed", "x"], "percent-1": ["0", "100", "101"],
             "reason-1": ["", "Motivo"], "value-1": ["1.234,5", "x"], "note-1": ["Nota"]})],
            deltas=[{}, {AUDIT: 1, "report_milestones": (0, 50),
                         "report_indicator_values": (-50, 50)}]),
        Scenario(followup.LinkForm, "secretariat", [Route(
            "followup_manage.add_link",
            "/consultations/{final_slug}/follow-up/manage/reports/{fu_report_id}/links",
            lambda w: [("title", "Acta"), ("url", "https://example.pe/acta")])],
            deltas=[{}, {"report_evidence": 1, AUDIT: 1}]),
        Scenario(followup.DocumentForm, "secretariat", [Route(
            "followup_manage.add_document",
            "/consultations/{final_slug}/follow-up/manage/reports/{fu_report_id}/documents",
            lambda w: [("title", "Acta"), ("file", Upload("acta.pdf", FU_PDF))])],
            deltas=[{}, {"documents": 1, "document_blobs": 1, "report_evidence": 1,
                         AUDIT: 1}]),
        Scenario(followup.ReturnForm, "secretariat", [Route(
            "followup_manage.return_report",
            "/consultations/{final_slug}/follow-up/manage/reports/{fu_report_id}/return",
            lambda w: [("note", "Falta el acta.")])],
            deltas=[{}, {AUDIT: 1}]),
        Scenario(PublishAssessmentForm, "secretariat", [Route(
            "followup.publish_assessment",
            "/consultations/{followed_slug}/follow-up/self-assessments/publish",
            lambda w: [("kind", "mid_term"), ("introduction", "Balance a medio término.")])],
            deltas=[{}, {"self_assessments": 1, "self_assessment_rows": (1, 50),
                         AUDIT: 1}]),
        Scenario(SummaryTextsForm, "secretariat", [Route(
            "summary.manage", "/consultations/{slug}/summary/manage", lambda w: [
                ("introduction", "Introducción del resumen."),
                ("note-advance_notice", "Se anunció con tiempo."),
                ("note-breadth", "Participaron muchos sectores.")],
            {"note-process_and_timeline": ["Cronograma."], "note-x": ["y"]})],
            deltas=[{}, {AUDIT: (0, 1)}]),
        # The standing forum and the comments on progress reports (fu-forum).
        Scenario(forum_forms.ForumMemberForm, "secretariat", [
            Route("forum.new_member", "/consultations/{slug}/forum/members/new",
                  _valid_forum_member),
            Route("forum.edit_member", "/consultations/{slug}/forum/members/{member_id}/edit",
                  _valid_forum_member)],
            deltas=[{AUDIT: 1}, {"forum_members": 1, AUDIT: 1}]),
        Scenario(forum_forms.ForumMeetingForm, "secretariat", [
            Route("forum.new_meeting", "/consultations/{slug}/forum/meetings/new",
                  _valid_forum_meeting, {"minutes": [Upload("acta.pdf", b"%PDF-1.4\n")],
                                         "attendees": ["1", "x", "999999"]}),
            Route("forum.edit_meeting",
                  "/consultations/{slug}/forum/meetings/{meeting_id}/edit",
                  _valid_forum_meeting, {"remove_minutes": ["y"]})],
            deltas=[{AUDIT: 1, "forum_meeting_attendees": (-50, 50),
                     "documents": (0, 1), "document_blobs": (0, 1)},
                    {"forum_meetings": 1, AUDIT: 1, "forum_meeting_attendees": (0, 50),
                     "documents": (0, 1), "document_blobs": (0, 1)}]),
        Scenario(forum_forms.ObservationForm, "secretariat", [Route(
            "forum.observe", "/forum/reports/{report_id}/observations/new", lambda w: [
                ("member", "0"), ("body", "El foro observa que falta el padrón.")],
            {"member": [str(w) for w in (1, 2, 999999)] + ["x"]})],
            deltas=[{"forum_observations": 1, AUDIT: 1}]),
        Scenario(forum_forms.ReportCommentForm, "participant", [Route(
            "report_comments.comment", "/reports/{report_id}/comments",
            lambda w: [("body", "Un comentario sobre el avance."),
                       ("next", "/consultations")],
            {"next": ["https://evil.example/", "//evil.example", "/x"]})],
            deltas=[{"report_comments": 1, AUDIT: 1}]),
        Scenario(forum_forms.HideCommentForm, "moderator", [
            Route("report_comments.hide", "/reports/comments/{comment_id}/hide",
                  lambda w: [("reason", "spam"), ("note", "Publicidad.")]),
            Route("report_comments.unhide", "/reports/comments/{comment_id}/unhide",
                  _no_fields)],
            deltas=[{}, {AUDIT: 1}, {AUDIT: 1, OUTBOX: 1}],
            after_success=_comment_shown_again),
        # Followers: the address form (the same page whatever the address), the account's
        # one-click button, the confirmation and unsubscribe links.
        Scenario(follow_forms.FollowForm, "anonymous", [
            Route("follow.consultation", "/follow/consultations/{slug}",
                  lambda w: [("email", "seguidora@example.pe"), ("website", "")]),
            Route("follow.commitment", "/follow/commitments/{followed_commitment_id}",
                  lambda w: [("email", "seguidora@example.pe")])],
            deltas=[{}, {"followers": 1, OUTBOX: 1}, {OUTBOX: 1}], success=_link_sent),
        Scenario(ConfirmForm, "participant", [
            Route("follow.consultation_account", "/follow/consultations/{slug}/account",
                  _no_fields, {"action": ["follow", "stop", "x"], "back": ["mine", "x"]}),
            Route("follow.commitment_account",
                  "/follow/commitments/{followed_commitment_id}/account", _no_fields,
                  {"action": ["follow", "stop", "x"]}),
            Route("follow.confirm", "/follow/confirm/{follow_token}", _no_fields,
                  role="anonymous"),
            Route("follow.unsubscribe", "/follow/unsubscribe/{follow_key}", _no_fields,
                  role="anonymous")],
            deltas=[{}, {"followers": 1}, {"followers": -1}],
            success=lambda response: response.status_code in (200, 302)
            and "/login" not in response.headers.get("Location", "")),
    ]


def _valid_forum_member(world):
    return [("name", "Rosa Quispe"), ("organization", "Proética"), ("sector", "civil_society"),
            ("side", "civil_society"), ("role", "co_chair"), ("starts_on", "2026-01-10"),
            ("ends_on", ""), ("email", "")]


def _valid_forum_meeting(world):
    return [("held_on", "2026-01-20"), ("place", "Sala de la PCM"), ("attendance", "12"),
            ("attendees", str(world.ids["member_id"])), ("agenda", "1. **Informe**"),
            ("minutes_url", "https://example.pe/acta.pdf")]


def scenario_id(scenario):
    return scenario.name


# --- where what the forms store is shown ------------------------------------------------

#: Pages and exports by what they show: opened after fuzzing a form that stores it.
PAGES = {
    "contributions": [
        ("anonymous", "/consultations/{slug}/contributions?per_page=100&sort=oldest"),
        ("anonymous", "/api/v1/consultations/{slug}/contributions?per_page=100"),
        ("anonymous", "/api/v1/consultations/{slug}/contributions.csv"),
        ("anonymous", "/api/v1/consultations/{slug}/contributions.xlsx"),
        ("participant", "/my/contributions"),
        ("moderator", "/consultations/{slug}/moderation?state=all"),
        ("secretariat", "/consultations/{slug}/feedback/matrix.xlsx")],
    "consultation": [
        ("anonymous", "/consultations"), ("anonymous", "/consultations/{slug}"),
        ("anonymous", "/consultations/{slug}/plan"), ("anonymous", "/consultations/{slug}/events"),
        ("anonymous", "/api/v1/consultations"), ("anonymous", "/api/v1/consultations/{slug}"),
        ("secretariat", "/consultations/{slug}/manage"),
        ("secretariat", "/consultations/{slug}/plan/manage"),
        ("secretariat", "/consultations/{slug}/summary/manage")],
    "people": [
        ("participant", "/account"), ("participant", "/account/export"),
        ("admin", "/admin/users"), ("anonymous", "/consultations/{slug}/contributions")],
    "organizations": [
        ("anonymous", "/organizations"), ("anonymous", "/organizations/{organization_id}"),
        ("participant", "/organizations/{organization_id}/members"),
        ("moderator", "/moderation/organizations")],
    "moderation": [
        ("moderator", "/moderation"), ("moderator", "/staff"),
        ("moderator", "/consultations/{slug}/moderation/groups"),
        ("moderator", "/moderation/{proposal}"), ("moderator", "/moderation/groups/{group_id}")],
    "feedback": [
        ("secretariat", "/consultations/{slug}/feedback"),
        ("secretariat", "/consultations/{slug}/matrix?all=1"),
        ("secretariat", "/consultations/{slug}/feedback/templates"),
        ("secretariat", "/feedback/contributions/{proposal}"),
        ("anonymous", "/api/v1/consultations/{slug}/contributions?per_page=100")],
    "followup": [
        ("secretariat", "/consultations/{final_slug}/follow-up/manage"),
        ("secretariat",
         "/consultations/{final_slug}/follow-up/manage/commitments/{fu_commitment_id}"),
        ("secretariat", "/consultations/{final_slug}/follow-up/manage/reports/{fu_report_id}"),
        ("secretariat", "/follow-up/my-commitments")],
}
PAGES["forum"] = [
    ("anonymous", "/consultations/{slug}/forum"),
    ("secretariat", "/consultations/{slug}/forum/manage"),
    ("moderator", "/consultations/{slug}/report-comments"),
    ("participant", "/reports/{report_id}/comments")]
#: Every form's changes are in the audit log, which shows them (before and after).
ALWAYS = [("moderator", "/consultations/{slug}/moderation/audit")]
SHOWN_IN = {
    "RegistrationForm": ("people",), "LoginForm": (), "EmailForm": (),
    "ResetPasswordForm": (), "ChangePasswordForm": (), "ProfileForm": ("people",),
    "DeleteAccountForm": ("people", "organizations", "contributions"),
    "OrganizationForm": ("organizations",), "RolesForm": ("people",),
    "ConfirmForm": ("organizations", "contributions", "consultation", "moderation",
                    "feedback"),
    "ProposalForm": ("contributions",), "CommentForm": ("contributions",),
    "OfflineContributionForm": ("contributions",), "VoidForm": ("contributions",),
    "EventForm": ("consultation",),
    "ConsultationForm": ("consultation",), "PhaseForm": ("consultation",),
    "ComponentForm": ("consultation", "contributions"), "CommitmentForm": ("consultation",),
    "SectionForm": ("consultation",), "PlanImportForm": ("consultation",),
    "PublishPlanForm": ("consultation",), "ClassifyForm": ("moderation", "contributions"),
    "BulkClassifyForm": ("moderation", "contributions"), "HideForm": ("contributions",),
    "MaskForm": ("contributions", "moderation"), "GroupForm": ("moderation",),
    "ResponseForm": ("feedback", "contributions"), "TemplateForm": ("feedback",),
    "MatrixImportForm": ("feedback", "contributions"), "SummaryTextsForm": ("consultation",),
    "ImportForm": (), "ImportConfirmForm": ("contributions",),
    "AssistedContributionForm": ("contributions",),
    "ForumMemberForm": ("forum",), "ForumMeetingForm": ("forum",),
    "ObservationForm": ("forum",), "ReportCommentForm": ("forum",),
    "HideCommentForm": ("forum",),
    "MilestoneForm": ("followup",), "IndicatorForm": ("followup",),
    "ReporterForm": ("followup",), "ReportForm": ("followup",), "LinkForm": ("followup",),
    "DocumentForm": ("followup",), "ReturnForm": ("followup",),
}


def pages_showing(scenario):
    """(role, path) of the pages that show what ``scenario`` stores (all, if unknown)."""
    groups = SHOWN_IN.get(scenario.name, tuple(PAGES))
    return [*ALWAYS, *(page for group in groups for page in PAGES[group])]
