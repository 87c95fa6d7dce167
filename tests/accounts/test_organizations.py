from sqlalchemy import select

from consulta.accounts.models import Membership, Organization, User
from consulta.extensions import db

from ..conftest import login

ORG = {"name": "Asociación Civil Transparencia Cusco", "sector": "civil_society",
       "region": "cusco", "website": "https://transparencia-cusco.example.pe"}


def get_org(app):
    with app.app_context():
        org = db.session.scalar(select(Organization))
        db.session.expunge_all()
        return org


def test_participant_proposes_an_organization_that_a_moderator_approves(app, create_user,
                                                                         outbox):
    founder, moderator = create_user(), create_user(roles=("moderator",))
    client = app.test_client()
    login(client, founder)
    response = client.post_form("/organizations/new", ORG)
    assert response.status_code == 302
    org = get_org(app)
    assert org.status == "pending"
    # Not listed publicly, not visible to others while pending.
    anonymous = app.test_client()
    assert ORG["name"] not in anonymous.get("/organizations").get_data(as_text=True)
    assert anonymous.get(f"/organizations/{org.id}").status_code == 404

    staff = app.test_client()
    login(staff, moderator)
    assert ORG["name"] in staff.get("/moderation/organizations").get_data(as_text=True)
    response = staff.post_form(f"/moderation/organizations/{org.id}/review",
                               {"decision": "approve"})
    assert response.status_code == 302
    assert get_org(app).status == "approved"
    assert ORG["name"] in anonymous.get("/organizations").get_data(as_text=True)
    assert any("aprob" in m.subject for m in outbox(founder.email))
    with app.app_context():
        user = db.session.get(User, founder.id)
        assert [o.name for o in user.approved_organizations()] == [ORG["name"]]


def make_approved_org(app, admin):
    with app.app_context():
        org = Organization(name=ORG["name"], sector="civil_society", region="cusco",
                           status="approved", created_by_id=admin.id)
        db.session.add(org)
        db.session.flush()
        db.session.add(Membership(user_id=admin.id, organization_id=org.id,
                                  status="approved", is_admin=True))
        db.session.commit()
        return org.id


def test_join_request_is_approved_by_the_organizations_admin(app, create_user, outbox):
    admin, member = create_user(), create_user()
    org_id = make_approved_org(app, admin)
    member_client = app.test_client()
    login(member_client, member)
    assert member_client.post_form(f"/organizations/{org_id}/join").status_code == 302
    assert len(outbox(admin.email)) == 1  # the admin is told
    # A plain member cannot manage members.
    assert member_client.get(f"/organizations/{org_id}/members").status_code == 403

    admin_client = app.test_client()
    login(admin_client, admin)
    with app.app_context():
        membership_id = db.session.scalar(select(Membership.id).where(
            Membership.user_id == member.id))
    response = admin_client.post_form(
        f"/organizations/{org_id}/members/{membership_id}/decide", {"decision": "approve"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == "approved"
        user = db.session.get(User, member.id)
        assert [o.id for o in user.approved_organizations()] == [org_id]
    assert any("miembro" in m.subject for m in outbox(member.email))


def test_a_moderator_can_decide_join_requests_too(app, create_user):
    admin, member = create_user(), create_user()
    moderator = create_user(roles=("moderator",))
    org_id = make_approved_org(app, admin)
    client = app.test_client()
    login(client, member)
    client.post_form(f"/organizations/{org_id}/join")
    staff = app.test_client()
    login(staff, moderator)
    with app.app_context():
        membership_id = db.session.scalar(select(Membership.id).where(
            Membership.user_id == member.id))
    staff.post_form(f"/organizations/{org_id}/members/{membership_id}/decide",
                    {"decision": "reject"})
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == "rejected"


def test_outsiders_cannot_decide_requests(app, create_user):
    admin, member, outsider = create_user(), create_user(), create_user()
    org_id = make_approved_org(app, admin)
    client = app.test_client()
    login(client, member)
    client.post_form(f"/organizations/{org_id}/join")
    with app.app_context():
        membership_id = db.session.scalar(select(Membership.id).where(
            Membership.user_id == member.id))
    other = app.test_client()
    login(other, outsider)
    response = other.post_form(f"/organizations/{org_id}/members/{membership_id}/decide",
                               {"decision": "approve"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == "pending"


def test_duplicate_organization_names_are_refused(app, create_user):
    admin = create_user()
    make_approved_org(app, admin)
    client = app.test_client()
    login(client, create_user())
    response = client.post_form("/organizations/new", {**ORG, "name": ORG["name"].upper()})
    assert response.status_code == 200
    assert "Ya existe" in response.get_data(as_text=True)


def test_organization_website_must_be_a_web_address(app, create_user):
    client = app.test_client()
    login(client, create_user())
    response = client.post_form("/organizations/new", {**ORG, "website": "javascript:alert(1)"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Organization)) is None


def test_unconfirmed_accounts_cannot_propose_or_join_organizations(app, create_user):
    admin = create_user()
    org_id = make_approved_org(app, admin)
    client = app.test_client()
    login(client, create_user(confirmed=False))
    response = client.post_form("/organizations/new", {**ORG, "name": "Otra organización"})
    assert response.status_code == 200
    client.post_form(f"/organizations/{org_id}/join")
    with app.app_context():
        assert db.session.scalar(select(Organization).where(
            Organization.name == "Otra organización")) is None
        assert len(db.session.scalars(select(Membership)).all()) == 1


def test_organization_names_differing_only_in_accents_or_case_are_duplicates(app,
                                                                             create_user):
    admin = create_user()
    make_approved_org(app, admin)  # "Asociación Civil Transparencia Cusco"
    client = app.test_client()
    login(client, create_user())
    response = client.post_form("/organizations/new", {
        **ORG, "name": "ASOCIACION CIVIL  TRANSPARENCIA CUSCO"})
    assert response.status_code == 200
    with app.app_context():
        assert len(db.session.scalars(select(Organization)).all()) == 1
