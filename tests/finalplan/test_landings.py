"""The landings stored when a final plan is published (and when a response is published
after it) give the traceability that resolving every response in Python gives: on a
world with several versions of the plan and of the responses, a merge, a removed
commitment, a group response, an own response over the group's, a hidden contribution
and responses published again after the final plan."""

import importlib.util
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from consulta.contributions.models import Contribution, ContributionGroup
from consulta.core.dates import utcnow
from consulta.extensions import db
from consulta.feedback import operations as feedback_ops
from consulta.feedback.models import Response
from consulta.finalplan import operations
from consulta.finalplan.models import FinalPlanLanding
from consulta.finalplan.queries import (
    ResolvedTraceability,
    StoredTraceability,
    current_landings,
    final_plan_of,
    traceability_of,
)
from consulta.moderation.operations import hide_contribution

from .conftest import (
    JUSTIFICATION,
    close_and_publish_version_2,
    consultation_of,
    give_reasons,
    prepare,
    user,
)

PLAN = json.dumps({
    "plan": {"title": "Plan de prueba"},
    "themes": [
        {"name": "Salud", "commitments": [
            {"number": 1, "title": "Observatorio de precios de medicamentos"},
            {"number": 2, "title": "Quejas ciudadanas en el observatorio"}]},
        {"name": "Educación", "commitments": [
            {"number": 3, "title": "Becas con datos abiertos"},
            {"number": 4, "title": "Un compromiso que no sigue"}]},
    ],
}).encode()

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / \
    "20261205_7e9ee916a15b_final_plan_landings.py"


def _commitment_ids(slug, version_number, numbers):
    consultation = consultation_of(slug)
    version = next(v for v in consultation.plan_versions if v.number == version_number)
    return [c.id for c in version.commitments if c.number in numbers]


def _publish_again(app, code_or_group, secretariat, *, numbers, version_number,
                   outcome="incorporated"):
    """Edit a published response to name other commitments and publish it again."""
    with app.test_request_context():
        if isinstance(code_or_group, int):
            target = db.session.get(ContributionGroup, code_or_group)
        else:
            target = db.session.scalar(select(Contribution).filter_by(
                tracking_code=code_or_group))
        slug = target.consultation.slug
        response = feedback_ops.save_response(
            target, actor=user(secretariat), outcome=outcome, justification=JUSTIFICATION,
            commitment_ids=_commitment_ids(slug, version_number, numbers))
        feedback_ops.publish_response(response, actor=user(secretariat), notify=False)
        db.session.commit()
        db.session.remove()


@pytest.fixture
def world(app, create_consultation, create_contribution, create_response, create_group,
          create_user, secretariat):
    """Version 1 (consulted): commitments 1–4. Version 2 (final): 1 kept, 2 dropped
    (merged into 1), 3 renamed, 4 dropped (removed), 5 added. Responses name version 1's
    commitments; one was published twice before the final plan."""
    slug = create_consultation(plan=PLAN, actor=secretariat)
    codes = {name: create_contribution(slug, body=f"Aporte {name}.")
             for name in ("on_1", "on_2", "on_4", "on_1_and_2", "twice", "hidden",
                          "member", "member_own", "member_rejected", "late")}
    group_id = create_group(slug, [codes["member"], codes["member_own"],
                                   codes["member_rejected"]])
    for name, numbers in (("on_1", (1,)), ("on_2", (2,)), ("on_4", (4,)),
                          ("on_1_and_2", (1, 2)), ("twice", (3,)), ("hidden", (1,)),
                          ("member_own", (1,)), ("late", (3,))):
        create_response(codes[name], outcome="incorporated" if len(numbers) == 1
                        else "partially_incorporated", justification=JUSTIFICATION,
                        commitments=numbers, actor=secretariat)
    create_response(group_id=group_id, outcome="partially_incorporated",
                    justification=JUSTIFICATION, commitments=(3,), actor=secretariat)
    create_response(codes["member_rejected"], outcome="not_incorporated",
                    justification="No se incorpora. Está fuera de lo que el plan puede hacer.",
                    actor=secretariat)
    _publish_again(app, codes["twice"], secretariat, numbers=(3, 4), version_number=1)
    with app.test_request_context():
        consultation = consultation_of(slug)
        actor = user(secretariat)
        # Received on paper long before it was typed in: first in every list.
        db.session.execute(update(Contribution).where(
            Contribution.tracking_code == codes["late"]).values(
            received_at=utcnow() - timedelta(days=60)))
        hide_contribution(db.session.scalar(select(Contribution).filter_by(
            tracking_code=codes["hidden"])), actor=actor, reason="offensive")
        close_and_publish_version_2(consultation, actor, removed=(2, 4), new_number=5)
        db.session.commit()
        final_plan = prepare(slug, secretariat)
        give_reasons(slug, secretariat)  # 2 merged into 1; 4 removed
        operations.publish_final_plan(final_plan, actor=actor, notify=False)
        db.session.commit()
        db.session.remove()
    return {"slug": slug, "codes": codes, "group": group_id}


def _shown(pairs):
    return [(contribution.tracking_code, outcome) for contribution, outcome in pairs]


def _everything(app, traceability, commitments, per_page=2):
    """What every reader of the traceability gets from it, as plain values."""
    seen = {"first": {key: _shown(pairs) for key, pairs in traceability.first(1).items()},
            "counts": {c: traceability.count(c) for c in commitments},
            "codes": {c: traceability.codes(c) for c in commitments},
            "all": {key: _shown(pairs) for key, pairs in traceability.all().items()},
            "pages": {}}
    for commitment_id in commitments:
        for number in (1, 2, 3):
            with app.test_request_context(f"/?page={number}"):
                page = traceability.page(commitment_id, per_page)
                seen["pages"][(commitment_id, number)] = (page.total, _shown(page.items))
    return seen


def _both(app, slug):
    with app.test_request_context():
        final_plan = final_plan_of(consultation_of(slug))
        commitments = [c.id for c in final_plan.plan_version.commitments]
        by_number = {c.number: c.id for c in final_plan.plan_version.commitments}
        stored = _everything(app, StoredTraceability(final_plan), commitments)
        resolved = _everything(app, ResolvedTraceability(final_plan), commitments)
        assert isinstance(traceability_of(final_plan), StoredTraceability)
        db.session.remove()
    # The open data lists the same codes in the same order (the database encodes them).
    listed = app.test_client().get(f"/api/v1/consultations/{slug}/final-plan").get_json()
    assert {c["id"]: c["contributions"] for c in listed["commitments"]} == resolved["codes"]
    return stored, resolved, by_number


def test_the_stored_landings_give_what_resolving_gives(app, world, secretariat):
    slug, codes = world["slug"], world["codes"]
    stored, resolved, number = _both(app, slug)
    assert stored == resolved
    assert stored["codes"][number[1]] == [codes["on_1"], codes["on_2"], codes["on_1_and_2"],
                                          codes["member_own"]]
    assert stored["codes"][number[3]] == [codes["late"], codes["twice"], codes["member"]]
    assert stored["codes"][number[5]] == []
    assert stored["pages"][(number[3], 2)] == (3, [(codes["member"],
                                                    "partially_incorporated")])

    # Published again after the final plan, naming other commitments (of the final
    # version, and of the consulted one): the current versions are read.
    _publish_again(app, codes["on_1"], secretariat, numbers=(3, 5), version_number=2)
    _publish_again(app, world["group"], secretariat, numbers=(1,), version_number=1)
    _publish_again(app, codes["on_2"], secretariat, numbers=(), version_number=1,
                   outcome="not_incorporated")
    stored, resolved, number = _both(app, slug)
    assert stored == resolved
    assert stored["codes"][number[1]] == [codes["on_1_and_2"], codes["member"],
                                          codes["member_own"]]
    assert stored["codes"][number[3]] == [codes["late"], codes["on_1"], codes["twice"]]
    assert stored["codes"][number[5]] == [codes["on_1"]]


def show_hidden_and_hide_twice(app, codes, secretariat):
    """Show the world's hidden contribution again and hide the one answered twice."""
    from consulta.moderation.operations import unhide_contribution

    with app.test_request_context():
        actor = user(secretariat)
        unhide_contribution(db.session.scalar(select(Contribution).filter_by(
            tracking_code=codes["hidden"])), actor=actor)
        hide_contribution(db.session.scalar(select(Contribution).filter_by(
            tracking_code=codes["twice"])), actor=actor, reason="offensive")
        db.session.commit()
        db.session.remove()


def test_a_contribution_hidden_or_shown_again_after_publication_is_read_as_it_is_now(
        app, world, secretariat):
    """Visibility and groups are joined when read, not stored."""
    slug, codes = world["slug"], world["codes"]
    show_hidden_and_hide_twice(app, codes, secretariat)
    stored, resolved, number = _both(app, slug)
    assert stored == resolved
    assert codes["hidden"] in stored["codes"][number[1]]
    assert codes["twice"] not in stored["codes"][number[3]]


def test_publishing_stores_the_landings_of_the_current_versions_only(app, world):
    with app.test_request_context():
        final_plan = final_plan_of(consultation_of(world["slug"]))
        stored = {(row.response_version_id, row.commitment_id):
                  (row.response_id, row.group_id, row.outcome)
                  for row in db.session.scalars(select(FinalPlanLanding).where(
                      FinalPlanLanding.final_plan_id == final_plan.id))}
        twice = db.session.scalar(select(Response).join(Contribution).where(
            Contribution.tracking_code == world["codes"]["twice"]))
        # Its first version (before it was published again) is not stored.
        assert {version for version, _c in stored} & {twice.versions[0].id} == set()
        assert current_landings(final_plan) == stored
        assert {group for _r, group, _o in stored.values()} == {None, world["group"]}
        db.session.remove()


def test_the_migration_records_what_publishing_records(app, world):
    """The migration that adds the table fills it for plans published before it, with
    a frozen copy of the rule: on this world it finds the same rows."""
    spec = importlib.util.spec_from_file_location("landings_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.test_request_context():
        final_plan = final_plan_of(consultation_of(world["slug"]))
        recorded = {(row["version"], row["commitment"]):
                    (row["response"], row["group"], row["outcome"])
                    for row in migration._landings(
                        db.session.connection(), final_plan.id, final_plan.consultation_id,
                        final_plan.plan_version_id)}
        assert recorded == current_landings(final_plan)
        assert len(recorded) > 5
        db.session.remove()


def test_nothing_is_stored_until_the_final_plan_is_published(
        app, finished, secretariat, create_response):
    """A response published while the plan is prepared is recorded with the others when
    the plan is published, not before (the preview resolves in Python)."""
    slug = finished["slug"]
    with app.test_request_context():
        final_plan = prepare(slug, secretariat)
        give_reasons(slug, secretariat)
        db.session.commit()
        assert isinstance(traceability_of(final_plan), ResolvedTraceability)
        db.session.remove()
    create_response(finished["codes"]["rejected"], outcome="incorporated",
                    justification=JUSTIFICATION, commitments=(4,), actor=secretariat)
    with app.test_request_context():
        assert db.session.scalar(select(func.count()).select_from(FinalPlanLanding)) == 0
        final_plan = final_plan_of(consultation_of(slug))
        operations.publish_final_plan(final_plan, actor=user(secretariat), notify=False)
        db.session.commit()
        # on_1, on_2 (merged into 1), on_3, paper (3), rejected (now on 4).
        assert db.session.scalar(select(func.count()).select_from(FinalPlanLanding)) == 5
        db.session.remove()


PAGES = ["/consultations/{slug}/final-plan",
         "/consultations/{slug}/final-plan/commitments/1",
         "/consultations/{slug}/final-plan/commitments/3?page=2",
         "/api/v1/consultations/{slug}/final-plan",
         "/api/v1/consultations/{slug}/final-plan/traceability.csv"]


def test_the_published_final_plan_reads_few_statements_each_from_the_compiled_cache(
        app, world, secretariat):
    from ..test_query_counts import CACHE_HIT, MAX_QUERIES, _statements

    anonymous = app.test_client()

    def sent():
        return {path: _statements(app, anonymous, path.format(slug=world["slug"]))
                for path in PAGES}

    sent()  # compiles, once per process
    before = sent()
    for code in ("on_4", "hidden", "member_rejected"):
        _publish_again(app, world["codes"][code], secretariat, numbers=(1, 3),
                       version_number=1)
    after = sent()
    counts = {path: len(statements) for path, statements in after.items()}
    assert {path: n for path, n in counts.items() if n > MAX_QUERIES} == {}
    assert {path: (len(before[path]), n) for path, n in counts.items()
            if n > len(before[path])} == {}
    assert {path: [s[:80] for s, hit in statements if hit != CACHE_HIT]
            for path, statements in after.items()} == {path: [] for path in PAGES}


def test_the_landings_are_stored_in_statements_of_many_rows(app, world, monkeypatch):
    """Each statement that stores landings moves a commitment's tally once on PostgreSQL
    (statement triggers): a plan's landings go in a few multi-row INSERTs, never one per
    row (psycopg sends a list of parameters as one statement each), and split into
    several statements they are the same rows."""
    from sqlalchemy import delete, event

    with app.test_request_context():
        final_plan = final_plan_of(consultation_of(world["slug"]))
        expected = current_landings(final_plan)
        assert len(expected) > 5
        db.session.execute(delete(FinalPlanLanding).where(
            FinalPlanLanding.final_plan_id == final_plan.id))
        monkeypatch.setattr(operations, "_LANDINGS_PER_STATEMENT", 2)
        sent = []

        def count(_conn, _cursor, statement, _parameters, _context, executemany):
            if statement.startswith("INSERT INTO final_plan_landings"):
                sent.append(executemany)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            operations.record_landings(final_plan)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert sent == [False] * ((len(expected) + 1) // 2)
        stored = {(row.response_version_id, row.commitment_id):
                  (row.response_id, row.group_id, row.outcome)
                  for row in db.session.scalars(select(FinalPlanLanding).where(
                      FinalPlanLanding.final_plan_id == final_plan.id))}
        assert stored == expected
        db.session.rollback()
        db.session.remove()
