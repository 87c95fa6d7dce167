"""Fixtures of the moderation tests: small consultations made with the factories."""

import pytest
from sqlalchemy import event, select

from consulta.accounts.models import User
from consulta.consultations.models import Consultation
from consulta.contributions.models import Contribution, ContributionGroup
from consulta.extensions import db

from ..conftest import iv_plan_json, login


@pytest.fixture
def in_request(app):
    """Run the test inside a request context, as a view would call the operations."""
    with app.test_request_context():
        yield
        db.session.remove()


@pytest.fixture
def moderator(create_user):
    """A moderator's account (a ``UserRef``)."""
    return create_user(roles=("moderator",))


@pytest.fixture
def moderator_login(app, moderator):
    """A test client logged in as ``moderator``."""
    client = app.test_client()
    login(client, moderator)
    return client


@pytest.fixture
def consultation(create_consultation):
    """The slug of an open consultation with the IV plan published (its components too)."""
    return create_consultation(plan=iv_plan_json())


def user(ref):
    """The account of a ``UserRef`` in the current session."""
    return db.session.get(User, ref.id)


def consultation_of(slug):
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def contribution(code):
    return db.session.scalar(select(Contribution).where(Contribution.tracking_code == code))


def group(group_id):
    return db.session.get(ContributionGroup, group_id)


def count_statements(app, run):
    """How many SQL statements ``run()`` sends to the database."""
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)
