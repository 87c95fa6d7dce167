"""Organizations and participants cannot pass for someone else: look-alike names are
duplicates, staff-like names are refused, a rename is reviewed again."""

import pytest
from sqlalchemy import select

from consulta.accounts import operations
from consulta.accounts.models import Organization, User
from consulta.contributions.models import Contribution
from consulta.core.operations import OperationError
from consulta.extensions import db

from ..conftest import iv_plan_json
from .test_registration import VALID

CYRILLIC_A, ZERO_WIDTH_SPACE = "\u0430", "\u200b"


@pytest.mark.parametrize("name", [
    f"Red Ciudadana por la Tr{CYRILLIC_A}nsparencia",
    f"Red Ciudadana por la{ZERO_WIDTH_SPACE} Transparencia",
    "RED CIUDADANA POR LA TRANSPARENCÍA",
    "Red \u0421iudadana por la Transparencia",  # a Cyrillic capital Es
])
def test_a_look_alike_organization_name_is_a_duplicate(app, create_user, create_organization,
                                                        name):
    create_organization(name="Red Ciudadana por la Transparencia")
    impostor = create_user()
    with app.test_request_context():
        with pytest.raises(OperationError, match="Ya existe"):
            operations.create_organization(db.session.get(User, impostor.id), name=name,
                                           sector="civil_society", region="cusco")
        db.session.rollback()
        assert len(db.session.scalars(select(Organization)).all()) == 1


@pytest.mark.parametrize("name", ["Secretaría Técnica", "Moderación", "Administrador",
                                  "SECRETARIA TECNICA de la consulta",
                                  f"Moder{CYRILLIC_A}dor", "Equipo de soporte"])
def test_a_participant_cannot_register_as_staff(app, client, name):
    page = client.post_form("/register", {**VALID, "display_name": name})
    assert "personal del sitio" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_ordinary_names_that_contain_a_staff_word_are_accepted(app, client):
    response = client.post_form("/register", {**VALID, "display_name": "María Secretaria"})
    assert response.status_code == 302


def test_a_participant_cannot_rename_themself_as_staff_but_staff_keep_their_names(
        app, create_user):
    participant = create_user()
    moderator = create_user(roles=("moderator",), display_name="Moderación")
    with app.test_request_context():
        with pytest.raises(OperationError, match="personal del sitio"):
            operations.update_profile(db.session.get(User, participant.id),
                                      display_name="Moderación")
        operations.update_profile(db.session.get(User, moderator.id),
                                  display_name="Moderación", region="puno")
        db.session.commit()
        assert db.session.get(User, participant.id).display_name != "Moderación"


def test_an_organization_cannot_take_a_staff_name(app, create_user, create_organization):
    proposer = create_user()
    with app.test_request_context(), pytest.raises(OperationError, match="personal del sitio"):
        operations.create_organization(db.session.get(User, proposer.id),
                                       name="Secretaría Técnica", sector="other",
                                       region="cusco")
    organization_id = create_organization(name="Red Vecinal")
    with app.test_request_context():
        organization = db.session.get(Organization, organization_id)
        admin = organization.memberships[0].user
        with pytest.raises(OperationError, match="personal del sitio"):
            operations.update_organization(organization, actor=admin, name="Administrador",
                                           sector="other", region="cusco")


def test_renaming_an_approved_organization_sends_it_back_and_keeps_past_names(
        app, create_user, create_organization, create_consultation):
    from consulta.contributions.operations import submit_contribution

    admin, moderator_ref = create_user(), create_user(roles=("moderator",))
    organization_id = create_organization(admin=admin, name="Red Vecinal del Cusco")
    slug = create_consultation(plan=iv_plan_json())
    with app.test_request_context():
        from consulta.consultations.models import Consultation

        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        author = db.session.get(User, admin.id)
        contribution, _ = submit_contribution(
            consultation, author=author, kind="comment", target="plan", notify=False,
            organization_id=organization_id, values={"body": "Un comentario de la red."})
        db.session.commit()
        code = contribution.tracking_code

        organization = db.session.get(Organization, organization_id)
        operations.update_organization(organization, actor=author,
                                       name="Secretaría de Participación Vecinal",
                                       sector="civil_society", region="cusco")
        db.session.commit()
        assert organization.status == "pending"
        assert organization not in author.approved_organizations()
        sent = db.session.scalar(select(Contribution).where(
            Contribution.tracking_code == code))
        assert sent.public_organization == "Red Vecinal del Cusco"

        # A moderator's correction of the name does not send it back.
        moderator = db.session.get(User, moderator_ref.id)
        organization.status = "approved"
        operations.update_organization(organization, actor=moderator,
                                       name="Red de Participación Vecinal",
                                       sector="civil_society", region="cusco")
        assert organization.status == "approved"
        db.session.rollback()
