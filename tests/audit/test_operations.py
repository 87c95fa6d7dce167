"""The audit log: ``record`` writes who did what, when, before and after; nothing changes
or deletes an entry; every action the code records has a label for its readers."""

import ast
from pathlib import Path

import pytest
from flask_login import login_user
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

import consulta
from consulta.accounts.models import User
from consulta.audit.constants import ACTIONS
from consulta.audit.models import AuditEntry, AuditLogIsAppendOnly
from consulta.audit.operations import record
from consulta.extensions import db

from ..conftest import empty_the_database


def only_entry():
    [entry] = db.session.scalars(select(AuditEntry)).all()
    return entry


def test_an_entry_names_the_object_the_actor_and_the_values(app, create_user):
    actor, target = create_user(), create_user()
    with app.test_request_context():
        record("account.roles_changed", db.session.get(User, target.id),
               actor=db.session.get(User, actor.id), before={"roles": []},
               after={"roles": ["moderator"]}, consultation_id=7)
        db.session.commit()
        db.session.expire_all()
        entry = only_entry()
        assert (entry.action, entry.object_type, entry.object_id, entry.actor_id,
                entry.consultation_id) == ("account.roles_changed", "users", target.id,
                                           actor.id, 7)
        assert (entry.before, entry.after) == ({"roles": []}, {"roles": ["moderator"]})
        assert entry.created_at is not None and entry.actor.id == actor.id
        db.session.remove()


def test_the_object_may_be_named_without_a_model(app):
    with app.app_context():
        record("responses.imported", object_type="consultations", object_id=3,
               after={"responses": 2})
        db.session.commit()
        entry = only_entry()
        assert (entry.object_type, entry.object_id, entry.before) == ("consultations", 3, None)
        db.session.remove()


def test_the_actor_is_the_logged_in_user_by_default_and_nobody_on_the_command_line(
        app, create_user):
    someone = create_user()
    with app.test_request_context():
        login_user(db.session.get(User, someone.id))
        record("plan.imported", object_type="consultations", object_id=1)
        db.session.commit()
        assert only_entry().actor_id == someone.id
        db.session.remove()
    with app.app_context():  # no request: a command
        record("plan.imported", object_type="consultations", object_id=2)
        db.session.commit()
        assert db.session.scalar(select(AuditEntry.actor_id).where(
            AuditEntry.object_id == 2)) is None
        db.session.remove()


def test_entries_are_never_changed_nor_deleted(app):
    with app.app_context():
        record("summary.published", object_type="summary_snapshots", object_id=1)
        db.session.commit()
        only_entry().action = "summary.texts_saved"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(only_entry())
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        assert only_entry().action == "summary.published"
        db.session.remove()


def test_the_database_refuses_to_change_or_delete_entries_too(app):
    """Also for anyone with a SQL prompt: a trigger on PostgreSQL and on SQLite."""
    with app.app_context():
        record("summary.published", object_type="summary_snapshots", object_id=1)
        db.session.commit()
        for statement in ("UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries",
                          "DELETE FROM audit_entries WHERE id = (SELECT max(id) FROM "
                          "audit_entries)"):
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.execute(text(statement))
        assert only_entry().action == "summary.published"
        db.session.remove()


def test_emptying_the_test_database_leaves_the_log_append_only(app):
    """The tests' clean-up (which must empty the log) does not take the guard away."""
    with app.app_context():
        record("summary.published", object_type="summary_snapshots", object_id=1)
        db.session.commit()
        db.session.remove()
    empty_the_database(app)
    with app.app_context():
        assert db.session.scalars(select(AuditEntry)).all() == []
        record("summary.published", object_type="summary_snapshots", object_id=2)
        db.session.commit()
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_entries"))
        assert only_entry().object_id == 2
        db.session.remove()


def recorded_actions():
    """{action: where} for every ``record("...")`` call in the consulta package."""
    found = {}
    package = Path(consulta.__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.setdefault(node.args[0].value,
                                 f"{path.relative_to(package)}:{node.lineno}")
    return found


def test_every_recorded_action_has_a_label_for_the_readers_of_the_log():
    actions = recorded_actions()
    assert "account.registered" in actions and "contribution.hidden" in actions
    missing = {action: where for action, where in actions.items() if action not in ACTIONS}
    assert missing == {}


def test_postgresql_refuses_to_truncate_the_log_and_its_app_role_owns_nothing(app):
    """The app's role (README) can append to the log, and do nothing else to it."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from consulta.core.database import grant_app_role

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no TRUNCATE and no roles")
    with app.app_context():
        record("summary.published", object_type="summary_snapshots", object_id=1)
        db.session.commit()
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_entries"))
        role, password = f"consulta_app_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
        with db.engine.begin() as conn:
            conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
            grant_app_role(conn, role)
        url = make_url(db.engine.url).set(username=role, password=password)
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO audit_entries (action, object_type, created_at) "
                                  "VALUES ('summary.published', 'x', now())"))
            for statement in ("TRUNCATE audit_entries", "DELETE FROM audit_entries",
                              "ALTER TABLE audit_entries DISABLE TRIGGER ALL",
                              "DROP TRIGGER audit_entries_no_truncate ON audit_entries",
                              "DROP TABLE contributions"):
                with pytest.raises(DBAPIError), engine.begin() as conn:
                    conn.execute(text(statement))
        finally:
            engine.dispose()
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP OWNED BY {role}"))
                conn.execute(text(f"DROP ROLE {role}"))
        assert len(db.session.scalars(select(AuditEntry)).all()) == 2
        db.session.remove()
