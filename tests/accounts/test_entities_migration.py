"""The migration to organizing entities: one entity per distinct organizer text of the
stored consultations (its level from their scope), every consultation linked, every
existing role kept platform-wide; and down again."""

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from consulta.extensions import db

from ..conftest import make_app
from ..contributions.test_migration_received_at import _insert

BEFORE = "03e31bbf84f7"
AFTER = "f92963d59c1d"


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="placeholder rows need SQLite's ignore_check_constraints")
def test_the_migration_makes_an_entity_of_each_organizer_and_keeps_roles(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'before.db'}")
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(text("PRAGMA ignore_check_constraints=ON"))
            _insert(connection, "users", id=1, email="a@example.org")
            _insert(connection, "users", id=2, email="b@example.org")
            for ident, organizer, scope, region in (
                    (1, "Gobierno Regional La Libertad", "regional", "la-libertad"),
                    (2, "Secretaría de Gobierno Digital", "national", None),
                    (3, " gobierno regional  la libertad", "regional", "la-libertad"),
                    (4, "Municipalidad de Trujillo", "local", "la-libertad")):
                _insert(connection, "consultations", id=ident, slug=f"c{ident}",
                        organizer=organizer, scope=scope, scope_region=region,
                        scope_locality="Trujillo" if scope == "local" else None,
                        opens_at="2026-03-01 14:00:00", closes_at="2026-04-01 14:00:00",
                        created_by_id=1)
            for user_id, role in ((1, "admin"), (2, "secretariat"), (2, "moderator")):
                _insert(connection, "user_roles", user_id=user_id, role=role)
            connection.execute(text("PRAGMA ignore_check_constraints=OFF"))
        upgrade(revision=AFTER)
        with db.engine.begin() as connection:
            entities = {row.id: row for row in connection.execute(text(
                "SELECT id, slug, name, level, region FROM entities"))}
            linked = dict(connection.execute(text(
                "SELECT slug, entity_id FROM consultations")).all())
            roles = connection.execute(text(
                "SELECT user_id, role, entity_id FROM user_roles ORDER BY id")).all()
            columns = {c["name"]: c for c in inspect(connection).get_columns("consultations")}
        by_slug = {e.slug: e for e in entities.values()}
        assert sorted(by_slug) == ["gobierno-regional-la-libertad",
                                   "municipalidad-de-trujillo",
                                   "secretaria-de-gobierno-digital"]
        assert {slug: (e.level, e.region) for slug, e in by_slug.items()} == {
            "gobierno-regional-la-libertad": ("regional", "la-libertad"),
            "municipalidad-de-trujillo": ("local", "la-libertad"),
            "secretaria-de-gobierno-digital": ("national", None)}
        assert {slug: entities[ident].slug for slug, ident in linked.items()} == {
            "c1": "gobierno-regional-la-libertad", "c2": "secretaria-de-gobierno-digital",
            "c3": "gobierno-regional-la-libertad", "c4": "municipalidad-de-trujillo"}
        assert not columns["entity_id"]["nullable"]
        assert sorted(roles) == [(1, "admin", None), (2, "moderator", None),
                                 (2, "secretariat", None)]

        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            columns = {c["name"] for c in inspect(connection).get_columns("consultations")}
            roles = connection.execute(text(
                "SELECT user_id, role FROM user_roles ORDER BY user_id, role")).all()
        assert "entities" not in tables and "entity_id" not in columns
        assert roles == [(1, "admin"), (2, "moderator"), (2, "secretariat")]
        db.engine.dispose()
