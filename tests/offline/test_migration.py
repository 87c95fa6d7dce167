"""The offline-participation migration: up and down, keeping stored contributions and
the partial listing indexes (SQLite), and taking the facilitator role away on the way
down (the old CHECK does not know it)."""

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from consulta.extensions import db

from ..conftest import make_app
from ..contributions.test_migration_received_at import _insert

BEFORE = "79529a3b1e40"
AFTER = "005920d210fe"
NEW_COLUMNS = {"author_contact_channel", "author_contact", "author_gender", "author_told_at",
               "author_told_by_id", "import_fingerprint"}


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="placeholder rows need SQLite's ignore_check_constraints")
def test_up_and_down_keep_contributions_and_drop_the_facilitators(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'offline.db'}")
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(text("PRAGMA ignore_check_constraints=ON"))
            _insert(connection, "users", id=1)
            # A valid consultation: the later migrations (entities) rebuild its table.
            _insert(connection, "consultations", id=1, created_by_id=1, scope="national",
                    opens_at="2016-05-01 14:00:00", closes_at="2016-06-01 14:00:00")
            _insert(connection, "contributions", id=1, consultation_id=1, kind="comment",
                    target="plan", channel="written", entered_by_id=1,
                    received_on="2016-05-12", received_at="2016-05-12 05:00:00",
                    created_at="2026-12-02 16:00:00")
            connection.execute(text("PRAGMA ignore_check_constraints=OFF"))
        upgrade(revision=AFTER)
        with db.engine.begin() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("contributions")}
            assert columns >= NEW_COLUMNS
            connection.execute(text("INSERT INTO user_roles (user_id, role, granted_at) "
                                    "VALUES (1, 'facilitator', '2026-12-03 10:00:00')"))
            with pytest.raises(Exception, match="CHECK"), connection.begin_nested():
                connection.execute(text(
                    "UPDATE contributions SET author_contact_channel = 'fax'"))
            indexes = dict(connection.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN "
                "('ix_contributions_listing', 'ix_contributions_supported')")).all())
        assert len(indexes) == 2 and all("WHERE" in sql for sql in indexes.values())
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("contributions")}
            assert not NEW_COLUMNS & columns
            assert connection.execute(text("SELECT count(*) FROM contributions")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM user_roles")).scalar() == 0
            indexes = dict(connection.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN "
                "('ix_contributions_listing', 'ix_contributions_supported')")).all())
        upgrade()
        db.engine.dispose()
    assert len(indexes) == 2 and all("WHERE" in sql for sql in indexes.values())
