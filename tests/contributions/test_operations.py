"""The operations on contributions, supports and events, called directly.

Each test works inside one request context, as a view would: it calls the operations
and commits (or sees the refusal and rolls back), then reads what was stored. Accounts,
consultations and most contributions come from the factories (tests/conftest.py).
"""

from datetime import date, datetime, time, timedelta

import pytest

from consulta.consultations import operations as consultations
from consulta.consultations.signals import plan_page
from consulta.contributions import operations
from consulta.contributions.models import Contribution, Support
from consulta.contributions.signals import contribution_submitted
from consulta.core.dates import local_to_utc, local_today, utc_to_local
from consulta.core.signals import merged_values
from consulta.extensions import db

from ..conftest import iv_plan_json
from .conftest import (
    audit_entries,
    commitment_ids,
    component_ids,
    consultation_of,
    contribution_of,
    count,
    refusal,
    user_of,
)

SHEET = {"title": "Observatorio ciudadano de precios de medicamentos",
         "problem": "Los precios varían sin control.",
         "objective": "Que la ciudadanía pueda vigilar los precios.",
         "responsible": "DIGEMID", "co_responsible": ["INDECOPI", "Defensoría del Pueblo"],
         "actions": [{"description": "Diseñar el observatorio", "start": "2026-03",
                      "end": "2026-06"}],
         "due": "2027-03", "body": "Propuesta de la mesa de salud."}


def submit(consultation, author, **arguments):
    """submit_contribution with the receipt off unless asked for."""
    arguments.setdefault("notify", False)
    return operations.submit_contribution(consultation, author=author, **arguments)


# --- sending through the web ---------------------------------------------------------

def test_a_proposal_is_stored_with_its_sheet_the_authors_data_and_a_tracking_code(
        app, slug, create_user):
    author = create_user(sector="civil_society", region="cusco")
    with app.test_request_context():
        consultation = consultation_of(slug)
        salud = component_ids(consultation)["Salud"]
        proposal, created = submit(consultation, user_of(author), kind="proposal",
                                   values={**SHEET, "component_id": salud})
        db.session.commit()
        assert created
        year = utc_to_local(proposal.created_at).year
        assert proposal.tracking_code == f"APO-{year}-{proposal.id:06d}"
        assert (proposal.kind, proposal.channel, proposal.author_id) == (
            "proposal", "web", author.id)
        assert (proposal.sector, proposal.region) == ("civil_society", "cusco")
        assert (proposal.component_id, proposal.plan_version_id) == (
            salud, consultation.published_plan.id)
        assert {k: getattr(proposal, k) for k in SHEET} == SHEET
        assert proposal.target is None and proposal.search_document


def test_a_proposal_needs_a_component_of_its_consultation(app, slug, create_user,
                                                          create_consultation):
    other = create_consultation(title="Otra", plan=iv_plan_json())
    author = create_user()
    with app.test_request_context():
        foreign = component_ids(consultation_of(other))["Salud"]
        for component_id, expected in ((None, "Elige un componente."),
                                       (foreign, "Elige un componente de esta consulta.")):
            assert refusal(lambda component_id=component_id: submit(
                consultation_of(slug), user_of(author), kind="proposal",
                values={**SHEET, "component_id": component_id})) == expected
        assert refusal(lambda: submit(consultation_of(slug), user_of(author), kind="idea",
                                      values=SHEET)) == "Tipo de aporte desconocido."
        assert count() == 0


def test_comments_are_about_a_commitment_a_section_the_plan_or_a_proposal(
        app, slug, create_user, create_contribution):
    secretariat, author = create_user(roles=("secretariat",)), create_user()
    proposal_code = create_contribution(slug, kind="proposal")
    with app.test_request_context():
        actor = user_of(secretariat)
        draft = consultations.ensure_draft_version(consultation_of(slug), actor=actor)
        section = consultations.save_section(draft, actor=actor, title="Presentación")
        version = consultations.publish_plan_version(consultation_of(slug), actor=actor)
        db.session.commit()
        consultation, proposal = consultation_of(slug), contribution_of(proposal_code)
        five = commitment_ids(consultation)[5]
        made = {target: submit(consultation, user_of(author), kind="comment",
                               values={"body": f"Sobre {target}."}, target=target,
                               target_id=target_id)[0]
                for target, target_id in (("commitment", five), ("section", section.id),
                                          ("plan", None), ("proposal", proposal.id))}
        db.session.commit()
        columns = {target: (c.target, c.commitment_id, c.section_id, c.parent_id,
                            c.plan_version_id) for target, c in made.items()}
        assert columns == {
            "commitment": ("commitment", five, None, None, version.id),
            "section": ("section", None, section.id, None, version.id),
            "plan": ("plan", None, None, None, version.id),
            "proposal": ("proposal", None, None, proposal.id, version.id),
        }


def test_what_a_comment_is_about_must_be_current_visible_and_of_this_consultation(
        app, slug, create_user, create_consultation, create_contribution):
    other = create_consultation(title="Otra", plan=iv_plan_json())
    without_plan = create_consultation(title="Sin plan")
    secretariat, author, moderator = (create_user(roles=("secretariat",)), create_user(),
                                      create_user(roles=("moderator",)))
    hidden, withdrawn, comment = (create_contribution(slug, kind="proposal"),
                                  create_contribution(slug, kind="proposal"),
                                  create_contribution(slug))
    with app.test_request_context():
        old_five = commitment_ids(consultation_of(slug))[5]
        foreign_five = commitment_ids(consultation_of(other))[5]
        actor = user_of(secretariat)
        consultations.ensure_draft_version(consultation_of(slug), actor=actor)
        consultations.publish_plan_version(consultation_of(slug), actor=actor)
        hidden_proposal = contribution_of(hidden)
        hidden_proposal.hidden_at, hidden_proposal.hidden_reason = (
            hidden_proposal.created_at, "spam")
        hidden_proposal.hidden_by_id = moderator.id
        withdrawn_proposal = contribution_of(withdrawn)
        operations.withdraw_contribution(withdrawn_proposal,
                                         user=withdrawn_proposal.author)
        db.session.commit()
        cases = {
            ("commitment", old_five): "Ese compromiso no forma parte",  # version 1
            ("commitment", foreign_five): "Ese compromiso no forma parte",
            ("section", 999999): "Esa sección no forma parte",
            ("proposal", contribution_of(hidden).id): "Esa propuesta no forma parte",
            ("proposal", contribution_of(withdrawn).id): "Esa propuesta no forma parte",
            ("proposal", contribution_of(comment).id): "Esa propuesta no forma parte",
            ("nothing", None): "Elige sobre qué trata tu comentario.",
        }
        for (target, target_id), expected in cases.items():
            message = refusal(lambda target=target, target_id=target_id: submit(
                consultation_of(slug), user_of(author), kind="comment",
                values={"body": "x"}, target=target, target_id=target_id))
            assert message.startswith(expected), (target, message)
        assert refusal(lambda: submit(consultation_of(without_plan), user_of(author),
                                      kind="comment", values={"body": "x"}, target="plan")
                       ) == "El borrador del plan aún no ha sido publicado."
        assert count() == 3


@pytest.mark.parametrize("when,expected", [
    ({"opens_in_days": 5, "closes_in_days": 30}, "Esta consulta aún no está abierta"),
    ({"opens_in_days": -30, "closes_in_days": -1}, "Esta consulta cerró el"),
    ({"announced": False}, "Esta consulta no es pública."),
])
def test_nothing_is_received_unless_the_consultation_is_open(app, create_consultation,
                                                             create_user, when, expected):
    slug = create_consultation(plan=iv_plan_json(), **when)
    author = create_user()
    with app.test_request_context():
        message = refusal(lambda: submit(consultation_of(slug), user_of(author),
                                         kind="comment", values={"body": "x"}, target="plan"))
        assert message.startswith(expected)
        assert count() == 0


def test_an_unconfirmed_account_cannot_take_part(app, slug, create_user, create_contribution):
    unconfirmed = create_user(confirmed=False)
    code = create_contribution(slug, kind="proposal")
    with app.test_request_context():
        expected = "Confirma tu correo electrónico antes de participar."
        assert refusal(lambda: submit(consultation_of(slug), user_of(unconfirmed),
                                      kind="comment", values={"body": "x"},
                                      target="plan")) == expected
        assert refusal(lambda: operations.support_proposal(
            contribution_of(code), user=user_of(unconfirmed))) == expected


def test_on_behalf_of_an_organization_only_as_an_approved_member(
        app, slug, create_user, create_organization):
    member, outsider, founder = create_user(), create_user(), create_user()
    approved = create_organization(admin=member)
    pending = create_organization(admin=founder, approved=False)
    with app.test_request_context():
        sent, _created = submit(consultation_of(slug), user_of(member), kind="comment",
                                values={"body": "En nombre de la red."}, target="plan",
                                organization_id=approved)
        db.session.commit()
        assert sent.organization_id == approved
        for user, organization in ((outsider, approved), (founder, pending)):
            assert refusal(lambda user=user, organization=organization: submit(
                consultation_of(slug), user_of(user), kind="comment", values={"body": "x"},
                target="plan", organization_id=organization)).startswith(
                "Solo puedes enviar aportes en nombre de una organización")
        assert count() == 1


def test_a_form_sent_twice_makes_one_contribution_and_only_its_author_gets_it(
        app, slug, create_user):
    author, other = create_user(), create_user()
    with app.test_request_context():
        first, created = submit(consultation_of(slug), user_of(author), kind="comment",
                                values={"body": "Una vez."}, target="plan",
                                submission_token="el-formulario")
        db.session.commit()
        again, created_again = submit(consultation_of(slug), user_of(author), kind="comment",
                                      values={"body": "Una vez."}, target="plan",
                                      submission_token="el-formulario")
        assert (created, created_again, again.id) == (True, False, first.id)
        assert refusal(lambda: submit(
            consultation_of(slug), user_of(other), kind="comment", values={"body": "x"},
            target="plan", submission_token="el-formulario")).startswith(
            "Este formulario ya fue utilizado")
        assert count() == 1


# --- the audit log ----------------------------------------------------------------------

def test_a_submission_is_audited_once_even_when_the_form_is_sent_again(app, slug,
                                                                      create_user):
    author = create_user(display_name="Rosa Quispe")
    with app.test_request_context():
        consultation = consultation_of(slug)
        sent = [operations.submit_contribution(
            consultation, author=user_of(author), kind="comment", values={"body": "Hola."},
            target="plan", submission_token="el-mismo-formulario", notify=False)
            for _ in range(2)]
        db.session.commit()
        assert [created for _c, created in sent] == [True, False]
        [entry] = audit_entries("contribution.submitted")
        contribution = sent[0][0]
        assert (entry.actor_id, entry.consultation_id) == (author.id, consultation.id)
        assert (entry.object_type, entry.object_id) == ("contributions", contribution.id)
        assert entry.after == {"code": contribution.tracking_code, "channel": "web",
                               "kind": "comment"}


def test_a_submission_audit_entry_holds_no_personal_data(app, slug, create_user,
                                                         create_contribution):
    author = create_user(display_name="Rosa Quispe", email="rosa.quispe@example.pe")
    create_contribution(slug, author=author, kind="proposal")
    with app.app_context():
        [entry] = audit_entries("contribution.submitted")
        recorded = repr((entry.before, entry.after))
        assert "Rosa" not in recorded and "example.pe" not in recorded
        assert entry.after["kind"] == "proposal"


def test_supports_are_audited_once_each_way(app, slug, create_user, create_contribution):
    code = create_contribution(slug, kind="proposal")
    fan = create_user()
    with app.test_request_context():
        proposal, user = contribution_of(code), user_of(fan)
        assert operations.support_proposal(proposal, user=user) is True
        assert operations.support_proposal(proposal, user=user) is False  # a double click
        db.session.commit()
        [given] = audit_entries("support.given")
        assert (given.actor_id, given.consultation_id) == (fan.id, proposal.consultation_id)
        assert (given.object_type, given.object_id) == ("contributions", proposal.id)
        assert (given.before, given.after) == ({"supported": False}, {"supported": True})
        assert operations.withdraw_support(proposal, user=user) is True
        assert operations.withdraw_support(proposal, user=user) is False
        db.session.commit()
        [withdrawn] = audit_entries("support.withdrawn")
        assert withdrawn.actor_id == fan.id
        assert (withdrawn.before, withdrawn.after) == ({"supported": True},
                                                       {"supported": False})
        assert count(Support) == 0
        assert len(audit_entries("support.given")) == 1


# --- the author's corrections and withdrawals ------------------------------------------

def test_the_author_corrects_a_contribution_within_the_edit_window(app, slug, create_user,
                                                                   create_contribution):
    author, other = create_user(), create_user()
    code = create_contribution(slug, author=author, kind="proposal")
    with app.test_request_context():
        proposal = contribution_of(code)
        operations.correct_contribution(
            proposal, user=user_of(author),
            values={"component_id": proposal.component_id, "title": "Título corregido",
                    "problem": proposal.problem})
        db.session.commit()
        proposal = contribution_of(code)
        assert (proposal.title, proposal.updated_at is not None) == ("Título corregido", True)
        [entry] = audit_entries("contribution.corrected")
        assert entry.actor_id == author.id
        assert (entry.before, entry.after) == ({"title": "Una propuesta de compromiso"},
                                               {"title": "Título corregido"})
        too_late = "Este aporte ya no se puede modificar"
        assert refusal(lambda: operations.correct_contribution(
            contribution_of(code), user=user_of(other), values={"title": "Ajeno"})
        ).startswith(too_late)
        minutes = app.config["CONTRIBUTION_EDIT_MINUTES"]
        contribution_of(code).created_at -= timedelta(minutes=minutes + 1)
        db.session.commit()
        assert refusal(lambda: operations.correct_contribution(
            contribution_of(code), user=user_of(author), values={"title": "Tarde"})
        ).startswith(too_late)
        assert contribution_of(code).title == "Título corregido"


def test_the_author_withdraws_a_contribution_which_is_kept(app, slug, create_user,
                                                          create_contribution):
    author, other = create_user(), create_user()
    code = create_contribution(slug, author=author)
    with app.test_request_context():
        assert refusal(lambda: operations.withdraw_contribution(
            contribution_of(code), user=user_of(other))) == "Este aporte no se puede retirar."
        operations.withdraw_contribution(contribution_of(code), user=user_of(author))
        db.session.commit()
        assert contribution_of(code).is_withdrawn and count() == 1
        [entry] = audit_entries("contribution.withdrawn")
        assert (entry.actor_id, entry.after) == (author.id, {"withdrawn": True})
        assert refusal(lambda: operations.withdraw_contribution(
            contribution_of(code), user=user_of(author))) == "Este aporte no se puede retirar."


# --- supports ----------------------------------------------------------------------------

def test_supports_are_counted_once_per_person(app, slug, create_user, create_contribution):
    author, fans = create_user(), [create_user(), create_user()]
    code = create_contribution(slug, author=author, kind="proposal")
    with app.test_request_context():
        assert refusal(lambda: operations.support_proposal(
            contribution_of(code), user=user_of(author))) == "No puedes apoyar tu propia propuesta."
        for fan in fans:
            assert operations.support_proposal(contribution_of(code), user=user_of(fan))
        assert not operations.support_proposal(contribution_of(code), user=user_of(fans[0]))
        db.session.commit()
        assert (contribution_of(code).supports_count, count(Support)) == (2, 2)
        assert operations.withdraw_support(contribution_of(code), user=user_of(fans[0]))
        db.session.commit()
        db.session.expire_all()
        assert (contribution_of(code).supports_count, count(Support)) == (1, 1)


def test_only_standing_proposals_of_open_consultations_are_supported(
        app, create_consultation, create_user, create_contribution):
    slug = create_consultation(plan=iv_plan_json())
    author, fan = create_user(), create_user()
    comment = create_contribution(slug)
    withdrawn = create_contribution(slug, author=author, kind="proposal")
    closing = create_contribution(slug, kind="proposal")
    with app.test_request_context():
        operations.withdraw_contribution(contribution_of(withdrawn), user=user_of(author))
        db.session.commit()
        assert refusal(lambda: operations.support_proposal(
            contribution_of(comment), user=user_of(fan))) == "Solo se pueden apoyar propuestas."
        assert refusal(lambda: operations.support_proposal(
            contribution_of(withdrawn), user=user_of(fan))) == (
            "Esta propuesta fue retirada por su autor: no se puede apoyar.")
        consultation = consultation_of(slug)
        consultation.closes_at = consultation.opens_at + timedelta(days=1)  # closed now
        db.session.commit()
        assert refusal(lambda: operations.support_proposal(
            contribution_of(closing), user=user_of(fan))).startswith("Esta consulta cerró el")
        assert count(Support) == 0


# --- offline channels ----------------------------------------------------------------

def record(slug, moderator, **arguments):
    arguments.setdefault("kind", "comment")
    arguments.setdefault("channel", "written")
    arguments.setdefault("values", {"title": "Hoja del taller", "body": "Lo que se dijo."})
    return operations.record_offline_contribution(consultation_of(slug),
                                                  moderator=user_of(moderator), **arguments)


def test_a_moderator_types_in_what_arrived_offline(app, slug, create_user, create_event,
                                                   create_contribution):
    moderator = create_user(roles=("moderator",))
    event_id = create_event(slug)
    proposal_code = create_contribution(slug, kind="proposal")
    with app.test_request_context():
        consultation = consultation_of(slug)
        five = commitment_ids(consultation)[5]
        sheet = record(slug, moderator, kind="proposal", channel="workshop",
                       values={"title": "Plataforma de servicios",
                               "component_id": component_ids(consultation)["Salud"]},
                       event_id=event_id, received_on=date(2026, 5, 11),
                       received_outside_window=True, author_name="Juana Pérez",
                       author_name_public=True,
                       author_email=" Juana@Example.PE ", sector="citizen",
                       region="la-libertad")
        on_five = record(slug, moderator, commitment_id=five)
        on_proposal = record(slug, moderator, values={
            "title": "Sobre la propuesta", "parent_id": contribution_of(proposal_code).id})
        on_plan = record(slug, moderator, author_name_public=True)
        db.session.commit()
        assert (sheet.channel, sheet.event_id, sheet.received_on) == (
            "workshop", event_id, date(2026, 5, 11))
        assert (sheet.author_id, sheet.entered_by_id) == (None, moderator.id)
        assert (sheet.author_email, sheet.author_name_public) == ("juana@example.pe", True)
        # The year it was received, not the year it was typed in.
        assert sheet.tracking_code == f"APO-2026-{sheet.id:06d}"
        assert (on_five.target, on_five.commitment_id) == ("commitment", five)
        assert (on_proposal.target, on_proposal.parent_id) == (
            "proposal", contribution_of(proposal_code).id)
        assert on_plan.target == "plan"
        assert on_plan.author_name_public is False  # no name to publish
        entries = audit_entries("contribution.entered_offline")
        assert [e.actor_id for e in entries] == [moderator.id] * 4
        assert entries[0].after == {"code": sheet.tracking_code, "channel": "workshop",
                                    "kind": "proposal", "event_id": event_id,
                                    "received_on": "2026-05-11",
                                    "received_outside_window": True}
        assert "juana" not in repr([e.after for e in entries]).lower()


def test_offline_input_is_refused_where_it_does_not_belong(app, slug, create_user,
                                                           create_event, create_consultation):
    other = create_consultation(title="Otra", plan=iv_plan_json())
    private = create_consultation(title="Privada", announced=False, plan=iv_plan_json())
    moderator = create_user(roles=("moderator",))
    foreign_event = create_event(other)
    with app.test_request_context():
        assert refusal(lambda: record(slug, moderator, event_id=foreign_event)
                       ) == "Elige un evento de esta consulta."
        assert refusal(lambda: record(slug, moderator, kind="proposal",
                                      values={"title": "Sin componente"})
                       ) == "Elige un componente."
        assert refusal(lambda: record(private, moderator)) == "Esta consulta no es pública."
        assert count() == 0


def test_offline_input_sent_twice_is_stored_once(app, slug, create_user):
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        first = record(slug, moderator, submission_token="la-hoja")
        db.session.commit()
        again = record(slug, moderator, submission_token="la-hoja")
        assert again.id == first.id and count() == 1
        assert len(audit_entries("contribution.entered_offline")) == 1


def test_a_correction_of_offline_input_is_audited_without_the_email(app, slug, create_user,
                                                                    create_contribution):
    moderator = create_user(roles=("moderator",))
    typed = create_contribution(slug, channel="written", author_email="autora@example.pe",
                                sector="citizen")
    web = create_contribution(slug)
    with app.test_request_context():
        assert refusal(lambda: operations.correct_offline_contribution(
            contribution_of(web), moderator=user_of(moderator), values={"title": "x"},
            details={})).startswith("Aquí solo se pueden corregir aportes registrados")
        operations.correct_offline_contribution(
            contribution_of(typed), moderator=user_of(moderator),
            values={"title": "Carta", "body": "Sin el error de tipeo."},
            details={"channel": "email", "author_email": "otra@example.pe",
                     "sector": "academia"})
        db.session.commit()
        corrected = contribution_of(typed)
        assert (corrected.channel, corrected.body, corrected.sector) == (
            "email", "Sin el error de tipeo.", "academia")
        assert corrected.author_email == "otra@example.pe"
        [entry] = audit_entries("contribution.corrected_offline")
        assert entry.before == {"title": None, "body": "Un comentario sobre el plan.",
                                "channel": "written", "sector": "citizen"}
        assert entry.after == {"title": "Carta", "body": "Sin el error de tipeo.",
                               "channel": "email", "sector": "academia"}


def test_events_are_saved_with_their_attendance(app, slug, create_user):
    moderator = create_user(roles=("moderator",))
    details = {"kind": "workshop", "title": "Taller descentralizado - La Libertad",
               "held_on": date(2026, 5, 11), "place": "Trujillo", "region": "la-libertad",
               "description": ""}
    with app.test_request_context():
        event = operations.save_event(
            consultation_of(slug), actor=user_of(moderator), **details,
            attendance=[("regional_government", 38, 13), ("local_government", 8, 1),
                        ("civil_society", 4, 3)])
        db.session.commit()
        assert (event.total_participants, event.total_women) == (50, 17)
        operations.save_event(consultation_of(slug), actor=user_of(moderator), event=event,
                              **{**details, "title": "Taller - La Libertad"},
                              attendance=[("academia", 10, 6)])
        db.session.commit()
        assert [(a.sector, a.participants) for a in event.attendance] == [("academia", 10)]
        assert [(e.action, e.after["participants"]) for e in
                audit_entries("event.created") + audit_entries("event.updated")] == [
            ("event.created", 50), ("event.updated", 10)]


# --- what the parts above hear and add ------------------------------------------------------

def test_a_web_contribution_sends_its_receipt_through_the_signal(app, slug, create_user,
                                                                 outbox):
    author = create_user(email="rosa@example.pe")
    heard = []

    def listener(contribution, **extra):
        heard.append((contribution.id, extra))

    with app.test_request_context(), contribution_submitted.connected_to(listener):
        sent, _created = submit(consultation_of(slug), user_of(author), kind="comment",
                                values={"body": "Con acuse."}, target="plan", notify=True)
        quiet, _created = submit(consultation_of(slug), user_of(author), kind="comment",
                                 values={"body": "Sin acuse."}, target="plan", notify=False)
        db.session.commit()
        code = sent.tracking_code
        assert heard == [(sent.id, {"notify": True}), (quiet.id, {"notify": False})]
    [receipt] = outbox("rosa@example.pe")
    assert receipt.subject == f"Recibimos tu aporte {code}"
    assert f"/contributions/{code}" in receipt.body


def test_offline_input_sends_no_receipt(app, slug, create_user, outbox):
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        record(slug, moderator, author_email="autora@example.pe")
        db.session.commit()
    assert outbox() == []


def test_the_plan_page_hears_how_many_contributions_concern_each_commitment(
        app, slug, create_user, create_contribution):
    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        commitments = commitment_ids(consultation_of(slug))
    create_contribution(slug, target="commitment", target_id=commitments[5])
    create_contribution(slug, target="commitment", target_id=commitments[5])
    author = create_user()
    withdrawn = create_contribution(slug, author=author, target="commitment",
                                    target_id=commitments[7])
    classified = create_contribution(slug, kind="proposal")
    with app.test_request_context():
        operations.withdraw_contribution(contribution_of(withdrawn), user=user_of(author))
        # Moderators classified the proposal under commitment 9 (version 1).
        contribution_of(classified).classified_commitment_id = commitments[9]
        # A new version of the plan: the counts follow the commitments' numbers.
        actor = user_of(secretariat)
        consultations.ensure_draft_version(consultation_of(slug), actor=actor)
        consultations.publish_plan_version(consultation_of(slug), actor=actor)
        db.session.commit()
        assert merged_values(plan_page, consultation_of(slug)) == {
            "counts": {5: {"comment": 2}, 9: {"proposal": 1}}}
        assert count(Contribution) == 4


# --- the received date, and voiding a record typed in by mistake ---------------------

def test_a_typed_in_record_is_received_at_the_start_of_its_day_and_coded_with_its_year(
        app, slug, create_user):
    moderator, author = create_user(roles=("moderator",)), create_user()
    with app.test_request_context():
        sheet = record(slug, moderator, received_on=date(2016, 6, 14), channel="workshop",
                       received_outside_window=True)
        unknown = record(slug, moderator)
        web, _created = submit(consultation_of(slug), user_of(author), kind="comment",
                               values={"body": "Por la web."}, target="plan")
        db.session.commit()
        received = utc_to_local(sheet.received_at)
        assert (received.date(), received.hour, received.minute) == (date(2016, 6, 14), 0, 0)
        assert sheet.recorded_at == sheet.created_at > sheet.received_at
        assert sheet.tracking_code == f"APO-2016-{sheet.id:06d}"
        # Nobody knew the day: the typing moment stands for it.
        assert unknown.received_on is None and unknown.received_at == unknown.created_at
        # Sent through the web: received when sent.
        assert web.received_at == web.created_at and web.received_on is None


def test_a_received_date_in_the_future_or_absurd_is_refused(app, slug, create_user):
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        tomorrow = local_today() + timedelta(days=1)
        assert refusal(lambda: record(slug, moderator, received_on=tomorrow)) == (
            "La fecha de recepción no puede estar en el futuro.")
        assert refusal(lambda: record(slug, moderator, received_on=date(1999, 12, 31))) == (
            "La fecha de recepción no puede ser anterior al 1 de enero de 2000.")
        assert count() == 0
        # The limits themselves are accepted.
        record(slug, moderator, received_on=local_today())
        record(slug, moderator, received_on=date(2000, 1, 1), received_outside_window=True)
        db.session.commit()
        assert count() == 2


def test_a_correction_of_the_received_date_moves_the_received_moment_not_the_code(
        app, slug, create_user, create_contribution):
    moderator = create_user(roles=("moderator",))
    typed = create_contribution(slug, channel="written", received_on=date(2026, 5, 11),
                                received_outside_window=True)
    with app.test_request_context():
        assert refusal(lambda: operations.correct_offline_contribution(
            contribution_of(typed), moderator=user_of(moderator), values={},
            details={"received_on": local_today() + timedelta(days=2)})) == (
            "La fecha de recepción no puede estar en el futuro.")
        operations.correct_offline_contribution(
            contribution_of(typed), moderator=user_of(moderator), values={},
            details={"received_on": date(2026, 5, 4)})
        db.session.commit()
        corrected = contribution_of(typed)
        assert utc_to_local(corrected.received_at).date() == date(2026, 5, 4)
        assert corrected.tracking_code == typed  # a reference already given out
        [entry] = audit_entries("contribution.corrected_offline")
        assert (entry.before, entry.after) == ({"received_on": "2026-05-11"},
                                               {"received_on": "2026-05-04"})


def test_a_contribution_received_through_a_web_form_elsewhere_is_typed_in_as_web(
        app, slug, create_user):
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        sheet = record(slug, moderator, channel="web", received_on=date(2026, 5, 11),
                       received_outside_window=True)
        db.session.commit()
        assert (sheet.channel, sheet.is_offline, sheet.entered_by_id) == (
            "web", True, moderator.id)
        assert str(sheet.channel_label).startswith("Web, fuera de este sitio")
        assert refusal(lambda: record(slug, moderator, channel="fax")) == (
            "Elige un canal de la lista.")


def test_a_moderator_voids_a_record_typed_in_by_mistake(app, slug, create_user,
                                                        create_contribution):
    moderator = create_user(roles=("moderator",))
    typed = create_contribution(slug, channel="written")
    with app.test_request_context():
        operations.void_contribution(contribution_of(typed), actor=user_of(moderator),
                                     reason="  Registrado dos veces (ver la hoja 12).  ")
        db.session.commit()
        voided = contribution_of(typed)
        assert voided.is_voided and voided.voided_by_id == moderator.id
        assert voided.void_reason == "Registrado dos veces (ver la hoja 12)."
        assert count() == 1  # kept, never deleted
        [entry] = audit_entries("contribution.voided")
        assert (entry.actor_id, entry.before, entry.after) == (
            moderator.id, {"voided": False, "group_id": None},
            {"voided": True, "reason": "Registrado dos veces (ver la hoja 12).", "group_id": None})


def test_voiding_is_refused_for_web_contributions_twice_and_without_a_reason(
        app, slug, create_user, create_contribution):
    moderator = create_user(roles=("moderator",))
    web = create_contribution(slug)
    typed = create_contribution(slug, channel="email")
    with app.test_request_context():
        actor = user_of(moderator)
        assert refusal(lambda: operations.void_contribution(
            contribution_of(web), actor=actor, reason="Error")).startswith(
            "Solo se pueden anular registros ingresados por los moderadores")
        assert refusal(lambda: operations.void_contribution(
            contribution_of(typed), actor=actor, reason="   ")) == (
            "Di por qué se anula el registro.")
        assert refusal(lambda: operations.void_contribution(
            contribution_of(typed), actor=actor, reason="x" * 1001)).startswith(
            "El motivo puede tener como máximo 1000 caracteres")
        operations.void_contribution(contribution_of(typed), actor=actor, reason="Prueba")
        db.session.commit()
        assert refusal(lambda: operations.void_contribution(
            contribution_of(typed), actor=actor, reason="Otra vez")) == (
            "Este registro ya fue anulado.")
        assert refusal(lambda: operations.correct_offline_contribution(
            contribution_of(typed), moderator=actor, values={"title": "x"}, details={})
        ).startswith("Este registro fue anulado")
        assert not contribution_of(web).is_voided
        assert len(audit_entries("contribution.voided")) == 1


def test_a_voided_proposal_can_be_neither_supported_nor_commented_on(
        app, slug, create_user, create_contribution):
    moderator = create_user(roles=("moderator",))
    fan = create_user()
    typed = create_contribution(slug, channel="written", kind="proposal")
    with app.test_request_context():
        operations.void_contribution(contribution_of(typed), actor=user_of(moderator),
                                     reason="Consulta equivocada")
        db.session.commit()
        assert refusal(lambda: operations.support_proposal(
            contribution_of(typed), user=user_of(fan))) == (
            "Solo se pueden apoyar propuestas.")
        assert refusal(lambda: submit(
            consultation_of(slug), user_of(fan), kind="comment", values={"body": "¿Y?"},
            target="proposal", target_id=contribution_of(typed).id)) == (
            "Esa propuesta no forma parte de esta consulta.")


# --- received outside the participation windows of its channel --------------------------

def _day_start(day):
    return local_to_utc(datetime.combine(day, time.min))


@pytest.fixture
def windowed(app, create_consultation, create_user):
    """A consultation whose web window ran from 30 days ago to yesterday, with workshops
    from 20 to 10 days ago (a window of their own) and no window for e-mail."""
    secretariat = create_user(roles=("secretariat",))
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-30, closes_in_days=-1,
                               announced_days_ago=40, actor=secretariat)
    with app.test_request_context():
        today = local_today()
        consultations.add_window(
            consultation_of(slug), actor=user_of(secretariat), channel="workshop",
            opens_at=_day_start(today - timedelta(days=20)),
            closes_at=_day_start(today - timedelta(days=10)), reason="Talleres regionales")
        db.session.commit()
    return slug


def test_a_received_day_outside_the_windows_of_its_channel_needs_a_confirmation(
        app, windowed, create_user):
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        today = local_today()

        def ago(days):
            return today - timedelta(days=days)

        inside = [record(windowed, moderator, channel="workshop", received_on=ago(15)),
                  # no e-mail window: the consultation's period stands for it
                  record(windowed, moderator, channel="email", received_on=ago(25)),
                  record(windowed, moderator, channel="web", received_on=ago(25)),
                  record(windowed, moderator, channel="workshop")]  # day not known
        db.session.commit()
        assert [c.received_outside_window for c in inside] == [False] * 4
        # A workshop day inside the web window but outside the workshops', an e-mail
        # before the period, a form outside the platform after the web closed, "other"
        # (never a window of its own): each refused without the tick, nothing saved.
        for channel, days in (("workshop", 25), ("email", 40), ("web", 0), ("other", 40)):
            message = refusal(lambda channel=channel, days=days: record(
                windowed, moderator, channel=channel, received_on=ago(days)))
            assert "fuera de las ventanas de participación" in message, message
            assert "Recibido fuera de las ventanas de participación" in message
        assert count() == 4
        late = record(windowed, moderator, channel="workshop", received_on=ago(5),
                      received_outside_window=True)
        # Ticked for a day inside its window: nothing to confirm, not stored as outside.
        ticked_inside = record(windowed, moderator, channel="workshop", received_on=ago(12),
                               received_outside_window=True)
        db.session.commit()
        assert contribution_of(late.tracking_code).received_outside_window is True
        assert contribution_of(ticked_inside.tracking_code).received_outside_window is False
        entries = audit_entries("contribution.entered_offline")
        assert entries[-2].after["received_outside_window"] is True
        assert entries[-1].after["received_outside_window"] is False


def test_a_correction_checks_the_received_day_against_the_windows_again(
        app, windowed, create_user):
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        today = local_today()
        # An e-mail (no window of its own: the period) received 25 days ago.
        code = record(windowed, moderator, channel="email",
                      received_on=today - timedelta(days=25)).tracking_code
        db.session.commit()

        def correct(**details):
            operations.correct_offline_contribution(
                contribution_of(code), moderator=user_of(moderator), values={},
                details=details)

        # Another channel whose windows leave that day out, or a day before the period,
        # without the tick: refused, nothing changed.
        for details in ({"channel": "workshop"}, {"received_on": today - timedelta(days=45)}):
            assert "fuera de las ventanas de participación" in refusal(
                lambda details=details: correct(**details))
        stored = contribution_of(code)
        assert (stored.channel, stored.received_on, stored.received_outside_window) == (
            "email", today - timedelta(days=25), False)
        correct(channel="workshop", received_outside_window=True)
        db.session.commit()
        assert contribution_of(code).received_outside_window is True
        # Moved inside the workshops' window: no longer outside, whatever the tick says.
        correct(received_on=today - timedelta(days=14))
        db.session.commit()
        assert contribution_of(code).received_outside_window is False
        entries = audit_entries("contribution.corrected_offline")
        assert [e.after.get("received_outside_window") for e in entries] == [True, False]
