"""Followers: following and confirming, what followers are told (one message per
follower and event, in their language, with an unsubscribe link), the phase notices of
``send-follow-notices``, and the follower's address exported and erased with the account.

The fixtures here are shared with ``test_follow_views.py``.
"""

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from consulta.accounts.models import User
from consulta.consultations import operations as consultation_ops
from consulta.consultations.models import Consultation, Phase
from consulta.core.dates import local_today, utcnow
from consulta.core.mail import OutboxMessage
from consulta.core.operations import OperationError
from consulta.extensions import db
from consulta.finalplan import operations as finalplan_ops
from consulta.followup import followers
from consulta.followup.models import (
    Follower,
    Milestone,
    PhaseNotice,
    ProgressReport,
    ReportMilestone,
)
from consulta.followup.signals import report_published
from consulta.summary.operations import publish_summary

PLAN = json.dumps({
    "plan": {"title": "Plan de prueba"},
    "themes": [{"name": "Salud", "commitments": [
        {"number": 1, "title": "Observatorio de precios de medicamentos",
         "institution": "MINSA", "due": "2027-06"},
        {"number": 2, "title": "Quejas ciudadanas en línea"}]}],
}).encode()


def consultation_of(slug):
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def user(ref):
    return db.session.get(User, ref.id)


def count(model, *conditions):
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield
        db.session.remove()


@pytest.fixture
def secretariat(create_user):
    return create_user(roles=("secretariat",))


@pytest.fixture
def open_slug(create_consultation, secretariat):
    """A public consultation open now, with a published plan."""
    return create_consultation(plan=PLAN, actor=secretariat)


@pytest.fixture
def closed_slug(create_consultation, secretariat):
    """A public consultation closed yesterday, with a published plan."""
    return create_consultation(plan=PLAN, actor=secretariat, opens_in_days=-30,
                               closes_in_days=-1)


def publish_final_plan(app, slug, secretariat, *, notify=True):
    """Approve the consulted version as the final plan, through the operations; returns
    the ids of its commitments by number."""
    with app.test_request_context():
        consultation = consultation_of(slug)
        version = consultation.published_versions[0]
        final_plan = finalplan_ops.save_final_plan(
            consultation, actor=user(secretariat), plan_version_id=version.id,
            approval_reference="Resolución Ministerial N.° 123-2026-PCM",
            approved_on=date(2026, 11, 30))
        finalplan_ops.publish_final_plan(final_plan, actor=user(secretariat), notify=notify)
        db.session.commit()
        ids = {c.number: c.id for c in version.commitments}
        db.session.remove()
    return ids


@pytest.fixture
def final_plan(app, closed_slug, secretariat):
    """A published final plan: {"slug", "commitments": {number: id}}."""
    return {"slug": closed_slug,
            "commitments": publish_final_plan(app, closed_slug, secretariat)}


def publish_report(commitment_id, *, number=1, status="delayed", reason="Falta presupuesto."):
    """A published progress report made with the models, and ``report_published`` sent
    as the reports' operation sends it (inside a request context; commits)."""
    milestone = db.session.scalar(select(Milestone).where(
        Milestone.commitment_id == commitment_id))
    if milestone is None:
        milestone = Milestone(commitment_id=commitment_id, position=1,
                              description="Plataforma en línea", due="2027-03")
        db.session.add(milestone)
        db.session.flush()
    now = utcnow()
    report = ProgressReport(commitment_id=commitment_id, number=number,
                            as_of=date(2027, 1, 31), narrative="Avances del trimestre.",
                            state="published", published_at=now, created_at=now)
    report.milestones.append(ReportMilestone(milestone_id=milestone.id, status=status,
                                             percent=40, reason=reason))
    db.session.add(report)
    db.session.flush()
    report_published.send(report)
    db.session.commit()
    return report


def follow_by_address(target, email, locale="es", *, confirm=True):
    follower_state = followers.request_follow(target, email=email, locale=locale)
    follower = db.session.scalar(select(Follower).where(Follower.email == email.lower()))
    if confirm:
        followers.confirm_follow(follower)
    return follower_state, follower


def messages(recipient=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return db.session.scalars(query).all()


# --- following -----------------------------------------------------------------------

def test_an_account_follows_in_one_click_and_stops(open_slug, create_user, in_request):
    ana = create_user(email="ana@example.pe")
    consultation = consultation_of(open_slug)
    followers.follow(consultation, user=user(ana))
    db.session.commit()
    assert followers.box_state(consultation, user(ana)) == (1, True)
    with pytest.raises(OperationError):
        followers.follow(consultation, user=user(ana))
    followers.stop_following(consultation, user=user(ana))
    db.session.commit()
    assert followers.box_state(consultation, user(ana)) == (0, False)
    with pytest.raises(OperationError):
        followers.stop_following(consultation, user=user(ana))
    assert messages() == []  # an account is not asked to confirm


def test_an_address_follows_only_once_its_owner_confirms(final_plan, in_request):
    commitment = followers.followable_commitment(final_plan["commitments"][1])
    state, follower = follow_by_address(commitment, "Rosa@Example.pe", confirm=False)
    db.session.commit()
    assert state == "confirmation_sent" and follower.email == "rosa@example.pe"
    [confirmation] = messages("rosa@example.pe")
    assert confirmation.subject.startswith("Confirma que quieres seguir")
    assert "/follow/confirm/" in confirmation.body
    assert followers.follower_count(commitment) == 0
    publish_report(commitment.id)
    assert len(messages("rosa@example.pe")) == 1  # nothing before the confirmation
    token = confirmation.body.split("/follow/confirm/")[1].split()[0]
    assert followers.follower_for_confirmation(token) == follower
    assert followers.confirm_follow(follower) is True
    db.session.commit()
    assert followers.confirm_follow(follower) is False
    assert followers.follower_count(commitment) == 1
    publish_report(commitment.id, number=2)
    assert len(messages("rosa@example.pe")) == 2


def test_asking_again_sends_at_most_one_message_an_hour(final_plan, in_request):
    """An address already asking or following: nothing new saved, at most one message an
    hour (the confirmation again, or "you already follow it")."""
    commitment = followers.followable_commitment(final_plan["commitments"][1])
    follow_by_address(commitment, "rosa@example.pe", confirm=False)
    assert followers.request_follow(commitment, email="rosa@example.pe",
                                    locale="es") == "nothing_sent"
    db.session.commit()
    assert count(Follower) == 1 and len(messages()) == 1
    follower = db.session.scalar(select(Follower))
    follower.confirmation_sent_at -= timedelta(minutes=61)
    assert followers.request_follow(commitment, email="rosa@example.pe",
                                    locale="es") == "confirmation_sent"
    followers.confirm_follow(follower)
    assert followers.request_follow(commitment, email="rosa@example.pe",
                                    locale="en") == "nothing_sent"
    follower.confirmation_sent_at -= timedelta(minutes=61)
    assert followers.request_follow(commitment, email="rosa@example.pe",
                                    locale="en") == "already_following_sent"
    db.session.commit()
    assert count(Follower) == 1
    already = messages()[-1]
    # In the language its owner confirmed, not the one of whoever asked again.
    assert already.subject == 'Ya sigues "1. Observatorio de precios de medicamentos"'
    assert "/follow/unsubscribe/" in already.body


def test_a_changed_or_expired_confirmation_link_confirms_nothing(app, final_plan, in_request):
    commitment = followers.followable_commitment(final_plan["commitments"][1])
    _state, follower = follow_by_address(commitment, "rosa@example.pe", confirm=False)
    token = followers.make_confirmation_token(follower)
    with pytest.raises(followers.InvalidFollowToken):
        followers.follower_for_confirmation(token[:-2] + ("A" if token[-2] != "A" else "B")
                                            + token[-1])
    app.config["FOLLOW_CONFIRMATION_MAX_AGE"] = -1
    try:
        with pytest.raises(followers.ExpiredFollowToken):
            followers.follower_for_confirmation(token)
    finally:
        app.config["FOLLOW_CONFIRMATION_MAX_AGE"] = 48 * 3600
    # A follow stopped and asked again has a new key: the old link does not confirm it.
    followers.unsubscribe(follower)
    follow_by_address(commitment, "rosa@example.pe", confirm=False)
    with pytest.raises(followers.InvalidFollowToken):
        followers.follower_for_confirmation(token)


def test_only_public_consultations_and_published_final_plans_are_followable(
        app, create_consultation, closed_slug, secretariat, in_request):
    private = create_consultation(announced=False, plan=PLAN, actor=secretariat)
    assert followers.followable_consultation(private) is None
    assert followers.followable_consultation(closed_slug) is not None
    consultation = consultation_of(closed_slug)
    draft_commitment = consultation.published_versions[0].commitments[0]
    assert followers.followable_commitment(draft_commitment.id) is None  # no final plan
    finalplan_ops.save_final_plan(consultation, actor=user(secretariat),
                                  plan_version_id=consultation.published_versions[0].id,
                                  approval_reference="RM 1", approved_on=date(2026, 11, 30))
    db.session.commit()
    assert followers.followable_commitment(draft_commitment.id) is None  # not published


# --- what followers are told ---------------------------------------------------------

def test_a_published_report_tells_each_follower_once_in_their_language(
        final_plan, create_user, in_request):
    commitment_id = final_plan["commitments"][1]
    commitment = followers.followable_commitment(commitment_id)
    ana = create_user(email="ana@example.pe")
    john = create_user(email="john@example.org", locale="en")
    gone = create_user(email="gone@example.pe")
    for account in (ana, john, gone):
        followers.follow(commitment, user=user(account))
    follow_by_address(commitment, "ana@example.pe")  # the same person, also by address
    follow_by_address(commitment, "lucia@example.pe", locale="en")
    follow_by_address(commitment, "pending@example.pe", confirm=False)
    # The other commitment's follower hears nothing of this one.
    follow_by_address(followers.followable_commitment(final_plan["commitments"][2]),
                      "otro@example.pe")
    user(gone).deleted_at = utcnow()
    db.session.commit()
    before = {m.id for m in messages()}
    report = publish_report(commitment_id)
    new = [m for m in messages() if m.id not in before]
    assert sorted(m.recipient for m in new) == ["ana@example.pe", "john@example.org",
                                                "lucia@example.pe"]
    by = {m.recipient: m for m in new}
    assert by["ana@example.pe"].subject == (
        'Nuevo reporte de avance de "1. Observatorio de precios de medicamentos"')
    assert "Retrasado, 40 % (Falta presupuesto.)" in by["ana@example.pe"].body
    assert by["ana@example.pe"].user_id == ana.id
    assert by["john@example.org"].subject == (
        'New progress report on "1. Observatorio de precios de medicamentos"')
    assert by["lucia@example.pe"].subject.startswith("New progress report")
    for message in new:
        assert "/follow/unsubscribe/" in message.body
        # The report itself, with its evidence (not the commitment in the final plan).
        assert f"/follow-up/reports/{report.id}\n" in message.body


def test_the_summary_and_the_final_plan_are_told_to_the_consultations_followers(
        app, closed_slug, secretariat, create_user):
    ana = create_user(email="ana@example.pe")
    with app.test_request_context():
        consultation = consultation_of(closed_slug)
        followers.follow(consultation, user=user(ana))
        follow_by_address(consultation, "rosa@example.pe", locale="en")
        db.session.commit()
        before = len(messages())
        publish_summary(consultation, actor=user(secretariat))
        db.session.commit()
        subjects = sorted(m.subject for m in messages()[before:])
        assert subjects == ['El resumen de "Consulta de prueba" está publicado',
                            'The summary of "Consulta de prueba" is published']
        publish_summary(consultation_of(closed_slug), actor=user(secretariat))
        db.session.commit()
        assert messages("ana@example.pe")[-1].subject == (
            'Se publicó una nueva versión del resumen de "Consulta de prueba"')
        db.session.remove()
    publish_final_plan(app, closed_slug, secretariat)
    with app.app_context():
        [ana_plan] = [m for m in messages("ana@example.pe") if "plan final" in m.subject]
        assert ana_plan.subject == 'El plan final de "Consulta de prueba" está publicado'
        assert "/consultations/" + closed_slug + "/final-plan" in ana_plan.body
        assert len(messages("rosa@example.pe")) == 4  # confirmation, 2 summaries, plan


def test_a_final_plan_of_the_past_is_told_to_nobody(app, closed_slug, secretariat,
                                                    create_user):
    ana = create_user(email="ana@example.pe")
    with app.test_request_context():
        followers.follow(consultation_of(closed_slug), user=user(ana))
        db.session.commit()
    publish_final_plan(app, closed_slug, secretariat, notify=False)
    with app.app_context():
        assert messages() == []


def test_a_change_of_dates_is_told_once_per_transaction_with_its_reasons(
        app, open_slug, secretariat, create_user, in_request):
    ana = create_user(email="ana@example.pe")
    consultation = consultation_of(open_slug)
    followers.follow(consultation, user=user(ana))
    db.session.commit()
    # The closing and a phase move in one request: one message, with both reasons.
    consultation_ops.update_consultation(
        consultation, actor=user(secretariat), reason="Pedido de las regiones.",
        closes_at=consultation.closes_at + timedelta(days=7))
    phase = consultation.phases[0]
    consultation_ops.save_phase(consultation, actor=user(secretariat), phase=phase,
                                name=phase.name, starts_on=phase.starts_on,
                                ends_on=phase.ends_on + timedelta(days=7),
                                reason="Un plazo mayor para los talleres.")
    db.session.commit()
    [message] = messages("ana@example.pe")
    assert message.subject == 'Cambiaron las fechas de "Consulta de prueba"'
    assert "Pedido de las regiones. Un plazo mayor para los talleres." in message.body
    assert "Recepción de aportes" in message.body
    # A change rolled back is told to nobody.
    consultation = consultation_of(open_slug)
    phase = consultation.phases[0]
    consultation_ops.save_phase(consultation, actor=user(secretariat), phase=phase,
                                name=phase.name, starts_on=phase.starts_on,
                                ends_on=phase.ends_on + timedelta(days=1), reason="Otro.")
    db.session.rollback()
    consultation_ops.update_consultation(consultation_of(open_slug), actor=user(secretariat),
                                         summary="Otro resumen.")
    db.session.commit()
    assert len(messages("ana@example.pe")) == 1


def test_send_follow_notices_tells_each_phase_start_once(app, open_slug, create_consultation,
                                                         secretariat, create_user):
    ana = create_user(email="ana@example.pe")
    recorded = create_consultation(plan=PLAN, actor=secretariat, opens_in_days=-60,
                                   closes_in_days=-40, title="Consulta del pasado")
    with app.test_request_context():
        today = local_today()
        consultation = consultation_of(open_slug)
        # The fixture's phase began 7 days ago: old news, never told.
        consultation.phases.append(Phase(position=2, name="Talleres regionales",
                                         starts_on=today, ends_on=today + timedelta(days=5),
                                         description="Talleres en Cusco y Piura."))
        consultation.phases.append(Phase(position=3, name="Sistematización",
                                         starts_on=today + timedelta(days=6),
                                         ends_on=today + timedelta(days=9)))
        followers.follow(consultation, user=user(ana))
        past = consultation_of(recorded)
        past.recorded_after_at = utcnow()
        past.phases.append(Phase(position=2, name="Cierre", starts_on=today,
                                 ends_on=today))
        followers.follow(past, user=user(ana))
        # An unconfirmed follow whose link expired is forgotten by the run.
        _state, stale = follow_by_address(consultation, "old@example.pe", confirm=False)
        stale.confirmation_sent_at = utcnow() - timedelta(days=3)
        db.session.commit()
        db.session.remove()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-follow-notices", "--base-url",
                                 "https://consulta.example.pe/"])
    assert result.exit_code == 0, result.output
    assert "1 phase start(s) told in 1 message(s); 1 unconfirmed" in result.output
    with app.app_context():
        [message] = messages("ana@example.pe")
        assert message.subject == ('"Consulta de prueba": comienza la fase '
                                   '"Talleres regionales"')
        assert "Talleres en Cusco y Piura." in message.body
        assert "https://consulta.example.pe/follow/unsubscribe/" in message.body
        assert count(Follower, Follower.email == "old@example.pe") == 0
    again = runner.invoke(args=["send-follow-notices"])
    assert "0 phase start(s) told" in again.output
    with app.app_context():
        assert len(messages()) == 1 + 1  # the stale address's confirmation, and the notice
        assert count(PhaseNotice) == 1


# --- personal data ------------------------------------------------------------------

def test_follows_are_exported_and_erased_with_the_account(app, client, final_plan,
                                                          create_user):
    from tests.conftest import login

    ana = create_user(email="ana@example.pe")
    with app.test_request_context():
        commitment = followers.followable_commitment(final_plan["commitments"][1])
        followers.follow(consultation_of(final_plan["slug"]), user=user(ana))
        follow_by_address(commitment, "ana@example.pe")
        follow_by_address(commitment, "otra@example.pe")
        db.session.commit()
        db.session.remove()
    login(client, ana)
    exported = client.get("/account/export").get_json()["follows"]
    assert [(f["with"], f["commitment"] and f["commitment"]["number"]) for f in exported] == [
        ("account", None), ("address", 1)]
    assert exported[1]["email"] == "ana@example.pe"
    assert "otra@example.pe" not in json.dumps(exported)
    response = client.post_form("/account/delete", {"password": ana.password, "confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert [f.email for f in db.session.scalars(select(Follower))] == ["otra@example.pe"]
