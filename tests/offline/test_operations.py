"""Operations and queries of offline participation, called directly."""

import pytest
from sqlalchemy import select

from consulta.contributions.operations import check_contact
from consulta.core.operations import OperationError
from consulta.extensions import db
from consulta.feedback.models import Response
from consulta.feedback.operations import publish_response, save_response
from consulta.offline.operations import mark_author_told, record_assisted_contribution
from consulta.offline.queries import normalize_code, to_notify, tracked_contribution

from .conftest import consultation_of, contribution_of, user_of


@pytest.mark.parametrize("typed, code", [
    ("APO-2026-000123", "APO-2026-000123"), (" apo-2026-000123 ", "APO-2026-000123"),
    ("APO 2026 000123", "APO-2026-000123"), ("apo2026000123", "APO-2026-000123"),
    ("APO-2026–000123", "APO-2026-000123"), ("APO-26-000123", None), ("", None),
    ("<script>", None), ("APO-2026-" + "9" * 40, None)])
def test_codes_are_read_as_people_type_them(typed, code):
    assert normalize_code(typed) == code


@pytest.mark.parametrize("channel, contact, stored", [
    (None, "951 222 333", (None, None)),
    ("sms", " 951  222 333 ", ("sms", "951 222 333")),
    ("phone", "+51 (01) 411-5000", ("phone", "+51 (01) 411-5000")),
    ("post", "Jr. Lima 123, Juliaca, Puno", ("post", "Jr. Lima 123, Juliaca, Puno")),
])
def test_contact_channels_keep_what_was_given(app_ctx, channel, contact, stored):
    assert check_contact(channel, contact) == stored


@pytest.mark.parametrize("channel, contact", [
    ("sms", ""), ("sms", "llámenme"), ("phone", "12"), ("fax", "951222333"),
    ("post", "x" * 301)])
def test_contact_channels_refuse_what_cannot_reach_anyone(app_ctx, channel, contact):
    with pytest.raises(OperationError):
        check_contact(channel, contact)


def test_an_assisted_contribution_needs_the_name_and_the_answer_about_it(
        app, slug, create_user):
    facilitator = create_user(roles=("facilitator",))
    with app.test_request_context():
        consultation = consultation_of(slug)
        for name, public in (("", True), ("Ana", None), ("Ana", "sí")):
            with pytest.raises(OperationError):
                record_assisted_contribution(
                    consultation, facilitator=user_of(facilitator), kind="comment",
                    channel="other", values={"title": "Un aporte"}, author_name=name,
                    name_public=public)
            db.session.rollback()
        contribution = record_assisted_contribution(
            consultation, facilitator=user_of(facilitator), kind="comment", channel="other",
            values={"title": "Un aporte"}, author_name="  Ana   Condori ", name_public=True,
            contact_channel="phone", contact="951222333", submission_token="t-1")
        again = record_assisted_contribution(
            consultation, facilitator=user_of(facilitator), kind="comment", channel="other",
            values={"title": "Un aporte"}, author_name="Ana Condori", name_public=True,
            submission_token="t-1")
        assert again is contribution and contribution.author_name == "Ana Condori"
        assert contribution.public_author == "Ana Condori"


def test_who_to_tell_follows_the_published_versions(app, slug, create_contribution,
                                                     create_user):
    secretariat = create_user(roles=("secretariat",))
    code = create_contribution(slug, channel="written", author_name="Juana",
                               author_contact_channel="sms", author_contact="951222333")
    with app.test_request_context():
        contribution = contribution_of(code)
        actor = user_of(secretariat)
        with pytest.raises(OperationError):  # nothing published yet
            mark_author_told(contribution, actor=actor)
        db.session.rollback()
        assert to_notify(consultation_of(slug)) == ([], [])
        response = save_response(contribution, actor=actor, outcome="out_of_scope",
                                 justification="No corresponde a este plan. Se explica "
                                               "por qué.")
        publish_response(response, actor=actor, notify=False)
        db.session.commit()
        [(pending, _version)], told = to_notify(consultation_of(slug))
        assert pending.tracking_code == code and told == []
        mark_author_told(contribution_of(code), actor=actor)
        db.session.commit()
        assert to_notify(consultation_of(slug))[0] == []
        # A new version of the response: tell them again.
        response = db.session.scalar(select(Response))
        save_response(contribution_of(code), actor=actor, outcome="not_incorporated",
                      justification="Se revisó de nuevo. No se incorpora por ahora.")
        publish_response(response, actor=actor, notify=False)
        db.session.commit()
        assert [c.tracking_code for c, _v in to_notify(consultation_of(slug))[0]] == [code]


def test_tracking_finds_only_what_the_public_may_follow(app, slug, create_contribution,
                                                        create_user):
    from consulta.contributions.operations import void_contribution

    moderator = create_user(roles=("moderator",))
    code = create_contribution(slug, channel="written", author=moderator)
    with app.test_request_context():
        assert tracked_contribution(code.lower()).tracking_code == code
        void_contribution(contribution_of(code), actor=user_of(moderator), reason="Error.")
        db.session.commit()
        assert tracked_contribution(code) is None
