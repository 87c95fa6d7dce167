"""The stored ``Contribution.answered`` says what the responses say, after every
operation that changes it: publishing a response (a contribution's own, a group's),
joining a group that is answered, leaving it, a group made of answered contributions,
voiding a typed-in record. The staff's counts read it."""

from sqlalchemy import select

from consulta.contributions.models import Contribution
from consulta.contributions.operations import void_contribution
from consulta.extensions import db
from consulta.feedback.queries import answered_now, coverage
from consulta.moderation import operations as moderation
from consulta.staff.queries import unanswered_by_consultation

from .conftest import consultation_of, contribution, group, user


def stored(*codes):
    """``{code: stored answered}`` of these contributions, read from the database."""
    db.session.expire_all()
    return dict(db.session.execute(select(Contribution.tracking_code, Contribution.answered)
                                   .where(Contribution.tracking_code.in_(codes))).all())


def assert_stored_is_true():
    """Every contribution's stored flag equals what the responses say now."""
    db.session.expire_all()
    wrong = db.session.scalars(select(Contribution.tracking_code).where(
        Contribution.answered != answered_now())).all()
    assert wrong == []


def test_answered_follows_the_publication_of_a_response(
        consultation, create_contribution, create_response, in_request):
    own, drafted, other = (create_contribution(consultation) for _ in range(3))
    assert stored(own, drafted, other) == {own: False, drafted: False, other: False}

    create_response(own)
    create_response(drafted, publish=False)

    assert stored(own, drafted, other) == {own: True, drafted: False, other: False}
    assert_stored_is_true()


def test_answered_follows_a_group_and_its_response(
        consultation, create_contribution, create_group, create_response, moderator,
        in_request):
    first, second, joins_later, own_answer = (create_contribution(consultation)
                                              for _ in range(4))
    group_id = create_group(consultation, [first, second, own_answer])
    create_response(own_answer)
    assert stored(first, second, own_answer) == {first: False, second: False,
                                                 own_answer: True}

    create_response(group_id=group_id)  # every member is answered at once
    assert stored(first, second, own_answer) == {first: True, second: True,
                                                 own_answer: True}

    moderation.group_contribution(contribution(joins_later), group(group_id), actor=user(moderator))
    db.session.commit()
    assert stored(joins_later) == {joins_later: True}

    moderation.ungroup_contribution(contribution(second), actor=user(moderator))
    moderation.ungroup_contribution(contribution(own_answer), actor=user(moderator))
    db.session.commit()
    assert stored(second, own_answer) == {second: False, own_answer: True}

    # Moved into a new group that has no answer yet: no longer answered.
    moderation.create_group(consultation_of(consultation), actor=user(moderator),
                            title="Otro grupo", members=[contribution(first)])
    db.session.commit()
    assert stored(first) == {first: False}
    assert_stored_is_true()


def test_a_voided_record_leaves_its_answered_group(
        consultation, create_contribution, create_group, create_response, moderator,
        in_request):
    typed_in = create_contribution(consultation, channel="email", author=moderator)
    create_response(group_id=create_group(consultation, [typed_in]))
    assert stored(typed_in) == {typed_in: True}

    void_contribution(contribution(typed_in), actor=user(moderator),
                      reason="Se tipeó dos veces.")
    db.session.commit()

    assert stored(typed_in) == {typed_in: False}
    assert_stored_is_true()


def test_staff_counts_read_the_stored_flag(
        consultation, create_contribution, create_group, create_response, in_request):
    answered, by_group, _waiting = (create_contribution(consultation) for _ in range(3))
    create_response(answered)
    create_response(group_id=create_group(consultation, [by_group]))
    db.session.commit()
    current = consultation_of(consultation)

    assert unanswered_by_consultation([current.id]) == {current.id: 1}
    figures = coverage(current)
    assert (figures["total"], figures["answered"]) == (3, 2)
