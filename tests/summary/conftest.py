"""Fixtures of the summary tests: a small closed consultation made with the factories."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from consulta.accounts.models import User
from consulta.consultations.models import Consultation
from consulta.contributions.models import Contribution
from consulta.contributions.operations import save_event, withdraw_contribution
from consulta.core.dates import local_today, utcnow
from consulta.extensions import db
from consulta.moderation.operations import hide_contribution
from consulta.summary.operations import publish_summary

from ..conftest import iv_plan_json, login
from ..pdf import pdf_lines, pdf_text  # noqa: F401 (the summary tests import them from here)


@dataclass(frozen=True)
class Closed:
    """What the tests need of ``closed_consultation``: codes by role, never bound objects."""

    slug: str
    #: Web comments answered together through ``group_id``'s published response.
    grouped: tuple
    #: A web proposal with its own published response (not incorporated).
    proposal: str
    #: Typed in from the workshop ``event_id``; no response.
    workshop: str
    #: A web comment with no response.
    unanswered: str
    #: Hidden by a moderator as offensive; its text is "Texto ofensivo que no debe verse."
    hidden: str
    #: Withdrawn by its author while the consultation was open.
    withdrawn: str
    group_id: int
    event_id: int
    secretariat: object
    #: The authors of the web contributions, in the order above: grouped (2), proposal,
    #: unanswered, hidden, withdrawn (``UserRef``s).
    authors: tuple

    @property
    def codes(self):
        """Every contribution's code in the order received: the workshop's sheet (received
        three days ago, typed in after the first web ones) first, then the web ones."""
        return (self.workshop, *self.grouped, self.proposal, self.unanswered, self.hidden,
                self.withdrawn)


@pytest.fixture
def in_request(app):
    """Run the test inside a request context, as a view would call the operations."""
    with app.test_request_context():
        yield
        db.session.remove()


def user(ref):
    """The account of a ``UserRef`` in the current session."""
    return db.session.get(User, ref.id)


def consultation_of(slug):
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def contribution(code):
    return db.session.scalar(select(Contribution).where(Contribution.tracking_code == code))


def hide_from_another_connection(contribution_id):
    """Another moderator hides a contribution, committed on a connection of its own."""
    with db.engine.begin() as other:
        other.execute(update(Contribution).where(Contribution.id == contribution_id)
                      .values(hidden_at=func.now(), hidden_reason="offensive"))


def close(app, slug):
    """End the consultation's participation a minute ago."""
    with app.app_context():
        consultation_of(slug).closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        db.session.remove()


@pytest.fixture
def closed_consultation(app, create_consultation, create_user, create_contribution,
                        create_event, create_group, create_response):
    """A consultation on the IV plan that ran ten days and has just closed, with:

    two web comments answered as a group (already covered), a web proposal answered on
    its own (not incorporated), a workshop contribution and a web comment unanswered, a
    hidden comment and a withdrawn one: seven contributions, five visible, three of
    them answered. Its forum and methodology are set; nothing is published yet.
    """
    with app.app_context():
        workshop_day = local_today() - timedelta(days=3)
    secretariat = create_user(roles=("secretariat",))
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-10, closes_in_days=1,
                               actor=secretariat, forum_name="Comisión Multisectorial",
                               methodology="Talleres y web.")
    authors = tuple(create_user(sector=sector, region=region, gender=gender)
                    for sector, region, gender in (
                        ("civil_society", "cusco", "female"), ("academia", "puno", "male"),
                        ("citizen", "piura", None), ("citizen", "loreto", "female"),
                        ("private_sector", "tacna", None), ("citizen", "junin", "male")))
    grouped = (create_contribution(slug, author=authors[0], body="Publicar las obras."),
               create_contribution(slug, author=authors[1], body="Publicar cada obra."))
    proposal = create_contribution(slug, author=authors[2], kind="proposal")
    event_id = create_event(slug, held_on=workshop_day,
                            attendance=(("civil_society", 20, 11),
                                        ("regional_government", 8, 3)))
    workshop = create_contribution(slug, channel="workshop", kind="comment",
                                   body="Lo que dijo la mesa 1.", event_id=event_id,
                                   received_on=workshop_day,
                                   author_name="Mesa de trabajo 1", region="la-libertad")
    unanswered = create_contribution(slug, author=authors[3], body="Sin respuesta aún.")
    hidden = create_contribution(slug, author=authors[4],
                                 body="Texto ofensivo que no debe verse.")
    withdrawn = create_contribution(slug, author=authors[5], body="Me retiro de esto.")
    group_id = create_group(slug, grouped, title="Publicar las obras")
    create_response(group_id=group_id, actor=secretariat)
    create_response(proposal, outcome="not_incorporated", actor=secretariat,
                    justification="Excede los recursos del plan. Se registra para el "
                                  "siguiente proceso.")
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        hide_contribution(contribution(hidden), actor=user(moderator), reason="offensive")
        withdraw_contribution(contribution(withdrawn), user=user(authors[5]))
        db.session.commit()
        db.session.remove()
    close(app, slug)
    return Closed(slug=slug, grouped=grouped, proposal=proposal, workshop=workshop,
                  unanswered=unanswered, hidden=hidden, withdrawn=withdrawn,
                  group_id=group_id, event_id=event_id, secretariat=secretariat,
                  authors=authors)


@pytest.fixture
def publish(app):
    """Publish a consultation's summary as its secretariat would → (version, digest)."""

    def run(slug, actor):
        with app.test_request_context():
            snapshot = publish_summary(consultation_of(slug), actor=user(actor))
            db.session.commit()
            published = (snapshot.version, snapshot.digest)
            db.session.remove()
        return published

    return run


@pytest.fixture
def secretariat_login(app, closed_consultation):
    """A test client logged in as the closed consultation's secretariat."""
    client = app.test_client()
    login(client, closed_consultation.secretariat)
    return client


@pytest.fixture
def pdf_folder(app, tmp_path, monkeypatch):
    """The summary PDFs this test makes, in a folder of its own (→ that folder)."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "summaries"


@pytest.fixture
def demo(app):
    """The demo data (its finished consultation has a published summary)."""
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output


def page_count(data):
    return len(re.findall(rb"/Type /Page[^s]", data))


def record_event(slug, moderator, *, kind="work_table", held_on=date(2016, 6, 14), **counts):
    """An event of ``kind`` recorded by ``moderator``, with the attendance ``counts``
    given (``attendees_total=...``, ``attendance=[...]``), committed."""
    save_event(consultation_of(slug), actor=user(moderator), kind=kind, title="Mesas temáticas",
               held_on=held_on, place="Lima", region="lima-metropolitana", description="",
               **counts)
    db.session.commit()
