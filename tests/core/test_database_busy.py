"""A database locked by a long write elsewhere gets a "try again" answer, never a 500."""

import sqlite3

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from consulta.accounts.models import User
from consulta.core.errors import BUSY_RETRY_AFTER
from consulta.extensions import db

from ..conftest import login


@pytest.fixture
def write_lock(app, database_url):
    """Hold SQLite's write lock from another connection, as a long publication does; the
    app's connections wait 0.2 s for it instead of their 10 s."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    with app.app_context():
        engine = db.engine

    def short_wait(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    event.listen(engine, "connect", short_wait)
    engine.dispose()
    holder = sqlite3.connect(url.database, isolation_level=None)
    try:
        yield lambda: holder.execute("BEGIN IMMEDIATE")
    finally:
        holder.execute("ROLLBACK") if holder.in_transaction else None
        holder.close()
        event.remove(engine, "connect", short_wait)
        engine.dispose()


def test_a_write_during_a_held_lock_is_asked_to_try_again(app, create_user, write_lock):
    user = create_user()
    client = app.test_client()
    token = client.csrf_token()
    write_lock()

    page = client.post("/login", data={"email": user.email, "password": user.password,
                                       "csrf_token": token})
    data = client.post("/login", headers={"Accept": "application/json"}, data={
        "email": user.email, "password": user.password, "csrf_token": token})

    # At least our 5 s: the login's rate limit may stretch it to its own window.
    assert page.status_code == 503 and int(page.headers["Retry-After"]) >= BUSY_RETRY_AFTER
    assert "Por favor, inténtalo de nuevo" in page.get_data(as_text=True)
    assert data.status_code == 503 and int(data.headers["Retry-After"]) >= BUSY_RETRY_AFTER
    assert data.get_json()["error"] == 503 and "inténtalo de nuevo" in data.get_json()["message"]
    with app.app_context():  # nothing was written
        assert db.session.get(User, user.id).last_login_at is None


def test_the_same_write_goes_through_once_the_lock_is_released(app, create_user):
    user = create_user()
    client = app.test_client()
    assert login(client, user).status_code == 302
