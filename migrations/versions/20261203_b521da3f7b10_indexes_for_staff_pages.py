"""indexes for the staff pages: a proposal's comments, the responses list, the audit log

Revision ID: b521da3f7b10
Revises: 590ae58d7c92
Create Date: 2026-12-03 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b521da3f7b10'
down_revision = '590ae58d7c92'
branch_labels = None
depends_on = None


def upgrade():
    # A partial index: SQLite's planner ignored the full one (all NULL but for the
    # comments on proposals) and scanned the table.
    op.drop_index('ix_contributions_parent_id', table_name='contributions')
    op.create_index('ix_contributions_parent_id', 'contributions', ['parent_id'],
                    unique=False, postgresql_where=sa.text('parent_id IS NOT NULL'),
                    sqlite_where=sa.text('parent_id IS NOT NULL'))
    op.create_index('ix_responses_consultation_updated', 'responses',
                    ['consultation_id', 'updated_at', 'id'], unique=False)
    op.create_index('ix_audit_entries_consultation_action', 'audit_entries',
                    ['consultation_id', 'action', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_audit_entries_consultation_action', table_name='audit_entries')
    op.drop_index('ix_responses_consultation_updated', table_name='responses')
    op.drop_index('ix_contributions_parent_id', table_name='contributions')
    op.create_index('ix_contributions_parent_id', 'contributions', ['parent_id'], unique=False)
