"""A consultation's counts by state, kept by the database (``contribution_tallies`` and
its triggers on ``contributions``): after every kind of change, through the operations,
bulk statements or SQL typed at a prompt, they equal the live counts."""

import re

from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, select, text, update

from consulta.contributions.models import Contribution, ContributionTally
from consulta.contributions.operations import (
    support_proposal,
    void_contribution,
    withdraw_contribution,
)
from consulta.core.dates import utcnow
from consulta.extensions import db
from consulta.moderation import operations, queries
from consulta.offline.importer import import_contributions

from ..conftest import iv_plan_json, login
from ..offline.conftest import xlsx_file
from ..offline.test_import import a_row
from .conftest import consultation_of, contribution, user

PERSONAL = "Nadie responde. Mi DNI es 45678912, escríbanme."


def tallies():
    """``{consultation id: {state: count}}`` as stored, for every tally row."""
    rows = db.session.execute(select(ContributionTally.consultation_id, *(
        getattr(ContributionTally, state) for state in queries.STATES)))
    return {ident: dict(zip(queries.STATES, values, strict=True)) for ident, *values in rows}


def assert_tallies_are_live(*slugs):
    """The stored tallies equal the live counts, and the pages' function reads them."""
    db.session.flush()
    live = queries.live_state_counts()
    stored = {ident: row for ident, row in tallies().items() if any(row.values())}
    assert stored == {ident: row for ident, row in live.items() if any(row.values())}
    consultations = [consultation_of(slug) for slug in slugs]
    zero = dict.fromkeys(queries.STATES, 0)
    assert queries.counts_by_consultation(consultations) == {
        c.id: live.get(c.id, zero) for c in consultations}
    return live


def test_the_tallies_follow_every_kind_of_change(
        app, create_consultation, create_contribution, create_user, moderator, in_request):
    slug = create_consultation(plan=iv_plan_json())
    other = create_consultation(title="Otra consulta", plan=iv_plan_json())
    assert_tallies_are_live(slug, other)
    author = create_user()
    # Sent through the web form, one with personal data held for review.
    web = [create_contribution(slug, author=author) for _ in range(4)]
    held = create_contribution(slug, kind="proposal", values={"problem": PERSONAL})
    # Typed in by a moderator.
    typed = [create_contribution(slug, channel="email", author=moderator) for _ in range(4)]
    live = assert_tallies_are_live(slug, other)
    consultation = consultation_of(slug)
    assert live[consultation.id] == {
        "received": 9, "classified": 0, "grouped": 0, "hidden": 0, "withdrawn": 0,
        "unclassified": 9, "voided": 0, "personal_data": 1}

    actor = user(moderator)
    operations.classify_contribution(contribution(web[0]), actor=actor)
    assert_tallies_are_live(slug, other)
    operations.classify_contributions([contribution(web[1]), contribution(typed[0])],
                                      actor=actor, principles=["transparency"])
    assert_tallies_are_live(slug, other)
    group = operations.create_group(consultation, actor=actor, title="Lo mismo",
                                    members=[contribution(web[0]), contribution(typed[0])])
    operations.group_contribution(contribution(typed[1]), group, actor=actor)
    assert_tallies_are_live(slug, other)
    operations.ungroup_contribution(contribution(typed[1]), actor=actor)
    assert_tallies_are_live(slug, other)
    operations.hide_contribution(contribution(web[2]), actor=actor, reason="spam")
    operations.hide_contribution(contribution(web[3]), actor=actor, reason="offensive")
    assert_tallies_are_live(slug, other)
    operations.unhide_contribution(contribution(web[3]), actor=actor)
    assert_tallies_are_live(slug, other)
    withdraw_contribution(contribution(web[1]), user=user(author))
    assert_tallies_are_live(slug, other)
    # Voiding a grouped record takes it out of its group in the same UPDATE.
    void_contribution(contribution(typed[0]), actor=actor, reason="Tipeado dos veces")
    assert_tallies_are_live(slug, other)
    # A hidden record voided: in no state but "voided" (only voided_at changes).
    operations.hide_contribution(contribution(typed[3]), actor=actor, reason="spam")
    void_contribution(contribution(typed[3]), actor=actor, reason="Otra consulta")
    assert_tallies_are_live(slug, other)
    operations.review_personal_data(contribution(held), actor=actor)
    db.session.commit()
    live = assert_tallies_are_live(slug, other)
    assert live[consultation.id] == {
        "received": 7, "classified": 2, "grouped": 1, "hidden": 1, "withdrawn": 1,
        "unclassified": 4, "voided": 2, "personal_data": 0}

    # A bulk UPDATE, a record moved to another consultation and one deleted, in SQL.
    db.session.execute(update(Contribution).where(Contribution.tracking_code == typed[2])
                       .values(hidden_at=utcnow(), hidden_reason="spam")
                       .execution_options(synchronize_session=False))
    assert_tallies_are_live(slug, other)
    db.session.execute(text("UPDATE contributions SET consultation_id = :other "
                            "WHERE tracking_code = :code"),
                       {"other": consultation_of(other).id, "code": typed[1]})
    assert_tallies_are_live(slug, other)
    db.session.execute(delete(Contribution).where(Contribution.tracking_code == typed[2])
                       .execution_options(synchronize_session=False))
    db.session.commit()
    live = assert_tallies_are_live(slug, other)
    assert live[consultation.id]["received"] == 5
    assert live[consultation_of(other).id] == {
        "received": 1, "classified": 0, "grouped": 0, "hidden": 0, "withdrawn": 0,
        "unclassified": 1, "voided": 0, "personal_data": 0}


def test_an_import_is_tallied(app, create_consultation, moderator, in_request):
    slug = create_consultation(plan=iv_plan_json())
    rows = [a_row(title=f"Propuesta de un taller número {n}") for n in range(3)]
    plan = import_contributions(consultation_of(slug), xlsx_file(rows), "aportes.xlsx",
                                actor=user(moderator))
    db.session.commit()

    assert len(plan.created) == 3
    assert assert_tallies_are_live(slug)[consultation_of(slug).id]["received"] == 3


def test_only_a_change_of_state_writes_the_tally(
        app, create_consultation, create_contribution, create_user, moderator, in_request):
    """A support, an edit or a new classification moment changes no count: the update
    trigger does not even fire (the hot tally row is not written at each support)."""
    slug = create_consultation(plan=iv_plan_json())
    code = create_contribution(slug, kind="proposal")
    supporter = create_user()
    operations.classify_contribution(contribution(code), actor=user(moderator))
    db.session.commit()
    # The row removed by hand: a trigger that fired would make it again.
    db.session.execute(delete(ContributionTally))

    support_proposal(contribution(code), user=user(supporter))
    operations.classify_contribution(contribution(code), actor=user(moderator))
    db.session.execute(update(Contribution).values(body="Otro texto.", answered=True)
                       .execution_options(synchronize_session=False))
    db.session.flush()

    assert tallies() == {}
    operations.hide_contribution(contribution(code), actor=user(moderator), reason="spam")
    db.session.flush()
    assert tallies() == {consultation_of(slug).id: {
        "received": 0, "classified": 0, "grouped": 0, "hidden": 1, "withdrawn": 0,
        "unclassified": 0, "voided": 0, "personal_data": 0}}
    db.session.rollback()


def test_recount_repairs_tallies_written_by_hand(
        app, create_consultation, create_contribution, in_request):
    slug = create_consultation(plan=iv_plan_json())
    other = create_consultation(title="Otra consulta", plan=iv_plan_json())
    for _ in range(3):
        create_contribution(slug)
    db.session.execute(update(ContributionTally).values(received=99, classified=-2))
    db.session.add(ContributionTally(consultation_id=consultation_of(other).id, hidden=4))
    db.session.flush()

    assert operations.recount_tallies() == 1

    assert tallies() == {consultation_of(slug).id: {
        "received": 3, "classified": 0, "grouped": 0, "hidden": 0, "withdrawn": 0,
        "unclassified": 3, "voided": 0, "personal_data": 0}}
    assert_tallies_are_live(slug, other)
    db.session.commit()


def test_the_migration_fills_the_tallies_from_the_contributions(
        app, create_consultation, create_contribution, moderator):
    slug = create_consultation(plan=iv_plan_json())
    codes = [create_contribution(slug) for _ in range(3)]
    create_contribution(slug, channel="email", author=moderator)
    with app.test_request_context():
        operations.hide_contribution(contribution(codes[0]), actor=user(moderator),
                                     reason="spam")
        db.session.commit()
        expected = queries.live_state_counts()
        db.session.remove()

        downgrade(revision="7e9ee916a15b")
        with db.engine.connect() as connection:
            assert "contribution_tallies" not in db.inspect(connection).get_table_names()
        upgrade()

        assert tallies() == expected
        assert expected[consultation_of(slug).id]["hidden"] == 1


def test_the_staff_pages_show_the_tallies(app, create_consultation, create_contribution,
                                          moderator):
    slug = create_consultation(plan=iv_plan_json())
    for _ in range(2):
        create_contribution(slug)
    with app.test_request_context():
        # Hidden behind the application's back: the database still counts it.
        db.session.execute(text("UPDATE contributions SET hidden_at = :now, "
                                "hidden_reason = 'spam' WHERE id = (SELECT min(id) "
                                "FROM contributions)"), {"now": utcnow()})
        db.session.commit()
        counts = queries.moderation_counts(consultation_of(slug))
        db.session.remove()
    assert (counts["received"], counts["hidden"], counts["unclassified"]) == (2, 1, 1)
    assert counts["hidden_by_reason"] == {"spam": 1}
    client = app.test_client()
    login(client, moderator)

    page = client.get(f"/consultations/{slug}/moderation").get_data(as_text=True)

    tabs = re.search(r'<ul class="state-counts">(.*?)</ul>', page, re.S).group(1)
    assert dict(zip(queries.QUEUE_STATES, re.findall(r"<strong>(\d+)</strong>", tabs),
                    strict=True)) == {
        "unclassified": "1", "classified": "0", "grouped": "0", "hidden": "1",
        "withdrawn": "0", "voided": "0", "personal_data": "0", "all": "2"}


def commitment_counts_now(slug):
    """The plan page's counts per commitment number and kind, grouped over the
    contributions themselves: what ``counts_by_commitment`` reads from its tallies."""
    from sqlalchemy import func

    from consulta.consultations.models import Commitment, PlanVersion
    from consulta.contributions.queries import commitment_key, not_withdrawn

    db.session.flush()
    consultation = consultation_of(slug)
    numbers = dict(db.session.execute(
        select(Commitment.id, Commitment.number).join(PlanVersion)
        .where(PlanVersion.consultation_id == consultation.id)).all())
    counts = {}
    for key, kind, n in db.session.execute(
            select(commitment_key(), Contribution.kind, func.count())
            .where(Contribution.consultation_id == consultation.id, not_withdrawn())
            .group_by(commitment_key(), Contribution.kind)):
        if key in numbers:
            by_kind = counts.setdefault(numbers[key], {})
            by_kind[kind] = by_kind.get(kind, 0) + n
    return counts


def test_the_plan_counts_per_commitment_follow_every_kind_of_change(
        app, create_consultation, create_contribution, create_user, moderator, in_request):
    """The counts under each commitment of the plan page (``CommitmentTally``, kept by
    triggers) equal a GROUP BY over the contributions after every kind of change,
    across two versions of the plan (a commitment keeps its number)."""
    from consulta.consultations import operations as consultations
    from consulta.contributions.queries import counts_by_commitment

    from ..contributions.conftest import commitment_ids

    slug = create_consultation(plan=iv_plan_json())
    other = create_consultation(title="Otra consulta", plan=iv_plan_json())
    first = commitment_ids(consultation_of(slug))
    author, secretariat = create_user(), create_user(roles=("secretariat",))
    steps = []

    def check(step, expected=None):
        db.session.commit()
        steps.append(step)
        now = commitment_counts_now(slug)
        assert counts_by_commitment(consultation_of(slug)) == now, steps
        assert counts_by_commitment(consultation_of(other)) == commitment_counts_now(other)
        if expected is not None:
            assert now == expected, steps

    on_five = [create_contribution(slug, author=author, target="commitment",
                                   target_id=first[5]) for _ in range(3)]
    typed = create_contribution(slug, channel="email", author=moderator,
                                target="commitment", target_id=first[5])
    proposal = create_contribution(slug, kind="proposal")
    create_contribution(slug)  # about the plan as a whole: under no commitment
    check("submitted", {5: {"comment": 4}})
    consultations.ensure_draft_version(consultation_of(slug), actor=user(secretariat))
    consultations.publish_plan_version(consultation_of(slug), actor=user(secretariat))
    db.session.commit()
    second = commitment_ids(consultation_of(slug))
    create_contribution(slug, target="commitment", target_id=second[5])
    check("one about the new version's commitment 5", {5: {"comment": 5}})
    operations.classify_contribution(contribution(proposal), actor=user(moderator),
                                     commitment_id=second[7])
    operations.classify_contribution(contribution(on_five[0]), actor=user(moderator),
                                     commitment_id=second[7])
    check("classified", {5: {"comment": 4}, 7: {"comment": 1, "proposal": 1}})
    operations.classify_contribution(contribution(on_five[0]), actor=user(moderator))
    check("classified again without a commitment: the author's choice counts")
    operations.hide_contribution(contribution(on_five[1]), actor=user(moderator), reason="spam")
    check("hidden: still listed, with its reason", {5: {"comment": 5},
                                                    7: {"proposal": 1}})
    withdraw_contribution(contribution(on_five[2]), user=user(author))
    void_contribution(contribution(typed), actor=user(moderator), reason="Tipeado dos veces")
    check("withdrawn and voided", {5: {"comment": 3}, 7: {"proposal": 1}})
    db.session.execute(text("UPDATE contributions SET consultation_id = :other "
                            "WHERE tracking_code = :code"),
                       {"other": consultation_of(other).id, "code": on_five[1]})
    check("moved to another consultation in SQL")
    db.session.execute(delete(Contribution).where(Contribution.tracking_code == proposal)
                       .execution_options(synchronize_session=False))
    check("deleted", {5: {"comment": 2}})
    db.session.commit()


def test_recount_repairs_the_commitment_tallies(app, create_consultation, create_contribution,
                                                in_request):
    from consulta.contributions.models import CommitmentTally
    from consulta.contributions.queries import counts_by_commitment

    from ..contributions.conftest import commitment_ids

    slug = create_consultation(plan=iv_plan_json())
    five = commitment_ids(consultation_of(slug))[5]
    for kind in ("comment", "proposal", "comment"):
        create_contribution(slug, kind=kind, target="commitment" if kind == "comment"
                            else None, target_id=five if kind == "comment" else None)
    db.session.execute(update(CommitmentTally).values(listed=42))
    db.session.flush()
    assert counts_by_commitment(consultation_of(slug)) == {5: {"comment": 42}}

    operations.recount_tallies()

    assert counts_by_commitment(consultation_of(slug)) == commitment_counts_now(slug) == {
        5: {"comment": 2}}
    db.session.commit()


def test_the_migration_fills_the_commitment_tallies(
        app, create_consultation, create_contribution):
    from consulta.contributions.models import CommitmentTally
    from consulta.contributions.queries import counts_by_commitment

    from ..contributions.conftest import commitment_ids

    slug = create_consultation(plan=iv_plan_json())
    with app.test_request_context():
        five = commitment_ids(consultation_of(slug))[5]
    for kind in ("comment", "comment"):
        create_contribution(slug, kind=kind, target="commitment", target_id=five)
    with app.test_request_context():
        downgrade(revision="a3c1d9e2f4b7")
        with db.engine.connect() as connection:
            assert "commitment_tallies" not in db.inspect(connection).get_table_names()
        upgrade()

        assert db.session.scalar(select(db.func.count()).select_from(CommitmentTally)) == 1
        assert counts_by_commitment(consultation_of(slug)) == {5: {"comment": 2}}
