"""Links built once per request for a page's items (``core/templating.py``, issue 16):
the same links as ``url_for``, whatever the value, the converter or the script root."""

import pytest
from flask import url_for

from consulta.core.templating import item_url_for, page_url_for

CODES = ["APO-2026-000001", "x", "a b/ç?#%&", "<script>", "100%"]


@pytest.mark.parametrize("base_url", ["http://localhost/", "http://example.org/sub/"])
def test_an_item_link_is_the_link_url_for_builds(app, base_url):
    with app.test_request_context("/", base_url=base_url):
        for code in CODES:  # twice: the second time from the link kept for the request
            for _ in range(2):
                assert item_url_for("contributions.detail", "code", code) == \
                    url_for("contributions.detail", code=code)
                assert item_url_for("contributions.detail", "code", code, _external=True) \
                    == url_for("contributions.detail", code=code, _external=True)
        for number in (1, 42, 1234567):
            assert item_url_for("followup.commitment", "commitment_id", number,
                                slug="consulta-nacional") == \
                url_for("followup.commitment", slug="consulta-nacional", commitment_id=number)
        # Other fixed values give other links, not the one kept first.
        assert item_url_for("followup.commitment", "commitment_id", 3, slug="otra") == \
            url_for("followup.commitment", slug="otra", commitment_id=3)


def test_a_page_link_is_kept_per_endpoint_and_values(app):
    with app.test_request_context("/"):
        one = page_url_for("consultations.plan_version", slug="iv", number=1)
        two = page_url_for("consultations.plan_version", slug="iv", number=2)
        other = page_url_for("consultations.plan_version", slug="v", number=1)
        assert one == url_for("consultations.plan_version", slug="iv", number=1)
        assert two == url_for("consultations.plan_version", slug="iv", number=2)
        assert other == url_for("consultations.plan_version", slug="v", number=1)
        assert len({one, two, other}) == 3


def test_links_are_not_kept_from_one_request_to_the_next(app):
    with app.test_request_context("/", base_url="http://localhost/"):
        first = item_url_for("contributions.detail", "code", "APO-1")
    with app.test_request_context("/", base_url="http://localhost/sub/"):
        second = item_url_for("contributions.detail", "code", "APO-1")
    assert (first, second) == ("/contributions/APO-1", "/sub/contributions/APO-1")
