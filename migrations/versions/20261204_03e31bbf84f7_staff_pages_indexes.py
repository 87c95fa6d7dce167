"""staff pages: counts by state from the index alone; the authors to notify

``ix_contributions_states`` also holds ``personal_data_held_at``, so that the counts by
state (moderation home, queue, staff start page, the consultation page's figures) read
the index alone instead of every row; ``ix_contributions_to_notify`` holds the few
contributions whose author asked to be told by SMS, phone or letter, in the list's order.

Revision ID: 03e31bbf84f7
Revises: a3c4d5faad78
Create Date: 2026-12-04 16:53:22.917581

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '03e31bbf84f7'
down_revision = 'a3c4d5faad78'
branch_labels = None
depends_on = None

STATES = ['consultation_id', 'hidden_at', 'withdrawn_at', 'classified_at', 'group_id',
          'hidden_reason', 'voided_at']
TO_NOTIFY = sa.text('author_contact_channel IS NOT NULL')


def upgrade():
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_index('ix_contributions_states')
        batch_op.create_index('ix_contributions_states', [*STATES, 'personal_data_held_at'],
                              unique=False)
        batch_op.create_index('ix_contributions_to_notify',
                              ['consultation_id', 'received_at', 'id'], unique=False,
                              postgresql_where=TO_NOTIFY, sqlite_where=TO_NOTIFY)


def downgrade():
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_index('ix_contributions_to_notify', postgresql_where=TO_NOTIFY,
                            sqlite_where=TO_NOTIFY)
        batch_op.drop_index('ix_contributions_states')
        batch_op.create_index('ix_contributions_states', STATES, unique=False)
