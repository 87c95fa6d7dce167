"""The final plan's operations: lineage across versions, approval, the refusals, the diff,
traceability by lineage and the one message per contributor."""

from datetime import date

import pytest
from sqlalchemy import func, select

from consulta.audit.models import AuditEntry
from consulta.consultations import operations as plan_ops
from consulta.consultations.plan_import import parse_plan
from consulta.core.mail import OutboxMessage
from consulta.core.operations import OperationError
from consulta.extensions import db
from consulta.feedback import operations as feedback_ops
from consulta.finalplan import operations
from consulta.finalplan.models import FinalPlan
from consulta.finalplan.queries import (
    final_plan_of,
    landing_of,
    plan_diff,
    shaping_contributions,
)

from .conftest import (
    PLAN,
    consultation_of,
    give_reasons,
    lineages,
    prepare,
    user,
)


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield
        db.session.remove()


def test_a_derived_version_keeps_each_commitments_lineage(finished, in_request):
    first, second = lineages(finished["slug"], 1), lineages(finished["slug"], 2)
    assert second[1] == first[1] and second[3] == first[3]
    assert 2 not in second and second[4] not in first.values()


def test_an_import_over_the_draft_keeps_lineage_by_number(
        create_consultation, secretariat, in_request):
    slug = create_consultation(plan=PLAN, actor=secretariat)
    consultation = consultation_of(slug)
    before = lineages(slug, 1)
    plan_ops.import_plan(consultation, parse_plan(PLAN), actor=user(secretariat))
    db.session.flush()
    assert lineages(slug, 2) == before


def test_the_final_plan_is_prepared_and_published_once(finished, secretariat, in_request):
    slug = finished["slug"]
    final_plan = prepare(slug, secretariat)
    assert final_plan.consulted_version.number == 1
    assert final_plan.plan_version.number == 2
    give_reasons(slug, secretariat)
    told = operations.publish_final_plan(final_plan, actor=user(secretariat))
    db.session.commit()
    assert told == 3  # Ana (two contributions), Beto (two) and Rosa (typed in)
    assert final_plan.is_published and final_plan.notified_at is not None
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("final_plan.%"))).all()
    assert "final_plan.published" in actions and "final_plan.saved" in actions
    with pytest.raises(OperationError):
        operations.publish_final_plan(final_plan, actor=user(secretariat))
    with pytest.raises(OperationError):
        prepare(slug, secretariat, approval_reference="Otra")
    with pytest.raises(RuntimeError):  # frozen even outside the operations
        final_plan.note = "Cambiada"
        db.session.flush()


def test_one_message_per_person_with_the_fate_of_each_contribution(
        finished, secretariat, in_request):
    slug, codes = finished["slug"], finished["codes"]
    final_plan = prepare(slug, secretariat)
    give_reasons(slug, secretariat)
    operations.publish_final_plan(final_plan, actor=user(secretariat))
    db.session.commit()
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    recipients = [m.recipient for m in messages]
    assert sorted(recipients) == ["ana@example.pe", "beto@example.pe", "rosa@example.pe"]
    ana = next(m for m in messages if m.recipient == "ana@example.pe")
    assert codes["on_1"] in ana.body and codes["on_2"] in ana.body
    # Commitment 2 of the draft was merged into 1: both of Ana's shaped commitment 1.
    assert ana.body.count("compromiso 1") == 2
    beto = next(m for m in messages if m.recipient == "beto@example.pe")
    assert codes["rejected"] in beto.body and "No incorporado" in beto.body
    assert "compromiso 3" in beto.body
    assert f"/consultations/{slug}/final-plan" in beto.body


def test_a_contributor_who_follows_gets_one_message_not_two(
        finished, secretariat, in_request, create_user):
    """Ana follows the consultation and sent contributions: the message with their fate
    is the one she gets; Carla, who only follows, gets the followers' message."""
    from consulta.followup import followers

    carla = create_user(email="carla@example.pe")  # before the session writes
    slug = finished["slug"]
    consultation = consultation_of(slug)
    followers.follow(consultation, user=user(finished["ana"]))
    followers.follow(consultation, user=user(carla))
    db.session.commit()
    final_plan = prepare(slug, secretariat)
    give_reasons(slug, secretariat)
    operations.publish_final_plan(final_plan, actor=user(secretariat))
    db.session.commit()
    recipients = sorted(db.session.scalars(select(OutboxMessage.recipient)))
    assert recipients == ["ana@example.pe", "beto@example.pe", "carla@example.pe",
                          "rosa@example.pe"]
    ana = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.recipient == "ana@example.pe"))
    assert finished["codes"]["on_1"] in ana.body  # the fate of her contributions


def test_publishing_is_refused_while_responses_are_drafts_naming_them(
        finished, secretariat, in_request):
    slug, codes = finished["slug"], finished["codes"]
    final_plan = prepare(slug, secretariat)
    give_reasons(slug, secretariat)
    from consulta.contributions.models import Contribution

    contribution = db.session.scalar(select(Contribution).where(
        Contribution.tracking_code == codes["rejected"]))
    feedback_ops.save_response(
        contribution, actor=user(secretariat), outcome="out_of_scope",
        justification="Está fuera del alcance del plan. Corresponde a otra política.")
    db.session.commit()
    with pytest.raises(OperationError) as refused:
        operations.publish_final_plan(final_plan, actor=user(secretariat))
    assert codes["rejected"] in refused.value.message
    db.session.rollback()
    assert not final_plan_of(consultation_of(slug)).is_published
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_publishing_is_refused_while_a_change_has_no_reason(finished, secretariat, in_request):
    final_plan = prepare(finished["slug"], secretariat)
    with pytest.raises(OperationError) as refused:
        operations.publish_final_plan(final_plan, actor=user(secretariat))
    assert "compromiso 2" in refused.value.message and "compromiso 4" in refused.value.message


def test_only_a_published_version_is_approved(finished, secretariat, in_request):
    slug = finished["slug"]
    consultation = consultation_of(slug)
    draft = plan_ops.ensure_draft_version(consultation, actor=user(secretariat))
    db.session.flush()
    with pytest.raises(OperationError, match="versión publicada"):
        prepare(slug, secretariat, version=draft.number)
    with pytest.raises(OperationError, match="referencia"):
        prepare(slug, secretariat, approval_reference="  ")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(FinalPlan)) == 0


@pytest.fixture
def open_consultation(create_consultation, secretariat):
    return create_consultation(plan=PLAN, actor=secretariat)


def test_the_final_plan_waits_for_the_consultation_to_close(
        open_consultation, secretariat, in_request):
    with pytest.raises(OperationError, match="no ha cerrado"):
        prepare(open_consultation, secretariat, version=1)


def test_the_diff_lists_changes_field_by_field_merges_and_additions(
        finished, secretariat, in_request):
    slug = finished["slug"]
    final_plan = prepare(slug, secretariat)
    entries = {e.kind: e for e in give_reasons(slug, secretariat)}
    assert set(entries) == {"merged", "changed", "added"}
    assert entries["merged"].before.number == 2 and entries["merged"].merged_into.number == 1
    changed = entries["changed"]
    assert [(code, old, new) for code, _label, old, new in changed.fields] == [
        ("title", "Becas con datos abiertos", "Becas y créditos con datos abiertos")]
    assert entries["added"].after.number == 4
    assert all(e.reason for e in plan_diff(final_plan))
    # Not merged any more: removed.
    operations.save_changes(final_plan, actor=user(secretariat), reasons={},
                            merges={entries["merged"].lineage: ""})
    assert "removed" in {e.kind for e in plan_diff(final_plan)}


def test_a_merge_must_join_a_commitment_of_the_final_plan(finished, secretariat, in_request):
    slug = finished["slug"]
    final_plan = prepare(slug, secretariat)
    draft = lineages(slug, 1)
    with pytest.raises(OperationError):
        operations.save_changes(final_plan, actor=user(secretariat), reasons={},
                                merges={draft[1]: draft[3]})  # 1 was not removed
    with pytest.raises(OperationError):
        operations.save_changes(final_plan, actor=user(secretariat), reasons={},
                                merges={draft[2]: "nonexistent0"})


def test_contributions_are_traced_by_lineage_not_by_number(finished, secretariat, in_request):
    slug, codes = finished["slug"], finished["codes"]
    final_plan = prepare(slug, secretariat)
    give_reasons(slug, secretariat)
    shaped = shaping_contributions(final_plan)
    by_number = {c.number: c for c in final_plan.plan_version.commitments}
    traced = {number: sorted(c.tracking_code for c, _o in shaped.get(c.id, []))
              for number, c in by_number.items()}
    assert traced == {1: sorted([codes["on_1"], codes["on_2"]]),
                      3: sorted([codes["on_3"], codes["paper"]]), 4: []}
    from consulta.contributions.models import Contribution

    rejected = db.session.scalar(select(Contribution).where(
        Contribution.tracking_code == codes["rejected"]))
    assert landing_of(final_plan, rejected) == []


def test_a_removed_commitment_leaves_its_contributions_out(finished, secretariat, in_request):
    slug, codes = finished["slug"], finished["codes"]
    final_plan = prepare(slug, secretariat)
    give_reasons(slug, secretariat, merge=False)
    shaped = shaping_contributions(final_plan)
    traced = {c.tracking_code for rows in shaped.values() for c, _o in rows}
    assert codes["on_2"] not in traced and codes["on_1"] in traced


def test_publishing_without_telling_sets_no_notice(finished, secretariat, in_request):
    slug = finished["slug"]
    final_plan = prepare(slug, secretariat, forum_endorsed_on=None, forum_endorsement="")
    give_reasons(slug, secretariat)
    assert operations.publish_final_plan(final_plan, actor=user(secretariat),
                                         notify=False) == 0
    db.session.commit()
    assert final_plan.notified_at is None
    assert final_plan.approved_on == date(2026, 11, 30)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
