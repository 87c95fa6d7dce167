"""The demo's finished consultation has an approved final plan, traced to its input."""

LA_LIBERTAD = "plan-gobierno-abierto-la-libertad"


def test_the_finished_demo_consultation_has_a_traced_final_plan(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    client = app.test_client()
    data = client.get(f"/api/v1/consultations/{LA_LIBERTAD}/final-plan").get_json()
    assert (data["consulted_version"], data["version"]) == (1, 2)
    assert sorted(c["kind"] for c in data["changes"]) == ["changed", "changed"]
    assert all(c["reason"] for c in data["changes"])
    traced = [code for c in data["commitments"] for code in c["contributions"]]
    assert len(traced) >= 6
    # Each commitment's progress comes from the follow-up (its status and percentage).
    assert all(set(c["progress"]) == {"status", "percent"} for c in data["commitments"])
    page = client.get(f"/consultations/{LA_LIBERTAD}/final-plan")
    assert page.status_code == 200 and "zonas de riesgo" in page.get_data(as_text=True)
    # Idempotent: a second run makes no second version nor final plan.
    assert runner.invoke(args=["demo"]).exit_code == 0
    again = client.get(f"/api/v1/consultations/{LA_LIBERTAD}/final-plan").get_json()
    assert again["version"] == 2


def test_the_finished_demo_consultation_has_a_year_of_follow_up(app):
    """Reports (one commitment completed, one delayed with its reason), a forum that met
    twice after the approval and observed a report (IRM guideline 7 met), and a
    follower: the tracking page, the API and the forum page say so."""
    from sqlalchemy import func, select

    from consulta.extensions import db
    from consulta.finalplan.queries import published_final_plan
    from consulta.followup.forum import implementation_guideline_7
    from consulta.followup.models import Follower, ForumMeeting, ProgressReport

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    client = app.test_client()
    progress = client.get(f"/api/v1/consultations/{LA_LIBERTAD}/progress").get_json()
    statuses = {c["title"].split(" ")[0] + " " + c["title"].split(" ")[1]: c["status"]
                for c in progress["commitments"]}
    # (The others are in progress or, once their months have passed, overdue.)
    assert statuses["Proponer una"] == "completed"
    assert statuses["Población preparada"] == "delayed"
    page = client.get(f"/consultations/{LA_LIBERTAD}/follow-up").get_data(as_text=True)
    assert "Población preparada y organizada" in page
    forum_page = client.get(f"/consultations/{LA_LIBERTAD}/forum").get_data(as_text=True)
    assert "simulacro regional" in forum_page  # the forum's observation
    with app.app_context():
        from consulta.consultations.queries import consultation_by_slug
        final_plan = published_final_plan(consultation_by_slug(LA_LIBERTAD))
        assert implementation_guideline_7(final_plan)["met"]
        counts = (db.session.scalar(select(func.count(ProgressReport.id))),
                  db.session.scalar(select(func.count(ForumMeeting.id))),
                  db.session.scalar(select(func.count(Follower.id))))
    assert counts == (4, 2, 1)
    # Idempotent: a second run adds no report, meeting nor follower.
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        assert (db.session.scalar(select(func.count(ProgressReport.id))),
                db.session.scalar(select(func.count(ForumMeeting.id))),
                db.session.scalar(select(func.count(Follower.id)))) == counts
