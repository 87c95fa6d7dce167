"""The migration that adds "received outside the windows" leaves stored rows as never
confirmed so, and keeps the partial listing indexes partial (SQLite)."""

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from consulta.extensions import db

from ..conftest import make_app
from .test_migration_received_at import _insert

BEFORE = "b5e1d2c3a4f6"
AFTER = "c7a3f1e9d2b4"


def _listing_indexes(connection):
    return dict(connection.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN "
        "('ix_contributions_listing', 'ix_contributions_supported')")).all())


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="placeholder rows need SQLite's ignore_check_constraints")
def test_stored_rows_were_not_received_outside_the_windows_and_indexes_stay_partial(
        tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'before.db'}")
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(text("PRAGMA ignore_check_constraints=ON"))
            _insert(connection, "users", id=1)
            _insert(connection, "consultations", id=1, created_by_id=1)
            _insert(connection, "contributions", id=1, consultation_id=1, kind="comment",
                    target="plan", channel="written", entered_by_id=1,
                    received_on="2016-06-14", received_at="2016-06-14 05:00:00",
                    created_at="2026-12-02 16:00:00")
            connection.execute(text("PRAGMA ignore_check_constraints=OFF"))
        upgrade(revision=AFTER)
        with db.engine.connect() as connection:
            assert connection.execute(text(
                "SELECT received_outside_window FROM contributions")).scalar() == 0
            indexes = _listing_indexes(connection)
        assert len(indexes) == 2
        assert all("WHERE" in sql for sql in indexes.values())
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            indexes = _listing_indexes(connection)
            assert connection.execute(text("SELECT count(*) FROM contributions")).scalar() == 1
        db.engine.dispose()
    assert len(indexes) == 2
    assert all("WHERE" in sql for sql in indexes.values())
