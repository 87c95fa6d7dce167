"""The migration that gives commitments a lineage backfills it by number across the
versions of each consultation, and goes down again without losing a commitment."""

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from consulta.extensions import db

from ..conftest import make_app
from ..contributions.test_migration_received_at import _insert

BEFORE = "005920d210fe"
AFTER = "dd5ed602c269"


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="placeholder rows need SQLite's ignore_check_constraints")
def test_lineage_is_backfilled_by_number_in_consecutive_versions(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'before.db'}")
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(text("PRAGMA ignore_check_constraints=ON"))
            _insert(connection, "users", id=1)
            for consultation in (1, 2):
                _insert(connection, "consultations", id=consultation, created_by_id=1,
                        slug=f"consulta-{consultation}")
                _insert(connection, "components", id=consultation,
                        consultation_id=consultation, name="Salud")
            # Consultation 1: version 1 has 1, 2; version 2 has 1, 3. Consultation 2: 1.
            for version, consultation, number in ((1, 1, 1), (2, 1, 2), (3, 2, 1)):
                _insert(connection, "plan_versions", id=version,
                        consultation_id=consultation, number=number)
            for commitment, version, number in ((1, 1, 1), (2, 1, 2), (3, 2, 1), (4, 2, 3),
                                                (5, 3, 1)):
                _insert(connection, "commitments", id=commitment, plan_version_id=version,
                        component_id=1 if version < 3 else 2, number=number,
                        title=f"Compromiso {number}")
            connection.execute(text("PRAGMA ignore_check_constraints=OFF"))
        upgrade(revision=AFTER)
        with db.engine.connect() as connection:
            lineage = dict(connection.execute(text(
                "SELECT id, lineage FROM commitments")).all())
        assert lineage[3] == lineage[1]  # number 1, versions 1 and 2 of consultation 1
        assert len({lineage[2], lineage[4], lineage[1], lineage[5]}) == 4
        assert all(len(value) == 12 for value in lineage.values())
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM commitments")).scalar() == 5
        db.engine.dispose()
