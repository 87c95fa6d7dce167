"""The public tracking page of a final plan, each commitment's page and each published
report's page: derived statuses, progress, filters, figures, and what is never public."""

import re

import pytest
from sqlalchemy import func, select

from consulta.core.cache import clear, page_generation
from consulta.extensions import db
from consulta.followup import queries
from consulta.followup.models import ProgressReport
from consulta.followup.signals import report_published

from ..conftest import login
from .public_world import PLAN, build_plan_world, consultation_of


@pytest.fixture
def plan_world(app, create_user, create_consultation):
    return build_plan_world(app, create_user, create_consultation)


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def cards(html):
    """{commitment number: the text of its card} on the tracking page."""
    found = {}
    for number, body in re.findall(r'<li class="card[^"]*" id="compromiso-(\d+)">(.*?)</li>\s*'
                                   r'(?=<li class="card|</ul>)', html, re.S):
        found[int(number)] = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    return found


def test_each_commitment_shows_its_derived_status_progress_and_last_report(
        client, plan_world):
    html = page(client, f"/consultations/{plan_world.slug}/follow-up")
    found = cards(html)
    assert set(found) == {1, 2, 3, 4, 5}
    assert "Completado" in found[1] and "100 %" in found[1]  # the cancelled one left out
    assert "En curso" in found[2] and "40 %" in found[2]
    assert "Retrasado" in found[3] and "50 %" in found[3]
    assert "Convocatoria abierta" in found[3] and "enero 2020" in found[3]  # overdue
    assert "No iniciado" in found[4] and "Todavía no se publicó ningún reporte" in found[4]
    assert "Cancelado" in found[5]
    assert "Último reporte" in found[1] and "Último reporte" in found[2]
    # The overdue milestone is highlighted; the rule for cancelled milestones is said.
    assert html.count('class="overdue"') == 1
    assert "los hitos cancelados no se cuentan" in html


def test_status_rules_in_sql_match_the_rules_in_words(app, plan_world):
    with app.test_request_context():
        plan_id = consultation_of(plan_world.slug)
        from consulta.finalplan.queries import published_final_plan

        final_plan = published_final_plan(plan_id)
        statuses = {c.number: (p.status, p.percent) for c, p in
                    queries.tracked_commitments(final_plan, month="2026-12")}
        assert statuses == {1: ("completed", 100), 2: ("in_progress", 40),
                            3: ("delayed", 50), 4: ("not_started", 0), 5: ("cancelled", 0)}
        # Before the overdue milestone's month, commitment 3 is only in progress.
        earlier = {c.number: p.status for c, p in
                   queries.tracked_commitments(final_plan, month="2019-12")}
        assert earlier[3] == "in_progress"


def test_the_figures_counted_from_the_whole_list_are_those_counted_in_sql(app, plan_world):
    from consulta.finalplan.queries import published_final_plan

    with app.test_request_context():
        final_plan = published_final_plan(consultation_of(plan_world.slug))
        components = queries.plan_components(final_plan)
        for month in ("2019-12", "2026-12"):
            tracked = queries.tracked_commitments(final_plan, month=month,
                                                  commitment=queries.LISTED)
            in_sql = queries.figures(final_plan, components, month)
            assert queries.figures(final_plan, components, month, tracked=tracked) == in_sql
            assert in_sql["overall"]["total"] == 5


def test_a_long_plan_is_paged_with_its_filters_and_whole_figures(app, client, plan_world,
                                                                   monkeypatch):
    from consulta.followup import public

    monkeypatch.setattr(public, "TRACKING_PER_PAGE", 2)
    url = f"/consultations/{plan_world.slug}/follow-up"
    pages = [page(client, url), page(client, f"{url}?page=2"), page(client, f"{url}?page=3")]
    assert [set(cards(html)) for html in pages] == [{1, 2}, {3, 4}, {5}]
    for html in pages:  # the count and the figures are the whole plan's
        assert "5 compromisos" in html and "Página" in html
        assert re.search(r"<dt>Compromisos</dt><dd>5</dd>", html)
    assert f'href="{url}?page=2"' in pages[0] and 'rel="prev"' in pages[1]
    with app.app_context():
        consultation = consultation_of(plan_world.slug)
        education = next(c.id for c in consultation.components if c.name == "Educación")
    first = page(client, f"{url}?component={education}")
    assert set(cards(first)) == {3, 4}
    assert f"component={education}" in re.search(r'rel="next" href="([^"]+)"', first)[1]
    assert set(cards(page(client, f"{url}?component={education}&page=2"))) == {5}
    assert cards(page(client, f"{url}?page=9")) == {}  # past the end: an empty page


def test_a_kept_row_is_written_again_when_one_of_its_values_changes(app, client,
                                                                   plan_world):
    from consulta.followup.models import Milestone

    url = f"/consultations/{plan_world.slug}/follow-up"
    first = cards(page(client, url))
    assert "Convocatoria abierta" in first[3] and "Educación" in first[3]
    with app.app_context():
        consultation = consultation_of(plan_world.slug)
        education = next(c for c in consultation.components if c.name == "Educación")
        education.name = "Educación básica"
        overdue = db.session.scalar(select(Milestone).where(
            Milestone.description == "Convocatoria abierta"))
        overdue.description = "Convocatoria cerrada"
        db.session.commit()
        clear()
    second = cards(page(client, url))
    assert "Educación básica" in second[3] and "Convocatoria cerrada" in second[3]
    assert "Convocatoria abierta" not in second[3]
    assert {k: v for k, v in second.items() if k not in (3, 4, 5)} == \
        {k: v for k, v in first.items() if k not in (3, 4, 5)}
    english = cards(client.get(url, headers={"Accept-Language": "en"})
                    .get_data(as_text=True))  # the same values in another language
    assert "1 overdue milestone" in english[3] and "Convocatoria cerrada" in english[3]


def test_the_filters_narrow_the_list_by_component_status_and_responsible(app, client,
                                                                         plan_world):
    url = f"/consultations/{plan_world.slug}/follow-up"
    with app.app_context():
        consultation = consultation_of(plan_world.slug)
        education = next(c.id for c in consultation.components if c.name == "Educación")
    assert set(cards(page(client, f"{url}?component={education}"))) == {3, 4, 5}
    assert set(cards(page(client, f"{url}?status=delayed"))) == {3}
    assert set(cards(page(client, f"{url}?responsible=MINSA"))) == {1, 2}
    assert set(cards(page(client, f"{url}?responsible=MINEDU&status=cancelled"))) == {5}
    assert "Ningún compromiso coincide con estos filtros." in page(
        client, f"{url}?responsible=MINSA&status=delayed")


@pytest.mark.parametrize(("query", "message"), [
    ("component=999999", "Este plan no tiene ese componente: “999999”."),
    ("component=salud", "Este plan no tiene ese componente: “salud”."),
    ("status=terminado", "No existe ese estado: “terminado”."),
    ("responsible=Ministerio%20inventado",
     "Ningún compromiso de este plan tiene esa entidad responsable: “Ministerio inventado”."),
])
def test_unknown_filter_values_are_refused_with_a_message(client, plan_world, query,
                                                          message):
    html = page(client, f"/consultations/{plan_world.slug}/follow-up?{query}", status=400)
    assert message in html
    assert set(cards(html)) == {1, 2, 3, 4, 5}  # nothing filtered by a value it refused


def test_a_filter_value_with_markup_is_shown_as_text(client, plan_world):
    html = page(client, f"/consultations/{plan_world.slug}/follow-up?status=%3Cscript%3E",
                status=400)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_figures_count_by_component_and_overall_as_accessible_charts(
        app, client, plan_world):
    html = page(client, f"/consultations/{plan_world.slug}/follow-up")
    svg = re.search(r'<svg class="chart".*?</svg>', html, re.S).group(0)
    assert "<title>Compromisos por estado, en total y por componente</title>" in svg
    assert "<desc>Todos los compromisos: Completado 1" in svg
    assert "Salud" in svg and "Educación" in svg
    table = re.search(r'<table class="figure-table">.*?</table>', html, re.S).group(0)
    assert "<caption>Compromisos por estado, en total y por componente</caption>" in table
    assert re.search(r"Educación</th><td>0 \(0\s%\)</td><td>0 \(0\s%\)</td>"
                     r"<td>1 \(33,3\s%\)</td>", table)
    with app.test_request_context():
        from consulta.finalplan.queries import published_final_plan

        final_plan = published_final_plan(consultation_of(plan_world.slug))
        counted = queries.figures(final_plan, queries.plan_components(final_plan), "2026-12")
        assert counted["overall"] == {"completed": 1, "in_progress": 1, "delayed": 1,
                                      "not_started": 1, "cancelled": 1, "total": 5}
        assert [(c.name, n["total"]) for c, n in counted["by_component"]] == [
            ("Salud", 2), ("Educación", 3)]


def test_the_follow_up_is_not_public_before_the_final_plan(app, client, create_user,
                                                            create_consultation):
    slug = create_consultation(plan=PLAN)
    for path in ("follow-up", "follow-up/commitments/1", "follow-up/reports/1",
                 "follow-up/self-assessments", "follow-up/self-assessments/mid-term"):
        page(client, f"/consultations/{slug}/{path}", status=404)
    page(client, f"/api/v1/consultations/{slug}/progress", status=404)
    page(client, "/consultations/no-existe/follow-up", status=404)
    # Not even the secretariat sees it before.
    secretariat = create_user(roles=("secretariat",))
    login(client, secretariat)
    page(client, f"/consultations/{slug}/follow-up", status=404)


def test_the_commitment_page_shows_milestones_indicators_and_published_reports(
        client, plan_world):
    html = page(client, f"/consultations/{plan_world.slug}/follow-up/commitments/"
                        f"{plan_world.commitments[2]}")
    assert "Quejas ciudadanas" in html and "MINSA" in html
    assert "Sistema de quejas en línea" in html and "diciembre 2099" in html
    # The indicator: baseline, target and the value of the latest published report.
    assert "Quejas atendidas en plazo" in html and "42,5" in html
    assert "al 30 de junio de 2026" in html
    reports = re.findall(r"/follow-up/reports/(\d+)", html)
    assert reports == [str(plan_world.reports["two"]), str(plan_world.reports["two_old"])]
    first = page(client, f"/consultations/{plan_world.slug}/follow-up/commitments/"
                         f"{plan_world.commitments[1]}")
    assert str(plan_world.reports["one_draft"]) not in re.findall(r"/reports/(\d+)", first)
    delayed = page(client, f"/consultations/{plan_world.slug}/follow-up/commitments/"
                           f"{plan_world.commitments[3]}")
    assert delayed.count('<tr class="overdue">') == 1 and "Vencido" in delayed


def test_a_commitment_outside_the_final_plan_or_not_a_number_is_not_found(
        app, client, plan_world, create_consultation):
    other = create_consultation(plan=PLAN)
    with app.app_context():
        elsewhere = consultation_of(other).published_plan.commitments[0].id
    base = f"/consultations/{plan_world.slug}/follow-up/commitments"
    for ident in (elsewhere, 999999, "abc", "1.5", "-1"):
        page(client, f"{base}/{ident}", status=404)


def test_a_report_page_shows_its_milestones_narrative_and_evidence_safely(
        client, plan_world):
    html = page(client, f"/consultations/{plan_world.slug}/follow-up/reports/"
                        f"{plan_world.reports['one']}")
    assert "Lo asumió otra entidad." in html
    assert "<strong>publicó</strong>" in html and "<script>" not in html
    assert 'href="https://example.pe/observatorio" rel="nofollow noopener"' in html
    assert re.search(r'href="/documents/\d+/acta-avance.pdf"', html)
    assert 'href="javascript:' not in html and "Enlace raro" in html


def test_drafts_reports_in_review_and_reports_of_other_plans_are_never_public(
        app, client, plan_world, create_user, create_consultation):
    base = f"/consultations/{plan_world.slug}/follow-up/reports"
    for name in ("one_draft", "three_review"):
        page(client, f"{base}/{plan_world.reports[name]}", status=404)
    for ident in (999999, "abc", "0x1"):
        page(client, f"{base}/{ident}", status=404)
    other = build_plan_world(app, create_user, create_consultation)
    page(client, f"{base}/{other.reports['one']}", status=404)
    page(client, f"/consultations/{other.slug}/follow-up/reports/{other.reports['one']}")
    # Nor for the secretariat.
    login(client, plan_world.secretariat)
    page(client, f"{base}/{plan_world.reports['one_draft']}", status=404)


def test_the_consultation_and_the_final_plan_link_to_the_follow_up(client, plan_world):
    url = f"/consultations/{plan_world.slug}/follow-up"
    assert f'href="{url}"' in page(client, f"/consultations/{plan_world.slug}")
    assert f'href="{url}"' in page(client, f"/consultations/{plan_world.slug}/final-plan")


def test_a_published_report_makes_the_cached_pages_new(app, client, plan_world):
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 30
    try:
        with app.app_context():
            clear()
            before = page_generation(plan_world.slug)
        url = f"/consultations/{plan_world.slug}/follow-up"
        assert "Último reporte" not in cards(page(client, url))[3]
        with app.test_request_context():
            report = db.session.get(ProgressReport, plan_world.reports["three_review"])
            report.state = "published"
            report.published_at = func.now()
            report_published.send(report)
            db.session.commit()
            assert page_generation(plan_world.slug) != before
        assert "Último reporte" in cards(page(client, url))[3]
    finally:
        app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 0
        with app.app_context():
            clear()


def test_the_tracking_page_counts_in_a_fixed_number_of_queries(app, client, plan_world):
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    sent = []

    def count(*_args, **_kwargs):
        sent.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        page(client, f"/consultations/{plan_world.slug}/follow-up")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(sent) <= 12
    with app.app_context():
        assert db.session.scalar(select(func.count(ProgressReport.id))) == 5
