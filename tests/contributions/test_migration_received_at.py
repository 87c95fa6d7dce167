"""The migration that adds the received moment fills it for the rows already stored."""

import os
from datetime import UTC, date, datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import Boolean, Date, DateTime, Integer, inspect, text

from consulta.extensions import db

from ..conftest import make_app

BEFORE = "5e2d8a41c9f3"
AFTER = "b5d2e8a41c07"  # this migration: later ones need real rows, not placeholders


def _filler(column):
    """A value for a required column of the table as it was before the migration."""
    if isinstance(column["type"], Boolean):
        return False
    if isinstance(column["type"], Integer):
        return 1
    if isinstance(column["type"], DateTime):
        return datetime(2026, 12, 2, 15, 0)
    if isinstance(column["type"], Date):
        return date(2026, 12, 2)
    return "[]" if column["name"] in ("co_responsible", "actions", "principles",
                                      "masked_fragments") else ""


ROWS = (
    # A web contribution: received when sent.
    {"id": 1, "channel": "web", "author_id": 1, "received_on": None,
     "created_at": "2026-12-02 15:30:00"},
    # Typed in on 2 Dec 2026 from a 2016 workshop sheet.
    {"id": 2, "channel": "workshop", "entered_by_id": 1, "received_on": "2016-06-14",
     "created_at": "2026-12-02 16:00:00"},
    # Typed in without the day it arrived.
    {"id": 3, "channel": "email", "entered_by_id": 1, "received_on": None,
     "created_at": "2026-12-02 17:00:00"},
)


def _insert(connection, table, **given):
    """A row with ``given`` values and a placeholder in every other required column."""
    values = {c["name"]: _filler(c) for c in inspect(connection).get_columns(table)
              if not c["nullable"] and c["name"] != "id"}
    values.update(given)
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="placeholder rows need SQLite's ignore_check_constraints")
def test_the_migration_dates_stored_rows_by_their_received_day_in_the_local_zone(
        tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'before.db'}",
                   BABEL_DEFAULT_TIMEZONE="America/Lima")
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            # Just enough of an account and a consultation for the rows to point to.
            connection.execute(text("PRAGMA ignore_check_constraints=ON"))
            _insert(connection, "users", id=1)
            _insert(connection, "consultations", id=1, created_by_id=1)
            for row in ROWS:
                _insert(connection, "contributions", consultation_id=1, kind="comment",
                        target="plan", **row)
            connection.execute(text("PRAGMA ignore_check_constraints=OFF"))
        upgrade(revision=AFTER)
        with db.engine.connect() as connection:
            received = dict(connection.execute(text(
                "SELECT id, received_at FROM contributions ORDER BY id")).all())
            voided = connection.execute(text(
                "SELECT count(*) FROM contributions WHERE voided_at IS NOT NULL")).scalar()
        db.engine.dispose()
    as_utc = {ident: datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
              for ident, value in received.items()}
    assert as_utc == {
        1: datetime(2026, 12, 2, 15, 30, tzinfo=UTC),
        # Midnight in Lima (UTC-5) is 05:00 UTC.
        2: datetime(2016, 6, 14, 5, 0, tzinfo=UTC),
        3: datetime(2026, 12, 2, 17, 0, tzinfo=UTC),
    }
    assert voided == 0
