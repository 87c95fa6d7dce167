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


def _postgresql_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL sends BEGIN and ROLLBACK around reads; SQLite does not")


def _autocommit_of_each_statement(app):
    """[(statement's first word, whether its connection was in autocommit)] of the
    requests made while the returned list is being filled (``stop()`` ends it)."""
    from sqlalchemy import event

    seen = []

    def record(conn, _cursor, statement, *_args):
        seen.append((statement.split(None, 1)[0].upper(),
                     conn.connection.dbapi_connection.autocommit))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine, "before_cursor_execute", record)


def test_a_public_page_is_read_outside_a_transaction_on_postgresql(
        app, client, create_consultation, create_user):
    """A GET of a public page (one the page cache knows) sends its statements in
    autocommit on PostgreSQL: no BEGIN and ROLLBACK round trips around a participant's
    account. Everything else keeps its transaction, and the pooled connection goes back
    as it was."""
    from ..conftest import login

    _postgresql_only(app)
    slug = create_consultation(plan=iv_plan_json())
    participant = create_user()
    login(client, participant)
    seen, stop = _autocommit_of_each_statement(app)
    try:
        assert client.get(f"/consultations/{slug}/contributions").status_code == 200
        public = list(seen)
        seen.clear()
        assert client.get("/account").status_code == 200  # not a public page
        private = list(seen)
    finally:
        stop()
    assert public and all(autocommit for _word, autocommit in public)
    assert private and not any(autocommit for _word, autocommit in private)
    with app.app_context(), db.engine.connect() as conn:
        assert conn.connection.dbapi_connection.autocommit is False


def test_a_page_that_only_reads_cannot_write(database_url, create_user):
    """A view marked as only reading that tries to write fails (the error page), and
    nothing is written (in autocommit it would have been written at once, beyond any
    rollback)."""
    from consulta.core.database import reads_only

    from ..conftest import make_app

    app = make_app(database_url)
    _postgresql_only(app)
    someone = create_user(display_name="Nombre de siempre")

    @reads_only
    def renames():
        db.session.get(User, someone.id).display_name = "Otro nombre"
        db.session.commit()
        return "renamed"

    app.add_url_rule("/__renames", view_func=renames)
    try:
        assert app.test_client().get("/__renames").status_code == 500  # the error page
        with app.app_context():
            assert db.session.get(User, someone.id).display_name == "Nombre de siempre"
    finally:
        with app.app_context():
            db.engine.dispose()


def _prepared_statements(app, statement, times):
    """Run ``statement`` ``times`` times in one transaction, end it with a rollback (as
    every request that reads does, through the session), and return how many statements
    the server still holds prepared for that connection."""
    with app.app_context(), db.engine.connect() as conn:
        for _ in range(times):
            conn.execute(statement).all()
        conn.rollback()
        return conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()


def test_a_transaction_that_only_read_keeps_the_prepared_statements(app, create_user):
    """psycopg prepares a statement sent five times, and forgets them all at a ROLLBACK:
    a transaction that wrote nothing is committed instead, and the server keeps them
    (no planning of the same statements on every request)."""
    _postgresql_only(app)
    someone = create_user()
    assert _prepared_statements(
        app, select(User.email).where(User.id == someone.id), times=6) >= 1


def test_a_transaction_that_wrote_is_still_rolled_back(app, create_user):
    """Committing instead of rolling back is only for transactions that wrote nothing: a
    write is undone by the rollback, on a connection in error too."""
    from sqlalchemy.exc import DBAPIError

    someone = create_user(display_name="Nombre de siempre")
    with app.app_context():
        db.session.get(User, someone.id).display_name = "Otro nombre"
        db.session.flush()
        db.session.rollback()
        db.session.execute(text("UPDATE users SET display_name = 'Otro más' WHERE id = :id"),
                           {"id": someone.id})
        with pytest.raises(DBAPIError):
            db.session.execute(text("SELECT * FROM no_such_table")).all()
        db.session.rollback()
        db.session.remove()
    with app.app_context():
        assert db.session.get(User, someone.id).display_name == "Nombre de siempre"


def test_a_list_page_sends_its_bounds_in_the_sql(app, client, create_consultation,
                                                create_contribution):
    """The page's limit and offset are written into the card statement (compiled once,
    bound when sent): PostgreSQL, given them as parameters, planned that statement on
    every request for a tenth of the table."""
    slug = create_consultation(plan=iv_plan_json())
    for number in range(3):
        create_contribution(slug, body=f"Un aporte número {number}.")
    from sqlalchemy import event

    sent = []

    def record(_conn, _cursor, statement, parameters, *_args):
        sent.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(f"/consultations/{slug}/contributions?page=1").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    cards = [(statement, parameters) for statement, parameters in sent
             if "AS page" in statement]
    assert len(cards) == 1
    statement, parameters = cards[0]
    assert " LIMIT 20 OFFSET 0)" in " ".join(statement.split())
    assert "limit" not in (parameters or {}) and "offset" not in (parameters or {})


def _server_setting(app, name):
    with app.app_context():
        value = db.session.execute(text(f"SHOW {name}")).scalar()
        db.session.remove()
    return value


def test_postgresql_connections_compile_nothing_unless_asked(database_url):
    """The app's PostgreSQL connections run without JIT compilation (it cost publishing a
    summary of 200,000 contributions more than a second of the server's CPU), keep the
    options the URL gives, and compile again when DATABASE_JIT asks for it."""
    from sqlalchemy import create_engine, make_url

    from consulta.config import normalize_database_url

    from ..conftest import make_app

    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL's JIT")
    app = make_app(database_url)
    assert _server_setting(app, "jit") == "off"
    with_options = url.update_query_dict({"options": "-c statement_timeout=4321"})
    app = make_app(with_options.render_as_string(hide_password=False))
    assert _server_setting(app, "jit") == "off"
    assert _server_setting(app, "statement_timeout") == "4321ms"
    plain = create_engine(normalize_database_url(database_url))
    with plain.connect() as conn:
        servers = conn.execute(text("SHOW jit")).scalar()  # the server's own setting
    plain.dispose()
    app = make_app(database_url, DATABASE_JIT=True)
    assert _server_setting(app, "jit") == servers


def test_postgresql_results_are_described_when_read(app):
    """The app's psycopg cursors describe a result only when something reads the
    description (SQLAlchemy asks for it after every statement, to learn whether rows
    came back): read, it is psycopg's own; read after the cursor moved on, it fails
    rather than describe another result; a statement without rows has none."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("psycopg's cursors")
        import psycopg

        eager = psycopg.Cursor.description.fget
        with db.engine.connect() as conn:
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.execute("SELECT 1 AS a, 'x'::text AS b")
            described = cursor.description
            assert len(described) == 2
            assert type(described) is not list  # nothing built yet
            assert [column.name for column in described] == ["a", "b"]
            # Each column's name, type, sizes...: psycopg's DB-API 7-tuple.
            assert [tuple(column) for column in described] == \
                [tuple(column) for column in eager(cursor)]
            cursor.execute("SELECT 2 AS c")
            unread = cursor.description
            cursor.execute("SELECT 3 AS d, 4 AS e")
            with pytest.raises(RuntimeError):
                unread[0]
            cursor.execute("SET LOCAL statement_timeout = 1000")
            assert cursor.description is None
            cursor.close()
            # What SQLAlchemy builds from it: the keys, the first time and from its cache.
            statement = select(func.count().label("n"), func.max(User.id).label("top"))
            for _ in range(2):
                assert list(conn.execute(statement).keys()) == ["n", "top"]
            assert conn.execute(text("SELECT 5 AS f")).mappings().one() == {"f": 5}
