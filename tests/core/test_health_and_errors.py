from ..conftest import make_app


def test_health_reports_each_dependency(client):
    response = client.get("/health")
    assert response.status_code == 200
    data = response.get_json()
    assert data == {"status": "ok", "database": "ok", "redis": "not configured",
                    "rate_limits": "memory (each worker counts apart)", "cache": "off",
                    "outbox": {"waiting": 0, "given_up": 0, "oldest_waiting": None,
                               "oldest_waiting_minutes": None}}


def test_health_reports_an_unreachable_database(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/missing-dir/nope/db.sqlite")
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_unexpected_errors_show_a_friendly_page_with_an_id_and_no_traceback(database_url):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("SELECT secret FROM internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Algo salió mal" in page
    assert "SELECT secret" not in page and "Traceback" not in page
    assert "<code>" in page  # the error reference


def test_method_not_allowed_page(client):
    assert client.post("/privacy").status_code in (400, 405)
    response = client.delete("/privacy")
    assert response.status_code == 405
