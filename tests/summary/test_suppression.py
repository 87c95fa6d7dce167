"""Small-group suppression: gender figures are published only for groups of at least
SMALL_GROUP_MIN people (and their complement), in every output and across versions."""

import json

import pytest

from consulta.extensions import db
from consulta.summary.suppression import suppress

from ..conftest import iv_plan_json
from .conftest import close, pdf_text


def content(women=(10, 20), declared=(6, 12), events=(4, 8), before=(4, 8), sectors=None):
    """A summary content with the gender figures given as (women, known)."""
    return {
        "figures": {
            "women": {"count": women[0], "known": women[1],
                      "share": round(100 * women[0] / women[1], 1)},
            "declared_genders": {"women_declared": declared[0], "declared": declared[1],
                                 "undeclared": 3},
            "events": {"women": events[0], "gender_recorded": events[1],
                       "by_sector": sectors or {}},
        },
        "irm": [{"key": "awareness_raising",
                 "evidence": {"women": before[0], "gender_recorded": before[1]}}],
    }


@pytest.fixture
def k5(app):
    with app.app_context():
        yield 5


def test_gender_figures_of_large_groups_are_shown_as_they_are(k5):
    figures = content(declared=(10, 20), events=(10, 20), women=(20, 40), before=(10, 20))
    assert suppress(figures) == figures


@pytest.mark.parametrize("women, known", [(0, 1), (1, 1), (4, 20), (16, 20), (3, 3)])
def test_a_small_group_or_a_small_complement_suppresses_every_gender_figure(
        k5, women, known):
    shown = suppress(content(declared=(women, known), events=(10, 20), women=(
        women + 10, known + 20), before=(10, 20)))
    figures = shown["figures"]
    assert figures["declared_genders"]["women_declared"] == {"fewer_than": 5}
    # The others go with it: the overall women minus those at events would give it.
    assert figures["women"]["count"] == {"fewer_than": 5}
    assert figures["women"]["share"] == {"fewer_than": 5}
    assert figures["events"]["women"] == {"fewer_than": 5}
    assert shown["irm"][0]["evidence"]["women"] == {"fewer_than": 5}
    if known < 5:
        assert figures["declared_genders"]["declared"] == {"fewer_than": 5}


def test_a_small_difference_between_two_figures_suppresses_them(k5):
    # 11 women at all events, 10 before closing: 1 woman among the 1 attendee after it.
    shown = suppress(content(declared=(10, 20), events=(11, 21), women=(21, 41),
                             before=(10, 20)))
    assert shown["figures"]["events"]["women"] == {"fewer_than": 5}


def test_a_lone_small_cell_by_sector_takes_a_second_one_with_it(k5):
    sectors = {"academia": {"participants": 3, "women": 1},
               "civil_society": {"participants": 20, "women": 10},
               "private_sector": {"participants": 30, "women": 12}}
    shown = suppress(content(declared=(10, 20), events=(23, 53), women=(33, 73),
                             before=(23, 53), sectors=sectors))
    by_sector = shown["figures"]["events"]["by_sector"]
    assert by_sector["academia"]["women"] == {"fewer_than": 5}
    # The total is shown: the smallest other cell is suppressed too.
    assert by_sector["civil_society"]["women"] == {"fewer_than": 5}
    assert by_sector["private_sector"]["women"] == 12


def test_a_version_that_differs_from_an_earlier_one_by_a_small_group_is_withheld(k5):
    first = suppress(content(declared=(10, 20), events=(10, 20), women=(20, 40),
                             before=(10, 20)))
    # One woman erased her account: 19 of 39 would tell her gender next to 20 of 40.
    second = suppress(content(declared=(9, 19), events=(10, 20), women=(19, 39),
                              before=(10, 20)), [first])
    assert second["figures"]["women"]["count"] == {"withheld": 5}
    assert second["figures"]["declared_genders"]["women_declared"] == {"withheld": 5}
    # Five more people of each gender is not a small group: shown.
    third = suppress(content(declared=(15, 30), events=(10, 20), women=(25, 50),
                             before=(10, 20)), [first])
    assert third["figures"]["women"]["count"] == 25


def test_suppression_is_idempotent_and_follows_the_setting(app):
    with app.app_context():
        once = suppress(content(declared=(3, 8)))
        assert suppress(once) == once
        app.config["SMALL_GROUP_MIN"] = 2
        try:
            assert suppress(content(declared=(3, 8)))["figures"]["women"]["count"] == 10
        finally:
            app.config["SMALL_GROUP_MIN"] = 5


def test_a_one_person_consultation_publishes_no_gender_anywhere(
        app, create_consultation, create_user, create_contribution, publish):
    secretariat = create_user(roles=("secretariat",))
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-10, closes_in_days=1,
                               actor=secretariat)
    create_contribution(slug, author=create_user(gender="female"))
    close(app, slug)
    publish(slug, secretariat)

    client = app.test_client()
    page = client.get(f"/consultations/{slug}/summary").get_data(as_text=True)
    api = client.get(f"/api/v1/consultations/{slug}/summary").json
    pdf = pdf_text(client.get(f"/consultations/{slug}/summary/v1.pdf?lang=es").data)
    assert "Participación de mujeres: no se muestra" in page
    assert "de 1 persona" not in page
    women = api["content"]["figures"]["women"]
    assert women["count"] == {"fewer_than": 5} and women["share"] == {"fewer_than": 5}
    assert '"women_declared": 1' not in json.dumps(api)
    assert "no se muestra" in pdf and "1 de 1" not in pdf
    with app.app_context():
        db.session.remove()
