"""The migration that gives outbox messages their one-click unsubscribe URL: messages
already queued keep everything and have none; down again drops only the column."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from consulta.extensions import db

from ..conftest import _test_database, make_app
from ..contributions.test_migration_received_at import _insert

BEFORE = "f92963d59c1d"
AFTER = "88e2d4dec12b"


def test_queued_messages_keep_everything_up_and_down(tmp_path_factory):
    url, drop = _test_database(tmp_path_factory)  # a database of its own, either backend
    app = make_app(url)
    try:
        with app.app_context():
            upgrade(revision=BEFORE)
            with db.engine.begin() as connection:
                _insert(connection, "outbox_messages", id=1, recipient="rosa@example.pe",
                        subject="Nuevo reporte de avance", body="Texto.", status="pending",
                        attempts=0)
            upgrade(revision=AFTER)
            with db.engine.begin() as connection:
                columns = {c["name"]: c for c in
                           inspect(connection).get_columns("outbox_messages")}
                assert columns["unsubscribe_url"]["nullable"]
                assert connection.execute(text(
                    "SELECT recipient, status, unsubscribe_url FROM outbox_messages")
                ).all() == [("rosa@example.pe", "pending", None)]
            downgrade(revision=BEFORE)
            with db.engine.connect() as connection:
                columns = {c["name"] for c in
                           inspect(connection).get_columns("outbox_messages")}
                assert "unsubscribe_url" not in columns
                assert connection.execute(text(
                    "SELECT recipient, subject, body FROM outbox_messages")).all() == [
                    ("rosa@example.pe", "Nuevo reporte de avance", "Texto.")]
            db.engine.dispose()
    finally:
        drop()
