"""contributions: covering indexes for the counts of the public pages

The consultation page counts the contributions by state (the held personal data
included, which the states index lacked: SQLite read the whole table), and the plan
page counts them per commitment and kind, grouped by the commitment they are about
(classified, else the author's). Both become scans of an index alone.

Revision ID: 8be9b8ad9208
Revises: 6f6d5a5e4595
Create Date: 2026-12-04 16:53:05

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8be9b8ad9208'
down_revision = '6f6d5a5e4595'
branch_labels = None
depends_on = None

STATES = ['consultation_id', 'hidden_at', 'withdrawn_at', 'classified_at', 'group_id',
          'hidden_reason', 'voided_at']


def upgrade():
    # Plain index statements (no batch copy of the table): SQLite keeps its other indexes.
    op.drop_index('ix_contributions_states', table_name='contributions')
    op.create_index('ix_contributions_states', 'contributions',
                    [*STATES, 'personal_data_held_at'])
    op.create_index('ix_contributions_commitment_counts', 'contributions',
                    ['consultation_id', 'classified_commitment_id', 'commitment_id', 'kind',
                     'withdrawn_at', 'voided_at'])


def downgrade():
    op.drop_index('ix_contributions_commitment_counts', table_name='contributions')
    op.drop_index('ix_contributions_states', table_name='contributions')
    op.create_index('ix_contributions_states', 'contributions', STATES)
