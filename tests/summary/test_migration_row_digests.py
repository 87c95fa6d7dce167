"""The migration to per-row digests: a version published before keeps the digest it was
published with (``legacy_digest``), gets a salt and a digest per row and its digest
under the new method, its gender figures of small groups suppressed; down restores it
(SQLite)."""

import json
import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from consulta.extensions import db
from consulta.summary.digest import canonical, digest_of, legacy_digest_of, row_digest

from ..conftest import make_app
from ..contributions.test_migration_received_at import _insert

BEFORE = "c7a3f1e9d2b4"
AFTER = "950b7bb3c423"
CONTENT = {"figures": {"women": {"count": 1, "known": 1, "share": 100.0}}, "version": 1}
ROWS = [{"code": "APO-2026-000001", "author": "Rosa Quispe", "text": "Publicar."},
        {"code": "APO-2026-000002", "author": "", "text": "Otra cosa."}]


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="placeholder rows need SQLite's ignore_check_constraints")
def test_versions_published_before_get_row_digests_and_keep_their_first_digest(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'before.db'}")
    legacy = legacy_digest_of(CONTENT, iter(ROWS))
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(text("PRAGMA ignore_check_constraints=ON"))
            _insert(connection, "users", id=1)
            _insert(connection, "consultations", id=1, created_by_id=1)
            _insert(connection, "summary_snapshots", id=1, consultation_id=1, version=1,
                    published_at="2026-12-01 10:00:00", content=json.dumps(CONTENT),
                    row_count=2, digest=legacy)
            for position, row in enumerate(ROWS, start=1):
                _insert(connection, "summary_rows", snapshot_id=1, position=position,
                        data=canonical(row))
        upgrade(revision=AFTER)
        with db.engine.connect() as connection:
            digest, legacy_digest, content = connection.execute(text(
                "SELECT digest, legacy_digest, content FROM summary_snapshots")).one()
            rows = connection.execute(text(
                "SELECT data, salt, digest FROM summary_rows ORDER BY position")).all()
        content = json.loads(content)
        assert legacy_digest == legacy
        # One person's gender: suppressed, as every output shows it from now on.
        assert content["figures"]["women"]["count"] == {"fewer_than": 5}
        assert [json.loads(data) for data, _salt, _digest in rows] == ROWS
        assert all(len(salt) == 32 for _data, salt, _digest in rows)
        assert [row_digest(salt, json.loads(data)) for data, salt, _d in rows] == \
            [d for _data, _salt, d in rows]
        assert digest == digest_of(content, (d for _data, _salt, d in rows)) != legacy
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            assert connection.execute(text(
                "SELECT digest FROM summary_snapshots")).scalar() == legacy
            assert connection.execute(text("SELECT count(*) FROM summary_rows")).scalar() == 2
        db.engine.dispose()
