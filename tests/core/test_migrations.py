from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from consulta.extensions import db


def test_migrations_produce_exactly_the_models_schema(app):
    """The `app` fixture built the schema with the migrations; it must match the models."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            # Full-text search structures are made by hand in the migrations.
            "include_name": lambda name, type_, parents: not (name or "").startswith(
                ("contributions_fts", "ix_contributions_search", "search_vector",
                 "offline_authors_fts", "ix_offline_authors_trgm"))})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
