import logging

from flask_migrate import upgrade

log = logging.getLogger(__name__)


def upgrade_database(app):
    """Bring the schema to the latest migration (idempotent)."""
    with app.app_context():
        upgrade()
