"""Where a link or a log-in may send the browser back to (consulta/core/urls.py)."""

import pytest

from consulta.core.urls import is_safe_next, return_target, safe_next


@pytest.mark.parametrize("target", [
    "/", "/account", "/consultations/iv?page=2", "/organizations?q=a%20b",
])
def test_paths_of_this_site_are_safe(target):
    assert is_safe_next(target)


@pytest.mark.parametrize("target", [
    None, "", "account", "//evil.example", "https://evil.example", "/\\evil.example",
    "\\\\evil.example", "http:evil.example", "javascript:alert(1)", "/\nevil",
    " //evil.example", "///evil.example", "/ok\x7f", "/" + "a" * 2000, ["/"],
])
def test_anything_else_is_not(target):
    assert not is_safe_next(target)


def test_safe_next_falls_back_to_the_default(app):
    with app.test_request_context("/login?next=//evil.example"):
        assert safe_next("/inicio") == "/inicio"
    with app.test_request_context("/login?next=/account"):
        assert safe_next("/inicio") == "/account"


def test_the_return_target_is_this_page_or_the_page_that_posted_the_form(app):
    with app.test_request_context("/moderation?x=1"):
        assert return_target() == "/moderation?x=1"
    with app.test_request_context("/logout", method="POST",
                                  headers={"Referer": "http://localhost/account?tab=2"}):
        assert return_target() == "/account?tab=2"
    with app.test_request_context("/logout", method="POST",
                                  headers={"Referer": "https://evil.example/account"}):
        assert return_target() is None
