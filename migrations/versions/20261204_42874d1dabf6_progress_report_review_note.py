"""followup: the secretariat's note when it returns a progress report to draft

A report sent for review may be returned to its reporters with a note saying what to
correct; the note is kept on the report (the audit log keeps every one). Existing
reports have none: empty.

Revision ID: 42874d1dabf6
Revises: a3c4d5faad78
Create Date: 2026-12-04 16:50:35

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '42874d1dabf6'
down_revision = 'a3c4d5faad78'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch copy) works on SQLite and PostgreSQL alike.
    op.add_column('progress_reports', sa.Column('review_note', sa.Text(), nullable=False,
                                                server_default=''))


def downgrade():
    with op.batch_alter_table('progress_reports', schema=None) as batch_op:
        batch_op.drop_column('review_note')
