"""The permission check: anonymous → log in and come back; no role → 403.

Every route × every role is walked by tests/security/test_access_matrix.py.
"""

import pytest

from ..conftest import login


@pytest.mark.parametrize("url", ["/admin/users", "/moderation/organizations"])
def test_participant_gets_a_403_page_on_staff_pages(client, create_user, url):
    login(client, create_user())
    response = client.get(url)
    assert response.status_code == 403
    assert "No tienes permiso" in response.get_data(as_text=True)


def test_moderator_cannot_manage_roles_but_admin_can(client, create_user):
    login(client, create_user(roles=("moderator",)))
    assert client.get("/admin/users").status_code == 403
    assert client.get("/moderation/organizations").status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in_and_back(client):
    response = client.get("/moderation/organizations?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/moderation/organizations?x%3D1"


def test_administrators_hold_every_role(client, create_user):
    login(client, create_user(roles=("admin",)))
    assert client.get("/moderation/organizations").status_code == 200


def test_posting_a_form_while_logged_out_comes_back_to_the_form_page(client):
    response = client.post_form("/organizations/new", {"name": "X"},
                                headers={"Referer": "http://localhost/organizations?q=a"})
    assert response.headers["Location"] == "/login?next=/organizations?q%3Da"
    response = client.post_form("/organizations/new", {"name": "X"},
                                headers={"Referer": "https://evil.example/x"})
    assert response.headers["Location"] == "/login"
