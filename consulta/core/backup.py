"""Consistent backups of the database and their restore (`flask --app wsgi backup|restore`).

SQLite is copied with SQLite's online backup API (``sqlite3.Connection.backup``):
a consistent snapshot, safe while the app writes, never a half-copied file as
``cp`` of a live database may give. PostgreSQL is dumped with ``pg_dump`` in its
custom format (a consistent snapshot too) and restored with ``pg_restore``. The
password of the database URL is handed to those tools in the environment
(PGPASSWORD), never on the command line where any local user could read it.

A backup never overwrites a file, and is readable by its owner only: it holds
every participant's personal data.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, select, table
from sqlalchemy.engine import URL, make_url

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"


class BackupError(Exception):
    """Something the operator must fix; the message says what."""


def dialect_of(url):
    return make_url(url).get_backend_name()


def default_backup_path(instance_path, url, now=None):
    """instance/backups/consulta-YYYYMMDD-HHMMSS.(sqlite3|dump), in UTC."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if dialect_of(url) == "sqlite" else "dump"
    return Path(instance_path) / "backups" / f"consulta-{stamp}.{suffix}"


def backup_database(url, output):
    """Write a consistent copy of the database at ``url`` to ``output``; its size in bytes.

    Refuses when ``output`` exists. The copy is written beside it first and only put in
    place, without replacing anything, once complete.

    :param url: the database URL (SQLite or PostgreSQL).
    :param output: the file to write, readable by its owner only.
    """
    output = Path(output)
    if output.exists():
        raise BackupError(f"{output} already exists; a backup never overwrites a file.")
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.",
                                    suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.chmod(0o600)
        if dialect_of(url) == "sqlite":
            _sqlite_backup(_sqlite_path(url), tmp)
        elif dialect_of(url) == "postgresql":
            _run(["pg_dump", "--format=custom", "--file", str(tmp)], url)
        else:
            raise BackupError(f"No backup method for {dialect_of(url)} databases.")
        try:
            os.link(tmp, output)  # fails if output appeared meanwhile: never overwrite
        except FileExistsError:
            raise BackupError(f"{output} already exists; a backup never overwrites a "
                              "file.") from None
    finally:
        tmp.unlink(missing_ok=True)
    return output.stat().st_size


def restore_database(url, source, *, metadata, force=False):
    """Replace the database at ``url`` with the backup ``source``.

    Refused unless the target holds no data of the application (tables of
    ``metadata`` absent or empty), or ``force``.

    :param url: the database URL (SQLite or PostgreSQL).
    :param source: a file written by ``backup_database`` for the same kind of database.
    :param metadata: the application's tables (to tell whether the target is empty).
    :param force: replace a database that holds data.
    """
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    with open(source, "rb") as fh:
        header = fh.read(16)
    dialect = dialect_of(url)
    expected = {"sqlite": SQLITE_HEADER, "postgresql": PG_DUMP_HEADER}.get(dialect)
    if expected is None:
        raise BackupError(f"No restore method for {dialect} databases.")
    if not header.startswith(expected):
        kind = "a SQLite database" if dialect == "sqlite" else "a pg_dump custom-format file"
        raise BackupError(f"{source} is not {kind}: it cannot be restored into this "
                          f"{dialect} database.")
    if not force:
        holding = tables_with_rows(url, metadata)
        if holding:
            raise BackupError(
                f"The database is not empty ({', '.join(holding[:5])}"
                f"{', ...' if len(holding) > 5 else ''} hold rows). Restore into an empty "
                "database, or add --force to replace its content.")
    if dialect == "sqlite":
        _sqlite_restore(source, _sqlite_path(url))
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", str(source)], url)


def tables_with_rows(url, metadata):
    """Names of the application's tables that exist at ``url`` and hold at least one row."""
    if dialect_of(url) == "sqlite" and not _sqlite_path(url).exists():
        return []  # not created yet (connecting would create it, or fail on a missing folder)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            existing = set(inspect(conn).get_table_names())
            return [t.name for t in metadata.sorted_tables if t.name in existing
                    and conn.execute(select(1).select_from(table(t.name)).limit(1)).first()]
    finally:
        engine.dispose()


# --- SQLite ---------------------------------------------------------------------------

def _sqlite_path(url):
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _sqlite_backup(path, target):
    if not path.exists():
        raise BackupError(f"The database file {path} does not exist.")
    source = sqlite3.connect(path, timeout=30)  # only read; waits for a checkpoint if needed
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one step: a consistent snapshot even while the app writes
        # A single self-contained file (no -wal beside it), checked before it is kept.
        copy.execute("PRAGMA journal_mode=DELETE")
        _check_sqlite(copy, target)
    finally:
        copy.close()
        source.close()


def _sqlite_restore(source, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = sqlite3.connect(source)
    target = sqlite3.connect(path, timeout=30)
    try:
        _check_sqlite(backup, source)
        backup.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
        _check_sqlite(target, path)
    finally:
        target.close()
        backup.close()


def _check_sqlite(connection, name):
    result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError(f"{name} fails SQLite's integrity check: {'; '.join(result[:3])}")


# --- PostgreSQL -------------------------------------------------------------------------

def libpq_arguments(url):
    """(--dbname argument without the password, environment with PGPASSWORD)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    # URL.set(password=None) would keep the password: build it again without one.
    plain = URL.create("postgresql", username=parsed.username, host=parsed.host,
                       port=parsed.port, database=parsed.database, query=parsed.query)
    return plain.render_as_string(hide_password=False), env


def _run(command, url):
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} was not found: install the PostgreSQL client tools "
                          "(postgresql-client), of the server's major version or newer.")
    dbname, env = libpq_arguments(url)
    # A fixed program with a list of arguments, no shell: nothing is interpreted.
    result = subprocess.run([tool, *command[1:], "--dbname", dbname], env=env,  # noqa: S603
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")
