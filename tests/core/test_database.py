"""The database settings that keep acknowledged work durable and transactions whole."""

import pytest
from sqlalchemy import func, select, text

from consulta.accounts.models import User
from consulta.consultations.models import Consultation
from consulta.contributions import operations
from consulta.contributions.models import Contribution
from consulta.core.mail import OutboxMessage
from consulta.extensions import db

from ..conftest import iv_plan_json


def test_sqlite_runs_with_wal_full_sync_a_busy_timeout_and_foreign_keys(app):
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            pytest.skip("SQLite settings")
        pragma = {name: conn.execute(text(f"PRAGMA {name}")).scalar()
                  for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")}
    assert pragma["journal_mode"] == "wal"  # readers never block the writer
    assert pragma["synchronous"] == 2  # FULL: a commit survives a power cut
    assert pragma["busy_timeout"] >= 5000  # workers wait for the lock instead of failing
    assert pragma["foreign_keys"] == 1


def test_a_rollback_undoes_a_submission_written_in_a_savepoint(app, create_consultation,
                                                              create_user):
    """The submission is written inside a savepoint (to survive a double-submit race):
    a failure later in the request must not leave it half-stored (no tracking code, no
    receipt), as SQLite did when its SAVEPOINT opened the transaction itself."""
    slug = create_consultation(plan=iv_plan_json())
    author = create_user()
    with app.test_request_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        user = db.session.get(User, author.id)
        operations.submit_contribution(consultation, author=user, kind="comment",
                                       values={"body": "Un comentario."}, target="plan",
                                       submission_token="token-de-un-formulario")
        db.session.rollback()  # e.g. the worker fails before the commit
        db.session.remove()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def _server_pid(app):
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()  # the connection goes back to the pool, resting
    return pid


def test_a_pooled_connection_the_server_dropped_is_replaced_before_use(database_url):
    """A connection that rested in the pool is asked before it is used again: one the
    server closed meanwhile (a restart) is replaced, and the request never sees it. One
    used again at once is not asked (a round trip saved on every busy request)."""
    import time

    from sqlalchemy.exc import DBAPIError

    from ..conftest import make_app

    app = make_app(database_url, DATABASE_PING_AFTER_SECONDS=0.3)
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            pytest.skip("a server that drops connections")
    killer = make_app(database_url)
    try:
        first = _server_pid(app)
        assert _server_pid(app) == first  # the same pooled connection, used again
        with killer.app_context():
            db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            db.session.commit()
        time.sleep(0.5)
        replaced = _server_pid(app)  # asked after its rest: replaced, no error
        assert replaced != first
        # Dropped and used again at once (before its rest is over): the request fails
        # (a clear error page, see test_health_and_errors); the next one gets a new one.
        with killer.app_context():
            db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": replaced})
            db.session.commit()
        with pytest.raises(DBAPIError), app.app_context():
            db.session.execute(text("SELECT 1")).scalar()
        assert _server_pid(app) not in (first, replaced)
    finally:
        for each in (app, killer):
            with each.app_context():
                db.engine.dispose()
