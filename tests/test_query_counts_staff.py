"""The staff's pages: a fixed, small number of SQL statements whatever the data, and
statements that SQLAlchemy's compiled cache already holds on a second request.

The pages the staff use besides those of ``test_query_counts.PAGES`` (the start page,
offline participation, the authors to tell, the typed-in authors' rights, the outbox)
are counted here the same way; and every staff page, there or here, is requested twice:
the second request must compile nothing (bound parameters, no literal SQL built per
request).
"""

import re

from sqlalchemy import select
from sqlalchemy.engine.default import CACHE_HIT

from consulta.consultations.models import Consultation
from consulta.extensions import db

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


#: (path) of the follow-up's staff pages, as the secretariat, with {slug}, {draft} (a
#: draft report) and {commitment} (one that gets reports in every state) filled from
#: ``tests/followup/public_world.py``.
FOLLOW_UP_STAFF_PAGES = [
    "/consultations/{slug}/final-plan/manage",
    "/consultations/{slug}/follow-up/manage",
    "/consultations/{slug}/follow-up/manage/commitments/{commitment}",
    "/consultations/{slug}/follow-up/manage/reports/{draft}",
    "/follow-up/my-commitments",
    "/consultations/{slug}/forum/manage",
]


def test_the_follow_up_staff_pages_send_few_statements_and_compile_them_once(
        app, create_user, create_consultation):
    """The secretariat's follow-up pages: at most MAX_QUERIES statements, none more once
    every commitment has more milestones, indicators, reports in every state and the
    forum more members and meetings; a second request compiles nothing."""
    from datetime import date

    from consulta.accounts.models import User
    from consulta.followup import forum

    from .conftest import login
    from .followup.public_world import add_reports, build_plan_world

    plan = build_plan_world(app, create_user, create_consultation)
    values = {"slug": plan.slug, "draft": plan.reports["one_draft"],
              "commitment": plan.commitments[2]}
    client = app.test_client()
    login(client, plan.secretariat)

    def counts():
        return {path: len(_statements(app, client, path.format(**values)))
                for path in FOLLOW_UP_STAFF_PAGES}

    def forum_grows(count):
        with app.test_request_context():
            actor = db.session.get(User, plan.secretariat.id)
            consultation = db.session.scalar(select(Consultation).filter_by(slug=plan.slug))
            for n in range(count):
                forum.save_member(consultation, actor=actor, name=f"Integrante {n}",
                                  organization="Colectivo", sector="civil_society",
                                  side="civil_society")
                forum.save_meeting(consultation, actor=actor, held_on=date(2026, 10, n + 1),
                                   place="Lima", attendance=10 + n, agenda="Avances.")
            db.session.commit()

    forum_grows(1)  # a forum with a member and a meeting, then one with four of each
    before = counts()
    forum_grows(3)
    with app.app_context():
        add_reports([plan.commitments[number] for number in (2, 4, 5)],
                    states=("published", "review", "draft"))
        db.session.commit()
    after = counts()
    assert {page: n for page, n in after.items() if n > MAX_QUERIES} == {}
    assert {page: (before[page], n) for page, n in after.items() if n > before[page]} == {}

    missed = {}
    for path in FOLLOW_UP_STAFF_PAGES:
        again = _statements(app, client, path.format(**values))
        misses = [re.sub(r"\s+", " ", sql)[:120] for sql, hit in again if hit != CACHE_HIT]
        if misses:
            missed[path] = misses
    assert missed == {}
