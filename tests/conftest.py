"""Fixtures: a real database per test session (SQLite file, or a fresh PostgreSQL
database when TEST_DATABASE_URL names a server), built by the migrations, and
every table emptied after each test."""

import os
import re
import socket
import threading
import uuid

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from consulta import create_app
from consulta.config import normalize_database_url
from consulta.extensions import db, limiter

TEST_PASSWORD = "ciudadania-activa-2026"
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"'
                        r'|name="csrf_token" value="([^"]+)"')


class Client(FlaskClient):
    """A test client that fills in the CSRF token the way a browser form would."""

    def csrf_token(self):
        """The token a form would carry (any form: the token belongs to the session)."""
        response = self.get("/password/forgot")
        match = CSRF_INPUT.search(response.get_data(as_text=True))
        assert match, "the form must carry a CSRF token"
        return match.group(1) or match.group(2)

    def post_form(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)


def _test_database(tmp_path_factory):
    """(url, drop) for this session's database."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        path = tmp_path_factory.mktemp("db") / "consulta-test.db"
        return f"sqlite:///{path}", lambda: None
    base = make_url(normalize_database_url(server))
    if base.get_backend_name() != "postgresql":
        return str(base), lambda: None
    name = f"consulta_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def pytest_unconfigure(config):
    """Stop the timers libraries leave running (the rate limiter's in-memory expiry).

    Under faketime, a timed wait on a thread never ends (the fake monotonic clock is
    far ahead of the one the wait is measured on), and Python waits for those threads
    before it exits.
    """
    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer):
            thread.cancel()


TEST_SETTINGS = {
    "SERVER_NAME": None,
    "MAIL_SEND_ASYNC": False,
    "MAIL_SERVER": "",
}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url, drop = _test_database(tmp_path_factory)
    yield url
    drop()


@pytest.fixture(scope="session")
def app(database_url):
    app = make_app(database_url)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def make_app(database_url, **settings):
    """A testing app on the session's database; ``settings`` override config."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **TEST_SETTINGS, **settings},
                     environ={"CONSULTA_ENV": "testing"})
    app.test_client_class = Client
    return app


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Empty every table and reset rate limits after each test that used the app.

    The rate limiter is one object shared by every app a test creates (a browser test's
    server, a production app): before each test it is put back as this app's settings say.
    """
    if "app" in request.fixturenames:
        limiter.enabled = request.getfixturevalue("app").config["RATELIMIT_ENABLED"]
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    empty_the_database(app)
    with app.app_context():
        limiter.reset()


def empty_the_database(app):
    """Delete every row of every table of the test database (the audit log's too)."""
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                if conn.execute(text("SELECT current_setting('is_superuser')")).scalar() == "on":
                    _empty_the_postgresql_tables_used(conn, tables)
                    return
                # The audit log refuses TRUNCATE (a statement trigger): off for this
                # transaction only, as the schema's owner can; the app's role cannot.
                conn.execute(text("ALTER TABLE audit_entries "
                                  "DISABLE TRIGGER audit_entries_no_truncate"))
                conn.execute(text("TRUNCATE {} RESTART IDENTITY CASCADE".format(
                    ", ".join(f'"{t}"' for t in tables))))
                conn.execute(text("ALTER TABLE audit_entries "
                                  "ENABLE TRIGGER audit_entries_no_truncate"))
            else:
                # Tables that reference each other (responses ↔ versions): check at commit.
                conn.execute(text("PRAGMA defer_foreign_keys=ON"))
                for table in tables:
                    if table != "audit_entries":
                        conn.execute(text(f'DELETE FROM "{table}"'))
                conn.execute(text("DELETE FROM contributions_fts"))
                _empty_the_sqlite_audit_log(conn)


def _empty_the_postgresql_tables_used(conn, tables):
    """Empty the tables a test wrote to and restart the sequences it drew from, as a
    superuser can: with the session in the replication role, no trigger fires (the
    audit log's refusals, the tallies' upkeep, the foreign keys' checks), so the rows go
    in any order.

    TRUNCATE of every table took 250 ms a test (new files for 55 tables and their
    indexes), a quarter of the PostgreSQL run; a test touches a few tables, and DELETE
    of their few rows takes a millisecond or two. Afterwards every table is empty and
    every sequence starts again at 1, as after ``TRUNCATE … RESTART IDENTITY``.
    """
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    used = conn.execute(text(" UNION ALL ".join(
        f"SELECT '{t}' WHERE EXISTS (SELECT FROM \"{t}\")" for t in tables))).scalars()
    for table in used:
        conn.execute(text(f'DELETE FROM "{table}"'))
    conn.execute(text(
        "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
        "FROM pg_sequences WHERE schemaname = current_schema() "
        "AND last_value IS NOT NULL"))


def _empty_the_sqlite_audit_log(conn):
    """Empty ``audit_entries`` of a SQLite test database, whose triggers refuse DELETE.

    The append-only triggers are dropped, the rows deleted and the triggers created again
    from their own stored SQL, in the transaction the other tables were emptied in (the
    DELETEs before opened it): no other connection ever sees the log without them, and
    the production schema has no way around them. PostgreSQL needs none of this:
    TRUNCATE does not fire its row trigger.
    """
    assert conn.connection.dbapi_connection.in_transaction
    triggers = conn.execute(text(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type = 'trigger' AND tbl_name = 'audit_entries'")).all()
    for name, _sql in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    conn.exec_driver_sql("DELETE FROM audit_entries")
    for _name, sql in triggers:
        conn.exec_driver_sql(sql)


def free_port():
    """A local port nobody listens on (a mail server that is down), free to listen on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_ctx(app):
    with app.test_request_context():
        yield


#: {(hash method, password): hash}: one hash per password and method for the session.
_password_hashes = {}


@pytest.fixture
def create_user(app):
    """Factory: ``create_user(email=..., roles=("moderator",), confirmed=True, ...)``.

    A role is platform-wide, or held for an entity when given as ``(role, entity slug)``.

    The password is hashed with the app's PASSWORD_HASH_METHOD (a cheap pbkdf2 in tests;
    a test that sets it to scrypt gets scrypt hashes)."""
    from consulta.accounts.models import User, UserRole
    from consulta.accounts.passwords import hash_password
    from consulta.core.dates import utcnow

    counter = iter(range(1, 10_000))

    def factory(email=None, password=TEST_PASSWORD, roles=(), confirmed=True, **fields):
        n = next(counter)
        key = (app.config["PASSWORD_HASH_METHOD"], password)
        if key not in _password_hashes:
            with app.app_context():
                _password_hashes[key] = hash_password(password)
        now = utcnow()
        values = {
            "email": email or f"persona{n}@example.pe",
            "password_hash": _password_hashes[key],
            "display_name": f"Persona {n}",
            "sector": "citizen",
            "region": "cusco",
            "privacy_accepted_at": now,
            "privacy_version": "2026-11",
            "email_confirmed_at": now if confirmed else None,
            "created_at": now,
        }
        values.update(fields)
        with app.app_context():
            from consulta.accounts.models import Entity

            user = User(**values)
            for role in roles:
                role, slug = (role, None) if isinstance(role, str) else role
                entity_id = db.session.scalar(db.select(Entity.id).where(
                    Entity.slug == slug)) if slug else None
                assert slug is None or entity_id, f"no entity {slug}"
                user.roles.append(UserRole(role=role, entity_id=entity_id, granted_at=now))
            db.session.add(user)
            db.session.commit()
            user_id = user.id
            db.session.remove()
        return UserRef(user_id, values["email"], password)

    return factory


class UserRef:
    """What a test needs of a user without holding a session-bound object."""

    def __init__(self, id, email, password):
        self.id, self.email, self.password = id, email, password

    def __repr__(self):
        return f"<UserRef {self.id} {self.email}>"


def login(client, user, remember=False, **extra):
    data = {"email": user.email, "password": user.password, **extra}
    if remember:
        data["remember"] = "y"
    response = client.post_form("/login", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture
def outbox(app):
    """A function returning the messages in the outbox, oldest first."""
    from consulta.core.mail import OutboxMessage

    def read(recipient=None):
        with app.app_context():
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if recipient:
                query = query.where(OutboxMessage.recipient == recipient)
            messages = db.session.scalars(query).all()
            db.session.expunge_all()
            return messages

    return read


def link_in(message, path_prefix):
    """The first link in an e-mail body whose path starts with ``path_prefix``."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s]*)", message.body)
    assert match, f"no {path_prefix} link in: {message.body}"
    return match.group(1)


@pytest.fixture
def create_entity(app):
    """Factory: ``create_entity(name=..., level="national", parent=slug, region=...)``;
    returns the new entity's slug."""
    counter = iter(range(1, 10_000))

    def factory(name=None, *, level="national", parent=None, region=None, acronym=None):
        from consulta.accounts.entities import create_entity as create
        from consulta.accounts.entities import entity_by_slug

        with app.test_request_context():
            entity = create(actor=None, name=name or f"Entidad {next(counter)}", level=level,
                            acronym=acronym, region=region,
                            parent_id=entity_by_slug(parent).id if parent else None)
            db.session.commit()
            slug = entity.slug
            db.session.remove()
        return slug

    return factory


@pytest.fixture
def create_consultation(app, create_user):
    """Factory: a consultation (private unless ``announced``), with phases and optional plan."""
    from datetime import timedelta

    from consulta.consultations import operations
    from consulta.consultations.models import Phase
    from consulta.core.dates import local_today, utcnow

    def factory(*, announced=True, opens_in_days=-7, closes_in_days=21, plan=None,
                announced_days_ago=21, actor=None, **values):
        actor_ref = actor or create_user(roles=("secretariat",))
        now = utcnow()
        defaults = {"title": "Consulta de prueba", "summary": "Resumen.",
                    "organizer": "Secretaría de Gobierno Digital", "scope": "national",
                    "channels": ["web", "workshop"],
                    "opens_at": now + timedelta(days=opens_in_days),
                    "closes_at": now + timedelta(days=closes_in_days)}
        defaults.update(values)
        with app.test_request_context():
            from consulta.accounts.models import User

            actor_user = db.session.get(User, actor_ref.id)
            consultation = operations.create_consultation(actor=actor_user, **defaults)
            today = local_today()
            consultation.phases.append(Phase(position=1, name="Recepción de aportes",
                                             starts_on=today + timedelta(days=opens_in_days),
                                             ends_on=today + timedelta(days=closes_in_days)))
            if plan is not None:
                from consulta.consultations.plan_import import parse_plan

                operations.import_plan(consultation, parse_plan(plan), actor=actor_user)
                operations.publish_plan_version(consultation, actor=actor_user)
            if announced:
                consultation.announced_at = now - timedelta(days=announced_days_ago)
            db.session.commit()
            slug = consultation.slug
            db.session.remove()
        return slug

    return factory


SHARED_DATA = __import__("pathlib").Path(__file__).resolve().parent.parent / "consulta" / \
    "data" / "demo"


def iv_plan_json():
    return (SHARED_DATA / "paga-iv-2020-2021.json").read_bytes()


# --- factories that call the operations ------------------------------------------------
#
# Each runs the part's own operation (as a view or a command would), commits, and returns
# what a test needs to find the object again (an id or a tracking code), never an object
# bound to a closed session. Accounts given as ``UserRef`` (from ``create_user``).

def _load(model, ident):
    obj = db.session.get(model, ident)
    assert obj is not None, f"no {model.__name__} {ident}"
    return obj


def _consultation(slug):
    from consulta.consultations.models import Consultation

    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def _contribution(code):
    from consulta.contributions.models import Contribution

    return db.session.scalar(select(Contribution).where(Contribution.tracking_code == code))


def _user(ref):
    from consulta.accounts.models import User

    return _load(User, ref.id)


@pytest.fixture
def create_organization(app, create_user):
    """Factory: ``create_organization(admin=UserRef, name=..., approved=True)`` → its id.

    Proposed by ``admin`` (a new participant when not given) and, unless
    ``approved=False``, approved by a moderator: ``admin`` is then its admin member."""
    from consulta.accounts import operations

    counter = iter(range(1, 10_000))

    def factory(*, admin=None, name=None, sector="civil_society", region="cusco",
                website=None, approved=True):
        admin = admin or create_user()
        moderator = create_user(roles=("moderator",)) if approved else None
        with app.test_request_context():
            organization = operations.create_organization(
                _user(admin), name=name or f"Organización {next(counter)}", sector=sector,
                region=region, website=website)
            if approved:
                operations.review_organization(organization, approve=True,
                                               actor=_user(moderator))
            db.session.commit()
            organization_id = organization.id
            db.session.remove()
        return organization_id

    return factory


@pytest.fixture
def create_event(app, create_user):
    """Factory: ``create_event(slug, title=..., attendance=[(sector, n, women)])`` → its id."""
    from datetime import date

    from consulta.contributions import operations

    def factory(slug, *, actor=None, kind="workshop", title="Taller descentralizado",
                held_on=None, place="Trujillo", region="la-libertad", description="",
                attendance=(("civil_society", 20, 11), ("regional_government", 8, 3))):
        actor = actor or create_user(roles=("moderator",))
        with app.test_request_context():
            event = operations.save_event(
                _consultation(slug), actor=_user(actor), kind=kind, title=title,
                held_on=held_on or date(2026, 3, 14), place=place, region=region,
                description=description, attendance=list(attendance))
            db.session.commit()
            event_id = event.id
            db.session.remove()
        return event_id

    return factory


@pytest.fixture
def create_contribution(app, create_user):
    """Factory: a contribution sent through the operations → its tracking code.

    ``create_contribution(slug)`` is a web comment on the plan by a new participant;
    ``kind="proposal"`` sends a proposal sheet (``values`` override its fields; the
    consultation's first component by default); ``target``/``target_id`` say what a
    comment is about; ``channel`` other than "web" types it in as a moderator would
    (``offline`` keyword arguments: event_id, received_on, author_name, sector...).
    """
    from consulta.contributions import operations

    def factory(slug, *, author=None, kind="comment", body="Un comentario sobre el plan.",
                values=None, target="plan", target_id=None, channel="web",
                organization_id=None, **offline):
        with app.test_request_context():
            consultation = _consultation(slug)
            sheet = {"body": body}
            if kind == "proposal":
                sheet.update({"component_id": consultation.components[0].id,
                              "title": "Una propuesta de compromiso",
                              "problem": "El problema público que resuelve.",
                              "objective": "Lo que cambia cuando se cumple."})
            sheet.update(values or {})
        if channel == "web":
            author = author or create_user()
            with app.test_request_context():
                contribution, _created = operations.submit_contribution(
                    _consultation(slug), author=_user(author), kind=kind, values=sheet,
                    organization_id=organization_id, target=target if kind == "comment"
                    else None, target_id=target_id, notify=False)
                db.session.commit()
                code = contribution.tracking_code
                db.session.remove()
            return code
        moderator = author or create_user(roles=("moderator",))
        with app.test_request_context():
            if kind == "comment" and target == "commitment":
                offline.setdefault("commitment_id", target_id)
            contribution = operations.record_offline_contribution(
                _consultation(slug), moderator=_user(moderator), kind=kind, channel=channel,
                values=sheet, **offline)
            db.session.commit()
            code = contribution.tracking_code
            db.session.remove()
        return code

    return factory


@pytest.fixture
def create_group(app, create_user):
    """Factory: ``create_group(slug, [codes], title=...)`` → the group's id."""
    from consulta.moderation import operations

    def factory(slug, codes=(), *, title="Aportes sobre lo mismo", summary="", actor=None):
        actor = actor or create_user(roles=("moderator",))
        with app.test_request_context():
            group = operations.create_group(
                _consultation(slug), actor=_user(actor), title=title, summary=summary,
                members=[_contribution(code) for code in codes])
            db.session.commit()
            group_id = group.id
            db.session.remove()
        return group_id

    return factory


@pytest.fixture
def create_response(app, create_user):
    """Factory: the response to a contribution (by code) or a group (by id) → its id.

    Published unless ``publish=False`` (then a draft); ``commitments`` are numbers of
    the published plan, for the outcomes that name where it was incorporated."""
    from consulta.contributions.models import ContributionGroup
    from consulta.feedback import operations

    def factory(code=None, *, group_id=None, outcome="already_covered",
                justification="El borrador ya lo considera. El compromiso vigente atiende "
                              "el problema planteado.",
                commitments=(), referred_to=None, publish=True, actor=None):
        actor = actor or create_user(roles=("secretariat",))
        with app.test_request_context():
            target = _contribution(code) if code else _load(ContributionGroup, group_id)
            plan = target.consultation.published_plan
            ids = [c.id for c in plan.commitments if c.number in commitments] if plan else []
            response = operations.save_response(
                target, actor=_user(actor), outcome=outcome, justification=justification,
                commitment_ids=ids, referred_to=referred_to)
            if publish:
                operations.publish_response(response, actor=_user(actor), notify=False)
            db.session.commit()
            response_id = response.id
            db.session.remove()
        return response_id

    return factory
