"""CPU time, queries and bytes per page, in process, for every role and page.

    python benchmarks/inprocess.py sqlite:////tmp/bench50.db
    python benchmarks/inprocess.py postgresql://postgres@127.0.0.1/bench50 --json pg-50k
    python benchmarks/inprocess.py sqlite:////tmp/bench50.db --page feedback --requests 20

Works on a database made by ``generate.py``. It gives staff roles to a few of its
participants (p2 moderator, p3 administrator; p1 is the secretariat, p5 a member of an
organization, p6 the reporter of some commitments of the final plan), logs in as each
role through the real login form, and requests every page that role uses: ``median CPU
ms`` is ``time.process_time`` per request, the median of ``--requests`` requests after
``--warmup`` ones, with the page cache off.
A bare route in the same app, through the same stack, is the in-process ceiling.
``--json LABEL`` appends the figures, with the load average, to benchmarks/results.json.

To measure a new page, add a line to ``PAGES``: the role that uses it, a name and the
path, where ``{slug}``, ``{proposal}`` (a proposal with comments), ``{contribution}``
(an unclassified contribution), ``{group}``, ``{organization}``, ``{event}``, and for
the follow-up ``{commitment}`` (one with two published reports), ``{report}`` (its
latest), ``{draft}`` (the reporter's draft report) and ``{setup_commitment}`` (the one
with the most milestones, whose set-up page is the longest) are filled from the database.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

PASSWORD = "benchmark-password-2026"  # noqa: S105 (generate.py sets it)
#: The account of each role (generate.py's participants, numbered from 1).
ACCOUNTS = {"participant": 4, "organization": 5, "moderator": 2, "secretariat": 1,
            "administrator": 3, "reporter": 6}
#: (role, name, path): every page a role uses. Roles: anonymous, participant,
#: organization, moderator, secretariat, administrator.
PAGES = [
    ("anonymous", "bare", "/__bench_bare"),
    ("anonymous", "home", "/"),
    ("anonymous", "consultations", "/consultations"),
    ("anonymous", "consultation", "/consultations/{slug}"),
    ("anonymous", "plan", "/consultations/{slug}/plan"),
    ("anonymous", "list", "/consultations/{slug}/contributions"),
    ("anonymous", "list_filtered", "/consultations/{slug}/contributions?kind=proposal"
     "&sector=academia"),
    ("anonymous", "search", "/consultations/{slug}/contributions?q=participacion"),
    ("anonymous", "proposal", "/contributions/{proposal}"),
    ("anonymous", "summary", "/consultations/{slug}/summary"),
    ("anonymous", "events", "/consultations/{slug}/events"),
    ("anonymous", "organizations", "/organizations"),
    ("anonymous", "api_list", "/api/v1/consultations/{slug}/contributions"),
    ("anonymous", "api_consultation", "/api/v1/consultations/{slug}"),
    ("participant", "home", "/"),
    ("participant", "consultation", "/consultations/{slug}"),
    ("participant", "list", "/consultations/{slug}/contributions"),
    ("participant", "proposal", "/contributions/{proposal}"),
    ("participant", "mine", "/my/contributions"),
    ("participant", "profile", "/account"),
    ("organization", "organization", "/organizations/{organization}"),
    ("organization", "members", "/organizations/{organization}/members"),
    ("organization", "list", "/consultations/{slug}/contributions"),
    ("moderator", "moderation_home", "/moderation"),
    ("moderator", "queue", "/consultations/{slug}/moderation"),
    ("moderator", "queue_unclassified", "/consultations/{slug}/moderation?state=unclassified"),
    ("moderator", "classification", "/moderation/{contribution}"),
    ("moderator", "groups", "/consultations/{slug}/moderation/groups"),
    ("moderator", "group", "/moderation/groups/{group}"),
    ("moderator", "audit", "/consultations/{slug}/moderation/audit"),
    ("moderator", "organizations_review", "/moderation/organizations"),
    ("moderator", "offline_new", "/consultations/{slug}/contributions/offline/new"),
    ("moderator", "event", "/consultations/{slug}/events/{event}/edit"),
    ("moderator", "proposal", "/contributions/{proposal}"),
    ("secretariat", "manage", "/consultations/{slug}/manage"),
    ("secretariat", "manage_plan", "/consultations/{slug}/plan/manage"),
    ("secretariat", "windows", "/consultations/{slug}/windows"),
    ("secretariat", "phases", "/consultations/{slug}/phases"),
    ("secretariat", "components", "/consultations/{slug}/components"),
    ("secretariat", "edit", "/consultations/{slug}/edit"),
    ("secretariat", "feedback", "/consultations/{slug}/feedback"),
    ("secretariat", "respond", "/feedback/contributions/{contribution}"),
    ("secretariat", "respond_group", "/feedback/groups/{group}"),
    ("secretariat", "matrix", "/consultations/{slug}/matrix"),
    ("secretariat", "templates", "/consultations/{slug}/feedback/templates"),
    ("secretariat", "summary_manage", "/consultations/{slug}/summary/manage"),
    ("administrator", "admin_users", "/admin/users"),
    ("administrator", "admin_outbox", "/admin/outbox"),
    # Staff start page; offline participation (issue 20); the typed-in authors' rights.
    ("moderator", "staff_home", "/staff"),
    ("secretariat", "staff_home", "/staff"),
    ("anonymous", "track", "/track"),
    ("anonymous", "track_code", "/track?code={proposal}"),
    ("moderator", "import", "/consultations/{slug}/contributions/import"),
    ("moderator", "assisted_new", "/consultations/{slug}/contributions/assisted/new"),
    ("secretariat", "to_notify", "/consultations/{slug}/to-notify"),
    ("secretariat", "offline_authors", "/offline-authors?q=ana"),
    # After the consultation: the final plan and the follow-up of its commitments.
    ("anonymous", "final_plan", "/consultations/{slug}/final-plan"),
    ("anonymous", "final_plan_commitment", "/consultations/{slug}/final-plan/commitments/1"),
    ("anonymous", "tracking", "/consultations/{slug}/follow-up"),
    ("anonymous", "followup_commitment",
     "/consultations/{slug}/follow-up/commitments/{commitment}"),
    ("anonymous", "report", "/consultations/{slug}/follow-up/reports/{report}"),
    ("anonymous", "forum", "/consultations/{slug}/forum"),
    ("anonymous", "api_final_plan", "/api/v1/consultations/{slug}/final-plan"),
    ("anonymous", "api_progress", "/api/v1/consultations/{slug}/progress"),
    ("secretariat", "followup_manage", "/consultations/{slug}/follow-up/manage"),
    ("secretariat", "followup_commitment_setup",
     "/consultations/{slug}/follow-up/manage/commitments/{setup_commitment}"),
    ("secretariat", "forum_manage", "/consultations/{slug}/forum/manage"),
    ("reporter", "my_commitments", "/follow-up/my-commitments"),
    ("reporter", "report_edit", "/consultations/{slug}/follow-up/manage/reports/{draft}"),
]
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def prepare(app):
    """Staff roles and a membership for the benchmark accounts; the path values."""
    from sqlalchemy import func, select

    from consulta.accounts.models import Membership, User, UserRole
    from consulta.consultations.models import Consultation, Event
    from consulta.contributions.models import Contribution, ContributionGroup
    from consulta.extensions import db
    from consulta.followup.models import Milestone, ProgressReport

    with app.app_context():
        session = db.session
        now = datetime.now(UTC)
        for role, user_id in (("moderator", ACCOUNTS["moderator"]),
                              ("admin", ACCOUNTS["administrator"])):
            # Platform-wide roles (entity_id NULL): one row per account and role.
            if not session.scalar(select(UserRole).where(
                    UserRole.user_id == user_id, UserRole.role == role,
                    UserRole.entity_id.is_(None))):
                session.add(UserRole(user_id=user_id, role=role, granted_at=now))
        member = ACCOUNTS["organization"]
        if not session.scalar(select(Membership).where(Membership.user_id == member)):
            session.add(Membership(user_id=member, organization_id=1, status="approved",
                                   is_admin=True, requested_at=now, decided_at=now))
        session.commit()
        consultation = session.scalar(select(Consultation).order_by(Consultation.id))
        commented = session.scalar(
            select(Contribution.parent_id).where(Contribution.parent_id.is_not(None))
            .group_by(Contribution.parent_id).order_by(func.count().desc()).limit(1))
        proposal = commented or session.scalar(
            select(Contribution.id).where(Contribution.kind == "proposal").limit(1))
        unclassified = session.scalar(
            select(Contribution.tracking_code).where(Contribution.classified_at.is_(None),
                                                     Contribution.group_id.is_(None))
            .order_by(Contribution.id).limit(1))
        values = {
            "slug": consultation.slug,
            "proposal": session.get(Contribution, proposal).tracking_code,
            "contribution": unclassified,
            "group": session.scalar(select(func.min(ContributionGroup.id))),
            "organization": session.scalar(select(Membership.organization_id)
                                           .where(Membership.user_id == member)),
            "event": session.scalar(select(func.min(Event.id))),
        }
        # The follow-up (generate.py writes it): a commitment with the most published
        # reports, its latest report, and the reporter's draft.
        reported = session.execute(
            select(ProgressReport.commitment_id, func.max(ProgressReport.id))
            .where(ProgressReport.state == "published")
            .group_by(ProgressReport.commitment_id)
            .order_by(func.count().desc(), ProgressReport.commitment_id).limit(1)).first()
        if reported:
            values["commitment"], values["report"] = reported
        values["draft"] = session.scalar(select(func.min(ProgressReport.id)).where(
            ProgressReport.state == "draft"))
        values["setup_commitment"] = session.scalar(
            select(Milestone.commitment_id).group_by(Milestone.commitment_id)
            .order_by(func.count().desc(), Milestone.commitment_id).limit(1))
        users = {role: session.get(User, user_id).email for role, user_id in ACCOUNTS.items()}
    return values, users


def bench_app(database_url):
    """The app on a generated database, as the benchmarks measure it: the page cache
    and the figures' cache off, no rate limits."""
    from consulta import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                       "PUBLIC_PAGE_CACHE_SECONDS": 0, "PUBLIC_FIGURES_CACHE_SECONDS": 0,
                       "RATELIMIT_ENABLED": False},
                      environ={"CONSULTA_ENV": "testing"})


def selected_pages(app, roles=(), names=(), skip=()):
    """``(role, name, client, path)`` of each page of ``PAGES`` asked for (``roles``;
    ``names``: parts of their names), each role's client logged in once (``prepare``
    first). A page whose values the database does not have is said and left out.

    :param skip: names of pages to leave out.
    """
    values, users = prepare(app)
    clients = {}
    for role, name, template in PAGES:
        if name in skip or (roles and role not in roles):
            continue
        if names and not any(part in name for part in names):
            continue
        if role not in clients:
            clients[role] = app.test_client()
            if role != "anonymous":
                login(clients[role], users[role])
        try:
            path = template.format(**values)
        except KeyError as missing:  # a database from before generate.py wrote it
            print(f"{role:13} {name:22} skipped: no {missing} in this database")
            continue
        yield role, name, clients[role], path


def login(client, email):
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"could not log in as {email}: {response.status_code}")


def measure(app, client, path, requests, warmup, show_sql=False):
    from sqlalchemy import event

    from consulta.extensions import db

    for _ in range(warmup):
        response = client.get(path)
    with app.app_context():
        engine = db.engine
    statements = []

    def count(conn, cursor, statement, *args, **kwargs):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    response = client.get(path)
    event.remove(engine, "before_cursor_execute", count)
    if show_sql:
        for statement in statements:
            print("   ", " ".join(statement.split())[:int(os.environ.get("SQL_WIDTH", 300))])
    cpu = []
    server_before = _server_cpu(engine)
    for _ in range(requests):
        start = time.process_time()
        client.get(path).close()
        cpu.append((time.process_time() - start) * 1000)
    figures = {"cpu_ms": round(statistics.median(cpu), 2), "queries": len(statements),
               "bytes": len(response.data), "status": response.status_code}
    if server_before is not None:
        figures["server_cpu_ms"] = round(
            (_server_cpu(engine) - server_before) * 1000 / requests, 2)
    return figures


#: The PostgreSQL backends of the app's connections, by the pool's connection records.
_BACKENDS = set()


def follow_backends(engine):
    """PostgreSQL on this machine: note the server process of each connection the app
    opens, so that ``_server_cpu`` can read the CPU time the server spent for it (the
    planning and execution of every statement, which ``time.process_time`` misses)."""
    from sqlalchemy import event

    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _note(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        _BACKENDS.add(cursor.fetchone()[0])
        cursor.close()
        dbapi_connection.rollback()

    engine.dispose()


def _server_cpu(engine):
    """The CPU seconds (user and system) the app's PostgreSQL backends have used, from
    /proc; None on SQLite, or when the server's processes cannot be read here."""
    if engine.dialect.name != "postgresql" or not _BACKENDS:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in list(_BACKENDS):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a connection closed since: its time is no longer counted
            _BACKENDS.discard(pid)
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (after the name)
    return total / ticks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--page", action="append", default=[],
                        help="only pages whose name contains this (repeatable)")
    parser.add_argument("--role", action="append", default=[], help="only this role")
    parser.add_argument("--sql", action="store_true", help="print each page's statements")
    parser.add_argument("--json", metavar="LABEL", help="append to benchmarks/results.json")
    args = parser.parse_args()

    from host import loop_seconds  # benchmarks/ is this script's folder on sys.path

    app = bench_app(args.database_url)
    app.add_url_rule("/__bench_bare", "bench_bare", lambda: "ok")
    with app.app_context():
        from consulta.extensions import db

        follow_backends(db.engine)
    load_before = os.getloadavg()[0]
    host_loop = loop_seconds()
    results = []
    for role, name, client, path in selected_pages(app, args.role, args.page):
        figures = measure(app, client, path, args.requests, args.warmup,
                          args.sql)
        results.append({"role": role, "page": name, "path": path, **figures})
        server = (f"  server {figures['server_cpu_ms']:6.1f} ms"
                  if "server_cpu_ms" in figures else "")
        print(f"{role:13} {name:22} {figures['cpu_ms']:8.1f} ms {figures['queries']:4} q "
              f"{figures['bytes']:9,} B  {figures['status']}{server}", flush=True)
    load_after = os.getloadavg()[0]
    print(f"load average (1 min): {load_before:.1f} before, {load_after:.1f} after; "
          f"a loop of 3 million additions (host.py): {host_loop:.2f} s")
    if args.json:
        path = HERE / "results.json"
        stored = json.loads(path.read_text()) if path.exists() else []
        stored.append({
            "label": args.json, "kind": "inprocess",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": args.database_url.split(":", 1)[0],
            "requests": args.requests, "load_before": load_before,
            "load_after": load_after, "host_loop_s": host_loop, "pages": results})
        path.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CONSULTA_ENV", "testing")
    sys.exit(main())
