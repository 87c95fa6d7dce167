"""Consulta: public consultations on draft Open Government action plans."""

import logging
import sys
from inspect import CO_COROUTINE
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    accounts,
    api,
    audit,
    consultations,
    contributions,
    core,
    demo,
    feedback,
    finalplan,
    followup,
    models,  # noqa: F401  (every table, for SQLAlchemy and Alembic)
    moderation,
    offline,
    staff,
    summary,
)
from .config import build_config
from .core.database import (
    describe_results_lazily,
    engine_options,
    keep_prepared_statements,
    ping_rested_connections,
    read_outside_transactions,
    upgrade_database,
)
from .core.i18n import select_locale, select_timezone
from .core.profile import profile_settings
from .core.request_input import init_request_input
from .core.security import check_forms_on_changes_only
from .core.translations import compiled_translations_dir
from .extensions import babel, cache, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = ROOT / "migrations"

#: The parts of the domain, from the ground floor up: each imports only parts before
#: it (tests/test_layering.py holds the map); each registers its own blueprint, template
#: names, commands and signal receivers in its init_app.
PARTS = (core, audit, accounts, consultations, contributions, moderation, feedback, summary,
         finalplan, followup, offline, staff, api)


class Consulta(Flask):
    """Flask, that tells a plain function from a coroutine function by its code's flags
    alone: Flask asks, through ``inspect``, for each of the dozen handlers and signals
    of every request (2% of a page from the cache). The same answer for functions and
    methods on Python 3.11 (where a coroutine function is known by its code only); any
    other callable, or one marked as a coroutine function, is Flask's to judge."""

    def ensure_sync(self, func):
        code = getattr(func, "__code__", None)
        if (code is not None and not code.co_flags & CO_COROUTINE
                and getattr(func, "_is_coroutine_marker", None) is None):
            return func
        return super().ensure_sync(func)


def create_app(overrides=None, environ=None):
    """Build the app. ``overrides`` replace settings read from the environment (tests)."""
    app = Consulta(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    # "//" in a path (an encoded "/" in a slug, say) is not found, as any other unknown
    # address, rather than redirected to the merged path: the API then answers its JSON
    # 404 and no page has two addresses. (Set before any rule is added.)
    app.url_map.merge_slashes = False
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(build_config(app.instance_path, environ))
    app.json.ensure_ascii = False  # open data readable as UTF-8, accents included
    overrides = overrides or {}
    # The country's settings; a test's CONSULTA_PROFILE override chooses the profile too.
    app.config.update(profile_settings(
        overrides.get("CONSULTA_PROFILE", app.config["CONSULTA_PROFILE"]),
        app.config["TIMEZONE"]))
    app.config.update(overrides)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        host = n if app.config["PROXY_TRUST_HOST"] else 0
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=host, x_prefix=host)
    _warn_about_production_settings(app)

    init_request_input(app)  # before the routes: it brings the <int:...> converter
    _init_extensions(app)
    for part in PARTS:
        part.init_app(app)
    demo.init_app(app)

    if app.config["AUTO_MIGRATE"] and not _running_db_command():
        upgrade_database(app)
    return app


def _init_extensions(app):
    wanted = engine_options(app.config)
    if wanted:  # with what a test or a deployment set itself, which wins
        given = app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **wanted, **given,
            "connect_args": {**wanted["connect_args"], **given.get("connect_args", {})}}
    db.init_app(app)
    with app.app_context():
        ping_rested_connections(db.engine, app.config["DATABASE_PING_AFTER_SECONDS"])
        read_outside_transactions(app, db.engine)
        keep_prepared_statements(db.engine)
        describe_results_lazily(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    check_forms_on_changes_only(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    limiter.init_app(app)
    cache.init_app(app)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled_translations_dir(app))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)


def _warn_about_production_settings(app):
    if app.config["CONSULTA_ENV"] != "production":
        return
    log = logging.getLogger("consulta")
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        log.warning("RATELIMIT_STORAGE_URI is memory:// (WEB_CONCURRENCY=1): a single worker "
                    "must run, or rate limits no longer hold; set REDIS_URL.")
    if not app.config["REDIS_URL"]:
        log.warning("REDIS_URL is not set: each worker keeps its own page cache.")
    if not app.config["PROXY_COUNT"]:
        log.warning("PROXY_COUNT is 0: behind a reverse proxy every visitor shares its IP and "
                    "rate limits per IP apply to everyone at once.")
    if not app.config["MAIL_SERVER"]:
        log.warning("MAIL_SERVER is not set: e-mails stay in the outbox until it is.")


def _running_db_command():
    """`flask db ...` manages the schema itself; don't upgrade behind its back."""
    return len(sys.argv) > 1 and "db" in sys.argv[1:4]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Durable, concurrent-safe SQLite: WAL, full sync, busy timeout, foreign keys."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_inside_a_transaction(conn, name):
    """Open the transaction before a SAVEPOINT on SQLite.

    Python's sqlite3 module begins a transaction only before INSERT/UPDATE/DELETE, so a
    session whose first write is inside ``begin_nested()`` sends SAVEPOINT outside any
    transaction, and SQLite then treats its RELEASE as a COMMIT: the rows written in the
    savepoint were committed on their own, before the rest of the request's work (a
    contribution without its tracking code if the worker died in between). IMMEDIATE
    takes the write lock now, waiting up to the busy timeout, since a write follows.
    """
    raw = conn.connection.dbapi_connection
    if type(raw).__module__.startswith("sqlite3") and not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")
