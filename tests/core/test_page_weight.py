"""Low bandwidth: every participant page, with its style sheet and script, stays under
100 KB, and none needs a script of its own to work (one deferred file, enhancement only).
"""

import re

import pytest
from sqlalchemy import select

from consulta.consultations.models import Consultation
from consulta.contributions.models import Contribution
from consulta.extensions import db

LIMIT = 100 * 1024


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        slugs = db.session.scalars(select(Consultation.slug)).all()
        codes = db.session.scalars(select(Contribution.tracking_code)).all()
    return slugs, codes


def weight(client, path):
    """The bytes a first visit to ``path`` downloads: the page, its CSS and its JS."""
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    total = len(response.get_data())
    for asset in re.findall(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"', html):
        total += len(client.get(asset).get_data())
    return total, html


def test_participant_pages_stay_under_100_kb_and_need_no_script(app, demo):
    slugs, codes = demo
    visitor = app.test_client()
    participant = app.test_client()
    answer = participant.post_form("/login", {"email": "lucia@demo.consulta.pe",
                                              "password": "consulta-demo-2026"})
    assert answer.status_code == 302
    paths = ["/", "/consultations", "/privacy", "/register", "/login", "/organizations"]
    for slug in slugs:
        paths += [f"/consultations/{slug}", f"/consultations/{slug}/plan",
                  f"/consultations/{slug}/contributions",
                  f"/consultations/{slug}/contributions?per_page=100&sort=oldest",
                  f"/consultations/{slug}/events", f"/consultations/{slug}/summary"]
    paths += [f"/contributions/{code}" for code in codes[:40]]
    pages = [(visitor, path) for path in paths]
    open_one = slugs[0]
    pages += [(participant, "/my/contributions"), (participant, "/account"),
              (participant, f"/consultations/{open_one}/proposals/new"),
              (participant, f"/consultations/{open_one}/comments/new")]
    for client, path in pages:
        size, html = weight(client, path)
        assert size < LIMIT, (path, size)
        scripts = re.findall(r"<script[^>]*>", html)
        assert scripts == ['<script src="/static/js/consulta.js" defer>'], (path, scripts)
