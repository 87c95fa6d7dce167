"""Time (or profile) publishing a summary snapshot of a generated database, in process.

    python benchmarks/publish.py sqlite:////work/bench/mine.db
    python benchmarks/publish.py sqlite:////work/bench/mine.db --repeat 3 --profile
    python benchmarks/publish.py postgresql://postgres@127.0.0.1/bench50 --fingerprint

Works on a database made by ``generate.py``: publishes the next version of its
consultation through the real operation (``publish_summary``) as the secretariat (p1),
then rolls back, so that every run publishes the same version of the same data (pass
``--commit`` to keep it). Prints, per run, the wall and CPU time, the 1-minute load
average before and after, the CPU time of the slices' processes (summary/sealing.py),
the growth of the process's peak RSS, the machine's speed before the run (host.py) and,
on Linux, how long the machine's cores were busy during it (every process's work, the
database server's included: on 2 cores, close to twice the wall time when the
publication is bound by the cores).

``--fingerprint`` replaces the random salts by a counter and the clock by a fixed
moment, and prints SHA-256 fingerprints of what was written (the snapshot's digest and
content, every row's data, digest and salt as stored): two versions of the code that
publish the same bytes print the same fingerprints, so a faster publication can be
compared with the code before it on a real 50,000-row database. Rows sealed in slices
(``--processes`` 2 or more) draw their salts in processes of their own, each counting
from the same point: there ``rows_data`` (positions and data), ``content`` and
``digest_verified`` (the digest recomputed from the stored rows and salts) compare
with one process, ``digest`` and ``rows`` do not.
"""

import argparse
import hashlib
import os
import resource
import sys
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: When ``--fingerprint`` publishes: this long after the consultation closed (any
#: fixed moment after it would do; microseconds so that their encoding is compared).
AFTER_CLOSING = timedelta(days=1, seconds=1, microseconds=123456)


def _children_cpu():
    """CPU seconds of the processes this one forked and has waited for (the slices)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _deterministic(stack, consultation):
    """Fixed salts (a counter) and a fixed clock for the operation, for ``--fingerprint``."""
    import consulta.summary.operations as operations

    now = consultation.closes_at + AFTER_CLOSING
    counter = iter(range(1, 10**9))
    stack.enter_context(mock.patch("secrets.token_hex",
                                   lambda nbytes=16: f"{next(counter):0{nbytes * 2}x}"))
    stack.enter_context(mock.patch.object(operations, "utcnow", lambda: now))


def _fingerprints(snapshot):
    """SHA-256 of the snapshot's digest and content, and of its rows as stored."""
    from sqlalchemy import select

    from consulta.extensions import db
    from consulta.summary.digest import canonical
    from consulta.summary.models import SummaryRow
    from consulta.summary.queries import recompute_digest

    rows, data_only = hashlib.sha256(), hashlib.sha256()
    for position, data, digest, salt in db.session.execute(
            select(SummaryRow.position, SummaryRow.data, SummaryRow.digest, SummaryRow.salt)
            .where(SummaryRow.snapshot_id == snapshot.id).order_by(SummaryRow.position)):
        rows.update(f"{position}\t{canonical(data)}\t{digest}\t{salt}\n".encode())
        data_only.update(f"{position}\t{canonical(data)}\n".encode())
    content = hashlib.sha256(canonical(snapshot.content).encode()).hexdigest()
    return {"digest": snapshot.digest, "content": content, "rows": rows.hexdigest(),
            "rows_data": data_only.hexdigest(),
            "digest_verified": recompute_digest(snapshot) == snapshot.digest,
            "row_count": snapshot.row_count}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--repeat", type=int, default=1, help="publications, one by one")
    parser.add_argument("--profile", action="store_true", help="pyinstrument, last run")
    parser.add_argument("--fingerprint", action="store_true",
                        help="fixed salts and clock; print what was written")
    parser.add_argument("--commit", action="store_true", help="keep the last version")
    parser.add_argument("--processes", type=int, default=None,
                        help="SUMMARY_PUBLISH_PROCESSES (default: the app's)")
    args = parser.parse_args()

    # benchmarks/ is this script's folder on sys.path
    from host import busy_cpu_seconds, loop_seconds

    from consulta import create_app
    from consulta.extensions import db
    from consulta.models import Consultation, User
    from consulta.summary.operations import publish_summary

    settings = {"SQLALCHEMY_DATABASE_URI": args.database_url}
    if args.processes is not None:
        settings["SUMMARY_PUBLISH_PROCESSES"] = args.processes
    app = create_app(settings,
                     environ={"CONSULTA_ENV": "testing"})
    with app.test_request_context():
        db.session.get(Consultation, 1)  # connect, import and compile before measuring
        db.session.rollback()
        for run in range(1, args.repeat + 1):
            consultation = db.session.get(Consultation, 1)
            actor = db.session.get(User, 1)
            load, host_loop = os.getloadavg()[0], loop_seconds()
            rss = _peak_rss_mb()
            profiler = None
            if args.profile and run == args.repeat:
                from pyinstrument import Profiler
                profiler = Profiler(interval=0.001)
                profiler.start()
            with ExitStack() as stack:
                if args.fingerprint:
                    _deterministic(stack, consultation)
                wall, cpu = time.perf_counter(), time.process_time()
                slices, machine = _children_cpu(), busy_cpu_seconds()
                snapshot = publish_summary(consultation, actor=actor)
                db.session.flush()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                slices = _children_cpu() - slices
                if machine is not None:
                    machine = busy_cpu_seconds() - machine
            if profiler is not None:
                profiler.stop()
            print(f"run {run}: {snapshot.row_count} rows, wall {wall:.2f} s, CPU "
                  f"{cpu:.2f} s (+ {slices:.2f} s in the slices' processes), load "
                  f"{load:.1f} → {os.getloadavg()[0]:.1f}, peak RSS "
                  f"+{_peak_rss_mb() - rss:.0f} MB; a loop of 3 million additions "
                  f"(host.py) {host_loop:.2f} s", flush=True)
            if machine is not None:
                print(f"  the machine's cores busy {machine:.2f} s of the "
                      f"{os.cpu_count() * wall:.2f} s they had (every process, the "
                      f"database server's too)", flush=True)
            if args.fingerprint:
                for key, value in _fingerprints(snapshot).items():
                    print(f"  {key}: {value}")
            if args.commit and run == args.repeat:
                # The user waits for the commit too: on SQLite it may copy the
                # write-ahead log into the database (its automatic checkpoint).
                commit = time.perf_counter()
                db.session.commit()
                print(f"  committed in {time.perf_counter() - commit:.2f} s", flush=True)
            else:
                db.session.rollback()
            if profiler is not None:
                print(profiler.output_text(unicode=False, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CONSULTA_ENV", "testing")
    sys.exit(main())
