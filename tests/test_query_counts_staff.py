"""The staff's pages: a fixed, small number of SQL statements whatever the data, and
statements that SQLAlchemy's compiled cache already holds on a second request.

The pages the staff use besides those of ``test_query_counts.PAGES`` (the start page,
offline participation, the authors to tell, the typed-in authors' rights, the outbox)
are counted here the same way; and every staff page, there or here, is requested twice:
the second request must compile nothing (bound parameters, no literal SQL built per
request).
"""

import re

from sqlalchemy.engine.default import CACHE_HIT

from .test_query_counts import (
    MAX_QUERIES,
    PAGES,
    _clients,
    _statements,
    world,  # noqa: F401 (the fixture)
)

STAFF_ROLES = ("moderator", "secretariat", "admin")

#: (role, path) of the staff pages ``test_query_counts.PAGES`` does not hold.
MORE_PAGES = [
    ("moderator", "/staff"),
    ("secretariat", "/staff"),
    ("moderator", "/consultations/{slug}/contributions/assisted/new"),
    ("moderator", "/consultations/{slug}/contributions/import"),
    ("secretariat", "/consultations/{slug}/to-notify"),
    ("secretariat", "/offline-authors?q=asistente"),
    ("secretariat", "/feedback/contributions/{comment}"),
    ("secretariat", "/consultations/{slug}/feedback?status=draft"),
    ("admin", "/admin/outbox"),
]

STAFF_PAGES = [(role, path) for role, path in PAGES if role in STAFF_ROLES] + MORE_PAGES


def _counts(app, clients, values, pages):
    return {(role, path): len(_statements(app, clients[role], path.format(**values)))
            for role, path in pages}


def test_the_other_staff_pages_send_at_most_twelve_statements_nor_more_with_more_rows(
        app, world):  # noqa: F811
    clients = _clients(app, world)
    before = _counts(app, clients, world.values, MORE_PAGES)
    world.add(3)
    after = _counts(app, clients, world.values, MORE_PAGES)

    assert {page: n for page, n in after.items() if n > MAX_QUERIES} == {}
    assert {page: (before[page], n) for page, n in after.items() if n > before[page]} == {}


def test_a_second_request_of_every_staff_page_compiles_no_statement(app, world):  # noqa: F811
    clients = _clients(app, world)
    missed = {}
    for role, path in STAFF_PAGES:
        url = path.format(**world.values)
        _statements(app, clients[role], url)  # compiles, once per process
        again = _statements(app, clients[role], url)
        misses = [re.sub(r"\s+", " ", sql)[:120] for sql, hit in again if hit != CACHE_HIT]
        if misses:
            missed[(role, path)] = misses
    assert missed == {}
