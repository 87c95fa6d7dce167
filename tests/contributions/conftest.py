"""What the contributions tests share: a consultation with the IV plan, and loaders and
checks for use inside an app context."""

import pytest
from sqlalchemy import func, select

from consulta.accounts.models import User
from consulta.audit.models import AuditEntry
from consulta.consultations.models import Consultation
from consulta.contributions.models import Contribution
from consulta.core.operations import OperationError
from consulta.extensions import db

from ..conftest import iv_plan_json


@pytest.fixture
def slug(create_consultation):
    """An open consultation with the IV plan published (9 components, 21 commitments)."""
    return create_consultation(plan=iv_plan_json())


def consultation_of(slug):
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def contribution_of(code):
    return db.session.scalar(select(Contribution).where(Contribution.tracking_code == code))


def user_of(ref):
    return db.session.get(User, ref.id)


def commitment_ids(consultation):
    """{number: id} of the consultation's published commitments."""
    return {c.number: c.id for c in consultation.published_commitments}


def component_ids(consultation):
    """{name: id} of the consultation's components."""
    return {c.name: c.id for c in consultation.components}


def audit_entries(action):
    """The audit entries of an action, oldest first."""
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def count(model=Contribution):
    return db.session.scalar(select(func.count()).select_from(model))


def refusal(action):
    """The message of the ``OperationError`` that ``action()`` raises; what it did is
    rolled back, as the view would."""
    with pytest.raises(OperationError) as refused:
        action()
    db.session.rollback()
    return refused.value.message
