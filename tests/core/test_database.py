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
