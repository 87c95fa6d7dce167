"""A contribution's page says where it landed in the published final plan from the rows
the triggers keep (``final_plan_traces``) and the named commitments from what a worker
keeps of the frozen plan: as resolving its responses in Python says, on the landings'
world (several versions, a merge, a removed commitment, a group, a hidden one)."""

from sqlalchemy import select

from consulta.contributions.models import Contribution
from consulta.extensions import db

from . import test_landings

#: The landings' world, as a fixture of this module too.
world = test_landings.world
_publish_again = test_landings._publish_again
show_hidden_and_hide_twice = test_landings.show_hidden_and_hide_twice


def _pages_say(app, codes):
    """{name: (landed in: [(number, title)], {named commitment id: URL})} of each
    contribution, as its page's receiver reads them (one statement, from the kept rows
    and what a worker keeps of the plan) and as resolving its responses reads them."""
    from flask import url_for

    from consulta.finalplan.pages import landing_on_the_contribution
    from consulta.finalplan.queries import Resolver, landing_of, published_final_plan

    read, resolved = {}, {}
    with app.test_request_context():
        for name, code in codes.items():
            contribution = db.session.scalar(select(Contribution).filter_by(
                tracking_code=code))
            values = landing_on_the_contribution(contribution)
            read[name] = ([(c.number, c.title) for c in values["landed_in"]],
                          {key: url for key, url in values["commitment_urls"].items()
                           if "/final-plan#" in url})
            plan = published_final_plan(contribution.consultation)
            resolver = Resolver(plan)
            response = contribution.response
            named = {item["id"] for version in (response.versions if response else [])
                     for item in version.incorporated_in or []}
            page = url_for("finalplan.show", slug=contribution.consultation.slug)
            resolved[name] = (
                [(c.number, c.title) for c in landing_of(plan, contribution, resolver)],
                {key: f"{page}#{resolver.commitment(key).anchor}" for key in named
                 if resolver.commitment(key) is not None})
        db.session.remove()
    return read, resolved


def test_a_contribution_page_says_where_it_landed_as_resolving_its_responses_says(
        app, world, secretariat):
    """The page reads the published plan and the landing from the rows the triggers keep
    and resolves the named commitments from the kept plan: the same as resolving, after
    the publication, a hide, a show, and responses published again."""
    codes = world["codes"]
    read, resolved = _pages_say(app, codes)
    assert read == resolved
    assert read["on_2"][0] == read["on_1"][0] != []  # merged into 1
    assert read["on_4"][0] == [] and read["hidden"][0] == []  # removed; hidden
    assert read["member"][0] != [] and read["member_rejected"][0] == []  # the group's
    _publish_again(app, codes["on_1"], secretariat, numbers=(3, 5), version_number=2)
    _publish_again(app, world["group"], secretariat, numbers=(1,), version_number=1)
    show_hidden_and_hide_twice(app, codes, secretariat)
    read, resolved = _pages_say(app, codes)
    assert read == resolved
    assert [number for number, _title in read["on_1"][0]] == [3, 5]
    assert read["hidden"][0] != [] and read["twice"][0] == []
