import logging

from flask_migrate import upgrade
from sqlalchemy import text

from consulta.extensions import db

log = logging.getLogger(__name__)


def upgrade_database(app):
    """Bring the schema to the latest migration (idempotent)."""
    with app.app_context():
        upgrade()


def database_is_reachable():
    """True if the database answers a trivial query (the health check); the reason it
    does not is logged."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        db.session.rollback()
        return False
    return True
