"""stored tsvector for full-text search on postgresql

Revision ID: 05cd8637d3e0
Revises: ef1de8c7324c
Create Date: 2026-11-21 09:26:06.121072

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '05cd8637d3e0'
down_revision = 'ef1de8c7324c'
branch_labels = None
depends_on = None


def upgrade():
    # PostgreSQL only: keep the tsvector stored instead of recomputing it, so that a
    # word matching many rows (a lossy bitmap) does not recompute to_tsvector for each
    # candidate on recheck. SQLite keeps its FTS5 table.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE contributions ADD COLUMN search_vector tsvector "
               "GENERATED ALWAYS AS (to_tsvector('spanish', search_document)) STORED")
    op.execute("DROP INDEX IF EXISTS ix_contributions_search")
    op.execute("CREATE INDEX ix_contributions_search ON contributions "
               "USING gin (search_vector)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_contributions_search")
    op.execute("ALTER TABLE contributions DROP COLUMN IF EXISTS search_vector")
    op.execute("CREATE INDEX ix_contributions_search ON contributions "
               "USING gin (to_tsvector('spanish', search_document))")
