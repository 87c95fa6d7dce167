import logging

from flask_migrate import upgrade
from sqlalchemy import text

from consulta.extensions import db

log = logging.getLogger(__name__)


def upgrade_database(app):
    """Bring the schema to the latest migration (idempotent)."""
    with app.app_context():
        upgrade()


def database_is_reachable():
    """True if the database answers a trivial query (the health check); the reason it
    does not is logged."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        db.session.rollback()
        return False
    return True


#: Tables the app only ever appends to: its role gets neither UPDATE nor DELETE on them.
APPEND_ONLY_TABLES = ("audit_entries",)


def grant_app_role(connection, role):
    """PostgreSQL: give the app's role exactly what it needs on the schema the migration
    role owns: read and write rows, use sequences, nothing more. It owns nothing, so it
    can neither alter nor drop a table nor disable the audit log's triggers, and it may
    only add rows to the audit log. Run after every upgrade (``migrations/env.py`` does,
    when ``DATABASE_APP_ROLE`` is set), so new tables are granted too.

    :param connection: a connection of the migration role (the schema's owner).
    :param role: the name of the app's role (it must exist).
    """
    if connection.dialect.name != "postgresql":
        return
    quoted = connection.dialect.identifier_preparer.quote(role)
    for statement in (
            f"GRANT USAGE ON SCHEMA public TO {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
            *(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {quoted}"
              for table in APPEND_ONLY_TABLES)):
        connection.execute(text(statement))
