#!/usr/bin/env python3
"""Crash safety: what the server confirmed is stored exactly once, whatever happens to it.

Starts gunicorn (2 sync workers, production settings) on a fresh database, has
concurrent participants send contributions through the real web form, kills a
worker with SIGKILL, restarts the server gracefully (SIGTERM), then kills it
outright (SIGKILL of the master and its workers) and starts it again, while the
clients keep sending and retry what got no answer, re-sending the same form (same
idempotency token). Each submission GETs the form (its CSRF and idempotency tokens)
and POSTs it filled in, as its Send button does; each client is its own participant,
logged in, behind a proxy that sets X-Forwarded-For/-Proto. Ten identical POSTs of one
previewed form are also sent at once. Then:

- every submission that got a confirmation (the redirect to its tracking code) is
  stored exactly once, under that code, with its title;
- the ten identical POSTs made exactly one row, and all ten answers name it;
- every contribution has its search entry and exactly one receipt e-mail in the
  outbox (written in the same transaction: nothing half-committed);
- the database is intact: SQLite's integrity_check and foreign_key_check, or on
  PostgreSQL no row referring to a missing one through any foreign key;
- SQLite connections run with WAL, synchronous=FULL, a busy timeout and foreign keys.

Usage (from the repository, with the project's venv):
    .venv/bin/python .ci/crash_safety.py                      # SQLite file in a temp dir
    .venv/bin/python .ci/crash_safety.py --postgres postgresql://postgres@127.0.0.1:5432/test
        (a fresh database is created on that server and dropped afterwards)

Exits non-zero with the reason on any failure; prints the figures either way.
"""

import argparse
import html.parser
import http.client
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: The host name the clients use; the server trusts only it (as TRUSTED_HOSTS in production).
HOST = "consulta.test"
#: Confirmed submissions wanted between two events (kill, restart), whatever the speed.
MIN_PER_PHASE = 20
PASSWORD = "clave-de-prueba-de-carga-2026"  # noqa: S105 (throw-away accounts of this run)
CONFIRMED = re.compile(r"^/contributions/(APO-\d{4}-\d{6,})\?sent=1$")


class Failure(Exception):
    """A check that did not hold: the run fails with this message."""


# --- a minimal browser: cookies, forms, the headers a reverse proxy adds ------------

class FormParser(html.parser.HTMLParser):
    """The fields of each <form method=post> on a page, as a browser would send them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._select, self._textarea = [], None, None, None
        #: Buttons outside their form that name it (``form="ID"``): (id, name, value).
        self.owned_buttons = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "get").lower() == "post":
            self._form = {"action": attrs.get("action"), "fields": {}, "options": {},
                          "buttons": {}, "id": attrs.get("id")}
            self.forms.append(self._form)
        if tag == "button" and attrs.get("form") and "name" in attrs:
            # A button may stand anywhere and belong to the form its attribute names.
            self.owned_buttons.append((attrs["form"], attrs["name"], attrs.get("value", "")))
            return
        if tag == "option" and self._form is not None and self._select is not None:
            value = attrs.get("value", "")
            self._form["options"][self._select].append(value)
            if "selected" in attrs or self._select not in self._form["fields"]:
                self._form["fields"][self._select] = value
        if self._form is None or "name" not in attrs:
            return
        name = attrs["name"]
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form["fields"][name] = attrs.get("value", "on")
            elif kind == "submit":
                self._form["buttons"][name] = attrs.get("value", "")
            else:
                self._form["fields"][name] = attrs.get("value", "")
        elif tag == "button":
            self._form["buttons"][name] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self._form["fields"][name] = ""
        elif tag == "select":
            self._select = name
            self._form["options"][name] = []

    def handle_data(self, data):
        if self._form is not None and self._textarea is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def post_form(page, must_have):
    """The first POST form of ``page`` that has the field ``must_have``."""
    parser = FormParser()
    parser.feed(page)
    for form_id, name, value in parser.owned_buttons:
        for form in parser.forms:
            if form["id"] == form_id:
                form["buttons"][name] = value
    for form in parser.forms:
        if must_have in form["fields"]:
            return form
    raise Failure(f"no form with a {must_have!r} field on the page: {page[:300]!r}")


class Browser:
    """One participant's browser behind the reverse proxy: its own cookies and IP."""

    def __init__(self, server, address):
        self.server, self.address, self.cookies = server, address, {}
        self.lock = threading.Lock()

    def request(self, method, path, data=None):
        """(status, location, text); raises OSError/HTTPException when the server is away."""
        with self.lock:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers = {"Host": HOST, "X-Forwarded-For": self.address,
                   "X-Forwarded-Proto": "https", "Accept-Language": "es",
                   "Referer": f"https://{HOST}{path}", "Connection": "close"}
        if cookie:
            headers["Cookie"] = cookie
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        with self.lock:
            for header in response.headers.get_all("Set-Cookie") or []:
                pair = header.split(";", 1)[0]
                name, _, value = pair.partition("=")
                if not value or "max-age=0" in header.lower() or "1970" in header:
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
        return response.status, response.headers.get("Location", ""), text


# --- the server: gunicorn as in production -------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, env, workdir):
        self.env, self.workdir = env, workdir
        self.port = free_port()
        self.process, self.starts, self.logs = None, 0, []

    def start(self):
        self.starts += 1
        log_path = self.workdir / f"gunicorn-{self.starts}.log"
        self.logs.append(log_path)
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "--worker-class", "sync",
                 "--workers", "2", "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5",
                 "--timeout", "60", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)  # its own process group, to kill it whole
        deadline = time.monotonic() + 60
        probe = Browser(self, "10.255.0.1")
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Failure(f"gunicorn exited at start:\n{self.log_tail()}")
            try:
                if probe.request("GET", "/health")[0] == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise Failure(f"gunicorn did not answer /health within 60 s:\n{self.log_tail()}")

    def workers(self):
        """Pids of the master's worker processes."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def kill_worker(self):
        workers = self.workers()
        if not workers:
            raise Failure("gunicorn has no worker to kill")
        os.kill(workers[0], signal.SIGKILL)
        return workers[0]

    def stop(self, sig=signal.SIGTERM):
        if self.process is None or self.process.poll() is not None:
            return
        if sig == signal.SIGKILL:
            os.killpg(self.process.pid, signal.SIGKILL)  # the master and every worker
        else:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        # Workers orphaned by a killed master must be gone before the port is reused.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)

    def log_tail(self, lines=40):
        if not self.logs:
            return ""
        return "\n".join(self.logs[-1].read_text(errors="replace").splitlines()[-lines:])

    def errors_logged(self):
        """What the app logged for each 500 (an error id and its traceback), or gunicorn
        for a worker that failed."""
        found = []
        for path in self.logs:
            entry = None
            for line in path.read_text(errors="replace").splitlines():
                if " ERROR consulta" in line or "Exception in worker" in line:
                    entry = [line]
                    found.append(entry)
                elif entry is not None and not re.match(r"\[?\d{4}-\d\d-\d\d", line):
                    entry.append(line)  # the traceback that follows
                else:
                    entry = None
        return ["\n".join(entry) for entry in found]


# --- the run ---------------------------------------------------------------------------

class Figures:
    def __init__(self):
        self.lock = threading.Lock()
        self.confirmed = {}        # title -> tracking code
        self.gave_up = []          # titles never confirmed
        self.unexpected = []       # (title, status, excerpt)
        self.retries = 0
        self.connection_errors = 0
        self.server_errors = 0
        self.next_index = 0
        self.stop = threading.Event()  # set: no new submission starts

    def take(self, total):
        with self.lock:
            if self.next_index >= total or self.stop.is_set():
                return None
            self.next_index += 1
            return self.next_index


def send(browser, path, data, figures, deadline):
    """POST (or GET when data is None) until the server answers, retrying what got no
    answer: the same form, so the same idempotency token. Returns (status, location, text)."""
    delay = 0.05
    while True:
        try:
            status, location, text = browser.request("GET" if data is None else "POST",
                                                     path, data)
        except (OSError, http.client.HTTPException):
            with figures.lock:
                figures.connection_errors += 1
        else:
            if status < 500:
                return status, location, text
            with figures.lock:
                figures.server_errors += 1
        if time.monotonic() > deadline:
            return None, "", ""
        with figures.lock:
            figures.retries += 1
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def log_in(browser, email, figures):
    deadline = time.monotonic() + 90
    status, _, page = send(browser, "/login", None, figures, deadline)
    form = post_form(page, "password")
    form["fields"].update(email=email, password=PASSWORD)
    status, _, page = send(browser, "/login", form["fields"], figures, deadline)
    if status != 302:
        raise Failure(f"{email} could not log in ({status}): {page[:300]!r}")


def proposal_form(browser, form_path, title, figures, deadline):
    status, _, page = send(browser, form_path, None, figures, deadline)
    if status != 200:
        raise Failure(f"the proposal form answered {status}")
    form = post_form(page, "submission_token")
    fields = form["fields"]
    components = [value for value in form["options"]["component"] if value not in ("", "0")]
    fields.update(component=components[0], title=title,
                  problem="Los datos de compras públicas no se publican a tiempo.",
                  objective="Publicar cada contrato en formato abierto en un plazo de "
                            "cinco días hábiles.")
    return fields


def client(browser, email, form_path, total, figures, run_id, errors):
    try:
        log_in(browser, email, figures)
        while (index := figures.take(total)) is not None:
            title = f"Prueba de resistencia {run_id} n.º {index:05d}"
            deadline = time.monotonic() + 90
            fields = proposal_form(browser, form_path, title, figures, deadline)
            fields["send"] = "1"
            status, location, page = send(browser, form_path, fields, figures, deadline)
            match = CONFIRMED.match(location) if status == 302 else None
            with figures.lock:
                if match:
                    figures.confirmed[title] = match.group(1)
                elif status is None:
                    figures.gave_up.append(title)
                else:
                    figures.unexpected.append((title, status, location or page[:300]))
    except Exception as error:  # reported by the main thread
        errors.append(f"client {email}: {error!r}")


def identical_posts(browser, email, form_path, run_id, figures):
    """Ten identical POSTs of one previewed form, at the same moment."""
    log_in(browser, email, figures)
    deadline = time.monotonic() + 90
    title = f"Prueba de resistencia {run_id} diez envíos idénticos"
    fields = proposal_form(browser, form_path, title, figures, deadline)
    fields["preview"] = "1"
    status, _, page = send(browser, form_path, fields, figures, deadline)
    if status != 200:
        raise Failure(f"the preview answered {status}")
    form = post_form(page, "submission_token")
    if "send" not in form["buttons"]:
        raise Failure("the preview has no Send button")
    fields = {**form["fields"], "send": form["buttons"]["send"]}
    barrier = threading.Barrier(10)
    answers = []

    def one():
        barrier.wait()
        answers.append(send(browser, form_path, fields, figures, time.monotonic() + 90))

    threads = [threading.Thread(target=one) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = {CONFIRMED.match(location).group(1) if status == 302 and
             CONFIRMED.match(location) else f"{status} {location or page[:200]!r}"
             for status, location, page in answers}
    if len(codes) != 1 or not next(iter(codes)).startswith("APO-"):
        raise Failure(f"the 10 identical POSTs got different answers: {sorted(codes)}")
    return title, fields["submission_token"], codes.pop()


# --- the database: create, fill, check ----------------------------------------------------

def fresh_database(server_url, path, drops):
    """A database for this run only: the SQLite file ``path``, or a new database on the
    PostgreSQL server ``server_url`` (its drop is added to ``drops``)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from consulta.config import normalize_database_url

    if not server_url:
        return f"sqlite:///{path}"
    base = make_url(normalize_database_url(server_url))
    name = f"consulta_crash_{uuid.uuid4().hex[:12]}"
    # Create and drop from the server's maintenance database: the one named in the URL
    # (say /test) need not exist, the run makes its own anyway.
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    drops.append(drop)
    return base.set(database=name).render_as_string(hide_password=False)


def prepare(app, participants):
    """Migrate, then an open consultation with a published plan and confirmed accounts."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from consulta.accounts.models import User, UserRole
    from consulta.accounts.passwords import hash_password
    from consulta.consultations import operations
    from consulta.consultations.plan_import import parse_plan
    from consulta.core.dates import utcnow
    from consulta.extensions import db

    with app.app_context():
        upgrade()
    with app.test_request_context():
        now = utcnow()
        common = {"password_hash": hash_password(PASSWORD), "sector": "citizen",
                  "region": "cusco", "privacy_accepted_at": now, "privacy_version": "2026-11",
                  "email_confirmed_at": now, "created_at": now}
        secretariat = User(email="secretaria@carga.test", display_name="Secretaría",
                           **common)
        secretariat.roles.append(UserRole(role="secretariat", granted_at=now))
        db.session.add(secretariat)
        db.session.flush()
        consultation = operations.create_consultation(
            actor=secretariat, title="Consulta de prueba de resistencia", summary="Carga.",
            organizer="Secretaría de Gobierno Digital", scope="national", channels=["web"],
            opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30))
        plan = b'{"themes": [{"name": "Integridad", "commitments": [' \
               b'{"number": 1, "title": "Contrataciones abiertas"}]}]}'
        operations.import_plan(consultation, parse_plan(plan), actor=secretariat)
        operations.publish_plan_version(consultation, actor=secretariat)
        consultation.announced_at = now - timedelta(days=15)
        emails = [f"participante{n:03d}@carga.test" for n in range(participants)]
        db.session.execute(insert(User), [
            {"email": email, "display_name": f"Participante {n}", **common}
            for n, email in enumerate(emails)])
        db.session.commit()
        slug = consultation.slug
        db.session.remove()
        db.engine.dispose()
    return slug, emails


def check_sqlite_settings(app):
    """The app's SQLite connections: WAL, synchronous=FULL, busy timeout, foreign keys."""
    from sqlalchemy import text

    from consulta.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        settings = {name: conn.execute(text(f"PRAGMA {name}")).scalar()
                    for name in ("journal_mode", "synchronous", "busy_timeout",
                                 "foreign_keys")}
        db.engine.dispose()
    expected = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}
    if any(settings[k] != v for k, v in expected.items()) or settings["busy_timeout"] < 1000:
        raise Failure(f"SQLite settings are not the durable ones: {settings}")
    return settings


def stored_contributions(url, metadata):
    """({tracking code: (id, title, token)}, problems) of the database at ``url``: every
    contribution has a code, its search entry and exactly one receipt in the outbox
    (written in the same transaction), the consultation's tally counts them, and the
    database passes its integrity checks."""
    from sqlalchemy import create_engine, text

    problems = []
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, tracking_code, title, submission_token "
                                     "FROM contributions")).all()
            by_code = {row.tracking_code: row for row in rows}
            if None in by_code or len(by_code) != len(rows):
                problems.append("tracking codes are missing or repeated")
            receipts = {}
            for (subject,) in conn.execute(text("SELECT subject FROM outbox_messages")):
                found = re.search(r"APO-\d{4}-\d+", subject)
                if found:
                    receipts[found.group(0)] = receipts.get(found.group(0), 0) + 1
            wrong = [code for code in by_code if receipts.get(code) != 1]
            if wrong or len(receipts) != len(rows):
                problems.append(f"{len(wrong)} contributions without exactly one receipt in "
                                f"the outbox ({sum(receipts.values())} receipts for "
                                f"{len(rows)} contributions), e.g. {wrong[:3]}")
            # The tallies the triggers keep moved with every committed row, no more.
            tallied = dict(conn.execute(text(
                "SELECT consultation_id, received FROM contribution_tallies "
                "WHERE received <> 0")).all())
            counted = dict(conn.execute(text(
                "SELECT consultation_id, count(*) FROM contributions "
                "WHERE voided_at IS NULL GROUP BY consultation_id")).all())
            if tallied != counted:
                problems.append(f"contribution_tallies says {tallied} received, the rows "
                                f"{counted}")
            if conn.dialect.name == "sqlite":
                integrity = conn.execute(text("PRAGMA integrity_check")).scalars().all()
                if integrity != ["ok"]:
                    problems.append(f"PRAGMA integrity_check: {integrity[:5]}")
                dangling = conn.execute(text("PRAGMA foreign_key_check")).all()
                if dangling:
                    problems.append(f"PRAGMA foreign_key_check: {dangling[:5]}")
                unindexed = conn.execute(text(
                    "SELECT count(*) FROM contributions WHERE id NOT IN "
                    "(SELECT rowid FROM contributions_fts)")).scalar()
                indexed = conn.execute(text("SELECT count(*) FROM contributions_fts")).scalar()
                if unindexed or indexed != len(rows):
                    problems.append(f"search index: {indexed} entries for {len(rows)} "
                                    f"contributions, {unindexed} missing")
            else:
                problems += orphans(conn, metadata)
                unindexed = conn.execute(text(
                    "SELECT count(*) FROM contributions WHERE search_vector IS NULL")).scalar()
                if unindexed:
                    problems.append(f"{unindexed} contributions without a search vector")
    finally:
        engine.dispose()
    return by_code, problems


def check_run(by_code, figures, identical):
    """Every confirmed submission stored exactly once under its code; the ten identical
    POSTs made one row."""
    problems = []
    by_title = {}
    for code, row in by_code.items():
        by_title.setdefault(row.title, []).append(code)
    for title, code in figures.confirmed.items():
        stored = by_title.get(title, [])
        if stored != [code]:
            problems.append(f"{title!r} was confirmed as {code} but is stored as {stored}")
    duplicated = {title: codes for title, codes in by_title.items() if len(codes) > 1}
    if duplicated:
        problems.append(f"titles stored more than once: {list(duplicated.items())[:5]}")
    title, token, code = identical
    same = [c for c, row in by_code.items() if row.submission_token == token]
    if same != [code] or by_code[code].title != title:
        problems.append(f"the 10 identical POSTs made the rows {same}, answered {code}")
    return problems


def check_backup(backup, url, workdir, metadata, by_code, confirmed_before):
    """The backup taken under load restores, is intact, and holds what was confirmed
    before it started, each row as in the final database (checked already).

    SQLite restores into a new file; PostgreSQL over the run's database (--force, as
    `flask restore --force`), since creating and dropping databases on a busy server
    takes seconds each.
    """
    from consulta.core.backup import restore_database

    if url.startswith("sqlite"):
        url = f"sqlite:///{workdir / 'restored.db'}"
        restore_database(url, backup, metadata=metadata)
    else:
        restore_database(url, backup, metadata=metadata, force=True)
    copied, problems = stored_contributions(url, metadata)
    problems = [f"backup: {problem}" for problem in problems]
    if len(copied) < confirmed_before:
        problems.append(f"backup: {len(copied)} contributions, but {confirmed_before} were "
                        "confirmed before it started")
    changed = [code for code, row in copied.items() if by_code.get(code) != row]
    if changed:
        problems.append(f"backup: rows that differ from the database: {changed[:5]}")
    return len(copied), problems


def orphans(conn, metadata):
    """Rows whose foreign key names a row that does not exist, for every foreign key."""
    from sqlalchemy import text

    problems = []
    for table in metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            columns = [c.name for c in fk.columns]
            parent = fk.referred_table.name
            pairs = [(c, e.column.name) for c, e in zip(columns, fk.elements, strict=True)]
            on = " AND ".join(f'p."{pc}" = c."{cc}"' for cc, pc in pairs)
            present = " AND ".join(f'c."{cc}" IS NOT NULL' for cc, _ in pairs)
            count = conn.execute(text(
                f'SELECT count(*) FROM "{table.name}" c WHERE {present} AND NOT EXISTS '  # noqa: S608 - names from the models
                f'(SELECT 1 FROM "{parent}" p WHERE {on})')).scalar()
            if count:
                problems.append(f"{count} rows of {table.name} refer to missing {parent}")
    return problems


# --- main -----------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL",
                        help="a PostgreSQL server URL (a fresh database is made on it)")
    parser.add_argument("--submissions", type=int, default=3000,
                        help="how many to send (default 3000) unless --seconds run out")
    parser.add_argument("--seconds", type=float, default=55,
                        help="time for sending (default 55; CI budget: 90 s a run)")
    parser.add_argument("--clients", type=int, default=12)
    args = parser.parse_args()

    started = time.monotonic()
    # This process only prepares and checks; the server logs to its own files. (The app
    # configures logging at INFO unless something did before: the migrations' chatter.)
    logging.basicConfig(level=logging.ERROR)
    workdir = Path(tempfile.mkdtemp(prefix="consulta-crash-"))
    server, failed, drops = None, True, []
    try:
        from consulta import create_app
        from consulta.core.backup import backup_database
        from consulta.extensions import db

        url = fresh_database(args.postgres, workdir / "consulta.db", drops)
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("FLASK_", "CONSULTA_", "RATELIMIT_", "MAIL_"))}
        env.update({
            "CONSULTA_ENV": "production",
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(32),  # the same across restarts: sessions survive
            "TRUSTED_HOSTS": HOST,
            "PROXY_COUNT": "1",  # the clients add X-Forwarded-For/-Proto as nginx would
            # Production limits are 20 contributions per account per hour: this run sends
            # far more on purpose. The limiter stays on (its code runs on every request);
            # the limits themselves are tested in tests/contributions/test_views_protections.py.
            "RATELIMIT_SUBMIT_ACCOUNT": "100000 per hour",
            "RATELIMIT_SUBMIT_IP": "100000 per hour",
            "PUBLIC_PAGE_CACHE_SECONDS": "20",
            # Two workers share their rate-limit counters and page cache through Redis, as
            # production must (the app refuses memory:// with several workers); each run
            # keys its own entries, so the SQLite and PostgreSQL runs of CI never meet.
            "REDIS_URL": os.environ.get("CRASH_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "CACHE_KEY_PREFIX": f"consulta-crash-{workdir.name}:",
            "RATELIMIT_KEY_PREFIX": f"consulta-crash-{workdir.name}",
        })
        app = create_app(environ=env)
        slug, emails = prepare(app, args.clients + 1)
        sqlite_settings = check_sqlite_settings(app) if url.startswith("sqlite") else None
        print(f"database ready ({'PostgreSQL' if args.postgres else 'SQLite'}): "
              f"{len(emails)} participants, {time.monotonic() - started:.1f} s", flush=True)

        server = Server(env, workdir)
        server.start()
        form_path = f"/consultations/{slug}/proposals/new"
        run_id = uuid.uuid4().hex[:6]
        figures, errors = Figures(), []
        threads = [threading.Thread(target=client, daemon=True, args=(
            Browser(server, f"10.0.{n // 250}.{n % 250 + 1}"), emails[n], form_path,
            args.submissions, figures, run_id, errors)) for n in range(args.clients)]
        load_started = time.monotonic()
        for thread in threads:
            thread.start()
        events, phases = [], []

        def when(fraction):
            """Once that fraction of the submissions is confirmed, or of the time spent, and
            at least MIN_PER_PHASE since the last event (a slow machine takes longer)."""
            floor = (phases[-1] if phases else 0) + MIN_PER_PHASE
            while (len(figures.confirmed) < floor
                   or (len(figures.confirmed) < args.submissions * fraction
                       and time.monotonic() < load_started + args.seconds * fraction)):
                if not any(t.is_alive() for t in threads):
                    raise Failure("the clients stopped before the end: "
                                  + ("; ".join(errors[:3]) or "too few submissions planned"))
                time.sleep(0.02)
            return len(figures.confirmed)

        def restart(sig):
            server.stop(sig)
            begun = time.monotonic()
            time.sleep(0.5)  # clients find the port closed for a moment
            server.start()
            return time.monotonic() - begun

        when(0.15)
        identical = identical_posts(Browser(server, "10.1.0.1"), emails[-1], form_path,
                                    run_id, figures)
        events.append(f"10 identical POSTs → {identical[2]}")
        phases.append(when(0.3))
        events.append(f"SIGKILL of worker {server.kill_worker()} at {phases[-1]} confirmed")
        phases.append(when(0.5))
        events.append(f"SIGTERM of the server at {phases[-1]} (back after "
                      f"{restart(signal.SIGTERM):.1f} s)")
        when(0.6)
        backup, confirmed_before_backup = workdir / "under-load.backup", len(figures.confirmed)
        backup_started = time.monotonic()
        backup_size = backup_database(url, backup)  # what `flask backup` does
        events.append(f"backup at {confirmed_before_backup} ({backup_size // 1024} KiB in "
                      f"{time.monotonic() - backup_started:.1f} s)")
        phases.append(when(0.75))
        events.append(f"SIGKILL of the master and workers at {phases[-1]} (back after "
                      f"{restart(signal.SIGKILL):.1f} s)")
        phases.append(when(1.0))
        figures.stop.set()
        for thread in threads:
            thread.join()
        load_time = time.monotonic() - load_started
        phases[-1] = len(figures.confirmed)
        # Confirmed before the worker kill, after it, after each restart.
        per_phase = [b - a for a, b in zip([0, *phases], phases, strict=False)]
        server.stop(signal.SIGTERM)
        if errors:
            raise Failure("clients failed: " + "; ".join(errors[:5]))

        by_code, problems = stored_contributions(url, db.metadata)
        problems += check_run(by_code, figures, identical)
        in_backup, backup_problems = check_backup(backup, url, workdir, db.metadata,
                                                  by_code, confirmed_before_backup)
        problems += backup_problems
        logged_errors = server.errors_logged()
        print("events: " + "; ".join(events))
        print(f"submissions: {figures.next_index} sent (of {args.submissions} planned, "
              f"{args.seconds:.0f} s at most) by {args.clients} clients, "
              f"{len(figures.confirmed)} confirmed, {len(by_code)} stored (with the 10 "
              f"identical POSTs' one), {len(figures.gave_up)} never answered, "
              f"{len(figures.unexpected)} refused; {figures.retries} retries after "
              f"{figures.connection_errors} connection errors and {figures.server_errors} "
              f"5xx answers; load {load_time:.1f} s "
              f"({len(figures.confirmed) / load_time:.0f} confirmed/s), "
              f"total {time.monotonic() - started:.1f} s")
        print(f"backup taken under load: restored, {in_backup} contributions "
              f"({confirmed_before_backup} confirmed when it started)")
        if sqlite_settings:
            print(f"SQLite settings: {sqlite_settings}")
        print("confirmed per phase (start, after the worker kill, after the SIGTERM restart, "
              f"after the SIGKILL restart): {per_phase}")
        if figures.unexpected:
            problems.append(f"{len(figures.unexpected)} submissions refused, e.g. "
                            f"{figures.unexpected[:3]}")
        if figures.gave_up:
            problems.append(f"{len(figures.gave_up)} submissions never got an answer "
                            f"within 90 s, e.g. {figures.gave_up[:3]}")
        if figures.server_errors or logged_errors:
            problems.append(f"{figures.server_errors} answers were 5xx; the server logged: "
                            + "\n".join(logged_errors[:3]))
        if problems:
            raise Failure("\n".join(problems))
        print("crash safety: OK")
        failed = False
        return 0
    except Failure as failure:
        print(f"crash safety FAILED: {failure}", file=sys.stderr)
        if server is not None:
            print(f"--- last lines of the server log:\n{server.log_tail()}", file=sys.stderr)
        return 1
    finally:
        cleanup_started = time.monotonic()
        if server is not None:
            server.stop(signal.SIGKILL)
        for drop in drops:
            drop()
        print(f"cleaned up in {time.monotonic() - cleanup_started:.1f} s", flush=True)
        if failed:
            print(f"server logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
