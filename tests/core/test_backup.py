"""`flask backup` and `flask restore`: a copy that restores to the same data, digests included."""

import uuid

import pytest
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from consulta.accounts.models import User
from consulta.core.backup import libpq_arguments
from consulta.extensions import db
from consulta.summary.models import SummarySnapshot
from consulta.summary.queries import recompute_digest

from ..conftest import make_app


@pytest.fixture
def fresh_url(database_url, tmp_path):
    """An empty database beside the session's: a SQLite file, or a new PostgreSQL one."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"consulta_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def restored_app(fresh_url):
    app = make_app(fresh_url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def row_counts(url):
    """{table: rows} for every table in the database."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {name: conn.execute(select(func.count()).select_from(table(name))).scalar()
                    for name in inspect(conn).get_table_names()}
    finally:
        engine.dispose()


def snapshots(app):
    """(consultation, version, stored digest, digest recomputed from the stored rows)."""
    with app.app_context():
        found = [(s.consultation.slug, s.version, s.digest, recompute_digest(s))
                 for s in db.session.scalars(select(SummarySnapshot)
                                             .order_by(SummarySnapshot.id))]
        db.session.remove()
    return found


def test_a_backup_restores_every_row_and_the_published_summaries_verify(
        app, database_url, fresh_url, restored_app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    published = snapshots(app)
    assert published, "the demo publishes a summary"
    path = tmp_path / "copia-de-seguridad"

    result = runner.invoke(args=["backup", "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Backup written to {path}" in result.output
    assert path.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only

    result = restored_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output

    original, restored = row_counts(database_url), row_counts(fresh_url)
    assert restored == original
    assert original["contributions"] > 0 and original["summary_rows"] > 0
    copies = snapshots(restored_app)
    assert [c[:3] for c in copies] == [p[:3] for p in published]
    assert all(recomputed == digest for _slug, _v, digest, recomputed in copies)
    with restored_app.app_context():  # the append-only triggers came back too
        for statement in ("UPDATE audit_entries SET action = 'cambiado'",
                          "DELETE FROM audit_entries"):
            with pytest.raises(Exception, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
    slug, version, digest, _ = copies[0]
    answer = restored_app.test_client().get(f"/api/v1/consultations/{slug}/summary"
                                            f"?version={version}").get_json()
    assert answer["digest_sha256"] == digest


def test_a_backup_never_overwrites_a_file(app, tmp_path):
    path = tmp_path / "existente.backup"
    path.write_bytes(b"una copia anterior")
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(path)])
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert path.read_bytes() == b"una copia anterior"
    assert [p.name for p in tmp_path.iterdir()] == ["existente.backup"]  # no leftovers


def test_restore_refuses_a_database_holding_data_unless_forced(app, create_user, fresh_url,
                                                               restored_app, tmp_path):
    user = create_user()
    path = tmp_path / "copia"
    assert app.test_cli_runner().invoke(args=["backup", "--output", str(path)]).exit_code == 0
    runner = restored_app.test_cli_runner()
    assert runner.invoke(args=["restore", str(path)]).exit_code == 0
    with restored_app.app_context():
        db.session.execute(text("UPDATE users SET display_name = 'Cambiado después'"))
        db.session.commit()

    refused = runner.invoke(args=["restore", str(path)])
    assert refused.exit_code != 0
    assert "not empty" in refused.output and "--force" in refused.output
    with restored_app.app_context():
        assert db.session.get(User, user.id).display_name == "Cambiado después"
        db.session.remove()

    forced = runner.invoke(args=["restore", "--force", str(path)])
    assert forced.exit_code == 0, forced.output
    with restored_app.app_context():
        assert db.session.get(User, user.id).display_name != "Cambiado después"
        db.session.remove()


def test_restore_refuses_a_file_that_is_not_a_backup_of_this_kind_of_database(
        app, restored_app, fresh_url, tmp_path):
    path = tmp_path / "notas.txt"
    path.write_text("esto no es una copia de seguridad")
    result = restored_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code != 0
    assert "cannot be restored" in result.output
    with restored_app.app_context():
        assert inspect(db.engine).get_table_names() == []  # nothing was touched


def test_postgresql_tools_get_the_password_in_the_environment_not_the_command_line():
    dbname, env = libpq_arguments(
        "postgresql+psycopg://consulta:cl4ve-s3creta@db.example.gob.pe:5433/consulta"
        "?sslmode=require")
    assert "cl4ve-s3creta" not in dbname
    assert env["PGPASSWORD"] == "cl4ve-s3creta"
    assert dbname == "postgresql://consulta@db.example.gob.pe:5433/consulta?sslmode=require"
