"""Fixtures of the final plan tests: a finished consultation whose plan changed after it.

Version 1 (consulted) has commitments 1, 2 and 3; version 2, published after the
consultation closed, keeps 1 unchanged, drops 2 (to be recorded as merged into 1),
renames 3 and adds 4. Contributions answered by published responses name commitments of
version 1.
"""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from consulta.accounts.models import User
from consulta.consultations import operations as plan_ops
from consulta.consultations.models import Consultation
from consulta.core.dates import utcnow
from consulta.extensions import db
from consulta.finalplan.queries import final_plan_of

PLAN = json.dumps({
    "plan": {"title": "Plan de prueba"},
    "themes": [
        {"name": "Salud", "commitments": [
            {"number": 1, "title": "Observatorio de precios de medicamentos",
             "institution": "MINSA", "due": "2026-12"},
            {"number": 2, "title": "Quejas ciudadanas en el observatorio"}]},
        {"name": "Educación", "commitments": [
            {"number": 3, "title": "Becas con datos abiertos", "institution": "PRONABEC"}]},
    ],
}).encode()

JUSTIFICATION = ("La propuesta se incorporó en el compromiso. El plan final la recoge con "
                 "sus acciones.")


def consultation_of(slug):
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def user(ref):
    return db.session.get(User, ref.id)


@pytest.fixture
def secretariat(create_user):
    return create_user(roles=("secretariat",))


@pytest.fixture
def finished(app, create_consultation, create_contribution, create_response, create_user,
             secretariat):
    """A closed consultation with answered contributions and a version 2 of its plan."""
    slug = create_consultation(plan=PLAN, actor=secretariat)
    ana = create_user(email="ana@example.pe")
    beto = create_user(email="beto@example.pe")
    codes = {
        "on_1": create_contribution(slug, author=ana, kind="proposal",
                                    values={"title": "Precios en línea"}),
        "on_2": create_contribution(slug, author=ana, body="Que se registren las quejas."),
        "on_3": create_contribution(slug, author=beto, body="Becas con datos abiertos."),
        "rejected": create_contribution(slug, author=beto, body="Otra cosa."),
        "paper": create_contribution(slug, channel="workshop", kind="comment",
                                     author_name="Rosa Quispe", author_email="rosa@example.pe",
                                     sector="civil_society", region="la-libertad",
                                     body="Lo dicho en el taller."),
    }
    create_response(codes["on_1"], outcome="incorporated", justification=JUSTIFICATION,
                    commitments=(1,), actor=secretariat)
    create_response(codes["on_2"], outcome="partially_incorporated",
                    justification=JUSTIFICATION, commitments=(2,), actor=secretariat)
    create_response(codes["on_3"], outcome="incorporated", justification=JUSTIFICATION,
                    commitments=(3,), actor=secretariat)
    create_response(codes["rejected"], outcome="not_incorporated", actor=secretariat,
                    justification="No se incorpora. Está fuera de lo que el plan puede hacer.")
    create_response(codes["paper"], outcome="incorporated", justification=JUSTIFICATION,
                    commitments=(3,), actor=secretariat)
    with app.test_request_context():
        close_and_publish_version_2(consultation_of(slug), user(secretariat))
        db.session.commit()
        db.session.remove()
    return {"slug": slug, "codes": codes, "ana": ana, "beto": beto}


def close_and_publish_version_2(consultation, actor, *, removed=(2,), new_number=4):
    """The consultation closed yesterday, and version 2 of its plan published after it:
    commitments ``removed`` deleted, 3 renamed, a new one numbered ``new_number``."""
    consultation.closes_at = utcnow() - timedelta(days=1)
    for window in consultation.windows:
        window.closes_at = consultation.closes_at
    draft = plan_ops.ensure_draft_version(consultation, actor=actor)
    by_number = {c.number: c for c in draft.commitments}
    for number in removed:
        plan_ops.delete_commitment(by_number[number], actor=actor)
    third = by_number[3]
    plan_ops.save_commitment(draft, actor=actor, commitment=third,
                             component_id=third.component_id, number=3,
                             title="Becas y créditos con datos abiertos")
    plan_ops.save_commitment(draft, actor=actor, component_id=third.component_id,
                             number=new_number, title="Un compromiso nuevo")
    plan_ops.publish_plan_version(consultation, actor=actor, note="Versión final.")


def lineages(slug, version_number):
    """{number: lineage} of a version's commitments."""
    consultation = consultation_of(slug)
    version = next(v for v in consultation.plan_versions if v.number == version_number)
    return {c.number: c.lineage for c in version.commitments}


def version_id(slug, number):
    return next(v.id for v in consultation_of(slug).plan_versions if v.number == number)


def prepare(slug, secretariat, *, version=2, **values):
    """Prepare the final plan through the operation (inside a request context)."""
    from datetime import date

    from consulta.finalplan import operations

    defaults = {"approval_reference": "Resolución Ministerial N.° 123-2026-PCM",
                "approved_on": date(2026, 11, 30), "forum_endorsed_on": date(2026, 11, 28),
                "forum_endorsement": "https://example.pe/acta-foro.pdf",
                "note": "Plan aprobado tras la consulta."}
    defaults.update(values)
    return operations.save_final_plan(consultation_of(slug), actor=user(secretariat),
                                      plan_version_id=version_id(slug, version), **defaults)


def give_reasons(slug, secretariat, merge=True):
    """Merge draft commitment 2 into 1 and give every difference a reason."""
    from consulta.finalplan import operations

    final_plan = final_plan_of(consultation_of(slug))
    draft, final = lineages(slug, 1), lineages(slug, 2)
    merges = {draft[2]: final[1]} if merge else {}
    operations.save_changes(final_plan, actor=user(secretariat), reasons={}, merges=merges)
    reasons = {change.lineage: "Así lo acordó el foro multiactor." for change in
               final_plan.changes}
    return operations.save_changes(final_plan, actor=user(secretariat), reasons=reasons)
