"""Similar-contribution suggestions: what is compared, and in what order."""

from consulta.moderation import operations, similarity

from .conftest import contribution, user

OLD_TWIN = ("Los comedores populares de Ayacucho necesitan un padrón abierto de "
            "beneficiarios del vaso de leche, publicado cada mes.")
TWIN = ("Publicar cada mes el padrón de beneficiarios del vaso de leche de los comedores "
        "populares de Ayacucho.")
COMMON = "Publicar cada mes información del plan de gobierno abierto para la ciudadanía."


def codes_of(suggestions):
    return [item.tracking_code for item, _score in suggestions]


def test_suggestions_rank_the_closest_first_and_leave_out_hidden_ones(
        consultation, create_contribution, moderator, in_request):
    target = create_contribution(consultation, body=TWIN)
    twin = create_contribution(consultation, body=OLD_TWIN)
    loose = create_contribution(consultation, body=COMMON)
    hidden = create_contribution(consultation, body=TWIN)
    create_contribution(consultation, body="Un tema sin nada que ver: bibliotecas rurales.")
    operations.hide_contribution(contribution(hidden), actor=user(moderator), reason="spam")

    found = similarity.similar_contributions(contribution(target))

    assert codes_of(found) == [twin, loose]
    assert 0 < found[1][1] < found[0][1] <= 1


def test_an_older_twin_is_found_past_the_latest_matches(
        consultation, create_contribution, in_request, monkeypatch):
    """Only the latest matches of any main word are read (the cost must not grow with the
    consultation); the latest holding all of the most distinctive words are read too, so
    an older contribution saying the same is still suggested first."""
    twin = create_contribution(consultation, body=OLD_TWIN)
    newer = [create_contribution(consultation, body=COMMON) for _ in range(4)]
    target = create_contribution(consultation, body=TWIN)
    monkeypatch.setattr(similarity, "RECENT_CANDIDATES", 3)

    found = codes_of(similarity.similar_contributions(contribution(target)))

    assert found[0] == twin
    assert set(found[1:]) <= set(newer)


def test_the_candidates_are_the_latest_matches_and_the_same_at_every_view(
        consultation, create_contribution, in_request, monkeypatch):
    """Only the latest matches are compared (on SQLite, with the older ones holding all of
    the most distinctive words): the same suggestions at every view of the page, never
    whichever rows a scan of the table met first."""
    older = [create_contribution(consultation, body=COMMON) for _ in range(4)]
    latest = [create_contribution(consultation, body=COMMON) for _ in range(3)]
    target = create_contribution(consultation, body=TWIN)
    monkeypatch.setattr(similarity, "RECENT_CANDIDATES", 3)
    monkeypatch.setattr(similarity, "MAX_CANDIDATES", 3)

    found = codes_of(similarity.similar_contributions(contribution(target)))

    assert sorted(found) == sorted(latest)
    assert not set(found) & set(older)
    for _ in range(3):
        assert codes_of(similarity.similar_contributions(contribution(target))) == found
