"""Browser fixtures: the app served on 127.0.0.1 from a fresh database holding the demo,
driven by Debian's Chromium through Playwright, with axe-core for accessibility.

Needs ``/usr/bin/chromium`` (Debian package ``chromium``) and axe-core
(``npm ci --prefix tests/browser``). Without them the browser tests are skipped, unless
``CONSULTA_BROWSER_TESTS=required`` (what CI sets), which turns the skip into a failure.

Each test module gets its own server and database, so the tests of a module may build on
each other in order (a journey that publishes a response, then one that reads it).
"""

import json
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from consulta.extensions import db
from tests.conftest import _test_database, make_app

CHROMIUM = os.environ.get("CONSULTA_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
REQUIRED = os.environ.get("CONSULTA_BROWSER_TESTS") == "required"
#: The flags that let headless Chromium run as root on a machine without outside network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


#: What is missing for the browser tests, and the command that installs it.
_MISSING = {}


def _unavailable(reason, install):
    if REQUIRED:
        pytest.fail(f"browser tests are required here but {reason} ({install})")
    _MISSING[reason] = install
    pytest.skip(f"{reason} ({install})")


class LiveServer:
    """The app on a real port, and a way to read its database (the outbox, a row)."""

    def __init__(self, app, url):
        self.app, self.url = app, url

    def __call__(self, path=""):
        return self.url + path

    def outbox(self, recipient=None):
        """Messages queued so far (oldest first), optionally for one recipient."""
        from consulta.core.mail import OutboxMessage

        with self.app.app_context():
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if recipient:
                query = query.where(OutboxMessage.recipient == recipient)
            messages = db.session.scalars(query).all()
            db.session.expunge_all()
            db.session.remove()
            return messages


def serve(tmp_path_factory, **settings):
    """Start a server on a fresh database with the demo loaded; returns (server, stop)."""
    from flask_migrate import upgrade

    from consulta.demo import load_demo
    from consulta.extensions import limiter

    # The rate limiter is one object shared by every app, and creating this one may turn it
    # off (RATELIMIT_ENABLED=False): put it back when the server stops.
    limiter_enabled = limiter.enabled
    url, drop = _test_database(tmp_path_factory)
    app = make_app(url, PUBLIC_PAGE_CACHE_SECONDS=0, **settings)
    with app.app_context():
        upgrade()
        for _line in load_demo():
            pass
        db.session.remove()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def stop():
        httpd.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
        drop()
        limiter.enabled = limiter_enabled

    return LiveServer(app, f"http://127.0.0.1:{httpd.server_port}"), stop


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    server, stop = serve(tmp_path_factory)
    yield server
    stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing", "apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed", ".venv/bin/pip install -e '.[test]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser):
    """Factory for isolated browser sessions: ``new_context(phone=True, javascript=False)``.

    Spanish by default, as a Peruvian browser asks (es-PE). Closed after the test.
    """
    contexts = []

    def factory(*, phone=False, javascript=True, locale="es-PE", **options):
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP, java_script_enabled=javascript,
            locale=locale, extra_http_headers={"Accept-Language": f"{locale},es;q=0.9"},
            is_mobile=phone, has_touch=phone, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        _unavailable(f"axe-core is missing at {AXE}", "npm ci --prefix tests/browser")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, axe_source, impacts=("serious", "critical")):
    """axe-core's violations of the given impacts on the page as it is now.

    Runs through the DevTools protocol, so the page's CSP (no inline scripts) stays on.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));}")
    return [v for v in result if v["impact"] in impacts]


def format_violations(violations):
    return json.dumps(violations, indent=2, ensure_ascii=False)


@pytest.fixture(scope="module")
def review(axe_source, screenshot_dir):
    """The checks every page visited goes through (tests/browser/review.py)."""
    from tests.browser.review import PageReview

    return PageReview(axe_source, screenshot_dir)


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    folder = Path(os.environ.get("CONSULTA_SCREENSHOTS") or
                  tmp_path_factory.getbasetemp() / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    _SCREENSHOTS["dir"] = folder
    return folder


_SCREENSHOTS = {}


def _missing_tools():
    """{what is missing: the command that installs it} for the browser tests."""
    missing = {}
    if not Path(CHROMIUM).exists():
        missing[f"{CHROMIUM} is missing"] = "apt-get install chromium"
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing["Playwright is not installed"] = ".venv/bin/pip install -e '.[test]'"
    if not AXE.exists():
        missing["axe-core is missing"] = "npm ci --prefix tests/browser"
    return missing


def pytest_collection_modifyitems(config, items):
    """Without Chromium or axe-core, leave the browser tests out and say so once, at the
    end of the run (in CI, CONSULTA_BROWSER_TESTS=required lets them run and fail)."""
    here = Path(__file__).resolve().parent
    browser_tests = [item for item in items if here in item.path.resolve().parents]
    if not browser_tests or REQUIRED:
        return
    _MISSING.update(_missing_tools())
    if _MISSING:
        config.hook.pytest_deselected(items=browser_tests)
        items[:] = [item for item in items if item not in browser_tests]


def pytest_terminal_summary(terminalreporter):
    if _MISSING:
        terminalreporter.write_line(
            "Browser tests NOT RUN: {}. Install with: {}".format(
                "; ".join(_MISSING), " && ".join(dict.fromkeys(_MISSING.values()))),
            yellow=True, bold=True)
    folder = _SCREENSHOTS.get("dir")
    if folder and any(folder.iterdir()):
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"Screenshots of every visited page: {folder}")
