"""staff pages: a stored "answered", counts by state from the index alone, the authors
to notify

``contributions.answered`` says that a published response answers the contribution (its
own or its group's); the feedback operations keep it (publishing a response, joining or
leaving a group). It is filled here from the responses as they are. With it the
secretariat's coverage reads ``ix_contributions_states`` alone and the unanswered
contributions are a range of ``ix_contributions_unanswered``, instead of testing every
contribution against the responses.

``ix_contributions_states`` also holds ``personal_data_held_at`` (and the coverage's
columns), so that the counts by state (moderation home, queue, staff start page, the
consultation page's figures) read the index alone instead of every row; ``ix_contributions_to_notify`` holds the few
contributions whose author asked to be told by SMS, phone or letter, in the list's order.

Revision ID: 03e31bbf84f7
Revises: b1f9b17594e5
Create Date: 2026-12-04 16:53:22.917581

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '03e31bbf84f7'
down_revision = 'b1f9b17594e5'
branch_labels = None
depends_on = None

STATES = ['consultation_id', 'hidden_at', 'withdrawn_at', 'classified_at', 'group_id',
          'hidden_reason', 'voided_at']
TO_NOTIFY = sa.text('author_contact_channel IS NOT NULL')
VISIBLE = 'hidden_at IS NULL AND withdrawn_at IS NULL AND voided_at IS NULL'
#: Added to the states index: the counts by state, and the secretariat's coverage.
COVERED = ['personal_data_held_at', 'answered', 'classified_component_id', 'component_id',
           'classified_commitment_id', 'commitment_id']
UNANSWERED = {'postgresql_where': sa.text(f'answered = false AND {VISIBLE}'),
              'sqlite_where': sa.text(f'answered = 0 AND {VISIBLE}')}
#: What feedback.queries.answered_now says, for the rows already there.
FILL_ANSWERED = """
UPDATE contributions SET answered = (
  EXISTS (SELECT 1 FROM responses WHERE responses.contribution_id = contributions.id
          AND responses.current_version_id IS NOT NULL)
  OR (contributions.group_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM responses WHERE responses.group_id = contributions.group_id
                  AND responses.current_version_id IS NOT NULL)))
"""


# Plain operations, not batch mode: on SQLite batch mode copies the table for a column
# with a SQL default, which writes its foreign keys as table constraints, and the plain
# drop_column of older downgrades then fails on them. SQLite adds and drops this column
# and these indexes in place.


def upgrade():
    op.add_column('contributions', sa.Column('answered', sa.Boolean(),
                                             server_default=sa.false(), nullable=False))
    op.execute(FILL_ANSWERED)
    op.drop_index('ix_contributions_states', table_name='contributions')
    op.create_index('ix_contributions_states', 'contributions', [*STATES, *COVERED],
                    unique=False)
    op.create_index('ix_contributions_to_notify', 'contributions',
                    ['consultation_id', 'received_at', 'id'], unique=False,
                    postgresql_where=TO_NOTIFY, sqlite_where=TO_NOTIFY)
    op.create_index('ix_contributions_unanswered', 'contributions',
                    ['consultation_id', 'received_at', 'id'], unique=False, **UNANSWERED)


def downgrade():
    op.drop_index('ix_contributions_unanswered', table_name='contributions', **UNANSWERED)
    op.drop_index('ix_contributions_to_notify', table_name='contributions',
                  postgresql_where=TO_NOTIFY, sqlite_where=TO_NOTIFY)
    op.drop_index('ix_contributions_states', table_name='contributions')
    # Back to the index as the previous migration (8be9b8ad9208) left it.
    op.create_index('ix_contributions_states', 'contributions', [*STATES, 'personal_data_held_at'],
                    unique=False)
    op.drop_column('contributions', 'answered')
