"""What the consultations tests share: loaders and checks for use inside an app context."""

import pytest
from sqlalchemy import func, select

from consulta.accounts.models import User
from consulta.audit.models import AuditEntry
from consulta.consultations.models import Consultation
from consulta.core.operations import OperationError
from consulta.extensions import db


def consultation_of(slug):
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def user_of(ref):
    return db.session.get(User, ref.id)


def audit_entries(action):
    """The audit entries of an action, oldest first."""
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def refusal(action):
    """The message of the ``OperationError`` that ``action()`` raises; what it did is
    rolled back, as the view would."""
    with pytest.raises(OperationError) as refused:
        action()
    db.session.rollback()
    return refused.value.message
