"""The public lists read their cards as rows (``contributions.queries.cards``): each
card's published response is the one the model says answers it (its own published one,
else its group's; a draft never)."""

from sqlalchemy import select

from consulta.contributions.models import Contribution
from consulta.contributions.queries import listing_query, paginate_cards, read_filters
from consulta.extensions import db

from .conftest import consultation_of


def test_a_card_shows_the_response_the_model_says_answers_it(
        consultation, create_contribution, create_group, create_response, in_request):
    own, drafted, by_group, draft_over_group, waiting = (
        create_contribution(consultation) for _ in range(5))
    create_response(own, outcome="incorporated", commitments=(1,))
    create_response(drafted, publish=False)
    group_id = create_group(consultation, [by_group, draft_over_group])
    create_response(group_id=group_id, outcome="not_incorporated",
                    justification="No corresponde al alcance de este plan. Se deriva a la entidad "
                              "competente para su evaluación.")
    create_response(draft_over_group, publish=False)
    current = consultation_of(consultation)

    for sheet in (False, True):
        query, params, _count = listing_query(current, read_filters({"sort": "oldest"}))
        page = paginate_cards(query, 1, 20, sheet=sheet, params=params,
                              cap=None if sheet else 10_000)
        shown = {card.tracking_code: card.published_response for card in page.items}
        models = {c.tracking_code: c.published_response for c in db.session.scalars(
            select(Contribution).where(Contribution.consultation_id == current.id))}

        assert list(shown) == [own, drafted, by_group, draft_over_group, waiting]
        assert page.total == 5
        for code, version in models.items():
            card = shown[code]
            assert (card is None) == (version is None), code
            if version is not None:
                assert (card.id, card.outcome) == (version.id, version.outcome)
                if sheet:
                    assert (card.published_at, card.number, card.incorporated_in) == (
                        version.published_at, version.number, version.incorporated_in)
        assert shown[waiting] is None and shown[drafted] is None
        assert shown[draft_over_group].id == shown[by_group].id
