"""Feedback's read queries: the answer that applies to each contribution (in SQL and on a
loaded object), coverage, the unanswered list, the outcome filter of every list."""

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from consulta.contributions.models import Contribution
from consulta.contributions.operations import void_contribution, withdraw_contribution
from consulta.contributions.queries import (
    commitment_key,
    component_key,
    contributions_query,
    is_visible,
    not_withdrawn,
    read_filters,
)
from consulta.extensions import db
from consulta.feedback import queries
from consulta.feedback.models import CoverageTally
from consulta.moderation.operations import (
    classify_contribution,
    group_contribution,
    hide_contribution,
    ungroup_contribution,
    unhide_contribution,
)

from ..conftest import iv_plan_json
from .conftest import (
    JUSTIFICATION,
    commitment_ids,
    consultation_of,
    contribution,
    group,
    response,
    user,
)


def outcomes(slug):
    """{code: outcome of the published answer that applies} through ``with_outcome``."""
    query, outcome = queries.with_outcome(
        select(Contribution.tracking_code).where(
            Contribution.consultation_id == consultation_of(slug).id))
    return dict(db.session.execute(query.add_columns(outcome)).all())


def test_the_answer_that_applies_is_its_own_published_one_else_its_groups(
        consultation, create_contribution, create_group, create_response, in_request):
    alone, grouped, own_answer, own_draft, unanswered_group = (
        create_contribution(consultation) for _ in range(5))
    answered = create_group(consultation, [grouped, own_answer, own_draft])
    create_group(consultation, [unanswered_group], title="Sin respuesta")
    create_response(group_id=answered, outcome="not_incorporated")
    create_response(own_answer, outcome="out_of_scope")
    create_response(own_draft, outcome="referred", referred_to="Otra entidad", publish=False)
    create_response(alone, outcome="already_covered", publish=False)

    assert outcomes(consultation) == {
        alone: None, grouped: "not_incorporated", own_answer: "out_of_scope",
        own_draft: "not_incorporated", unanswered_group: None}
    # The same rule on loaded objects.
    assert {code: getattr(contribution(code).published_response, "outcome", None)
            for code in outcomes(consultation)} == outcomes(consultation)
    assert contribution(alone).response.status == "draft"  # its draft, for the staff


def test_written_response_is_the_one_edited_for_a_contribution_or_a_group(
        consultation, create_contribution, create_group, create_response, in_request):
    code = create_contribution(consultation)
    group_id = create_group(consultation, [code])
    group_answer = create_response(group_id=group_id)

    assert queries.written_response(contribution(code)) is None  # never its group's
    assert queries.written_response(group(group_id)).id == group_answer
    own = create_response(code, publish=False)
    assert queries.written_response(contribution(code)).id == own


def test_coverage_counts_visible_contributions_with_a_published_answer(
        consultation, create_contribution, create_user, create_response, create_group,
        moderator, in_request):
    author = create_user()
    five = commitment_ids(consultation, 5)[0]
    about_five, classified, draft, grouped, hidden, withdrawn = (
        create_contribution(consultation, author=author, target="commitment", target_id=five)
        for _ in range(6))
    health = {c.name: c.id for c in consultation_of(consultation).components}["Salud"]
    create_response(about_five)
    create_response(draft, publish=False)
    create_response(group_id=create_group(consultation, [grouped]))
    create_response(hidden)
    classify_contribution(contribution(classified), actor=user(moderator),
                          component_id=health)
    hide_contribution(contribution(hidden), actor=user(moderator), reason="spam")
    withdraw_contribution(contribution(withdrawn), user=user(author))
    db.session.commit()

    coverage = queries.coverage(consultation_of(consultation))

    assert (coverage["total"], coverage["answered"], coverage["percent"]) == (4, 2, 50.0)
    assert [(c.number, n, a) for c, n, a in coverage["by_commitment"]] == [(5, 4, 2)]
    by_component = {c.name if c else None: (n, a) for c, n, a in coverage["by_component"]}
    assert by_component == {"Salud": (1, 0), None: (3, 2)}  # as classified, else none


def counted_now(slug):
    """``{(component, commitment): (listed, visible, answered)}`` grouped over the
    contributions themselves: what the tallies kept by triggers must say."""
    db.session.expire_all()
    rows = db.session.execute(
        select(component_key(), commitment_key(), func.count(),
               func.count().filter(is_visible()),
               func.count().filter(is_visible() & Contribution.answered.is_(True)))
        .where(Contribution.consultation_id == consultation_of(slug).id, not_withdrawn())
        .group_by(component_key(), commitment_key())).all()
    return {(component, commitment): tuple(counts)
            for component, commitment, *counts in rows}


def tallied(slug):
    """The same from ``coverage``'s source, ``CoverageTally`` (key 0 read as None)."""
    db.session.expire_all()
    rows = db.session.execute(
        select(CoverageTally.component_key, CoverageTally.commitment_key,
               CoverageTally.listed, CoverageTally.visible, CoverageTally.answered)
        .where(CoverageTally.consultation_id == consultation_of(slug).id,
               CoverageTally.listed > 0)).all()
    return {(component or None, commitment or None): tuple(counts)
            for component, commitment, *counts in rows}


def test_coverage_tallies_follow_every_write_of_a_contribution(
        consultation, create_contribution, create_user, create_response, create_group,
        moderator, in_request):
    """Submitting, classifying (and classifying again), hiding and showing again,
    withdrawing, voiding, answering (own and group responses), joining and leaving an
    answered group: after each, the tallies equal a GROUP BY over the contributions."""
    author = create_user()
    five, seven = commitment_ids(consultation, 5, 7)
    components = {c.name: c.id for c in consultation_of(consultation).components}
    codes = [create_contribution(consultation, author=author, target="commitment",
                                 target_id=five) for _ in range(4)]
    codes += [create_contribution(consultation, author=author),
              create_contribution(consultation, kind="proposal", author=author),
              create_contribution(consultation, channel="email", author=moderator)]
    steps = []

    def check(step):
        db.session.commit()
        steps.append(step)
        assert tallied(consultation) == counted_now(consultation), steps

    check("submitted")
    assert sum(n for n, _v, _a in tallied(consultation).values()) == 7
    classify_contribution(contribution(codes[0]), actor=user(moderator),
                          component_id=components["Salud"], commitment_id=seven)
    check("classified")
    classify_contribution(contribution(codes[0]), actor=user(moderator),
                          component_id=components["Justicia"])
    check("classified again, commitment cleared")
    create_response(codes[1])
    check("own response published")
    group_id = create_group(consultation, [codes[2], codes[4]])
    create_response(group_id=group_id)
    check("group response published")
    group_contribution(contribution(codes[5]), group(group_id), actor=user(moderator))
    check("joined an answered group")
    ungroup_contribution(contribution(codes[2]), actor=user(moderator))
    check("left it")
    hide_contribution(contribution(codes[1]), actor=user(moderator), reason="spam")
    check("hidden")
    unhide_contribution(contribution(codes[1]), actor=user(moderator))
    check("shown again")
    withdraw_contribution(contribution(codes[3]), user=user(author))
    check("withdrawn")
    void_contribution(contribution(codes[6]), actor=user(moderator), reason="Se tipeó dos veces.")
    check("voided")
    hide_contribution(contribution(codes[0]), actor=user(moderator), reason="spam")
    check("hidden, still listed in the matrix")
    coverage = queries.coverage(consultation_of(consultation))
    assert (coverage["total"], coverage["answered"]) == (4, 3)
    assert queries.listed_count(consultation_of(consultation)) == 5


def test_recount_repairs_the_coverage_tallies(consultation, create_contribution,
                                              create_response, moderator, in_request):
    """What the benchmark's bulk load does with the triggers off: the recount writes
    what a GROUP BY over the contributions says."""
    from sqlalchemy import delete

    from consulta.feedback.operations import recount_coverage_tallies

    five, = commitment_ids(consultation, 5)
    codes = [create_contribution(consultation, target="commitment", target_id=five)
             for _ in range(3)] + [create_contribution(consultation)]
    create_response(codes[0])
    hide_contribution(contribution(codes[1]), actor=user(moderator), reason="spam")
    db.session.commit()
    expected = counted_now(consultation)
    db.session.execute(delete(CoverageTally))
    db.session.add(CoverageTally(consultation_id=consultation_of(consultation).id,
                                 component_key=0, commitment_key=0, listed=7))
    db.session.commit()
    assert tallied(consultation) != expected

    recount_coverage_tallies()
    db.session.commit()

    assert tallied(consultation) == expected
    assert sum(n for n, _v, _a in expected.values()) == 4


def test_coverage_of_a_consultation_without_contributions_is_complete(consultation,
                                                                      in_request):
    coverage = queries.coverage(consultation_of(consultation))
    assert (coverage["total"], coverage["answered"], coverage["percent"]) == (0, 0, 100.0)


def test_unanswered_lists_the_visible_contributions_without_a_published_answer(
        consultation, create_contribution, create_response, moderator, in_request):
    first, answered, drafted, hidden, last = (create_contribution(consultation)
                                              for _ in range(5))
    create_response(answered)
    create_response(drafted, publish=False)
    hide_contribution(contribution(hidden), actor=user(moderator), reason="spam")
    db.session.commit()

    rows = db.session.scalars(queries.unanswered(consultation_of(consultation))).all()

    assert [c.tracking_code for c in rows] == [first, drafted, last]


def test_every_contribution_list_filters_by_the_published_outcome(
        consultation, create_contribution, create_group, create_response, in_request):
    incorporated, drafted, by_group, other = (create_contribution(consultation)
                                              for _ in range(4))
    create_response(incorporated, outcome="incorporated", commitments=(5,),
                    justification=JUSTIFICATION)
    create_response(drafted, outcome="incorporated", commitments=(5,),
                    justification=JUSTIFICATION, publish=False)
    create_response(group_id=create_group(consultation, [by_group]), outcome="incorporated",
                    commitments=(5,), justification=JUSTIFICATION)
    create_response(other, outcome="out_of_scope")

    filters = read_filters(MultiDict({"outcome": "incorporated", "sort": "oldest"}))
    found = db.session.scalars(contributions_query(consultation_of(consultation), filters))

    assert [c.tracking_code for c in found] == [incorporated, by_group]
    assert read_filters(MultiDict({"outcome": "invented"}))["outcome"] is None


def test_responses_query_lists_the_latest_edited_first_by_status(
        consultation, create_contribution, create_response, in_request):
    published, drafted = create_contribution(consultation), create_contribution(consultation)
    first = create_response(published)
    second = create_response(drafted, publish=False)
    consultation_item = consultation_of(consultation)

    every = db.session.scalars(queries.responses_query(consultation_item)).all()
    drafts = db.session.scalars(queries.responses_query(consultation_item, "draft")).all()

    assert [r.id for r in every] == [second, first]
    assert [r.id for r in drafts] == [second]
    assert response(first).status == "published"


def test_the_matrix_leaves_out_withdrawn_contributions(
        consultation, create_contribution, create_user, in_request):
    author = create_user()
    kept, withdrawn = (create_contribution(consultation, author=author) for _ in range(2))
    withdraw_contribution(contribution(withdrawn), user=user(author))
    db.session.commit()

    rows = db.session.scalars(queries.matrix_query(
        consultation_of(consultation), read_filters(MultiDict()))).all()

    assert [c.tracking_code for c in rows] == [kept]


def test_the_response_count_is_kept_by_the_database_whatever_writes_the_responses(
        consultation, create_consultation, create_contribution, create_group,
        create_response, secretariat, in_request):
    """``response_count`` reads ``ResponseTally``, which triggers keep: it says what
    counting the responses says after saving, sending for review, publishing, a bulk
    ``update()`` and a delete, per status and in all, consultation by consultation."""
    from sqlalchemy import delete, update

    from consulta.feedback.models import Response
    from consulta.feedback.operations import submit_response_for_review

    other = create_consultation(title="Otra consulta", plan=iv_plan_json())
    codes = [create_contribution(consultation) for _ in range(4)]
    create_response(codes[0])
    create_response(codes[1], publish=False)
    drafted = create_response(codes[2], publish=False)
    create_response(group_id=create_group(consultation, codes[3:]), publish=False)
    create_response(create_contribution(other))
    submit_response_for_review(response(drafted), actor=user(secretariat))
    db.session.commit()

    def counted(slug, status=None):
        query = select(func.count()).select_from(Response).where(
            Response.consultation_id == consultation_of(slug).id)
        return db.session.scalar(query.where(Response.status == status) if status else query)

    def check():
        for slug in (consultation, other):
            for status in (None, "draft", "in_review", "approved", "published"):
                assert queries.response_count(consultation_of(slug), status) == \
                    counted(slug, status), (slug, status)

    check()
    assert queries.response_count(consultation_of(consultation)) == 4
    assert queries.response_count(consultation_of(consultation), "in_review") == 1
    db.session.execute(update(Response).where(Response.status == "draft")
                       .values(status="approved"))
    db.session.commit()
    check()
    db.session.execute(update(Response).where(Response.id == drafted)
                       .values(justification="Otro texto."))  # no status changed
    db.session.execute(delete(Response).where(Response.id == drafted))
    db.session.commit()
    check()
    assert queries.response_count(consultation_of(consultation)) == 3
