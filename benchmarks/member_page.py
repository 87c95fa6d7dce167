"""CPU per request of a page a participant (or a visitor) gets from the cache, in process.

    python benchmarks/member_page.py postgresql://postgres@127.0.0.1/bench50 --page detail
    python benchmarks/member_page.py sqlite:////tmp/bench50.db --page list --requests 0

The app runs with production's settings (the page cache on, in process; HTTPS, as the
session cookie requires) on a database made by ``generate.py``, logs in as its participant
p4 through the real form (not with ``--anonymous``) and requests one page: ``detail`` (a
comment), ``list`` or ``summary``. It prints the CPU time per request
(``time.process_time``) of five runs of ``--requests`` requests each, after ``--warmup``
ones: the median and the minimum (the run least disturbed by the rest of the machine).
Python's CPU only: on PostgreSQL the server's share of the account's statement runs in
its own process.

On a machine whose speed varies from minute to minute, count instructions instead:
valgrind's callgrind counts the same total for the same code and input, whatever else
runs. Run it twice, with 0 and with N requests, and divide the difference by 5 × N:

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/member_page.py DB --warmup 20 --requests 40 \\
        --keep-seconds 3600 --no-host-loop

(about 60 s for the start and 14 s for 200 requests of a kept page; ``--no-host-loop``
skips host.py's loop, 10 G instructions and minutes under callgrind, whose seconds mean
nothing there; a run that times it times it before the warm-up, with or without
requests, so that it cancels out of the difference anyway). Under callgrind a
request takes fifty times as long: with production's 20 s the kept page expires during
the run and is rendered again, at moments that differ from run to run, and each render
moves the count per request by about a tenth; hence ``--keep-seconds``. And run it once
before the two counted runs: the first process in a fresh checkout compiles the
translation catalogs into ``instance/`` (about 0.3 G instructions), which the difference
would otherwise take from the requests.
"""

import argparse
import os
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAGES = {"detail": "/contributions/{code}",
         "list": "/consultations/consulta-nacional/contributions",
         "summary": "/consultations/consulta-nacional/summary"}
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--page", choices=sorted(PAGES), default="detail")
    parser.add_argument("--requests", type=int, default=1000, help="per run (five runs)")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--anonymous", action="store_true",
                        help="without logging in: the whole page from the cache")
    parser.add_argument("--no-host-loop", action="store_true",
                        help="do not time host.py's loop (under callgrind)")
    parser.add_argument("--keep-seconds", type=int, default=20,
                        help="the page cache's time to live (production's: 20); under "
                             "callgrind, longer than the run, or pages expire and are "
                             "rendered again at times that change from run to run")
    args = parser.parse_args()
    os.environ.update({
        "CONSULTA_ENV": "production", "DATABASE_URL": args.database_url,
        "SECRET_KEY": secrets.token_hex(32), "TRUSTED_HOSTS": "localhost",
        "AUTO_MIGRATE": "0", "MAIL_SERVER": "", "RATELIMIT_ENABLED": "0",
        "PUBLIC_PAGE_CACHE_SECONDS": str(args.keep_seconds)})
    from host import loop_seconds  # benchmarks/ is this script's folder on sys.path

    from consulta import create_app

    client = create_app().test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "localhost",
                                "HTTP_USER_AGENT": "consulta-benchmark"})
    if not args.anonymous:
        log_in(client)
    listing = client.get("/api/v1/consultations/consulta-nacional/contributions"
                         "?per_page=1&page=2000").get_json()
    path = PAGES[args.page].format(code=listing["contributions"][0]["tracking_code"])
    # Read in every run, with or without requests: a callgrind count of the requests is
    # the difference between two runs, and the loop's instructions cancel out in it.
    host_loop = None if args.no_host_loop else loop_seconds()
    for _ in range(args.warmup):
        client.get(path).close()
    runs = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(args.requests):
            client.get(path).close()
        runs.append((time.process_time() - start) * 1000 / max(args.requests, 1))
    if args.requests:
        print(f"{path}: CPU ms per request, median {statistics.median(runs):.3f}, "
              f"minimum {min(runs):.3f} ({', '.join(f'{run:.3f}' for run in runs)}); "
              f"load {os.getloadavg()[0]:.2f}; a loop of 3 million additions (host.py) "
              + (f"{host_loop:.2f} s" if host_loop is not None else "not timed"))


def log_in(client):
    """Log in as p4 through the real form, and see the welcome message once."""
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    answer = client.post("/login", data={
        "email": "p4@bench.example", "password": "benchmark-password-2026",
        "csrf_token": token}, headers={"Referer": "https://localhost/login"})
    if answer.status_code != 302:
        raise SystemExit(f"could not log in: {answer.status_code}")
    client.get(answer.headers["Location"])  # the welcome message, shown and gone


if __name__ == "__main__":
    main()
