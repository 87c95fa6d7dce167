"""Load the public pages of a generated database under gunicorn and report.

    python benchmarks/run.py sqlite:///instance/bench.db --label sqlite-50k \
        --redis redis://127.0.0.1:6379/0

Starts gunicorn (2 sync workers) for Consulta, its page cache in Redis as production
keeps it (``--redis``; without it, in each worker's memory), and for a bare Flask
"hello" (the ceiling of the machine, measured in the same run), loads each page with wrk
(concurrency 8, fixed duration) from a second process, and measures in-process the
SQL queries per request, the page weight, the time to publish a summary snapshot
and the time and peak memory of a full CSV export. Results are appended to
benchmarks/results.json and printed as a Markdown table.
"""

import argparse
import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent


def gunicorn(app_path, port, env):
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", "2", "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app_path],
        cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return process
        except Exception:  # not up yet
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn on {port} did not start: {process.stderr.read()[-2000:]}")


#: The user agent of every request (the login and wrk's): the session is bound to it.
USER_AGENT = "consulta-benchmark"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login_cookie(base_url, email, password):
    """Log in through the real form; returns the Cookie header of the session."""
    import re
    from urllib.parse import urlencode

    def cookies_of(response):
        return dict(header.split(";", 1)[0].split("=", 1)
                    for header in response.headers.get_all("Set-Cookie") or [])

    # base_url is the benchmark's own gunicorn on 127.0.0.1.
    page = urllib.request.urlopen(urllib.request.Request(  # noqa: S310
        base_url + "/login", headers={"User-Agent": USER_AGENT}))
    jar = cookies_of(page)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                      page.read().decode()).group(1)
    request = urllib.request.Request(  # noqa: S310
        base_url + "/login", method="POST",
        data=urlencode({"email": email, "password": password,
                        "csrf_token": token}).encode(),
        headers={"User-Agent": USER_AGENT, "Referer": base_url + "/login",
                 "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
    try:
        urllib.request.build_opener(_NoRedirect).open(request)
        raise RuntimeError(f"logging in as {email} did not redirect")
    except urllib.error.HTTPError as answer:
        if answer.code != 302:
            raise RuntimeError(f"logging in as {email}: {answer.code}") from answer
        jar.update(cookies_of(answer))
        target = answer.headers["Location"]
    # The page the login leads to, as a browser follows it: it shows the welcome message
    # and takes it out of the session. Without it every request of wrk would carry a
    # message still to show (a page no participant gets twice).
    welcome = urllib.request.urlopen(urllib.request.Request(  # noqa: S310
        urllib.parse.urljoin(base_url + "/login", target),
        headers={"User-Agent": USER_AGENT,
                 "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}))
    jar.update(cookies_of(welcome))
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def wrk(url, duration, concurrency, cookie=None):
    headers = ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        headers += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{duration}s", *headers, "-s",
         str(HERE / "percentiles.lua"), url], capture_output=True, text=True, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def in_process(database_url, pages):
    """Queries per request and bytes per page; publish time; CSV export time and RSS."""
    from sqlalchemy import event

    from consulta import create_app
    from consulta.extensions import db
    from consulta.models import Consultation, User
    from consulta.summary.operations import publish_summary

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url},
                     environ={"CONSULTA_ENV": "testing"})
    client = app.test_client()
    css = len((ROOT / "static/css/consulta.css").read_bytes())
    js = len((ROOT / "static/js/consulta.js").read_bytes())
    measures = {}
    with app.app_context():
        engine = db.engine
    statements = []

    def listener(*args, **kwargs):
        statements.append(1)

    for name, path in pages.items():
        statements.clear()
        event.listen(engine, "before_cursor_execute", listener)
        response = client.get(path)
        event.remove(engine, "before_cursor_execute", listener)
        size = len(response.data)
        if response.mimetype == "text/html":
            size += css + js
        measures[name] = {"queries": len(statements), "bytes": size,
                          "status": response.status_code}
    with app.test_request_context():
        consultation = db.session.get(Consultation, 1)
        actor = db.session.get(User, 1)
        start = time.perf_counter()
        publish_summary(consultation, actor=actor)
        db.session.commit()
        publish_seconds = time.perf_counter() - start
    return measures, publish_seconds


def csv_export(database_url):
    """Run a full CSV export in a fresh process; returns (seconds, rows, peak RSS growth)."""
    code = f"""
import resource, time, sys
sys.path.insert(0, {str(ROOT)!r})
from consulta import create_app
app = create_app({{"SQLALCHEMY_DATABASE_URI": {database_url!r}}},
                 environ={{"CONSULTA_ENV": "testing"}})
client = app.test_client()
client.get("/health")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
response = client.get("/api/v1/consultations/consulta-nacional/contributions.csv")
import csv, io
lines = 0
for chunk in response.response:
    text = chunk if isinstance(chunk, str) else chunk.decode()
    lines += text.count("\\nAPO-")
elapsed = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(elapsed, lines, (after - before) / 1024)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "CONSULTA_ENV": "testing"})
    seconds, rows, rss_mb = out.stdout.strip().splitlines()[-1].split()
    return float(seconds), int(rows), float(rss_mb)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--label", required=True)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--no-cache", action="store_true",
                        help="render every request (PUBLIC_PAGE_CACHE_SECONDS=0)")
    parser.add_argument("--redis", metavar="URL",
                        help="the page cache in this Redis, as in production (a key "
                             "prefix of the run's own, deleted afterwards); without it, "
                             "each worker's in-process cache")
    parser.add_argument("--logged-in", action="store_true",
                        help="as a logged-in participant (p4 of generate.py): the "
                             "parts kept for participants where a page keeps them (the "
                             "list), else rendered for them")
    args = parser.parse_args()

    from host import loop_seconds  # benchmarks/ is this script's folder on sys.path

    from consulta.config import normalize_database_url

    database_url = normalize_database_url(args.database_url)
    env = {**os.environ, "CONSULTA_ENV": "production", "DATABASE_URL": args.database_url,
           "SECRET_KEY": secrets.token_hex(32), "TRUSTED_HOSTS": "127.0.0.1,localhost",
           "AUTO_MIGRATE": "0", "PROXY_COUNT": "1", "MAIL_SERVER": "",
           "RATELIMIT_ENABLED": "0",
           "PUBLIC_PAGE_CACHE_SECONDS": "0" if args.no_cache else "20"}
    env.pop("REDIS_URL", None)  # only as --redis says
    prefix = None
    if args.redis:
        prefix = f"consulta-bench-{secrets.token_hex(6)}:"
        env.update({"REDIS_URL": args.redis, "CACHE_KEY_PREFIX": prefix,
                    "RATELIMIT_KEY_PREFIX": prefix})
    pages = {
        "consultation": "/consultations/consulta-nacional",
        "list": "/consultations/consulta-nacional/contributions",
        "list_filtered": "/consultations/consulta-nacional/contributions?kind=proposal"
                         "&sector=academia&sort=supported",
        "search": "/consultations/consulta-nacional/contributions?q=transparencia",
        "detail": None,
        "summary": "/consultations/consulta-nacional/summary",
        "api_list": "/api/v1/consultations/consulta-nacional/contributions",
    }
    app = gunicorn("wsgi:app", 8765, env)
    hello = gunicorn("benchmarks.hello:app", 8766, env)
    try:
        listing = urllib.request.urlopen(
            "http://127.0.0.1:8765/api/v1/consultations/consulta-nacional/contributions"
            "?per_page=1&page=2000").read()
        code = json.loads(listing)["contributions"]
        code = code[0]["tracking_code"] if code else "APO-2026-000001"
        pages["detail"] = f"/contributions/{code}"
        results = {"label": args.label, "date": datetime.now(UTC).isoformat(timespec="seconds"),
                   "machine": f"{os.cpu_count()} cores", "duration_s": args.duration,
                   "concurrency": args.concurrency, "page_cache": not args.no_cache,
                   "cache_backend": "redis" if args.redis else "in-process",
                   # Other work on the machine during the run (1-minute load average).
                   "load_before": round(os.getloadavg()[0], 1),
                   # The machine's speed (host.py): read the figures with it.
                   "host_loop_s": loop_seconds(), "pages": {}}
        cookie = None
        if args.logged_in:
            cookie = login_cookie("http://127.0.0.1:8765", "p4@bench.example",
                                  "benchmark-password-2026")
            results["logged_in"] = "participant"
            check = urllib.request.urlopen(urllib.request.Request(
                "http://127.0.0.1:8765/my/contributions",
                headers={"User-Agent": USER_AGENT, "Cookie": cookie}))
            if "/login" in check.geturl():
                raise RuntimeError("the session cookie does not keep the login")
        wrk("http://127.0.0.1:8766/", 2, args.concurrency)  # warm up
        results["hello"] = wrk("http://127.0.0.1:8766/", args.duration, args.concurrency)
        for name, path in pages.items():
            wrk(f"http://127.0.0.1:8765{path}", 2, args.concurrency, cookie)  # warm up
            results["pages"][name] = wrk(f"http://127.0.0.1:8765{path}", args.duration,
                                         args.concurrency, cookie)
    finally:
        for process in (app, hello):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        if prefix is not None:
            forget_keys(args.redis, prefix)
    results["load_after"] = round(os.getloadavg()[0], 1)
    measures, publish_seconds = in_process(database_url, pages)
    for name, values in measures.items():
        results["pages"][name].update(values)
        results["pages"][name]["ratio"] = results["pages"][name]["rps"] / results["hello"]["rps"]
    results["publish_summary_s"] = publish_seconds
    seconds, rows, rss = csv_export(database_url)
    results["csv_export"] = {"seconds": seconds, "rows": rows, "peak_rss_growth_mb": rss}

    store = HERE / "results.json"
    history = json.loads(store.read_text()) if store.exists() else []
    history = [r for r in history if r["label"] != args.label] + [results]
    store.write_text(json.dumps(history, indent=2, ensure_ascii=False) + "\n")
    print(table(results))
    return 0


def forget_keys(url, prefix):
    """Delete the run's keys from Redis (the generations never expire)."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


def table(results):
    from report import page_table  # benchmarks/ is this script's folder on sys.path

    cache = "anonymous page cache on" if results.get("page_cache", True) else "no page cache"
    if results.get("logged_in"):
        cache = (f"logged in as a {results['logged_in']}: the parts kept for participants "
                 "where a page keeps them, else rendered")
    if results.get("page_cache", True) and "cache_backend" in results:
        cache += (", the cache in Redis" if results["cache_backend"] == "redis"
                  else ", the cache in each worker's memory")
    return "\n".join([f"### {results['label']} ({results['date']}, {results['machine']}, "
                      f"c={results['concurrency']}, {results['duration_s']} s per page, "
                      f"{cache})", "", page_table(results)])


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    sys.exit(main())
