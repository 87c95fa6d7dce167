"""What shaped each commitment of a published final plan, kept by the database
(``final_plan_traces`` and ``final_plan_tallies``, and their triggers): after every kind
of write — through the operations, bulk statements or SQL typed at a prompt — the stored
rows equal the rule read live (``queries.live_traces``), and the pages read them."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import delete, select, text, update

from consulta.contributions.models import Contribution, ContributionGroup
from consulta.core.dates import utcnow
from consulta.extensions import db
from consulta.finalplan.models import FinalPlanLanding, FinalPlanTally, FinalPlanTrace
from consulta.finalplan.queries import final_plan_of, live_traces
from consulta.moderation import operations as moderation

from . import test_landings
from .conftest import consultation_of, user
from .test_landings import PLAN, _both, _publish_again

#: The world of test_landings: versions, a merge, a removed commitment, a group.
world = test_landings.world


def _contribution(code):
    return db.session.scalar(select(Contribution).filter_by(tracking_code=code))


def assert_traces_are_live(slug):
    """The stored rows and tallies equal the live rule; → {commitment id: [codes]}."""
    db.session.flush()
    final_plan = final_plan_of(consultation_of(slug))
    landed = live_traces(final_plan.id, Contribution.id.label("contribution_id"),
                         Contribution.tracking_code.label("tracking_code"))
    live = {(row.commitment_id, row.contribution_id, row.tracking_code, row.outcome,
             row.received_at) for row in db.session.execute(select(landed))}
    stored = {(row.commitment_id, row.contribution_id, row.tracking_code, row.outcome,
               row.received_at) for row in db.session.scalars(
        select(FinalPlanTrace).where(FinalPlanTrace.final_plan_id == final_plan.id))}
    assert stored == live
    tallies = {row.commitment_id: row.contributions for row in db.session.scalars(
        select(FinalPlanTally).where(FinalPlanTally.final_plan_id == final_plan.id))}
    assert {k: n for k, n in tallies.items() if n} == Counter(k for k, *_rest in live)
    codes = {}
    for commitment_id, _id, code, _outcome, _received_at in sorted(
            live, key=lambda row: (row[0], row[4], row[1])):
        codes.setdefault(commitment_id, []).append(code)
    return codes


def _in_a_request(app, change):
    with app.test_request_context():
        change()
        db.session.commit()
        db.session.remove()


def _check(app, slug):
    with app.test_request_context():
        codes = assert_traces_are_live(slug)
        db.session.remove()
    stored, resolved, _numbers = _both(app, slug)
    assert stored == resolved
    return codes


def test_the_traces_follow_every_kind_of_change(app, world, secretariat, create_user):
    slug, codes, group_id = world["slug"], world["codes"], world["group"]
    moderator = create_user(roles=("moderator",))
    before = _check(app, slug)
    assert sum(len(found) for found in before.values()) >= 7

    def hide_and_show():
        actor = user(moderator)
        moderation.hide_contribution(_contribution(codes["member"]), actor=actor,
                                     reason="offensive")
        moderation.hide_contribution(_contribution(codes["on_1"]), actor=actor,
                                     reason="spam")
        moderation.unhide_contribution(_contribution(codes["hidden"]), actor=actor)
        assert_traces_are_live(slug)
        moderation.unhide_contribution(_contribution(codes["member"]), actor=actor)
    _in_a_request(app, hide_and_show)
    after = _check(app, slug)
    assert codes["hidden"] in [code for found in after.values() for code in found]
    assert codes["on_1"] not in [code for found in after.values() for code in found]

    def regroup():
        actor = user(moderator)
        moderation.ungroup_contribution(_contribution(codes["member"]), actor=actor)
        assert_traces_are_live(slug)
        group = db.session.get(ContributionGroup, group_id)
        moderation.group_contribution(_contribution(codes["member"]), group, actor=actor)
        # One with a published response of its own: the group's does not reach it.
        moderation.group_contribution(_contribution(codes["on_4"]), group, actor=actor)
    _in_a_request(app, regroup)
    _check(app, slug)

    # Published again: an own response over the group's, the group's elsewhere, one
    # no longer incorporated.
    _publish_again(app, codes["member_rejected"], secretariat, numbers=(1,),
                   version_number=1)
    _check(app, slug)
    _publish_again(app, group_id, secretariat, numbers=(1, 5), version_number=2)
    _check(app, slug)
    _publish_again(app, codes["twice"], secretariat, numbers=(), version_number=1,
                   outcome="not_incorporated")
    _check(app, slug)

    def in_bulk():
        # Withdrawn, voided, re-dated, hidden in bulk statements and typed SQL.
        db.session.execute(update(Contribution).where(
            Contribution.tracking_code == codes["on_1_and_2"]).values(
            withdrawn_at=utcnow()).execution_options(synchronize_session=False))
        assert_traces_are_live(slug)
        db.session.execute(text(
            "UPDATE contributions SET entered_by_id = :user, voided_by_id = :user, "
            "voided_at = received_at, void_reason = 'Tipeado dos veces' "
            "WHERE tracking_code = :code"),
            {"user": user(moderator).id, "code": codes["late"]})
        assert_traces_are_live(slug)
        db.session.execute(update(Contribution).where(
            Contribution.tracking_code == codes["member_own"]).values(
            received_at=utcnow() - timedelta(days=400))
            .execution_options(synchronize_session=False))
        db.session.execute(update(Contribution).where(
            Contribution.tracking_code == codes["on_1"]).values(hidden_at=None, hidden_reason=None)
            .execution_options(synchronize_session=False))
    _in_a_request(app, in_bulk)
    after = _check(app, slug)
    assert [found[0] for found in after.values() if codes["member_own"] in found] \
        == [codes["member_own"]]  # first now, wherever it landed

    def remove_rows():
        # A landing and a contribution deleted by hand take their rows with them.
        final_plan = final_plan_of(consultation_of(slug))
        landing = db.session.scalars(select(FinalPlanLanding).where(
            FinalPlanLanding.final_plan_id == final_plan.id,
            FinalPlanLanding.group_id.is_not(None))).first()
        db.session.execute(delete(FinalPlanLanding).where(
            FinalPlanLanding.final_plan_id == landing.final_plan_id,
            FinalPlanLanding.response_version_id == landing.response_version_id,
            FinalPlanLanding.commitment_id == landing.commitment_id))
        assert_traces_are_live(slug)
        member = _contribution(codes["member"])
        db.session.execute(delete(Contribution).where(Contribution.id == member.id)
                           .execution_options(synchronize_session=False))
    _in_a_request(app, remove_rows)
    _check(app, slug)


def test_writes_before_any_final_plan_store_nothing(
        app, create_consultation, create_contribution, create_response, create_group,
        secretariat):
    """While nothing has landed, contributions, groups and responses come and go without
    a row (the insert trigger does not even fire for a contribution in no group)."""
    slug = create_consultation(plan=PLAN, actor=secretariat)
    codes = [create_contribution(slug) for _ in range(3)]
    group_id = create_group(slug, codes[:2])
    create_response(group_id=group_id, actor=secretariat)
    create_response(codes[2], actor=secretariat)
    with app.test_request_context():
        assert db.session.scalars(select(FinalPlanTrace)).all() == []
        assert db.session.scalars(select(FinalPlanTally)).all() == []
        db.session.remove()


def test_the_migration_fills_the_traces_from_the_landings(app, world, create_user):
    from flask_migrate import downgrade, upgrade

    slug, codes = world["slug"], world["codes"]
    with app.test_request_context():
        moderation.hide_contribution(_contribution(codes["member"]),
                                     actor=user(create_user(roles=("moderator",))),
                                     reason="spam")
        db.session.commit()
        expected = assert_traces_are_live(slug)
        db.session.remove()

        downgrade(revision="b7e4f2a9c6d1")
        with db.engine.connect() as connection:
            assert "final_plan_traces" not in db.inspect(connection).get_table_names()
        upgrade()

        assert assert_traces_are_live(slug) == expected
        assert codes["member"] not in [code for found in expected.values() for code in found]
        db.session.remove()


def test_the_published_plan_reads_the_kept_rows_in_few_statements(app, world, secretariat):
    """The page, a commitment's list and the API read the kept rows and tallies, never
    the landings joined live to the responses and contributions; what never changes
    (the sheets, the differences) is kept after the first view: four or five statements
    each (the page reads both versions' numbers), however many contributions shaped the
    plan."""
    from ..test_query_counts import _statements

    anonymous = app.test_client()
    paths = [path.format(slug=world["slug"]) for path in (
        "/consultations/{slug}/final-plan",
        "/consultations/{slug}/final-plan/commitments/1",
        "/api/v1/consultations/{slug}/final-plan")]
    for path in paths:
        _statements(app, anonymous, path)  # keeps what never changes
    for code in ("on_4", "member_rejected"):
        _publish_again(app, world["codes"][code], secretariat, numbers=(1, 3),
                       version_number=1)
    sent = {path: [statement for statement, _hit in _statements(app, anonymous, path)]
            for path in paths}
    assert [len(statements) for statements in sent.values()] == [5, 4, 4]
    assert [statement for statements in sent.values() for statement in statements
            if "final_plan_landings" in statement or "response" in statement] == []


def test_what_is_kept_follows_the_language_and_the_address(app, world):
    """The differences and the API's sheets are kept per language and address: a
    reader in English, or at another address, never gets another's copy."""
    client = app.test_client()
    page = f"/consultations/{world['slug']}/final-plan"
    api = f"/api/v1/consultations/{world['slug']}/final-plan"
    for _ in range(2):
        spanish = client.get(page, headers={"Accept-Language": "es"}).get_data(as_text=True)
        english = client.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "Qué cambió desde el borrador consultado" in spanish
        assert "Fusionado en" in spanish and "Merged into" not in spanish
        assert "What changed since the consulted draft" in english
        assert "Merged into" in english and "Fusionado en" not in english
        for host in ("one.example", "two.example"):
            data = client.get(api, base_url=f"http://{host}").get_json()
            assert data["url"].startswith(f"http://{host}/")
            assert {c["url"].split("/")[2] for c in data["commitments"]} == {host}


def test_a_component_renamed_after_publishing_shows_on_the_kept_final_plan(
        app, world, secretariat):
    """The components' names are in what the page and the API keep: renamed (allowed
    while in use), they show at the next request all the same."""
    from consulta.consultations.models import Component
    from consulta.consultations.operations import save_component

    client = app.test_client()
    page = f"/consultations/{world['slug']}/final-plan"
    api = f"/api/v1/consultations/{world['slug']}/final-plan"

    def names():
        data = client.get(api).get_json()
        return client.get(page).get_data(as_text=True), {c["component"] for c in
                                                          data["commitments"]}
    shown, listed = names()
    assert "Salud y bienestar" not in shown and "Salud" in listed

    def rename():
        consultation = consultation_of(world["slug"])
        component = db.session.scalar(select(Component).where(
            Component.consultation_id == consultation.id, Component.name == "Salud"))
        save_component(consultation, actor=user(secretariat), component=component,
                       name="Salud y bienestar")
    _in_a_request(app, rename)
    shown, listed = names()
    assert "Salud y bienestar" in shown
    assert "Salud y bienestar" in listed and "Salud" not in listed
