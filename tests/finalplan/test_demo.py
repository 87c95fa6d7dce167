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
