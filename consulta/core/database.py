import functools
import logging
import re
import time

from flask import has_request_context, request
from flask_migrate import upgrade
from sqlalchemy import event, make_url, text
from sqlalchemy.exc import DisconnectionError

from consulta.extensions import db

log = logging.getLogger(__name__)


def upgrade_database(app):
    """Bring the schema to the latest migration (idempotent)."""
    with app.app_context():
        upgrade()


def engine_options(config):
    """The engine's options for the app's database (``SQLALCHEMY_ENGINE_OPTIONS``).

    PostgreSQL: its connections run without JIT compilation (``jit=off``) unless
    ``DATABASE_JIT`` is set. PostgreSQL compiles a statement it plans above
    ``jit_above_cost``, which the app's statements over a whole consultation reach
    (the matrix, its figures, the exports): at 200,000 contributions compiling the
    matrix's query took 0.48 s of the server's CPU for a query that ran 1.2 s without
    it, and publishing a summary spent 1.1–1.5 s of the server's 8.7 s compiling. Nothing
    the app asks runs long enough to pay it back. Options already in the URL (its
    ``options`` parameter) are kept.

    :param config: the app's settings (``SQLALCHEMY_DATABASE_URI``, ``DATABASE_JIT``).
    :return: a dict of engine options, empty when there is nothing to set.
    """
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql" or config.get("DATABASE_JIT"):
        return {}
    given = url.query.get("options", "")
    if not isinstance(given, str):  # the parameter given several times
        given = " ".join(given)
    return {"connect_args": {"options": " ".join(filter(None, (given, "-c jit=off")))}}


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


def describe_results_lazily(engine):
    """PostgreSQL: a result's description is built when something reads it, not at every
    statement.

    SQLAlchemy asks the driver's cursor for its ``description`` after every statement,
    only to learn whether it returned rows: the columns' names and types come from the
    compiled statement's cache. psycopg builds a ``Column`` for every column of the
    result at each ask: 279 for a contribution's page rendered with its relations,
    0.2 ms of the worker's CPU a request, about 6%. The app's cursors answer with a
    sequence of the same length that builds psycopg's own description at its first
    read.

    :param engine: the app's engine (its new connections get the cursor class).
    """
    if engine.dialect.name != "postgresql":
        return
    cursor_class = _lazily_described_cursor()

    @event.listens_for(engine, "connect")
    def _describe_lazily(dbapi_connection, _record):
        if dbapi_connection.cursor_factory is cursor_class.__base__:  # not one set in
            dbapi_connection.cursor_factory = cursor_class  # connect_args: kept as is


@functools.cache
def _lazily_described_cursor():
    """psycopg's client cursor, its ``description`` built at its first read."""
    from collections.abc import Sequence

    import psycopg

    eager = psycopg.Cursor.description.fget

    class Description(Sequence):
        """The description of one result, as psycopg gives it, built when read. Read
        after the cursor has moved to another result, it fails rather than describe
        that one."""

        __slots__ = ("_built", "_cursor", "_length", "_result")

        def __init__(self, cursor, result):
            self._cursor, self._result = cursor, result
            self._length = result.nfields
            self._built = None

        def _columns(self):
            if self._built is None:
                if self._cursor.pgresult is not self._result:
                    raise RuntimeError("a result's description read after its cursor "
                                       "moved to another result")
                self._built = eager(self._cursor)
            return self._built

        def __len__(self):
            return self._length

        def __getitem__(self, index):
            return self._columns()[index]

        def __iter__(self):
            return iter(self._columns())

    class Cursor(psycopg.Cursor):
        @property
        def description(self):
            result = self.pgresult
            if result is not None and result.nfields:
                return Description(self, result)
            return eager(self)  # None, or psycopg's answer for a result without columns

    return Cursor


#: Set on a request whose view only reads (``reads_only``), and on the pooled connection
#: that request put in autocommit, until it goes back to the pool.
READS_ONLY = "consulta_reads_only"
#: The session whose connection a request that only reads put in autocommit.
_READING_SESSION = "consulta_reading_session"
#: What a connection that only reads may send.
_READING = re.compile(r"\s*(SELECT|WITH|SHOW|VALUES)\b", re.I)


def reads_only(view):
    """Mark ``view`` as one that only reads (a public page): on PostgreSQL, a GET of it
    runs its statements outside a transaction (``read_outside_transactions``)."""
    view.reads_only = True
    return view


def read_outside_transactions(app, engine):
    """PostgreSQL: a GET of a view marked ``reads_only`` runs its statements in
    autocommit, without the BEGIN and the ROLLBACK that enclose a transaction: two round
    trips of the three a kept page costs a logged-in participant (BEGIN, their account,
    ROLLBACK). What each statement sees is what it saw inside a transaction at PostgreSQL's
    isolation level, READ COMMITTED: what was committed when the statement began. Such a
    request that tries to write fails (nothing is written) instead of writing at once.
    SQLite sends no BEGIN before reading: nothing to spare there.

    :param app: the app, before the parts register theirs: its requests are marked
        before any handler that loads the account.
    :param engine: the app's engine (its connections are put back as they were).
    """
    if engine.dialect.name != "postgresql":
        return

    @app.before_request
    def _mark_reading_request():
        view = app.view_functions.get(request.endpoint)
        if request.method in ("GET", "HEAD") and getattr(view, "reads_only", False):
            setattr(request, READS_ONLY, True)

    @event.listens_for(db.session, "after_begin")
    def _autocommit(session, _transaction, connection):
        # Before the first statement: psycopg sends BEGIN with it, not before.
        if (has_request_context() and getattr(request, READS_ONLY, False)
                and connection.engine is engine):
            connection.connection.dbapi_connection.autocommit = True
            connection.info[READS_ONLY] = True
            setattr(request, _READING_SESSION, session)

    @app.teardown_request
    def _end_reading(_error=None):
        session = getattr(request, _READING_SESSION, None)
        if session is not None:
            session.rollback()  # the connection back to the pool (a test keeps the session)

    @event.listens_for(engine, "checkin")
    def _back_to_transactions(dbapi_connection, record):
        if record.info.pop(READS_ONLY, False) and dbapi_connection is not None:
            dbapi_connection.autocommit = False

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_writes(connection, _cursor, statement, *_args):
        if connection.info.get(READS_ONLY) and not _READING.match(statement):
            raise RuntimeError("a page that only reads tried to write: "
                               + statement.split(None, 2)[0])


#: PostgreSQL: true while the transaction has written nothing (it gets an id at its
#: first write).
_WROTE_NOTHING = "SELECT pg_current_xact_id_if_assigned() IS NULL"


def wrote_nothing(connection):
    """PostgreSQL: whether the transaction of ``connection`` (SQLAlchemy's) has written
    nothing yet, so that ending it loses nothing and another connection reads what it
    reads."""
    return connection.exec_driver_sql(_WROTE_NOTHING).scalar()


def keep_prepared_statements(engine):
    """PostgreSQL: end a transaction that wrote nothing with COMMIT, not ROLLBACK (the
    same for the database), so that the driver keeps its prepared statements.

    psycopg prepares a statement sent five times on a connection, and PostgreSQL then
    plans it once instead of on every request (the statements that load a contribution
    with its relations took 3–4 ms of the server's CPU to plan, for 0.2 ms to run). But
    psycopg forgets them all on every ROLLBACK (a rollback may have dropped what they
    refer to), and every request that reads ends in one (the session's end, the pool's
    reset): the staff's pages, which read in transactions, planned every statement on
    every request. A transaction with no id has written nothing (PostgreSQL gives one at
    the first write): it is committed; any other is rolled back as before.

    :param engine: the app's engine (its dialect's rollback is replaced).
    """
    if engine.dialect.name != "postgresql":
        return
    dialect = engine.dialect
    roll_back = dialect.do_rollback
    in_transaction = 2  # psycopg.pq.TransactionStatus.INTRANS: a transaction, no error

    def do_rollback(dbapi_connection):
        # Given the pool's proxy of the driver's connection, or that connection itself.
        driver = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
        if driver.info.transaction_status == in_transaction:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(_WROTE_NOTHING)
                wrote_nothing = cursor.fetchone()[0]
            finally:
                cursor.close()
            if wrote_nothing:
                dbapi_connection.commit()
                return
        roll_back(dbapi_connection)

    dialect.do_rollback = do_rollback


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
