"""Moderation's read queries, on small consultations made with the factories."""

from werkzeug.datastructures import MultiDict

from consulta.contributions.operations import withdraw_contribution
from consulta.extensions import db
from consulta.moderation import operations, queries

from ..conftest import iv_plan_json
from .conftest import consultation_of, contribution, count_statements, user


def test_counts_by_consultation_counts_each_state_of_each_consultation(
        app, create_consultation, create_contribution, create_user, moderator, in_request):
    busy, quiet, empty = (create_consultation(title=title, plan=iv_plan_json())
                          for title in ("Ocupada", "Tranquila", "Vacía"))
    author = create_user()
    codes = [create_contribution(busy, author=author) for _ in range(4)]
    create_contribution(quiet)
    operations.classify_contribution(contribution(codes[0]), actor=user(moderator))
    operations.hide_contribution(contribution(codes[1]), actor=user(moderator), reason="spam")
    operations.create_group(consultation_of(busy), actor=user(moderator), title="Grupo",
                            members=[contribution(codes[0])])
    withdraw_contribution(contribution(codes[2]), user=user(author))
    db.session.commit()
    consultations = [consultation_of(slug) for slug in (busy, quiet, empty)]

    counts = queries.counts_by_consultation(consultations)

    assert counts[consultations[0].id] == {
        "received": 4, "classified": 1, "grouped": 1, "hidden": 1, "withdrawn": 1,
        "unclassified": 1, "voided": 0, "personal_data": 0}
    assert counts[consultations[1].id] == {
        "received": 1, "classified": 0, "grouped": 0, "hidden": 0, "withdrawn": 0,
        "unclassified": 1, "voided": 0, "personal_data": 0}
    assert counts[consultations[2].id] == dict.fromkeys(queries.STATES, 0)
    assert queries.counts_by_consultation([]) == {}


def test_counts_by_consultation_is_one_query_however_many_consultations(
        app, create_consultation, create_contribution, in_request):
    slugs = [create_consultation(title=f"Consulta {n}", plan=iv_plan_json()) for n in range(3)]
    for slug in slugs:
        create_contribution(slug)
    consultations = [consultation_of(slug) for slug in slugs]

    assert count_statements(app, lambda: queries.counts_by_consultation(consultations)) == 1


def test_moderation_counts_adds_the_hidden_ones_by_reason(
        app, create_consultation, create_contribution, moderator, in_request):
    slug = create_consultation(plan=iv_plan_json())
    codes = [create_contribution(slug) for _ in range(3)]
    for code, reason in zip(codes, ("spam", "spam", "offensive"), strict=True):
        operations.hide_contribution(contribution(code), actor=user(moderator), reason=reason)
    db.session.commit()

    counts = queries.moderation_counts(consultation_of(slug))

    assert counts["received"] == counts["hidden"] == 3 and counts["unclassified"] == 0
    assert counts["hidden_by_reason"] == {"spam": 2, "offensive": 1}


def codes_in(query):
    return [c.tracking_code for c in db.session.scalars(query)]


def test_the_queue_shows_each_state_unclassified_first_then_oldest_first(
        consultation, create_contribution, create_user, moderator, in_request):
    author = create_user()
    first, classified, hidden, withdrawn, last = (
        create_contribution(consultation, author=author) for _ in range(5))
    operations.classify_contribution(contribution(classified), actor=user(moderator))
    operations.hide_contribution(contribution(hidden), actor=user(moderator), reason="spam")
    withdraw_contribution(contribution(withdrawn), user=user(author))
    db.session.commit()
    item = consultation_of(consultation)

    def state(name):
        return codes_in(queries.queue_query(item, name, {}))

    assert state("unclassified") == [first, last]
    assert state("classified") == [classified]
    assert state("hidden") == [hidden] and state("withdrawn") == [withdrawn]
    assert state("all") == [first, hidden, withdrawn, last, classified]


def test_the_queue_filters_by_component_and_commitment_as_classified_else_as_chosen(
        consultation, create_contribution, moderator, in_request):
    names = {c.name: c.id for c in consultation_of(consultation).components}
    five, seven = (c.id for c in consultation_of(consultation).published_commitments
                   if c.number in (5, 7))
    chosen_health = create_contribution(consultation, kind="proposal",
                                        values={"component_id": names["Salud"]})
    moved_away = create_contribution(consultation, kind="proposal",
                                     values={"component_id": names["Salud"]})
    moved_here = create_contribution(consultation, target="commitment", target_id=seven)
    operations.classify_contribution(contribution(moved_away), actor=user(moderator),
                                     component_id=names["Justicia"])
    operations.classify_contribution(contribution(moved_here), actor=user(moderator),
                                     component_id=names["Salud"], commitment_id=five)
    db.session.commit()
    item = consultation_of(consultation)

    def found(**filters):
        return codes_in(queries.queue_query(item, "all", filters))

    assert found(component=names["Salud"]) == [chosen_health, moved_here]
    assert found(component=names["Justicia"]) == [moved_away]
    assert found(commitment=five) == [moved_here] and found(commitment=seven) == []
    assert found(component=names["Salud"], channel="workshop") == []


def test_queue_filters_keep_only_known_values(in_request):
    assert queries.queue_filters(MultiDict({
        "component": "3", "commitment": "x", "channel": "pigeon", "sector": "academia",
        "q": "  agua ", "kind": "proposal"})) == {"component": 3, "q": "agua",
                                                   "sector": "academia"}


def test_next_unclassified_goes_on_after_the_one_just_classified_then_from_the_start(
        consultation, create_contribution, moderator, in_request):
    first, second, third = (create_contribution(consultation) for _ in range(3))
    item = consultation_of(consultation)
    operations.classify_contribution(contribution(second), actor=user(moderator))
    db.session.commit()

    def following(code):
        found = queries.next_unclassified(item, after_id=contribution(code).id)
        return found.tracking_code if found else None

    assert following(first) == third and following(second) == third
    assert following(third) == first and queries.next_unclassified(item).tracking_code == first
    for code in (first, third):
        operations.classify_contribution(contribution(code), actor=user(moderator))
    db.session.commit()
    assert following(third) is None


def test_groups_with_counts_count_each_groups_members(
        consultation, create_contribution, create_group, in_request):
    codes = [create_contribution(consultation) for _ in range(3)]
    create_group(consultation, codes[:2], title="B: dos")
    create_group(consultation, title="A: vacío")

    rows = db.session.execute(queries.groups_with_counts(consultation_of(consultation)))

    assert [(title, n) for _id, title, n in rows] == [("A: vacío", 0), ("B: dos", 2)]
    assert [g.title for g in queries.groups_of(consultation_of(consultation))] == [
        "A: vacío", "B: dos"]


def test_a_page_of_groups_walks_an_index_in_title_order(consultation, in_request):
    """SQLite, without statistics (as a new database has none): the moderators' and the
    secretariat's pages of groups read an index in the list's order and stop after the
    page; with an index on the consultation alone they counted the members of every
    group and sorted them all (11 ms for the moderators' page at 200,000
    contributions, 4,000 groups)."""
    import pytest

    from consulta.feedback.queries import groups_with_responses

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner")
    for query in (queries.groups_with_counts, groups_with_responses):
        statement = query(consultation_of(consultation)).limit(50)
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = " | ".join(row[-1] for row in db.session.execute(
            db.text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "INDEX ix_contribution_groups_by_title" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_the_audit_log_of_a_consultation_newest_first_and_by_action(
        consultation, create_consultation, create_contribution, moderator, in_request):
    other = create_consultation(title="Otra consulta", plan=iv_plan_json())
    code, elsewhere = create_contribution(consultation), create_contribution(other)
    operations.classify_contribution(contribution(code), actor=user(moderator))
    operations.hide_contribution(contribution(code), actor=user(moderator), reason="spam")
    operations.hide_contribution(contribution(elsewhere), actor=user(moderator),
                                 reason="spam")
    db.session.commit()
    item = consultation_of(consultation)

    actions = [e.action for e in db.session.scalars(queries.audit_log(item))]
    assert actions[:2] == ["contribution.hidden", "contribution.classified"]
    assert len([a for a in actions if a == "contribution.hidden"]) == 1
    assert [e.action for e in db.session.scalars(
        queries.audit_log(item, "contribution.classified"))] == ["contribution.classified"]
    assert {"contribution.classified", "contribution.hidden"} <= set(
        queries.audit_actions(item))
    # Each action once, in order, none of another consultation's.
    assert queries.audit_actions(item) == sorted(set(actions))


def test_the_count_left_to_classify_is_the_live_one(
        app, create_consultation, create_contribution, create_user, moderator, in_request):
    """The classification page says how many are left from the consultation's tally."""
    busy, empty = (create_consultation(title=title, plan=iv_plan_json())
                   for title in ("Ocupada", "Vacía"))
    author = create_user()
    codes = [create_contribution(busy, author=author) for _ in range(5)]
    assert queries.unclassified_count(consultation_of(busy)) == 5
    operations.classify_contribution(contribution(codes[0]), actor=user(moderator))
    operations.hide_contribution(contribution(codes[1]), actor=user(moderator), reason="spam")
    withdraw_contribution(contribution(codes[2]), user=user(author))
    db.session.commit()

    count = queries.unclassified_count(consultation_of(busy))

    assert count == 2
    assert count == queries.live_state_counts()[consultation_of(busy).id]["unclassified"]
    assert queries.unclassified_count(consultation_of(empty)) == 0
