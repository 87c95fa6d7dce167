"""The API's read queries: only what the public may see."""

import pytest
from sqlalchemy import select

from consulta.accounts.models import User
from consulta.api import queries
from consulta.consultations.models import Consultation
from consulta.contributions.models import Contribution
from consulta.contributions.operations import withdraw_contribution
from consulta.extensions import db
from consulta.moderation.operations import hide_contribution

from ..conftest import iv_plan_json


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield
        db.session.remove()


def contribution(code):
    return db.session.scalar(select(Contribution).where(Contribution.tracking_code == code))


def test_only_announced_consultations_the_latest_to_open_first(create_consultation,
                                                              in_request):
    older = create_consultation(title="Antigua", opens_in_days=-30)
    newer = create_consultation(title="Reciente", opens_in_days=-2)
    private = create_consultation(title="En preparación", announced=False, opens_in_days=5)

    listed = db.session.scalars(queries.announced_consultations()).all()

    assert [c.slug for c in listed] == [newer, older]
    assert queries.announced_consultation(newer).slug == newer
    assert queries.announced_consultation(private) is None
    assert queries.announced_consultation("no-existe") is None
    detail = queries.announced_consultation(newer, with_plan=True)
    assert detail.slug == newer and detail.phases


def test_listed_contributions_leave_out_the_withdrawn_and_keep_the_hidden(
        create_consultation, create_contribution, create_user, in_request):
    slug = create_consultation(plan=iv_plan_json())
    author = create_user()
    codes = [create_contribution(slug, author=author, body=f"Comentario {n}.")
             for n in range(4)]
    create_contribution(create_consultation(title="Otra", plan=iv_plan_json()))
    hide_contribution(contribution(codes[1]), reason="spam",
                      actor=db.session.get(User, create_user(roles=("moderator",)).id))
    withdraw_contribution(contribution(codes[2]), user=db.session.get(User, author.id))
    db.session.commit()
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))

    page = queries.listed_contributions(consultation, 1, 50)
    second = queries.listed_contributions(consultation, 2, 2)

    assert [c.tracking_code for c in page.items] == [codes[0], codes[1], codes[3]]
    # Counted from the consultation's tally: the hidden one in, the withdrawn one out.
    assert page.total == 3 and page.pages == 1
    assert [c.tracking_code for c in second.items] == [codes[3]] and second.pages == 2
    assert [c.is_hidden for c in page.items] == [False, True, False]
