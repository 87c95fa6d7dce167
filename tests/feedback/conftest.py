"""Fixtures of the feedback tests: small consultations made with the factories."""

from io import BytesIO

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from consulta.accounts.models import User
from consulta.audit.models import AuditEntry
from consulta.consultations.models import Consultation
from consulta.contributions.models import Contribution, ContributionGroup
from consulta.extensions import db
from consulta.feedback.models import Response

from ..conftest import iv_plan_json

#: A justification that meets every rule, for the outcomes that need a commitment (5).
JUSTIFICATION = ("La propuesta se incorporó en el compromiso 5. El observatorio incluirá "
                 "las quejas y denuncias ciudadanas.")


@pytest.fixture
def in_request(app):
    """Run the test inside a request context, as a view would call the operations."""
    with app.test_request_context():
        yield
        db.session.remove()


@pytest.fixture
def secretariat(create_user):
    """A member of the secretariat (a ``UserRef``)."""
    return create_user(roles=("secretariat",))


@pytest.fixture
def moderator(create_user):
    """A moderator's account (a ``UserRef``)."""
    return create_user(roles=("moderator",))


@pytest.fixture
def consultation(create_consultation):
    """The slug of an open consultation with the IV plan published."""
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


def response(response_id):
    return db.session.get(Response, response_id)


def commitment_ids(slug, *numbers):
    """The ids of the published plan's commitments with these numbers."""
    return [c.id for c in consultation_of(slug).published_commitments if c.number in numbers]


def entries(action):
    """The audit entries of ``action``, oldest first."""
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def xlsx(rows):
    """A workbook with these rows, as the bytes of an uploaded file."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
