"""A small, complete world for the security tests: the demo data plus one of every
object a route can point to, and an account for every role."""

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from consulta.extensions import db

from ..conftest import UserRef, login

IV = "iv-plan-gobierno-abierto"
LL = "plan-gobierno-abierto-la-libertad"
DEMO_PASSWORD = "consulta-demo-2026"

#: The roles of the access matrix, in the order they are checked. "other_entity" is the
#: staff of another entity: secretariat and moderator of an entity that organizes none
#: of the world's consultations (the demo's staff roles are platform-wide).
ROLES = ("anonymous", "participant", "member", "facilitator", "moderator", "secretariat",
         "admin", "other_entity")


@dataclass
class World:
    """Ids and codes of real rows, so that every route resolves."""

    accounts: dict = field(default_factory=dict)  # role → UserRef (anonymous: None)
    values: dict = field(default_factory=dict)  # URL argument values by name
    per_endpoint: dict = field(default_factory=dict)  # endpoint → argument overrides

    def client(self, app, role):
        client = app.test_client()
        if self.accounts.get(role) is not None:
            login(client, self.accounts[role])
        return client


def _demo_ref(email):
    from consulta.accounts.models import User

    user = db.session.scalar(select(User).where(User.email == email))
    return UserRef(user.id, email, DEMO_PASSWORD)


def build_world(app):
    """Load the demo and add what it lacks; returns a World (nothing bound to a session).

    Every account of the world has the demo password (hashed once per process)."""
    from consulta.accounts import entities
    from consulta.accounts import operations as accounts
    from consulta.accounts.models import Organization, User, UserRole
    from consulta.accounts.tokens import make_confirmation_token, make_reset_token
    from consulta.consultations import operations as consultations
    from consulta.consultations.models import Consultation, Event
    from consulta.contributions import operations as contributions
    from consulta.contributions.models import Contribution
    from consulta.core.dates import utcnow
    from consulta.core.mail import OutboxMessage
    from consulta.demo.people import demo_password_hash
    from consulta.feedback import operations as feedback
    from consulta.feedback.models import Response
    from consulta.moderation import operations as moderation

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    world = World()
    with app.test_request_context():
        def account(email, name, confirmed=True):
            now = utcnow()
            user = User(email=email, password_hash=demo_password_hash(),
                        display_name=name, sector="citizen", region="cusco",
                        privacy_accepted_at=now, privacy_version="2026-11", created_at=now,
                        email_confirmed_at=now if confirmed else None)
            db.session.add(user)
            db.session.flush()
            return user

        iv = db.session.scalar(select(Consultation).where(Consultation.slug == IV))
        secretariat = db.session.scalar(select(User).where(
            User.email == "secretaria@demo.consulta.pe"))
        moderator = db.session.scalar(select(User).where(
            User.email == "moderador@demo.consulta.pe"))
        jorge = db.session.scalar(select(User).where(User.email == "jorge@demo.consulta.pe"))
        # The participant: no organization, no role, the author of a fresh comment.
        participant = account("participante@example.pe", "Participante Matriz")
        own, _created = contributions.submit_contribution(
            iv, author=participant, kind="comment", values={"body": "Mi comentario propio."},
            target="plan", notify=False)
        # A pending join request, a pending organization, an unconfirmed account.
        organization = db.session.scalar(select(Organization).where(
            Organization.name == "Red Ciudadana por la Transparencia"))
        pending_membership = accounts.request_membership(jorge, organization)
        pending_organization = accounts.create_organization(
            jorge, name="Colectivo en Revisión", sector="civil_society", region="cusco")
        unconfirmed = account("sin-confirmar@example.pe", "Sin Confirmar", confirmed=False)
        # A facilitator: records contributions with people and prints their receipts.
        facilitator = account("facilitadora@example.pe", "Facilitadora Matriz")
        facilitator.roles.append(UserRole(role="facilitator", granted_at=utcnow()))
        # Another entity's staff, and a member of the team of the IV plan's entity.
        other = entities.create_entity(actor=None, name="Municipalidad de Otra Entidad",
                                       level="local", region="cusco")
        other_staff = account("otra-entidad@example.pe", "Equipo de Otra Entidad")
        for role in ("secretariat", "moderator"):
            other_staff.roles.append(UserRole(role=role, entity_id=other.id,
                                              granted_at=utcnow()))
        team_member = account("equipo-iv@example.pe", "Equipo del IV Plan")
        team_role = UserRole(role="moderator", entity_id=iv.entity_id, granted_at=utcnow())
        team_member.roles.append(team_role)
        # A draft version of the plan with a section, a group, a template.
        draft = consultations.ensure_draft_version(iv, actor=secretariat)
        section = consultations.save_section(draft, actor=secretariat, title="Presentación",
                                             body="Texto.")
        web = db.session.scalars(select(Contribution).where(
            Contribution.consultation_id == iv.id, Contribution.channel == "web",
            Contribution.id != own.id).order_by(Contribution.id)).all()
        group = moderation.create_group(iv, actor=moderator, title="Grupo de la matriz",
                                        members=web[:2])
        template = feedback.save_answer_template(iv, actor=secretariat, title="Plantilla",
                                          outcome="already_covered",
                                          justification="Ya está. Se considera en el plan.")
        offline = db.session.scalar(select(Contribution).where(
            Contribution.consultation_id == iv.id, Contribution.channel == "workshop")
            .order_by(Contribution.id))
        response = db.session.scalar(select(Response).where(
            Response.consultation_id == iv.id).order_by(Response.id))
        event = db.session.scalar(select(Event).where(Event.consultation_id == iv.id))
        message = OutboxMessage(recipient="jorge@demo.consulta.pe", subject="Asunto",
                                body="Texto.", status="failed", attempts=8)
        db.session.add(message)
        followup = _followup_world(secretariat, jorge)
        forum_values = _forum_world(secretariat, participant)
        # Followers: a commitment of the finished consultation's final plan, and an
        # address that asked to follow it (its confirmation and unsubscribe links).
        from consulta.finalplan.models import FinalPlan
        from consulta.followup import followers
        from consulta.followup.models import Follower

        followed = db.session.scalar(select(FinalPlan).join(
            Consultation, Consultation.id == FinalPlan.consultation_id)
            .where(Consultation.slug == LL)).commitments[0]
        followers.request_follow(followed, email="seguidora@example.pe", locale="es")
        follower = db.session.scalar(select(Follower).where(
            Follower.email == "seguidora@example.pe"))
        db.session.commit()
        world.values = {
            "slug": IV, "code": web[2].tracking_code, "user_id": jorge.id,
            "organization_id": organization.id, "membership_id": pending_membership.id,
            "component_id": iv.components[-1].id, "phase_id": iv.phases[-1].id,
            "window_id": iv.windows[0].id,
            "commitment_id": draft.commitments[-1].id, "section_id": section.id,
            "event_id": event.id, "group_id": group.id, "template_id": template.id,
            "response_id": response.id, "message_id": message.id, "role_id": team_role.id,
            "action": "submit", "version": 1, "number": 1,
            "language": "es", "format": "xlsx", "what": "how-to-take-part",
            "token": None,  # per endpoint below
            **forum_values,
        }
        world.per_endpoint = {
            "accounts.confirm_email": {"token": make_confirmation_token(unconfirmed)},
            "accounts.reset_password": {"token": make_reset_token(jorge)},
            "accounts.review_organization": {"organization_id": pending_organization.id},
            "contributions.edit": {"code": own.tracking_code},
            "contributions.withdraw": {"code": own.tracking_code},
            "contributions.correct_offline": {"code": offline.tracking_code},
            "contributions.void": {"code": offline.tracking_code},
            "contributions.offline_author": {"code": offline.tracking_code},
            "contributions.export_offline_author": {"code": offline.tracking_code},
            "contributions.erase_offline_author": {"code": offline.tracking_code},
            "summary.show": {"slug": LL}, "summary.manage": {"slug": LL},
            "summary.publish": {"slug": LL}, "summary.pdf": {"slug": LL},
            "summary.printable": {"slug": LL}, "api.summary": {"slug": LL},
            "summary.version_csv": {"slug": LL}, "summary.version_xlsx": {"slug": LL},
            "api.summary_matrix": {"slug": LL},
            **{endpoint: {"slug": iv.entity.slug} for endpoint in (
                "entities.detail", "accounts.admin_edit_entity", "accounts.entity_team",
                "accounts.entity_team_remove")},
            "offline.receipt": {"code": own.tracking_code},
            "offline.receipt_pdf": {"code": own.tracking_code},
            "offline.mark_told": {"code": offline.tracking_code},
            "follow.commitment": {"commitment_id": followed.id},
            "follow.commitment_account": {"commitment_id": followed.id},
            "follow.confirm": {"token": followers.make_confirmation_token(follower)},
            "follow.unsubscribe": {"key": follower.unsubscribe_key},
            # The finished consultation has the published final plan.
            **{endpoint: {"slug": LL} for endpoint in (
                "finalplan.show", "finalplan.manage", "finalplan.changes",
                "finalplan.publish", "api.final_plan", "api.final_plan_csv",
                "api.final_plan_xlsx")},
            "finalplan.shaped_by": {"slug": LL, "number": 1},
            # Its follow-up: a milestone and an indicator a published report mentions,
            # a reporter, a draft report with a link, a document of the published one.
            **dict.fromkeys(FOLLOWUP_ENDPOINTS, followup),
            # ...and the standing forum, with a published progress report (fu-forum).
            **{endpoint: {"slug": LL} for endpoint in (
                "forum.show", "forum.minutes", "forum.manage", "forum.new_member",
                "forum.edit_member", "forum.new_meeting", "forum.edit_meeting",
                "report_comments.moderate")},
        }
        world.per_endpoint.update(_follow_up(secretariat))
        world.accounts = {
            "anonymous": None,
            "participant": UserRef(participant.id, participant.email, DEMO_PASSWORD),
            "member": _demo_ref("rosa@demo.consulta.pe"),
            "facilitator": UserRef(facilitator.id, facilitator.email, DEMO_PASSWORD),
            "moderator": _demo_ref("moderador@demo.consulta.pe"),
            "secretariat": _demo_ref("secretaria@demo.consulta.pe"),
            "admin": _demo_ref("admin@demo.consulta.pe"),
            "other_entity": UserRef(other_staff.id, other_staff.email, DEMO_PASSWORD),
        }
        db.session.remove()
    return world


FOLLOWUP_ENDPOINTS = (
    "followup_manage.setup", "followup_manage.commitment_setup", "followup_manage.seed",
    "followup_manage.add_milestone",
    "followup_manage.edit_milestone", "followup_manage.move_milestone",
    "followup_manage.delete_milestone", "followup_manage.add_indicator",
    "followup_manage.edit_indicator", "followup_manage.delete_indicator",
    "followup_manage.add_reporter", "followup_manage.remove_reporter",
    "followup_manage.start_report", "followup_manage.report", "followup_manage.add_link",
    "followup_manage.add_document", "followup_manage.remove_evidence",
    "followup_manage.submit_report", "followup_manage.return_report",
    "followup_manage.publish_report", "followup_manage.document")


def _followup_world(secretariat, reporter):
    """The finished consultation's follow-up, made with the operations → the values of
    the follow-up routes."""
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    from consulta.consultations.models import Consultation
    from consulta.finalplan.queries import final_plan_of
    from consulta.followup import operations

    ll = db.session.scalar(select(Consultation).where(Consultation.slug == LL))
    commitment = final_plan_of(ll).plan_version.commitments[0]
    milestone = operations.save_milestone(commitment, actor=secretariat,
                                          description="Hito de la matriz")
    indicator = operations.save_indicator(commitment, actor=secretariat, name="Indicador",
                                          baseline="0", target="10")
    added = operations.add_reporter(commitment, actor=secretariat, email=reporter.email)
    published = operations.start_report(commitment, actor=secretariat)
    operations.save_report(published, actor=secretariat, as_of=published.as_of,
                           narrative="Avance.", indicators={indicator.id: {"value": "3"}})
    evidence = operations.add_document(published, actor=secretariat, title="Acta",
                                       file_storage=FileStorage(
                                           stream=BytesIO(b"%PDF-1.4\n%%EOF\n"),
                                           filename="acta.pdf"))
    operations.submit_report(published, actor=secretariat)
    operations.publish_report(published, actor=secretariat)
    draft = operations.start_report(commitment, actor=secretariat)
    link = operations.add_link(draft, actor=secretariat, title="Enlace",
                               url="https://example.pe/acta")
    return {"slug": LL, "commitment_id": commitment.id, "milestone_id": milestone.id,
            "indicator_id": indicator.id, "reporter_id": added.id, "report_id": draft.id,
            "evidence_id": link.id, "document_id": evidence.document.id,
            "name": evidence.document.filename}
def _forum_world(secretariat, participant):
    """The finished consultation's forum: a member (no account), a meeting with its
    minutes, a published progress report and a participant's comment on it → the URL
    values of their routes."""
    from datetime import timedelta

    from consulta.consultations.models import Consultation
    from consulta.core.dates import local_today, utcnow
    from consulta.finalplan.queries import published_final_plan
    from consulta.followup.models import (
        Document,
        DocumentBlob,
        ForumMeeting,
        ForumMember,
        ProgressReport,
        ReportComment,
    )

    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == LL))
    commitment = published_final_plan(consultation).commitments[0]
    report = ProgressReport(commitment_id=commitment.id, number=99,
                            as_of=local_today() - timedelta(days=3), narrative="Avance.",
                            state="published", published_at=utcnow())
    member = ForumMember(consultation_id=consultation.id, name="Miembro Matriz",
                         sector="civil_society", side="civil_society", role="member")
    pdf = b"%PDF-1.4\n%%EOF\n"
    minutes = Document(filename="acta.pdf", content_type="application/pdf", size=len(pdf),
                       sha256="0" * 64, storage="database")
    db.session.add_all([report, member, minutes])
    db.session.flush()
    db.session.add(DocumentBlob(document_id=minutes.id, data=pdf))
    meeting = ForumMeeting(consultation_id=consultation.id, held_on=local_today(),
                           place="Trujillo", attendance=5, minutes_document_id=minutes.id,
                           created_by_id=secretariat.id)
    comment = ReportComment(report_id=report.id, author_id=participant.id,
                            body="Un comentario sobre el reporte.")
    db.session.add_all([meeting, comment])
    db.session.flush()
    return {"member_id": member.id, "meeting_id": meeting.id, "report_id": report.id,
            "comment_id": comment.id}
def _follow_up(secretariat):
    """A published report and a mid-term self-assessment on the finished consultation's
    final plan (made with the models until the staff side's operations land), and the
    URL values of the follow-up's pages."""
    from datetime import date

    from sqlalchemy import func

    from consulta.consultations.models import Consultation
    from consulta.core.dates import utcnow
    from consulta.finalplan.queries import published_final_plan
    from consulta.followup.assessment import assessment_of, publish_assessment
    from consulta.followup.models import Milestone, ProgressReport, ReportMilestone

    final_plan = published_final_plan(db.session.scalar(
        select(Consultation).where(Consultation.slug == LL)))
    commitment = final_plan.plan_version.commitments[0]
    report = db.session.scalar(select(ProgressReport).where(
        ProgressReport.commitment_id == commitment.id, ProgressReport.state == "published"))
    if report is None:
        milestone = Milestone(commitment_id=commitment.id, position=99, due="2099-12",
                              description="Hito de la matriz", current_status="in_progress",
                              current_percent=30, current_as_of=date(2026, 6, 30))
        db.session.add(milestone)
        db.session.flush()
        number = (db.session.scalar(select(func.max(ProgressReport.number)).where(
            ProgressReport.commitment_id == commitment.id)) or 0) + 1
        report = ProgressReport(commitment_id=commitment.id, number=number,
                                as_of=date(2026, 6, 30), state="published",
                                published_at=utcnow(), published_by_id=secretariat.id)
        report.milestones.append(ReportMilestone(milestone_id=milestone.id,
                                                 status="in_progress", percent=30))
        db.session.add(report)
        db.session.flush()
    if assessment_of(final_plan, "mid_term") is None:
        publish_assessment(final_plan, kind="mid_term", actor=secretariat)
    db.session.commit()
    values = {"slug": LL, "commitment_id": commitment.id, "report_id": report.id,
              "kind": "mid-term"}
    return dict.fromkeys((
        "followup.tracking", "followup.commitment", "followup.report",
        "followup.assessments", "followup.assessment", "followup.assessment_pdf",
        "followup.assessment_json", "followup.assessment_csv",
        "followup.publish_assessment", "api.progress"), values)


@pytest.fixture
def world(app):
    return build_world(app)


#: The production settings the security tests run a second app with.
PRODUCTION = {"CONSULTA_ENV": "production", "SECRET_KEY": "0123456789abcdef" * 4,
              "TRUSTED_HOSTS": "consulta.example.gob.pe", "WEB_CONCURRENCY": "1"}


@pytest.fixture
def production_app(database_url):
    """Factory: a production app on the test database (``production_app(PROXY_COUNT="1")``).

    The rate limiter is one object shared by every app: creating an app re-reads its
    settings, so what it was is put back afterwards for the other tests.
    """
    from consulta import create_app
    from consulta.extensions import limiter

    enabled = limiter.enabled

    def factory(**environ):
        return create_app({"SQLALCHEMY_DATABASE_URI": database_url},
                          environ={**PRODUCTION, "DATABASE_URL": database_url, **environ})

    yield factory
    limiter.enabled = enabled
