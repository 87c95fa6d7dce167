"""contributions: received outside the participation windows (confirmed)

A typed-in contribution whose received day lies outside every participation window
of its channel is saved only once the moderator confirms it arrived late or early;
the fact is kept on the row and counted in the summary. Existing rows were never
confirmed as such: false.

Revision ID: c7a3f1e9d2b4
Revises: b5e1d2c3a4f6
Create Date: 2026-12-03 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7a3f1e9d2b4'
down_revision = 'b5e1d2c3a4f6'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch copy): SQLite keeps the partial listing indexes.
    op.add_column('contributions', sa.Column('received_outside_window', sa.Boolean(),
                                             nullable=False, server_default=sa.false()))


LISTED = sa.text("withdrawn_at IS NULL AND voided_at IS NULL")


def downgrade():
    # SQLite's batch copy would lose the partial listing indexes' WHERE: made again by hand.
    op.drop_index('ix_contributions_listing', table_name='contributions')
    op.drop_index('ix_contributions_supported', table_name='contributions')
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_column('received_outside_window')
    op.create_index('ix_contributions_listing', 'contributions',
                    ['consultation_id', 'received_at', 'id'],
                    postgresql_where=LISTED, sqlite_where=LISTED)
    op.create_index('ix_contributions_supported', 'contributions',
                    ['consultation_id', 'supports_count', 'id'],
                    postgresql_where=LISTED, sqlite_where=LISTED)
