import logging
import time

from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.exc import DisconnectionError

from consulta.extensions import db

log = logging.getLogger(__name__)


def upgrade_database(app):
    """Bring the schema to the latest migration (idempotent)."""
    with app.app_context():
        upgrade()


def ping_rested_connections(engine, seconds):
    """Ask the database whether a pooled connection still works before using it again,
    once it has rested in the pool for ``seconds`` or more (a server restarted, a
    proxy or a firewall that dropped it): a dead one is replaced, and the request never
    sees it. SQLAlchemy's ``pool_pre_ping`` asks before every use, a round trip on each
    request; a connection used again within ``seconds`` (a busy worker) is used as is.

    :param engine: the app's engine (its pool's checkouts and checkins are followed).
    :param seconds: the rest after which a connection is asked (0: every time).
    """
    @event.listens_for(engine, "checkin")
    def _rests_from(_dbapi_connection, record):
        record.info["rests_from"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ask_if_rested(dbapi_connection, record, _proxy):
        since = record.info.get("rests_from")
        if since is not None and time.monotonic() - since < seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool throws this connection away and checks out another one.
            raise DisconnectionError("a pooled connection no longer answers") from error


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
