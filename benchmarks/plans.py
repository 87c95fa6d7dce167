"""The database server's time per page on PostgreSQL: planning and execution of every
statement a page sends, the side of a request that ``inprocess.py`` does not count.

    python benchmarks/plans.py postgresql://postgres@127.0.0.1/bench50
    python benchmarks/plans.py postgresql://postgres@127.0.0.1/bench50 --page list --top 3

Works on a database made by ``generate.py``, with the pages and roles of
``inprocess.py`` (same accounts, same logins, page cache off). For each page it records
the statements one request sends, with their parameters, then runs ``EXPLAIN (ANALYZE,
SUMMARY, FORMAT JSON)`` of each ``--repeat`` times in a transaction that is rolled back,
and prints per page the median planning and execution milliseconds summed over its
statements; ``--top N`` also prints the N statements that cost the most. The in-process
CPU figure counts Python only: a statement PostgreSQL takes 14 ms to plan on every
request (the list's, until 2026-12-06) is the database server's CPU, on the same cores
as the workers under load, and shows only here and in wrk.

Only reads are explained: a statement that writes (a login's ``UPDATE``, a session's
``INSERT``) is left out.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import inprocess  # noqa: E402 (the pages, the accounts and the login of the benchmark)


def statements_of(app, client, path):
    """The read statements one request of ``path`` sends, with their parameters, as
    the driver gets them."""
    from sqlalchemy import event

    from consulta.extensions import db

    client.get(path).close()  # warm: what is built once is not counted
    with app.app_context():
        engine = db.engine
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and not executemany:
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(path).close()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent


def explained(app, sent, repeat):
    """[(planning ms, execution ms, statement)], the median of ``repeat`` runs each."""
    from consulta.extensions import db

    out = []
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            for statement, parameters in sent:
                planning, execution = [], []
                for _ in range(repeat):
                    cursor.execute("EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) " + statement,
                                   parameters)
                    plan = cursor.fetchone()[0][0]
                    planning.append(plan["Planning Time"])
                    execution.append(plan["Execution Time"])
                out.append((statistics.median(planning), statistics.median(execution),
                            statement))
            connection.rollback()
        finally:
            connection.close()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--repeat", type=int, default=7, help="EXPLAIN runs per statement")
    parser.add_argument("--page", action="append", default=[],
                        help="only pages whose name contains this (repeatable)")
    parser.add_argument("--role", action="append", default=[], help="only this role")
    parser.add_argument("--top", type=int, default=0,
                        help="print each page's N costliest statements")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("EXPLAIN (ANALYZE, SUMMARY) is PostgreSQL's: give a PostgreSQL URL")

    app = inprocess.bench_app(args.database_url)
    print(f"{'role':13} {'page':26} {'planning':>9} {'execution':>10} {'statements':>11}")
    for role, name, client, path in inprocess.selected_pages(app, args.role, args.page,
                                                             skip=("bare",)):
        costs = explained(app, statements_of(app, client, path), args.repeat)
        print(f"{role:13} {name:26} {sum(c[0] for c in costs):7.1f} ms "
              f"{sum(c[1] for c in costs):7.1f} ms {len(costs):>11}")
        for planning, execution, statement in sorted(costs, key=lambda c: -(c[0] + c[1]))[
                :args.top]:
            width = int(os.environ.get("SQL_WIDTH", 110))
            print(f"    {planning:6.1f} + {execution:6.1f} ms  "
                  f"{' '.join(statement.split())[:width]}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CONSULTA_ENV", "testing")
    sys.exit(main())
