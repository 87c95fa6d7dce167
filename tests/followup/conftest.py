"""Fixtures of the follow-up tests: a finished consultation whose final plan is published,
made with the operations (as tests/finalplan does), and factories for the follow-up.

``followed`` is the consultation (closed yesterday) whose published plan has two
commitments: 1 with two action rows (to seed milestones from), 2 with none. Its final
plan approves that version as it was consulted (no differences, no responses): the
shortest path to a published final plan. ``followed_unpublished`` is the same with the
final plan prepared but not published.

Factories (each commits and returns ids, never objects bound to a closed session):
``seed(followed)`` creates the milestones of commitment 1 and an indicator;
``make_reporter(commitment_id)`` an account that reports on a commitment;
``make_report(commitment_id, actor, publish_by=...)`` a report through the operations.
"""

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from consulta.accounts.models import User
from consulta.audit.models import AuditEntry
from consulta.consultations.models import Consultation
from consulta.core.dates import utcnow
from consulta.extensions import db
from consulta.finalplan import operations as finalplan_ops
from consulta.followup import operations
from consulta.followup.models import Indicator, Milestone, ProgressReport

PLAN = json.dumps({
    "plan": {"title": "Plan de prueba"},
    "themes": [
        {"name": "Salud", "commitments": [
            {"number": 1, "title": "Observatorio de precios de medicamentos",
             "institution": "MINSA", "due": "2027-12",
             "actions": [
                 {"description": "Diseñar el observatorio con la sociedad civil",
                  "start": "2026-03", "end": "2026-09"},
                 {"description": "Publicar los precios en datos abiertos",
                  "start": "2026-10", "end": "2027-06"}]},
            {"number": 2, "title": "Quejas ciudadanas en línea", "institution": "SUSALUD"}]},
    ],
}).encode()

#: A PDF small enough for every test, and real enough for the content check.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def user(ref):
    return db.session.get(User, ref.id)


def consultation_of(slug):
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def commitment(slug, number):
    """A commitment of the consultation's final plan by its number."""
    from consulta.finalplan.queries import final_plan_of

    plan = final_plan_of(consultation_of(slug))
    return next(c for c in plan.plan_version.commitments if c.number == number)


def milestones(commitment_id):
    return db.session.scalars(select(Milestone).where(Milestone.commitment_id == commitment_id)
                              .order_by(Milestone.position)).all()


def indicators(commitment_id):
    return db.session.scalars(select(Indicator).where(Indicator.commitment_id == commitment_id)
                              .order_by(Indicator.position)).all()


def reports(commitment_id):
    return db.session.scalars(select(ProgressReport).where(
        ProgressReport.commitment_id == commitment_id).order_by(ProgressReport.number)).all()


def entries(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


@pytest.fixture
def in_request(app):
    """Run the test inside a request context, as a view would call the operations."""
    with app.test_request_context():
        yield
        db.session.remove()


@pytest.fixture
def secretariat(create_user):
    return create_user(roles=("secretariat",))


@pytest.fixture
def make_followed(app, create_consultation, secretariat):
    """Factory: a closed consultation with its final plan (published unless
    ``publish=False``) → a dict with ``slug`` and the ids of ``commitments`` by number."""

    def factory(*, publish=True, requires_review=False):
        slug = create_consultation(plan=PLAN, actor=secretariat, opens_in_days=-60,
                                   closes_in_days=-1)
        with app.test_request_context():
            consultation = consultation_of(slug)
            consultation.requires_review = requires_review
            consultation.closes_at = utcnow() - timedelta(days=1)
            for window in consultation.windows:
                window.closes_at = consultation.closes_at
            actor = user(secretariat)
            version = consultation.published_plan
            final_plan = finalplan_ops.save_final_plan(
                consultation, actor=actor, plan_version_id=version.id,
                approval_reference="Resolución Ministerial N.° 123-2026-PCM",
                approved_on=date(2026, 11, 30))
            if publish:
                finalplan_ops.publish_final_plan(final_plan, actor=actor, notify=False)
            db.session.commit()
            ids = {c.number: c.id for c in version.commitments}
            db.session.remove()
        return {"slug": slug, "commitments": ids}

    return factory


@pytest.fixture
def followed(make_followed):
    return make_followed()


@pytest.fixture
def followed_unpublished(make_followed):
    return make_followed(publish=False)


@pytest.fixture
def seed(app, secretariat):
    """Factory: the milestones of commitment 1 from its action rows, and an indicator →
    {"milestones": [ids], "indicator": id}."""

    def factory(followed, number=1):
        with app.test_request_context():
            actor = user(secretariat)
            target = commitment(followed["slug"], number)
            created = operations.seed_milestones(target, actor=actor)
            indicator = operations.save_indicator(
                target, actor=actor, name="Entidades que publican precios", baseline="0",
                target="1.234,5", unit="entidades", source="Portal de datos abiertos")
            db.session.commit()
            result = {"milestones": [m.id for m in created], "indicator": indicator.id}
            db.session.remove()
        return result

    return factory


@pytest.fixture
def make_reporter(app, create_user, secretariat):
    """Factory: a new account made reporter of the commitment ``commitment_id``."""
    from consulta.consultations.models import Commitment

    def factory(commitment_id, **fields):
        ref = create_user(**fields)
        with app.test_request_context():
            operations.add_reporter(db.session.get(Commitment, commitment_id),
                                    actor=user(secretariat), email=ref.email)
            db.session.commit()
            db.session.remove()
        return ref

    return factory


@pytest.fixture
def make_report(app, secretariat):
    """Factory: a report of the commitment started by ``actor`` (a ``UserRef``) with
    ``milestones`` ({milestone id: {"status", "percent", "reason"}}) saved, sent for
    review when ``submit``, and published by ``publish_by`` when given → its id."""
    from consulta.consultations.models import Commitment

    def factory(commitment_id, actor, *, milestones=None, as_of=None, narrative="Avance.",
                submit=False, publish_by=None):
        with app.test_request_context():
            target = db.session.get(Commitment, commitment_id)
            report = operations.start_report(target, actor=user(actor))
            operations.save_report(report, actor=user(actor),
                                   as_of=as_of or report.as_of, narrative=narrative,
                                   milestones=milestones or {})
            if submit or publish_by:
                operations.submit_report(report, actor=user(actor))
            if publish_by:
                operations.publish_report(report, actor=user(publish_by))
            db.session.commit()
            report_id = report.id
            db.session.remove()
        return report_id

    return factory
