"""Browsing contributions: filters, sorting, full-text search with Spanish in mind."""

import pytest
from sqlalchemy import select

from consulta.accounts.models import User
from consulta.consultations.models import Consultation
from consulta.contributions.models import Contribution
from consulta.contributions.operations import submit_contribution, support_proposal
from consulta.extensions import db

from ..conftest import iv_plan_json


@pytest.fixture
def filled(app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json())
    people = [create_user(sector="academia", region="puno"),
              create_user(sector="private_sector", region="piura"),
              create_user(sector="citizen", region="cusco")]
    with app.test_request_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        users = [db.session.get(User, p.id) for p in people]
        commitments = {c.number: c.id for c in consultation.published_plan.commitments}
        components = {c.name: c.id for c in consultation.components}
        sheet = {"problem": "p", "objective": "o", "co_responsible": [], "actions": []}
        made = {}
        made["a"], _ = submit_contribution(
            consultation, author=users[0], kind="proposal", notify=False,
            values={**sheet, "component_id": components["Salud"],
                    "title": "Participación de las mujeres en la salud pública"})
        made["b"], _ = submit_contribution(
            consultation, author=users[1], kind="proposal", notify=False,
            values={**sheet, "component_id": components["Educación"],
                    "title": "Compromisos de transparencia en colegios"})
        made["c"], _ = submit_contribution(
            consultation, author=users[2], kind="comment", notify=False,
            values={"body": "Falta un compromiso sobre desastres naturales."},
            target="commitment", target_id=commitments[5])
        support_proposal(made["b"], user=users[0])
        support_proposal(made["b"], user=users[2])
        db.session.commit()
        codes = {k: v.tracking_code for k, v in made.items()}
    return slug, codes, commitments, components


def listed(app, slug, query=""):
    page = app.test_client().get(f"/consultations/{slug}/contributions?{query}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def found(app, slug, query, codes):
    page = listed(app, slug, query)
    return {key for key, code in codes.items() if code in page}


def test_filters(app, filled):
    slug, codes, commitments, components = filled
    assert found(app, slug, "kind=proposal", codes) == {"a", "b"}
    assert found(app, slug, "kind=comment", codes) == {"c"}
    assert found(app, slug, f"component={components['Salud']}", codes) == {"a"}
    assert found(app, slug, f"commitment={commitments[5]}", codes) == {"c"}
    assert found(app, slug, "sector=private_sector", codes) == {"b"}
    assert found(app, slug, "region=cusco", codes) == {"c"}
    assert found(app, slug, "channel=web", codes) == {"a", "b", "c"}
    assert found(app, slug, "channel=workshop", codes) == set()


def test_unknown_filter_values_are_ignored_not_errors(app, filled):
    slug, codes, _c, _k = filled
    page = listed(app, slug, "kind=<script>&sort=id;drop&per_page=99999&component=x"
                             "&sector=1%27&page=-3")
    assert all(code in page for code in codes.values())
    assert "<script>" not in page


def test_sorting_by_support(app, filled):
    slug, codes, _c, _k = filled
    page = listed(app, slug, "sort=supported")
    assert page.index(codes["b"]) < page.index(codes["a"])


@pytest.mark.parametrize("query,expected", [
    ("participacion", {"a"}),           # no accent finds the accented word
    ("PARTICIPACIÓN", {"a"}),
    ("mujer", {"a"}),                   # singular finds the plural
    ("compromiso transparencia", {"b"}),
    ("desastre", {"c"}),
    ("compromisos", {"b", "c"}),        # plural finds the singular
    ("salud publica", {"a"}),
    ("zanahoria", set()),
    ('"unbalanced AND OR NEAR(', set()),  # FTS syntax typed by a user is just text
])
def test_full_text_search_in_spanish(app, filled, query, expected):
    slug, codes, _c, _k = filled
    assert found(app, slug, f"q={query}", codes) == expected


def test_pagination(app, filled):
    slug, codes, _c, _k = filled
    first = listed(app, slug, "per_page=10")
    assert all(code in first for code in codes.values())


def test_the_total_is_counted_up_to_a_cap_and_said_as_more_than(app, filled, monkeypatch):
    import consulta.contributions.views.public as public

    slug, _codes, _c, _k = filled
    assert "3 aportes encontrados." in listed(app, slug)
    monkeypatch.setattr(public, "COUNT_CAP", 2)
    page = listed(app, slug, "per_page=10")
    assert "Más de 2 aportes encontrados." in page
    # Pages past the cap are not served: a far page number gives the last one.
    assert listed(app, slug, "per_page=10&page=999").count("/contributions/APO-") \
        == page.count("/contributions/APO-")


@pytest.fixture
def searched(app, filled, create_user):
    """The filled consultation, with eleven proposals more on water: one hidden for
    abuse, one withdrawn."""
    from consulta.contributions.operations import withdraw_contribution
    from consulta.moderation.operations import hide_contribution

    slug, codes, _commitments, components = filled
    moderator = create_user(roles=("moderator",))
    author = create_user()
    sheet = {"problem": "p", "objective": "o", "co_responsible": [], "actions": []}
    with app.test_request_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        writer = db.session.get(User, author.id)
        made = [submit_contribution(consultation, author=writer, kind="proposal",
                                    notify=False,
                                    values={**sheet, "component_id": components["Salud"],
                                            "title": f"Agua potable y saneamiento {n}"})[0]
                for n in range(11)]
        hide_contribution(made[3], actor=db.session.get(User, moderator.id), reason="offensive")
        withdraw_contribution(made[5], user=writer)
        db.session.commit()
        codes = {**codes, **{f"w{n}": c.tracking_code for n, c in enumerate(made)}}
    return slug, codes


@pytest.mark.parametrize("query", [
    "q=compromisos", "q=transparencia+colegios", "q=salud", "q=agua&sort=oldest",
    "q=agua", "q=agua&per_page=10&page=2", "q=agua&kind=proposal&sort=supported",
    "q=saneamiento&withdrawn=1", "q=agua&per_page=10&page=99"])
def test_a_search_lists_and_counts_the_same_whichever_way_it_reads_the_matches(
        app, searched, monkeypatch, query):
    """SQLite looks few matches up by id, walks the listing past a common word's many
    matches, or probes each row it walks (``search.match_for_page``): the same cards in
    the same order, and the same count, whichever it takes. Hidden text and withdrawn
    contributions are not found (but in the withdrawn list)."""
    import re

    import consulta.core.search as search

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the ways of reading matches are SQLite's (FTS5)")
    slug, codes = searched
    count = re.compile(r"\d+ aportes? encontrados?\.")

    def seen():
        page = listed(app, slug, query)
        return re.findall(r"APO-[\d-]+", page), count.findall(page)

    by_id = seen()
    monkeypatch.setattr(search, "DENSE_MATCHES", 0)  # every search takes the walk
    walked = seen()
    monkeypatch.setattr(search, "PROBE_COST", 0)  # and probes every row it reads
    monkeypatch.setattr(search, "PROBE_SAMPLE", 1)
    assert walked == by_id
    assert seen() == by_id
    assert by_id[1]
    cards = set(by_id[0])
    assert codes["w3"] not in cards
    assert (codes["w5"] in cards) == ("withdrawn=1" in query)
    if query.startswith("q=agua") and "page=" not in query:
        assert by_id[1] == ["9 aportes encontrados."]


def test_a_search_is_built_once_and_its_words_bound_at_execution(app, searched):
    """Two searches read the same way share their statements (their words are values at
    execution): they are built and their cache keys computed once, not per search."""
    from consulta.contributions.queries import listing_query, read_filters

    slug, _codes = searched
    with app.test_request_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        water = listing_query(consultation, read_filters({"q": "agua"}), reach=20)
        health = listing_query(consultation, read_filters({"q": "saneamiento"}), reach=20)
        assert water.query is health.query
        assert water.count_query is health.count_query
        assert water.params != health.params
        other = listing_query(consultation, read_filters({"q": "agua", "kind": "proposal"}))
        assert other.query is not water.query


def test_a_search_probes_its_rows_only_when_a_walk_meets_matches_densely():
    """The cost model of ``match_for_page``: probing pays for a common word in a large
    consultation, not for a rare one, nor deep in the pages, nor where the list's own
    rows do not match."""
    from consulta.core.search import _probe_pays

    assert _probe_pays(recent=500, last=50_000, reach=20, density=0.5)
    assert not _probe_pays(recent=250, last=50_000, reach=20, density=0.25)
    assert _probe_pays(recent=250, last=200_000, reach=20, density=0.25)
    assert not _probe_pays(recent=500, last=50_000, reach=1000, density=0.5)
    assert not _probe_pays(recent=900, last=200_000, reach=20, density=0)


def test_a_word_common_elsewhere_is_not_probed_for_where_it_is_absent(
        app, searched, create_consultation, create_contribution, monkeypatch):
    """How densely a walk meets matches is read from the list's own newest rows: a word
    that fills another consultation and is absent here would make a probe read every
    row of this one."""
    import consulta.core.search as search
    from consulta.contributions.queries import listing_query, read_filters

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the ways of reading matches are SQLite's (FTS5)")
    slug, _codes = searched
    other = create_consultation(plan=iv_plan_json())
    for n in range(6):
        create_contribution(other, body=f"Vigilancia ciudadana de las obras {n}.")
    monkeypatch.setattr(search, "DENSE_MATCHES", 0)
    monkeypatch.setattr(search, "PROBE_COST", 0)
    monkeypatch.setattr(search, "PROBE_SAMPLE", 1)
    with app.test_request_context():
        here, there = (db.session.scalar(select(Consultation).where(Consultation.slug == s))
                       for s in (slug, other))
        ways = {name: search.match_for_page(
                    db.session, Contribution.id, word, 20,
                    (listing_query(consultation, read_filters({})).query.whereclause,
                     {"consultation": consultation.id})).way
                for name, consultation, word in (("absent here", here, "vigilancia"),
                                                 ("common there", there, "vigilancia"),
                                                 ("common here", here, "agua"))}
    assert ways == {"absent here": "walk", "common there": "probe", "common here": "probe"}


def test_the_commitment_filter_offers_the_latest_plan_and_keeps_the_choice(
        app, filled, create_user):
    """Its options are rendered once per plan and choice (issue 16): the choice shows
    selected, and a new version of the plan shows its own titles at once."""
    from consulta.consultations import operations

    slug, _codes, _commitments, _components = filled
    page = listed(app, slug, "commitment=5")
    assert page.count(" selected>") == 3  # the commitment, the order and the page size
    assert '<option value="5" selected>5. ' in page
    assert '<option value="6">6. ' in page
    assert "Compromiso revisado &lt;en&gt; una nueva versión" not in page
    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        actor = db.session.get(User, secretariat.id)
        draft = operations.ensure_draft_version(consultation, actor=actor)
        five = next(c for c in draft.commitments if c.number == 5)
        operations.save_commitment(draft, actor=actor, commitment=five,
                                   component_id=five.component_id, number=5,
                                   title="Compromiso revisado <en> una nueva versión")
        operations.publish_plan_version(consultation, actor=actor)
        db.session.commit()
    page = listed(app, slug, "commitment=5")
    assert '<option value="5" selected>5. Compromiso revisado &lt;en&gt; una nueva ' \
        'versión</option>' in page
    assert '<option value="5">5. Compromiso revisado' in listed(app, slug)
