"""Every page answers in a fixed, small number of SQL statements, whatever the data.

Each page is requested by the role that uses it on a consultation made with the
factories (proposals with comments, typed-in contributions from a workshop, a group,
published and draft responses, an organization, the audit log they leave), then again
after more of every kind of row was added: no page may send more than MAX_QUERIES
statements, nor one more than before (an N+1 load would grow with the rows). A second
request of the list page must find every statement in SQLAlchemy's compiled cache.
"""

import re

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine.default import CACHE_HIT

from consulta.extensions import db

from .conftest import iv_plan_json, login

MAX_QUERIES = 12

#: (role, path) of every page, with {slug}, {proposal}, {comment}, {offline}, {group},
#: {event} and {organization} filled from the data. A page added by a later issue
#: (follow-up, offline import) belongs here too.
PAGES = [
    ("anonymous", "/"),
    ("anonymous", "/consultations"),
    ("anonymous", "/consultations/{slug}"),
    ("anonymous", "/consultations/{slug}/plan"),
    ("anonymous", "/consultations/{slug}/contributions"),
    ("anonymous", "/consultations/{slug}/contributions?kind=proposal&sector=citizen"),
    ("anonymous", "/consultations/{slug}/contributions?q=transparencia"),
    ("anonymous", "/contributions/{proposal}"),
    ("anonymous", "/contributions/{comment}"),
    ("anonymous", "/consultations/{slug}/summary"),
    ("anonymous", "/consultations/{slug}/events"),
    ("anonymous", "/organizations"),
    ("anonymous", "/api/v1/consultations/{slug}"),
    ("anonymous", "/api/v1/consultations/{slug}/contributions"),
    ("participant", "/consultations/{slug}"),
    ("participant", "/consultations/{slug}/contributions"),
    ("participant", "/contributions/{proposal}"),
    ("participant", "/my/contributions"),
    ("participant", "/account"),
    ("member", "/organizations/{organization}"),
    ("member", "/organizations/{organization}/members"),
    ("moderator", "/moderation"),
    ("moderator", "/consultations/{slug}/moderation"),
    ("moderator", "/consultations/{slug}/moderation?state=unclassified"),
    ("moderator", "/consultations/{slug}/moderation?state=grouped"),
    ("moderator", "/moderation/{proposal}"),
    ("moderator", "/moderation/{offline}"),
    ("moderator", "/consultations/{slug}/moderation/groups"),
    ("moderator", "/moderation/groups/{group}"),
    ("moderator", "/consultations/{slug}/moderation/audit"),
    ("moderator", "/moderation/organizations"),
    ("moderator", "/consultations/{slug}/contributions/offline/new"),
    ("moderator", "/consultations/{slug}/events/{event}/edit"),
    ("secretariat", "/consultations/{slug}/manage"),
    ("secretariat", "/consultations/{slug}/plan/manage"),
    ("secretariat", "/consultations/{slug}/windows"),
    ("secretariat", "/consultations/{slug}/phases"),
    ("secretariat", "/consultations/{slug}/components"),
    ("secretariat", "/consultations/{slug}/edit"),
    ("secretariat", "/consultations/{slug}/feedback"),
    ("secretariat", "/feedback/contributions/{proposal}"),
    ("secretariat", "/feedback/groups/{group}"),
    ("secretariat", "/consultations/{slug}/matrix"),
    ("secretariat", "/consultations/{slug}/feedback/templates"),
    ("secretariat", "/consultations/{slug}/summary/manage"),
    ("admin", "/admin/users"),
    ("anonymous", "/consultations/{slug}/forum"),
    ("participant", "/consultations/{slug}/forum"),
    ("secretariat", "/consultations/{slug}/forum/manage"),
    ("moderator", "/consultations/{slug}/report-comments"),
]


class World:
    """A consultation and the accounts of every role; ``add()`` sends more of everything."""

    def __init__(self, app, factories):
        self.app, self.f = app, factories
        f = factories
        self.roles = {"participant": f.create_user(), "member": f.create_user(),
                      "moderator": f.create_user(roles=("moderator",)),
                      "secretariat": f.create_user(roles=("secretariat",)),
                      "admin": f.create_user(roles=("admin",))}
        self.slug = f.create_consultation(plan=iv_plan_json(),
                                          actor=self.roles["secretariat"])
        self.organization = f.create_organization(admin=self.roles["member"])
        self.event = f.create_event(self.slug, actor=self.roles["moderator"])
        self.proposal = f.create_contribution(self.slug, author=self.roles["participant"],
                                              kind="proposal")
        self.group = f.create_group(self.slug, [self.proposal],
                                    actor=self.roles["moderator"])
        self.add(2)
        self.values = {"slug": self.slug, "proposal": self.proposal,
                       "comment": self.comments[0], "offline": self.offline[0],
                       "group": self.group, "event": self.event,
                       "organization": self.organization}

    def add(self, count):
        """``count`` more of every kind of row a page lists or counts."""
        from consulta.contributions.models import Contribution
        from consulta.moderation import operations as moderation

        f = self.f
        self.comments = getattr(self, "comments", [])
        self.offline = getattr(self, "offline", [])
        with self.app.app_context():
            proposal_id = db.session.scalar(select(Contribution.id).where(
                Contribution.tracking_code == self.proposal))
        start = len(self.comments)
        for n in range(start, start + count):
            author = f.create_user(sector=("citizen", "academia")[n % 2])
            proposal = f.create_contribution(
                self.slug, author=author, kind="proposal",
                body=f"Transparencia en las compras públicas, número {n}.")
            comment = f.create_contribution(
                self.slug, author=f.create_user(), target="proposal", target_id=proposal_id,
                body=f"Transparencia: un comentario sobre la propuesta, número {n}.")
            typed = f.create_contribution(
                self.slug, channel="workshop", author=self.roles["moderator"],
                event_id=self.event, author_name=f"Asistente {n}", sector="academia",
                body="Transparencia en el taller.")
            self.comments.append(comment)
            self.offline.append(typed)
            f.create_response(proposal, actor=self.roles["secretariat"])
            f.create_response(comment, publish=False, actor=self.roles["secretariat"])
            with self.app.test_request_context():
                from consulta.accounts.models import User
                from consulta.contributions.models import ContributionGroup

                group = db.session.get(ContributionGroup, self.group)
                # A typed-in record and a web proposal with its own author (the group's
                # page shows each member's author and event).
                for code in (typed, proposal):
                    moderation.group_contribution(
                        db.session.scalar(select(Contribution).where(
                            Contribution.tracking_code == code)),
                        group, actor=db.session.get(User, self.roles["moderator"].id))
                db.session.commit()
                db.session.remove()
            f.create_group(self.slug, [comment], title=f"Grupo {n}",
                           actor=self.roles["moderator"])
            f.create_organization(name=f"Organización extra {n}")


class Factories:
    def __init__(self, **factories):
        self.__dict__.update(factories)


@pytest.fixture
def world(app, create_user, create_consultation, create_organization, create_event,
          create_contribution, create_group, create_response):
    return World(app, Factories(
        create_user=create_user, create_consultation=create_consultation,
        create_organization=create_organization, create_event=create_event,
        create_contribution=create_contribution, create_group=create_group,
        create_response=create_response))


def _clients(app, world):
    clients = {"anonymous": app.test_client()}
    for role, user in world.roles.items():
        clients[role] = app.test_client()
        login(clients[role], user)
    return clients


def _statements(app, client, path):
    """[(statement, cache hit)] that one GET of ``path`` sends; the page must be a 200."""
    return page_and_statements(app, client, path)[1]


def page_and_statements(app, client, path):
    """(the page's text, [(statement, cache hit)]) of one GET of ``path``, a 200."""
    with app.app_context():
        engine = db.engine
    sent = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, context.cache_hit if context is not None else None))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True), sent


def _counts(app, clients, world):
    return {(role, path): len(_statements(app, clients[role], path.format(**world.values)))
            for role, path in PAGES}


def test_no_page_sends_more_than_twelve_statements_nor_more_with_more_rows(app, world):
    clients = _clients(app, world)
    before = _counts(app, clients, world)
    world.add(3)
    after = _counts(app, clients, world)

    assert {page: n for page, n in after.items() if n > MAX_QUERIES} == {}
    assert {page: (before[page], n) for page, n in after.items() if n > before[page]} == {}


def test_a_second_request_of_the_list_page_compiles_no_statement(app, world):
    clients = _clients(app, world)
    for role, path in (("anonymous", "/consultations/{slug}/contributions"),
                       ("participant", "/consultations/{slug}/contributions?kind=proposal"),
                       ("moderator", "/consultations/{slug}/moderation")):
        url = path.format(**world.values)
        _statements(app, clients[role], url)  # compiles, once per process
        again = _statements(app, clients[role], url)
        missed = [re.sub(r"\s+", " ", sql)[:120] for sql, hit in again if hit != CACHE_HIT]
        assert missed == [], url


#: The public and participant pages (issue 16): every statement from the compiled cache.
PUBLIC_PAGES = [(role, path) for role, path in PAGES
                if role in ("anonymous", "participant", "member")]


def test_a_second_request_of_every_public_page_compiles_no_statement(app, world):
    """Statements built with bound parameters are compiled once per process; one with a
    literal per request (or a construct that cannot be cached) is compiled on every
    request, which cost a quarter of a list page."""
    clients = _clients(app, world)
    missed = {}
    for role, path in PUBLIC_PAGES:
        url = path.format(**world.values)
        _statements(app, clients[role], url)  # compiles, once per process
        again = _statements(app, clients[role], url)
        misses = [re.sub(r"\s+", " ", sql)[:100] for sql, hit in again if hit != CACHE_HIT]
        if misses:
            missed[(role, path)] = misses
    assert missed == {}
# --- the follow-up's public pages (fu-public) -------------------------------------------

FOLLOW_UP_PAGES = [
    "/consultations/{slug}",
    "/consultations/{slug}/follow-up",
    "/consultations/{slug}/follow-up?status=delayed&responsible=MINEDU",
    "/consultations/{slug}/follow-up/commitments/{commitment}",
    "/consultations/{slug}/follow-up/reports/{report}",
    "/consultations/{slug}/follow-up/self-assessments",
    "/api/v1/consultations/{slug}/progress",
    "/api/v1/consultations/{slug}/final-plan",
]


def test_the_follow_up_pages_send_few_statements_whatever_the_reports(
        app, create_user, create_consultation):
    from .followup.public_world import add_reports, build_plan_world

    world = build_plan_world(app, create_user, create_consultation)
    values = {"slug": world.slug, "commitment": world.commitments[2],
              "report": world.reports["two"]}
    client = app.test_client()

    def counts():
        return {path: len(_statements(app, client, path.format(**values)))
                for path in FOLLOW_UP_PAGES}

    before = counts()
    with app.app_context():
        add_reports([world.commitments[number] for number in (2, 4, 5)])
        db.session.commit()
    after = counts()
    assert {page: n for page, n in after.items() if n > MAX_QUERIES} == {}
    assert {page: (before[page], n) for page, n in after.items() if n > before[page]} == {}

