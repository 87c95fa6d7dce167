"""typed-in authors found by trigrams on PostgreSQL (pg_trgm)

Finding a typed-in author by part of a name (the offline authors' page) compared every
typed-in record's name, organization and e-mail address with ``LIKE '%…%'``: 80 ms of
the database server's time at 50,000 contributions (20,000 typed-in records), growing
with them, which the in-process CPU figure never showed (``benchmarks/plans.py`` did).
SQLite reads its trigram index (783a5ac9c264). PostgreSQL gets a GIN index of the same
three lower-cased columns with pg_trgm's operator class, which serves those ``LIKE``
conditions as they are written.

pg_trgm ships with PostgreSQL (the contrib modules of the standard packages) and is a
trusted extension since PostgreSQL 13: the database's owner may create it. Where it
cannot be created, the migration goes on without the index and the search stays a scan
(the same answers, slower).

Revision ID: f3b8d1a6c4e2
Revises: e8b3c5d7f9a2
Create Date: 2026-12-06 04:20:00

"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b8d1a6c4e2'
down_revision = 'e8b3c5d7f9a2'
branch_labels = None
depends_on = None

INDEX = "ix_offline_authors_trgm"


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    try:
        with conn.begin_nested():
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as error:
        logging.getLogger("alembic.runtime.migration").warning(
            "pg_trgm could not be created (%s): typed-in authors are found by a scan",
            str(error.orig).strip())
        return
    op.execute(
        f"CREATE INDEX {INDEX} ON contributions USING gin "
        "(lower(author_name) gin_trgm_ops, lower(author_organization) gin_trgm_ops, "
        "lower(author_email) gin_trgm_ops) WHERE entered_by_id IS NOT NULL")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
