"""Ownership (IDOR) and mass assignment: changing an id in a URL or a form, or adding
fields a form does not have, never reaches someone else's data or a field the user
may not set."""

import re

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from consulta.accounts.models import Membership, Organization, User
from consulta.audit.models import AuditEntry
from consulta.contributions.models import Contribution
from consulta.extensions import db
from consulta.feedback.models import Response

from ..conftest import UserRef, login
from .conftest import DEMO_PASSWORD, IV, LL

#: Fields no form of Consulta has, sent along with every form below.
EXTRA_FIELDS = {
    "role": "admin", "roles": "admin", "admin": "y", "is_admin": "1", "moderator": "y",
    "status": "published", "author_id": "1", "user_id": "1", "id": "1",
    "hidden": "0", "hidden_at": "", "hidden_reason": "", "organization_id": "1",
    "consultation_id": "1", "channel": "workshop", "supports_count": "999",
    "tracking_code": "APO-1999-000001", "email_confirmed_at": "2020-01-01",
    "session_token": "a" * 32, "deleted_at": "", "password_hash": "x",
    "published_at": "2020-01-01", "classified_by_id": "1", "entered_by_id": "1",
    "created_by_id": "1", "reviewed_by_id": "1", "last_edited_by_id": "1",
}


def scalar(app, statement):
    with app.app_context():
        return db.session.scalar(statement)


def contribution(app, code):
    with app.app_context():
        item = db.session.scalar(select(Contribution).where(
            Contribution.tracking_code == code))
        db.session.expunge_all()
        return item


def audit_count(app):
    return scalar(app, select(func.count()).select_from(AuditEntry))


def organization_id(app, name):
    return scalar(app, select(Organization.id).where(Organization.name == name))


RED = "Red Ciudadana por la Transparencia"
UNSA = "Universidad Nacional de San Agustín - Observatorio"


# --- someone else's data -------------------------------------------------------------

def test_the_data_export_is_always_ones_own_whatever_the_query_says(app, world):
    client = world.client(app, "participant")
    other = world.accounts["member"]
    for query in ("", f"?user_id={other.id}", f"?id={other.id}", f"?email={other.email}",
                  f"?user={other.id}&account={other.id}"):
        response = client.get("/account/export" + query)
        assert response.status_code == 200
        data = response.get_json()
        assert data["account"]["id"] == world.accounts["participant"].id
        assert other.email not in response.get_data(as_text=True)


def test_nobody_but_the_author_edits_or_withdraws_a_contribution(app, world):
    code = world.per_endpoint["contributions.edit"]["code"]
    before, audits = contribution(app, code), audit_count(app)
    for role in ("member", "moderator", "secretariat", "admin"):
        client = world.client(app, role)
        assert client.get(f"/contributions/{code}/edit").status_code == 403
        response = client.post_form(f"/contributions/{code}/edit", {
            "body": f"Texto cambiado por {role}.", "organization": "0", **EXTRA_FIELDS})
        assert response.status_code == 403, role
        assert client.get(f"/contributions/{code}/withdraw").status_code == 403
        assert client.post_form(f"/contributions/{code}/withdraw").status_code == 403
    after = contribution(app, code)
    assert after.body == before.body and after.withdrawn_at is None
    assert after.updated_at is None and audit_count(app) == audits


def test_the_receipt_after_sending_is_shown_to_the_author_only(app, world):
    code = world.per_endpoint["contributions.edit"]["code"]
    url = f"/contributions/{code}?sent=1"
    receipt = "Recibimos tu aporte"
    author = world.client(app, "participant").get(url).get_data(as_text=True)
    assert receipt in author
    for role in ("anonymous", "member", "moderator", "admin"):
        page = world.client(app, role).get(url).get_data(as_text=True)
        assert receipt not in page and "Corregirlo" not in page, role


def test_a_draft_response_is_seen_by_nobody_outside_the_secretariat(app, world):
    code = world.per_endpoint["contributions.edit"]["code"]
    draft = ("Borrador interno que nadie debe leer todavía. Falta revisarlo con el sector "
             "responsable.")
    secretariat = world.client(app, "secretariat")
    response = secretariat.post_form(f"/feedback/contributions/{code}", {
        "outcome": "not_incorporated", "justification": draft})
    assert response.status_code == 302
    assert scalar(app, select(Response.status).join(Contribution).where(
        Contribution.tracking_code == code)) == "draft"
    pages = [f"/contributions/{code}", f"/consultations/{IV}/contributions?per_page=100",
             f"/api/v1/consultations/{IV}/contributions?per_page=100",
             f"/api/v1/consultations/{IV}/contributions.csv", "/my/contributions"]
    for role in ("anonymous", "participant", "member", "moderator"):
        client = world.client(app, role)
        for url in pages:
            response = client.get(url)
            if response.status_code == 302:  # "mine" for the anonymous visitor
                continue
            assert "Borrador interno" not in response.get_data(as_text=True), (role, url)
    assert "Borrador interno" in secretariat.get(f"/feedback/contributions/{code}") \
        .get_data(as_text=True)


def test_another_persons_form_token_does_not_lead_to_their_contribution(app, world):
    """The idempotency token of a form cannot be replayed to reach its contribution."""
    author = world.client(app, "participant")
    page = author.get(f"/consultations/{IV}/comments/new?target=plan").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    sent = author.post_form(f"/consultations/{IV}/comments/new", {
        "target": "plan", "body": "Comentario con su ficha.", "submission_token": token,
        "send": "1"})
    assert sent.status_code == 302
    count = scalar(app, select(func.count()).select_from(Contribution))
    intruder = world.client(app, "member")
    response = intruder.post_form(f"/consultations/{IV}/comments/new", {
        "target": "plan", "body": "Otro texto.", "submission_token": token, "send": "1"})
    assert response.status_code == 200
    assert sent.headers["Location"].split("?")[0] not in response.get_data(as_text=True)
    assert scalar(app, select(func.count()).select_from(Contribution)) == count


# --- acting for an organization -------------------------------------------------------

def test_nobody_sends_on_behalf_of_an_organization_they_are_not_an_approved_member_of(
        app, world):
    red, unsa = organization_id(app, RED), organization_id(app, UNSA)
    count = scalar(app, select(func.count()).select_from(Contribution))
    # Rosa belongs to the Red, not to the UNSA observatory; the participant to neither;
    # Jorge's request to join the Red is still pending.
    cases = [("member", unsa), ("participant", red), ("participant", unsa),
             ("moderator", red), ("admin", unsa)]
    for role, org in cases:
        client = world.client(app, role)
        response = client.post_form(f"/consultations/{IV}/comments/new", {
            "target": "plan", "body": "En nombre ajeno.", "organization": str(org),
            "send": "1"})
        assert response.status_code == 200, (role, org)
    assert scalar(app, select(func.count()).select_from(Contribution)) == count
    # Nor by correcting one's own contribution afterwards.
    code = world.per_endpoint["contributions.edit"]["code"]
    client = world.client(app, "participant")
    client.post_form(f"/contributions/{code}/edit", {"body": "Corregido.",
                                                     "organization": str(red)})
    assert contribution(app, code).organization_id is None


def test_a_pending_member_cannot_send_on_behalf_of_the_organization(app, world):
    red = organization_id(app, RED)
    jorge = app.test_client()
    login(jorge, UserRef(world.values["user_id"], "jorge@demo.consulta.pe", DEMO_PASSWORD))
    count = scalar(app, select(func.count()).select_from(Contribution))
    response = jorge.post_form(f"/consultations/{IV}/comments/new", {
        "target": "plan", "body": "Aún no soy miembro.", "organization": str(red),
        "send": "1"})
    assert response.status_code == 200
    assert scalar(app, select(func.count()).select_from(Contribution)) == count


def test_organization_admins_decide_only_their_own_organizations_requests(app, world):
    red, unsa = organization_id(app, RED), organization_id(app, UNSA)
    pending = world.values["membership_id"]  # Jorge asks to join the Red
    # Lucía is the admin of the UNSA observatory: the Red's request is not hers to decide,
    # whether she names the Red (403) or puts the Red's request under her own (404).
    lucia = app.test_client()
    login(lucia, UserRef(scalar(app, select(User.id).where(
        User.email == "lucia@demo.consulta.pe")), "lucia@demo.consulta.pe", DEMO_PASSWORD))
    assert lucia.post_form(f"/organizations/{red}/members/{pending}/decide",
                           {"decision": "approve"}).status_code == 403
    assert lucia.post_form(f"/organizations/{unsa}/members/{pending}/decide",
                           {"decision": "approve"}).status_code == 404
    assert lucia.post_form(f"/organizations/{unsa}/members/{pending}/admin",
                           {"is_admin": "1"}).status_code == 404
    assert lucia.get(f"/organizations/{red}/members").status_code == 403
    # The participant, who belongs to no organization, neither.
    participant = world.client(app, "participant")
    assert participant.post_form(f"/organizations/{red}/members/{pending}/decide",
                                 {"decision": "approve"}).status_code == 403
    with app.app_context():
        membership = db.session.get(Membership, pending)
        assert (membership.status, membership.is_admin) == ("pending", False)
    # The Red's own admin can.
    rosa = world.client(app, "member")
    rosa.post_form(f"/organizations/{red}/members/{pending}/decide", {"decision": "approve"})
    assert scalar(app, select(Membership.status).where(Membership.id == pending)) == "approved"


def test_a_member_who_is_not_an_admin_cannot_decide_requests(app, world, create_user):
    red = organization_id(app, RED)
    pending = world.values["membership_id"]
    plain = create_user()
    with app.app_context():
        db.session.add(Membership(user_id=plain.id, organization_id=red, status="approved",
                                  is_admin=False))
        db.session.commit()
    client = app.test_client()
    login(client, plain)
    assert client.post_form(f"/organizations/{red}/members/{pending}/decide",
                            {"decision": "approve"}).status_code == 403
    own = scalar(app, select(Membership.id).where(Membership.user_id == plain.id))
    assert client.post_form(f"/organizations/{red}/members/{own}/admin",
                            {"is_admin": "1"}).status_code == 403
    assert scalar(app, select(Membership.is_admin).where(Membership.id == own)) is False
    assert scalar(app, select(Membership.status).where(Membership.id == pending)) == "pending"


def test_leaving_an_organization_ends_only_ones_own_membership(app, world):
    red = organization_id(app, RED)
    memberships = scalar(app, select(func.count()).select_from(Membership))
    response = world.client(app, "participant").post_form(f"/organizations/{red}/leave")
    assert response.status_code == 404
    assert scalar(app, select(func.count()).select_from(Membership)) == memberships


# --- mass assignment --------------------------------------------------------------------

REGISTRATION = {"email": "nueva@example.pe", "password": "una frase larga y segura",
                "password_confirm": "una frase larga y segura", "display_name": "Nueva",
                "sector": "citizen", "region": "cusco", "accept_privacy": "y"}


def test_registration_ignores_fields_it_does_not_have(app, client):
    response = client.post_form("/register", {**REGISTRATION, **EXTRA_FIELDS})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nueva@example.pe"))
        assert user.role_names == set() and not user.is_confirmed
        assert user.session_token != EXTRA_FIELDS["session_token"]
        assert check_password_hash(user.password_hash, REGISTRATION["password"])
        assert user.deleted_at is None


def test_the_profile_form_changes_only_profile_fields(app, world):
    participant = world.accounts["participant"]
    client = world.client(app, "participant")
    response = client.post_form("/account", {
        "display_name": "Nombre Nuevo", "sector": "academia", "region": "puno",
        "locale": "es", **EXTRA_FIELDS, "email": "otra@example.pe"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, participant.id)
        assert user.display_name == "Nombre Nuevo"  # the form was accepted
        assert user.email == participant.email and user.role_names == set()
        assert user.session_token != EXTRA_FIELDS["session_token"]
        assert user.deleted_at is None and user.memberships == []


def test_a_new_organization_waits_for_review_whatever_the_form_says(app, world):
    client = world.client(app, "participant")
    response = client.post_form("/organizations/new", {
        "name": "Colectivo Autoaprobado", "sector": "civil_society", "region": "cusco",
        **EXTRA_FIELDS, "status": "approved"})
    assert response.status_code == 302
    with app.app_context():
        organization = db.session.scalar(select(Organization).where(
            Organization.name == "Colectivo Autoaprobado"))
        assert organization.status == "pending" and organization.reviewed_by_id is None
        assert organization.created_by_id == world.accounts["participant"].id


def test_a_contribution_takes_nothing_from_the_form_but_its_text(app, world):
    client = world.client(app, "participant")
    response = client.post_form(f"/consultations/{IV}/comments/new", {
        "target": "plan", "body": "Un comentario con campos de más.", "send": "1",
        **EXTRA_FIELDS})
    assert response.status_code == 302
    code = response.headers["Location"].split("/contributions/")[1].split("?")[0]
    item = contribution(app, code)
    assert item.author_id == world.accounts["participant"].id
    assert item.tracking_code != EXTRA_FIELDS["tracking_code"]
    assert (item.channel, item.supports_count, item.organization_id) == ("web", 0, None)
    assert item.hidden_at is None and item.classified_by_id is None
    assert item.entered_by_id is None
    assert scalar(app, select(Contribution.consultation_id).where(
        Contribution.tracking_code == code)) == scalar(
        app, select(Contribution.consultation_id).where(
            Contribution.tracking_code == world.values["code"]))
    # The same when the author corrects it.
    response = client.post_form(f"/contributions/{code}/edit", {
        "body": "Corregido, con campos de más.", **EXTRA_FIELDS})
    assert response.status_code == 302
    item = contribution(app, code)
    assert item.body == "Corregido, con campos de más."
    assert (item.author_id, item.channel, item.supports_count, item.organization_id) == (
        world.accounts["participant"].id, "web", 0, None)


def test_moderation_forms_change_only_what_they_are_for(app, world):
    code = world.values["code"]
    before = contribution(app, code)
    moderator = world.client(app, "moderator")
    page = moderator.get(f"/moderation/{code}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = moderator.post_form(f"/moderation/{code}", {
        "component": "0", "commitment": "0", "principles": "transparency", "tags": "salud",
        "version": version, **EXTRA_FIELDS})
    assert response.status_code == 302
    response = moderator.post_form(f"/moderation/{code}/hide", {
        "reason": "spam", "note": "Publicidad.", **EXTRA_FIELDS,
        "body": "Texto reemplazado", "title": "Otro título"})
    assert response.status_code == 302
    after = contribution(app, code)
    assert after.principles == ["transparency"] and after.hidden_reason == "spam"
    assert (after.author_id, after.body, after.title, after.channel) == (
        before.author_id, before.body, before.title, before.channel)
    assert after.supports_count == before.supports_count
    assert after.tracking_code == code


def test_a_saved_response_is_a_draft_whatever_the_form_says(app, world):
    code = world.per_endpoint["contributions.edit"]["code"]
    responses = scalar(app, select(func.count()).select_from(Response))
    secretariat = world.client(app, "secretariat")
    response = secretariat.post_form(f"/feedback/contributions/{code}", {
        "outcome": "already_covered",
        "justification": "El borrador ya lo considera. Se explica en el compromiso 3.",
        **EXTRA_FIELDS, "contribution_id": "1", "group_id": str(world.values["group_id"])})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(Response).join(Contribution).where(
            Contribution.tracking_code == code))
        assert saved.status == "draft" and saved.current_version is None
        assert saved.group_id is None
        assert saved.last_edited_by_id == world.accounts["secretariat"].id
    # Exactly one response was written: none for the contribution or group the form named.
    assert scalar(app, select(func.count()).select_from(Response)) == responses + 1


def test_staff_forms_refuse_rows_of_another_consultation(app, world):
    from consulta.consultations.models import Consultation
    from consulta.contributions.models import ContributionGroup

    with app.app_context():
        def first(slug, *where):
            return db.session.scalar(select(Contribution).join(Consultation).where(
                Consultation.slug == slug, *where).order_by(Contribution.id))

        mine, foreign = first(IV, Contribution.classified_at.is_(None)), first(LL)
        foreign_response = db.session.scalar(select(Response.id).join(Consultation).where(
            Consultation.slug == LL))
        component = db.session.scalar(select(Consultation).where(
            Consultation.slug == IV)).components[0].id
        mine_id, mine_code, foreign_id, foreign_code = (mine.id, mine.tracking_code,
                                                        foreign.id, foreign.tracking_code)
    audits, groups = audit_count(app), scalar(app, select(func.count()).select_from(
        ContributionGroup))
    moderator = world.client(app, "moderator")
    moderator.post_form(f"/consultations/{IV}/moderation/bulk", {
        "selected": [str(mine_id), str(foreign_id)], "component": str(component)})
    moderator.post_form(f"/moderation/{mine_code}/group", {
        "title": "Grupo mixto", "with": foreign_code})
    other_group = scalar(app, select(ContributionGroup.id).join(Consultation).where(
        Consultation.slug == IV))
    assert moderator.post_form(f"/moderation/{foreign_code}/group", {
        "group": str(other_group)}).status_code == 404
    secretariat = world.client(app, "secretariat")
    secretariat.post_form(f"/consultations/{IV}/feedback/bulk", {
        "selected": [str(foreign_response)], "action": "submit"})
    assert contribution(app, mine_code).classified_at is None
    assert contribution(app, mine_code).group_id is None
    assert scalar(app, select(func.count()).select_from(ContributionGroup)) == groups
    assert audit_count(app) == audits


def test_id_lists_in_staff_forms_take_only_numbers(app, world):
    """What is not a number in a list of ids is left out: never a 500 (str.isdigit()
    accepts '²', which int() refuses)."""
    moderator, secretariat = world.client(app, "moderator"), world.client(app, "secretariat")
    audits = audit_count(app)
    for value in ("²", "1.5", "0x10", "1e3", "-1", " "):
        response = moderator.post_form(f"/consultations/{IV}/moderation/bulk", {
            "selected": [value], "component": "1"})
        assert response.status_code == 302, value
        response = secretariat.post_form(f"/consultations/{IV}/feedback/bulk", {
            "selected": [value], "action": "submit"})
        assert response.status_code == 302, value
    assert audit_count(app) == audits
