"""The read queries of accounts (consulta/accounts/queries.py)."""

from datetime import datetime

import pytest

from consulta.accounts import operations, queries
from consulta.accounts.models import Organization, User
from consulta.extensions import db


@pytest.fixture
def request_ctx(app):
    with app.test_request_context():
        yield
        db.session.remove()


def ids(rows):
    return [row.id for row in rows]


def test_find_user_by_email_ignores_case_and_spaces(request_ctx, create_user):
    ref = create_user(email="ana@example.pe")
    assert queries.find_user_by_email("  ANA@Example.pe ").id == ref.id
    assert queries.find_user_by_email("otra@example.pe") is None
    assert queries.find_user_by_email("") is None and queries.find_user_by_email(None) is None


def test_the_admin_list_searches_addresses_and_names_filters_roles_skips_deleted(
        request_ctx, create_user):
    ana = create_user(email="ana@example.pe", display_name="Ana Quispe")
    moderator = create_user(email="mod@example.pe", display_name="Luis Mamani",
                            roles=("moderator",))
    admin = create_user(email="jefa@example.pe", display_name="Rosa", roles=("admin",))
    create_user(email="borrada@example.pe", display_name="Ana Borrada",
                deleted_at=datetime(2026, 1, 1).astimezone())

    def listed(**filters):
        return ids(db.session.scalars(queries.users_for_admin(**filters)))

    assert listed() == [ana.id, moderator.id, admin.id]
    assert listed(search="ana") == [ana.id]  # the name, any case; not the deleted one
    assert listed(search="QUISPE") == [ana.id]
    assert listed(search="mod@") == [moderator.id]  # the address
    assert listed(role="moderator") == [moderator.id]
    assert listed(role="admin", search="rosa") == [admin.id]
    assert listed(role="secretariat") == []
    assert queries.admin_count() == 1


def test_the_public_list_of_organizations_is_approved_ones_by_name(request_ctx, create_user,
                                                                  create_organization):
    zeta = create_organization(name="zeta Colectivo")
    alfa = create_organization(name="Alfa Red")
    create_organization(name="Alfa Pendiente", approved=False)

    def listed(**filters):
        return ids(db.session.scalars(queries.approved_organizations(**filters)))

    assert listed() == [alfa, zeta]  # by name, whatever the case
    assert listed(search="ALFA") == [alfa]
    assert [o.name for o in queries.pending_organizations()] == ["Alfa Pendiente"]


def test_pending_requests_list_every_organizations_undecided_requests(request_ctx,
                                                                     create_user,
                                                                     create_organization):
    first, second = create_organization(), create_organization()
    asking, refused = create_user(), create_user()
    moderator = create_user(roles=("moderator",))
    for organization_id, who in ((first, asking), (second, asking), (second, refused)):
        operations.request_membership(db.session.get(User, who.id),
                                      db.session.get(Organization, organization_id))
    [*_, last] = queries.pending_membership_requests()
    operations.decide_membership(last, approve=False,
                                 actor=db.session.get(User, moderator.id))
    pending = queries.pending_membership_requests()
    assert [(m.organization_id, m.user_id) for m in pending] == [(first, asking.id),
                                                                 (second, asking.id)]


def test_organization_names_compare_without_case_accents_or_spacing(request_ctx,
                                                                   create_organization):
    assert queries.name_key("  Asociación  Civil ÑAÑA ") == "asociacion civil nana"
    taken = create_organization(name="Asociación Civil")
    assert queries.organization_name_taken("ASOCIACION   civil")
    assert not queries.organization_name_taken("asociacion civil", exclude_id=taken)
    assert not queries.organization_name_taken("Otra Asociación")


def test_organization_admins_are_its_active_approved_admins(request_ctx, create_user,
                                                           create_organization):
    admin, other = create_user(), create_user()
    organization_id = create_organization(admin=admin)
    organization = db.session.get(Organization, organization_id)
    membership = operations.request_membership(db.session.get(User, other.id), organization)
    membership.is_admin = True  # asked, not yet approved: not an admin
    assert ids(queries.organization_admins(organization)) == [admin.id]
    db.session.get(User, admin.id).deleted_at = datetime(2026, 1, 1).astimezone()
    assert queries.organization_admins(organization) == []
