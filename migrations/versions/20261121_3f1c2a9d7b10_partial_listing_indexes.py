"""listing indexes: partial, ending in id, so lists are read in page order

Revision ID: 3f1c2a9d7b10
Revises: 05cd8637d3e0
Create Date: 2026-11-21 10:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f1c2a9d7b10'
down_revision = '05cd8637d3e0'
branch_labels = None
depends_on = None

LISTED = sa.text("withdrawn_at IS NULL")


def upgrade():
    op.drop_index('ix_contributions_listing', table_name='contributions')
    op.drop_index('ix_contributions_supported', table_name='contributions')
    op.create_index('ix_contributions_listing', 'contributions',
                    ['consultation_id', 'created_at', 'id'],
                    postgresql_where=LISTED, sqlite_where=LISTED)
    op.create_index('ix_contributions_supported', 'contributions',
                    ['consultation_id', 'supports_count', 'id'],
                    postgresql_where=LISTED, sqlite_where=LISTED)


def downgrade():
    op.drop_index('ix_contributions_supported', table_name='contributions')
    op.drop_index('ix_contributions_listing', table_name='contributions')
    op.create_index('ix_contributions_supported', 'contributions',
                    ['consultation_id', 'supports_count'])
    op.create_index('ix_contributions_listing', 'contributions',
                    ['consultation_id', 'withdrawn_at', 'created_at'])
