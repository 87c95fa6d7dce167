"""Moderation's read queries, on small consultations made with the factories."""

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
        "unclassified": 1}
    assert counts[consultations[1].id] == {
        "received": 1, "classified": 0, "grouped": 0, "hidden": 0, "withdrawn": 0,
        "unclassified": 1}
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
