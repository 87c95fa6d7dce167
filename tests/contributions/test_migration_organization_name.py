"""The migration that keeps organization names on contributions fills them for stored
rows, and goes down again (the sector constraints come back)."""

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from consulta.extensions import db

from ..conftest import make_app
from .test_migration_received_at import _insert

BEFORE = "b521da3f7b10"
AFTER = "79529a3b1e40"


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="placeholder rows need SQLite's ignore_check_constraints")
def test_the_migration_keeps_the_name_each_contribution_was_sent_under(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'before.db'}")
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(text("PRAGMA ignore_check_constraints=ON"))
            _insert(connection, "users", id=1, sector="citizen")
            _insert(connection, "organizations", id=1, name="Red Vecinal", sector="other",
                    created_by_id=1, status="approved")
            _insert(connection, "consultations", id=1, created_by_id=1)
            for ident, organization in ((1, 1), (2, None)):
                _insert(connection, "contributions", id=ident, consultation_id=1,
                        kind="comment", target="plan", channel="web", author_id=1,
                        organization_id=organization, created_at="2026-12-02 15:30:00",
                        received_at="2026-12-02 15:30:00")
            connection.execute(text("PRAGMA ignore_check_constraints=OFF"))
        upgrade(revision=AFTER)
        with db.engine.begin() as connection:
            names = dict(connection.execute(text(
                "SELECT id, organization_name FROM contributions ORDER BY id")).all())
            # No sector constraint any more: the profile's list is checked by the app.
            connection.execute(text("UPDATE users SET sector = 'indigenous_peoples'"))
            connection.execute(text("UPDATE users SET sector = 'citizen'"))
            indexes = {i["name"] for i in inspect(connection).get_indexes("contributions")}
        assert names == {1: "Red Vecinal", 2: None}
        assert {"ix_contributions_listing", "ix_contributions_supported"} <= indexes

        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("contributions")}
            assert "organization_name" not in columns
            with pytest.raises(IntegrityError):
                connection.execute(text("UPDATE users SET sector = 'indigenous_peoples'"))
        db.engine.dispose()
